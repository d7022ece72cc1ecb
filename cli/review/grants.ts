/**
 * The access review's entries: a grant's level, conditions and source, their order and dedupe,
 * and the pack's verdicts.
 */
import type { CatalogueAction } from "../../lib/iam/actions.ts";
import type { NormalizedStatement } from "../../lib/iam/analysis.ts";
import type { StackResource } from "../../lib/stack/model.ts";
import { resolvePolicyConfig } from "../../policies/support/offline.ts";
import { policies as packPolicies } from "../../policies/all.ts";
import type { Plan } from "../plan/computePlan.ts";
import {
  LEVEL_ORDER,
  type GrantPath,
  type Level,
  type ReviewCondition,
  type ReviewDeny,
  type ReviewGrant,
  type ReviewSource,
  type ReviewVerdict,
} from "./contract.ts";

/** The catalogue's access level in the review's five, as the pack counts them. */
export function reviewLevel(action: CatalogueAction): Level {
  // Reading SSE-KMS objects needs kms:Decrypt; the pack counts it as a Read.
  if (action.action.toLowerCase() === "kms:decrypt") return "Read";
  const level = action.accessLevel;
  if (level === "List" || level === "Read") return level;
  if (level.startsWith("Permissions management")) return "Permissions management";
  if (level.startsWith("Tagging")) return "Tagging";
  return "Write";
}

export function conditionsOf(s: NormalizedStatement | undefined): ReviewCondition[] | undefined {
  if (!s || s.conditions.length === 0) return undefined;
  return s.conditions.map((c) => ({ operator: c.operator, key: c.key, values: [...c.values] }));
}

export function sourceOf(
  r: StackResource,
  path: GrantPath,
  s?: NormalizedStatement,
  via?: string,
): ReviewSource {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(s?.sid ? { sid: s.sid } : {}),
    ...(s ? { statement: s.index } : {}),
    path,
    ...(via ? { via } : {}),
  };
}

function grantKey(g: ReviewGrant): string {
  return JSON.stringify([g.action, g.resource, g.where, g.conditions ?? [], g.source]);
}

export function dedupe(grants: ReviewGrant[]): ReviewGrant[] {
  const seen = new Map<string, ReviewGrant>();
  for (const g of grants) if (!seen.has(grantKey(g))) seen.set(grantKey(g), g);
  return [...seen.values()];
}

export function dedupeDenies(denies: ReviewDeny[]): ReviewDeny[] {
  const seen = new Map<string, ReviewDeny>();
  for (const d of denies) seen.set(`${d.source.urn}#${d.source.statement}`, d);
  return [...seen.values()];
}

export function compareGrants(a: ReviewGrant, b: ReviewGrant): number {
  const where = (g: ReviewGrant) => g.where.bucket ?? g.where.kmsKey ?? "";
  return (
    where(a).localeCompare(where(b)) ||
    Number(Boolean(a.where.kmsKey)) - Number(Boolean(b.where.kmsKey)) ||
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    a.action.localeCompare(b.action) ||
    a.resource.localeCompare(b.resource)
  );
}

export function verdictsOf(plan: Plan, policyConfig: Record<string, unknown>): ReviewVerdict[] {
  const resolved = resolvePolicyConfig(policyConfig);
  return packPolicies.map((p) => {
    const level = resolved.get(p.name)?.enforcementLevel ?? p.enforcementLevel ?? "advisory";
    const violations = plan.violations.filter((v) => v.policy === p.name);
    const undecided = plan.undecided.filter((u) => u.policy === p.name);
    const status: ReviewVerdict["status"] =
      level === "disabled"
        ? "disabled"
        : violations.length
          ? "violation"
          : undecided.length
            ? "undecided"
            : "pass";
    return {
      policy: p.name,
      level,
      status,
      findings: [
        ...violations.map((v) => ({ message: v.message, urn: v.urn, stage: v.stage })),
        ...undecided.map((u) => ({ message: u.message, stage: `undecided ${u.stage}` })),
      ],
    };
  });
}

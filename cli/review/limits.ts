/**
 * What limits or clouds the access review's grants: the documents it cannot read (managed
 * policies, unreadable or unknown documents), the denies that apply to each entry, and who may
 * assume each role.
 */
import {
  parsePolicyDocument,
  statementActions,
  type NormalizedStatement,
} from "../../lib/iam/analysis.ts";
import { collectGrants } from "../../lib/iam/stackGrants.ts";
import {
  BUCKET_TYPES,
  T,
  UnknownValues,
  describe,
  str,
  type StackResource,
} from "../../lib/stack/model.ts";
import { isReadOnlyManagedPolicy } from "../../policies/support/common.ts";
import type {
  Party,
  ReviewPrincipal,
  ReviewSource,
  ReviewTopDeny,
  ReviewTrust,
} from "./contract.ts";
import { conditionsOf, sourceOf } from "./grants.ts";
import { denyApplies, isPublicAllowOf, principalsAsWritten, trustParty } from "./parties.ts";
import { scopesOfPattern } from "./scopes.ts";
import { STACK_PRINCIPALS, UNKNOWN_SID, denyView, unknownView } from "./stackViews.ts";
import type { GoverningDoc } from "./allows.ts";
import { entryOf, keyOf, type ReviewContext } from "./context.ts";

/**
 * What the analysis cannot read: managed policies, unreadable documents. Returns the review's
 * notes of unreadable documents that govern the buckets and keys.
 */
export function addUnreadable(ctx: ReviewContext, governing: GoverningDoc[]): string[] {
  for (const m of ctx.found.managed) {
    const entry = entryOf(ctx, m.target);
    entry.unresolved.push({
      kind: "managed-policy",
      detail: `${m.awsManaged ? "AWS-managed" : "managed"} policy ${m.policyArn}, attached by ${describe(m.source)}${m.via ? ` ${m.via}` : ""}: its document is not in this stack`,
      policyArn: m.policyArn,
      readOnly: m.awsManaged && isReadOnlyManagedPolicy(m.policyArn),
      source: { urn: m.source.urn, type: m.source.type, name: m.source.name },
    });
  }
  const relevantSources = new Set(governing.map((d) => d.source.urn));
  const isGoverning = (r: StackResource): boolean => {
    if (r.type === T.BucketPolicy || r.type === T.AccessPoint || r.type === T.AccessPointPolicy)
      return true;
    if (BUCKET_TYPES.includes(r.type)) return ctx.buckets.some((b) => b.resource === r);
    return r.type === T.KmsKey || r.type === T.KmsKeyPolicy;
  };
  const unreadableTop: string[] = [];
  for (const u of ctx.found.unreadable) {
    if (u.target) {
      entryOf(ctx, u.target).unresolved.push({
        kind: "unreadable-document",
        detail: `${describe(u.source)} has a policy document that cannot be read (${u.problem})`,
        source: { urn: u.source.urn, type: u.source.type, name: u.source.name },
      });
    } else if (relevantSources.has(u.source.urn) || isGoverning(u.source)) {
      unreadableTop.push(
        `${describe(u.source)} has a policy document that cannot be read (${u.problem}): what it grants on the budget bucket is not shown`,
      );
    }
  }
  return unreadableTop;
}

/**
 * Identity documents the offline plan cannot know: the principals they reach, by the pack's
 * paths, may do anything they say; shown as such, never as a clean grant.
 */
export async function addUnknownDocuments(ctx: ReviewContext): Promise<void> {
  const unknownFound = await collectGrants(
    unknownView(ctx.resources),
    STACK_PRINCIPALS,
    new UnknownValues(),
  );
  for (const g of unknownFound.grants) {
    if (g.kind !== "identity" || g.statement?.sid !== UNKNOWN_SID) continue;
    const entry = entryOf(ctx, g.target);
    const detail = `${describe(g.source)}${g.via ? ` ${g.via}` : ""} has a policy document that is not known offline (built from a provider function this plan cannot answer)`;
    if (!entry.unresolved.some((u) => u.detail === detail)) {
      entry.unresolved.push({
        kind: "unknown-document",
        detail,
        source: { urn: g.source.urn, type: g.source.type, name: g.source.name },
      });
    }
  }
}

/**
 * Denies: identity policies of the principals (the pack's paths, read for Deny), and the resource
 * and key policies that govern the buckets and keys. Each is added to the entries it applies to;
 * returns them all, with the names of those entries.
 */
export async function addDenies(
  ctx: ReviewContext,
  governing: GoverningDoc[],
): Promise<ReviewTopDeny[]> {
  const denyFound = await collectGrants(
    denyView(ctx.resources),
    STACK_PRINCIPALS,
    new UnknownValues(),
  );
  const topDenies: ReviewTopDeny[] = [];
  const denySeen = new Map<string, ReviewTopDeny>();
  const denyOf = (s: NormalizedStatement, source: ReviewSource, withPrincipals: boolean) => {
    const key = `${source.urn}#${s.index}`;
    let d = denySeen.get(key);
    if (!d) {
      d = topDeny(s, source, withPrincipals);
      denySeen.set(key, d);
      topDenies.push(d);
    }
    return d;
  };
  const governsBuckets = (s: NormalizedStatement) =>
    s.notResources !== undefined ||
    (s.resources ?? []).some((p) => scopesOfPattern(p, ctx.buckets).length > 0);
  for (const g of denyFound.grants) {
    if (g.kind !== "identity" || !g.statement || !governsBuckets(g.statement)) continue;
    const entry = ctx.principals.get(keyOf(g.target));
    if (!entry) continue; // a principal with no access here needs no deny listed
    const d = denyOf(g.statement, sourceOf(g.source, "identity", g.statement, g.via), false);
    if (!d.appliesTo.includes(entry.name)) d.appliesTo.push(entry.name);
  }
  for (const doc of governing) {
    for (const s of doc.statements) {
      if (s.effect !== "Deny") continue;
      const d = denyOf(s, sourceOf(doc.source, doc.path, s), true);
      for (const entry of ctx.principals.values()) {
        if (denyApplies(s, entry) && !d.appliesTo.includes(entry.name))
          d.appliesTo.push(entry.name);
      }
    }
  }
  for (const d of topDenies) {
    const { appliesTo, ...deny } = d;
    for (const entry of ctx.principals.values())
      if (appliesTo.includes(entry.name)) entry.denies.push(deny);
  }
  return topDenies;
}

/** A Deny statement as the review lists it (applying to no one yet). */
function topDeny(
  s: NormalizedStatement,
  source: ReviewSource,
  withPrincipals: boolean,
): ReviewTopDeny {
  return {
    ...(s.actions ? { actions: s.actions } : {}),
    ...(s.notActions ? { notActions: s.notActions } : {}),
    ...(s.resources ? { resources: s.resources } : {}),
    ...(s.notResources ? { notResources: s.notResources } : {}),
    ...(withPrincipals && s.principal ? { principals: principalsAsWritten(s.principal) } : {}),
    ...(withPrincipals && s.notPrincipal
      ? { notPrincipals: principalsAsWritten(s.notPrincipal) }
      : {}),
    ...(conditionsOf(s) ? { conditions: conditionsOf(s) } : {}),
    source,
    appliesTo: [],
  };
}

/** Users: their access keys. Roles: who may assume them. */
export async function addCredentials(ctx: ReviewContext): Promise<void> {
  const { resources, unknowns } = ctx;
  const stackPrincipalsByName = new Map<string, ReviewPrincipal>();
  for (const e of ctx.principals.values())
    if (e.urn) stackPrincipalsByName.set(e.name.toLowerCase(), e);
  for (const entry of ctx.principals.values()) {
    if (entry.kind === "user" && entry.urn) {
      const n = resources.filter(
        (r) =>
          r.type === T.AccessKey &&
          ((r.propertyDependencies?.["user"] ?? []).some((d) => d.urn === entry.urn) ||
            unknowns.peek(() => str(r.props, "user"), undefined) === entry.name),
      ).length;
      if (n) entry.accessKeys = n;
    }
    if (entry.kind !== "role" || !entry.urn) continue;
    const role = resources.find((r) => r.urn === entry.urn)!;
    const doc = unknowns.read(() => role.props["assumeRolePolicy"], undefined);
    if (doc === undefined) continue;
    let statements: NormalizedStatement[];
    try {
      statements = parsePolicyDocument(doc);
    } catch {
      entry.unresolved.push({
        kind: "unreadable-document",
        detail: `the trust policy of ${describe(role)} cannot be read`,
        source: { urn: role.urn, type: role.type, name: role.name },
      });
      continue;
    }
    const trusts = await trustsOf(ctx, role, statements, stackPrincipalsByName);
    if (trusts.length) entry.assumedBy = trusts;
  }
}

/** Who a role's trust policy lets assume it. */
async function trustsOf(
  ctx: ReviewContext,
  role: StackResource,
  statements: NormalizedStatement[],
  stackPrincipalsByName: Map<string, ReviewPrincipal>,
): Promise<ReviewTrust[]> {
  const trusts: ReviewTrust[] = [];
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    const actions = await statementActions(s);
    if (!actions.some((a) => a.action.toLowerCase().startsWith("sts:assumerole"))) continue;
    const source = sourceOf(role, "resource", s);
    const conditions = conditionsOf(s);
    const add = (principal: string, party: Party) =>
      trusts.push({ principal, party, ...(conditions ? { conditions } : {}), source });
    if (s.principal?.public || s.notPrincipal) add("*", isPublicAllowOf(s) ? "public" : "other");
    for (const e of s.principal?.aws ?? [])
      add(e, trustParty(e, ctx.spendfloAccounts, stackPrincipalsByName, ctx.plan.accountId));
    for (const e of s.principal?.service ?? []) add(e, "service");
    for (const e of [...(s.principal?.federated ?? []), ...(s.principal?.canonicalUser ?? [])])
      add(e, "other");
  }
  return trusts;
}

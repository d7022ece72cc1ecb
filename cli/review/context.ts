/**
 * What building the access review shares between its steps: the stack, its budget buckets (with
 * their keys and access points), the principals the pack's analysis follows, and the review's
 * entries so far; with the helpers every step adds entries and grants by.
 */
import type { CatalogueAction } from "../../lib/iam/actions.ts";
import type { NormalizedStatement } from "../../lib/iam/analysis.ts";
import {
  bucketEncryptionKeys,
  collectGrants,
  type StackGrants,
  type Target,
} from "../../lib/iam/stackGrants.ts";
import { partitionOf } from "../../lib/aws/regions.ts";
import {
  T,
  UnknownValues,
  bucketsWithSettings,
  inStandardPartition,
  lastArnPart,
  obj,
  objList,
  refersTo,
  str,
  trailLogBuckets,
  type StackResource,
} from "../../lib/stack/model.ts";
import { spendfloView } from "../../policies/support/spendfloGrants.ts";
import type { Plan } from "../plan/computePlan.ts";
import type { ReviewPrincipal, ReviewSource } from "./contract.ts";
import { conditionsOf, reviewLevel } from "./grants.ts";
import {
  accountsNamed,
  additionalBucketsOf,
  lambdaRoleUrns,
  principalEntry,
  spendfloAccountsOf,
  stackPrincipalParty,
} from "./parties.ts";
import {
  actionFits,
  scopesOfNotResource,
  scopesOfPattern,
  type BucketContext,
  type Scope,
} from "./scopes.ts";
import { STACK_PRINCIPALS } from "./stackViews.ts";

/** The state the review's steps share. */
export interface ReviewContext {
  plan: Plan;
  policyConfig: Record<string, unknown>;
  resources: StackResource[];
  /** The values the offline plan does not know, met while reading the stack. */
  unknowns: UnknownValues;
  /** Those met while finding SpendFlo as the pack counts it. */
  spendfloUnknowns: UnknownValues;
  spendfloAccounts: string[];
  buckets: BucketContext[];
  /** What the pack's analysis finds: grants to the stack's principals and to accounts. */
  found: StackGrants;
  /** SpendFlo's principals of the stack (by URN), with why they count as SpendFlo. */
  spendflo: Map<string, string>;
  /** The roles a Lambda function of the stack runs as. */
  lambdaRoles: Set<string>;
  /** The names of the stack's principals (the last part of each, lower-cased). */
  stackNames: Set<string>;
  /** The review's entries by key: a stack principal's URN, `account:<id>`, `public`, ... */
  principals: Map<string, ReviewPrincipal>;
}

/** A scope a grant reaches, with the resource pattern (as written) that reaches it. */
export interface ScopedResource {
  scope: Scope;
  resource: string;
}

/** Reads the stack, its budget buckets and the principals the pack's analysis follows. */
export async function reviewContext(
  plan: Plan,
  resources: StackResource[],
  policyConfig: Record<string, unknown>,
): Promise<ReviewContext> {
  const unknowns = new UnknownValues();
  const spendfloAccounts = spendfloAccountsOf(policyConfig);
  const buckets = stackBuckets(resources, unknowns);
  addOutsideBuckets(buckets, plan, policyConfig);

  // Every principal of the stack is followed, and every account a resource policy names.
  const accounts = new Set<string>([
    plan.accountId,
    ...spendfloAccounts,
    ...accountsNamed(resources, unknowns),
  ]);
  const found = await collectGrants(
    resources,
    { ...STACK_PRINCIPALS, accounts: [...accounts] },
    unknowns,
  );
  // SpendFlo as the pack counts it: tagged or named so, or able to assume a role of the stack.
  const spendfloUnknowns = new UnknownValues();
  const view = await spendfloView(resources, spendfloAccounts, spendfloUnknowns);
  const spendflo = new Map<string, string>();
  for (const t of view.targets) {
    if (t.kind === "principal") spendflo.set(t.principal.resource.urn, t.reason);
  }
  const lambdaRoles = lambdaRoleUrns(resources, unknowns);
  const stackNames = new Set<string>();
  for (const t of found.targets) {
    if (t.kind !== "principal") continue;
    for (const n of t.principal.names) stackNames.add(lastArnPart(n).toLowerCase());
  }
  return {
    plan,
    policyConfig,
    resources,
    unknowns,
    spendfloUnknowns,
    spendfloAccounts,
    buckets,
    found,
    spendflo,
    lambdaRoles,
    stackNames,
    principals: new Map(),
  };
}

/**
 * The budget buckets, as the pack counts them (every bucket but a trail's log bucket), with the
 * keys that encrypt each.
 */
function stackBuckets(resources: StackResource[], unknowns: UnknownValues): BucketContext[] {
  const logBuckets = trailLogBuckets(resources, unknowns);
  const allKeys = resources.filter((r) => r.type === T.KmsKey);
  const aliases = resources.filter((r) => r.type === T.KmsAlias);
  const accessPoints = resources.filter((r) => r.type === T.AccessPoint);
  const buckets: BucketContext[] = [];
  for (const view of bucketsWithSettings(resources, unknowns)) {
    if (logBuckets.has(view.name)) continue;
    const given = new Set<string>();
    const keyUrns = bucketEncryptionKeys(
      [view.resource, ...view.settings, ...allKeys, ...aliases],
      unknowns,
      given,
    );
    const keys: BucketContext["keys"] = [];
    for (const k of allKeys.filter((k) => keyUrns.has(k.urn))) {
      const arn = unknowns.peek(() => str(k.props, "arn"), undefined) ?? `key ${k.name}`;
      const names = aliases
        .filter((a) => refersTo(a, "targetKeyId", k, unknowns))
        .map((a) => unknowns.peek(() => str(a.props, "name"), undefined))
        .filter((n): n is string => n !== undefined);
      keys.push({
        arn,
        urn: k.urn,
        name: k.name,
        ...(names.length ? { aliases: names } : {}),
        resource: k,
      });
    }
    for (const arn of given) keys.push({ arn });
    const sse = view.settings.find((s) => s.type === T.BucketSse || s.type === T.BucketSseV2);
    const algorithm = sse
      ? unknowns.peek(
          () =>
            str(
              obj(objList(sse.props["rules"])[0]?.["applyServerSideEncryptionByDefault"]) ?? {},
              "sseAlgorithm",
            ),
          undefined,
        )
      : undefined;
    const arn =
      unknowns.peek(() => str(view.resource.props, "arn"), undefined) ??
      `arn:aws:s3:::${view.name}`;
    buckets.push({
      review: {
        name: view.name,
        arn,
        urn: view.resource.urn,
        encryption:
          keys.length || algorithm?.startsWith("aws:kms") ? "sse-kms" : sse ? "sse-s3" : "none-set",
        kmsKeys: keys.map(({ resource: _resource, ...key }) => key),
      },
      resource: view.resource,
      arn: inStandardPartition(arn).toLowerCase(),
      accessPoints: accessPoints
        .filter((ap) => refersTo(ap, "bucket", view.resource, unknowns))
        .map((ap) => unknowns.peek(() => str(ap.props, "arn"), undefined))
        .filter((a): a is string => a !== undefined)
        .map((a) => inStandardPartition(a).toLowerCase()),
      keys,
    });
  }
  return buckets;
}

/**
 * Budget buckets the stack grants on but another stack creates (a hosted shard's: the policy
 * config's spendflo-scoped additionalBuckets, which plan sets for a shard).
 */
function addOutsideBuckets(
  buckets: BucketContext[],
  plan: Plan,
  policyConfig: Record<string, unknown>,
): void {
  const partition = partitionOf(plan.region);
  for (const name of additionalBucketsOf(policyConfig)) {
    if (buckets.some((b) => b.review.name === name)) continue;
    const arn = `arn:${partition}:s3:::${name}`;
    buckets.push({
      review: { name, arn, encryption: "not-in-stack", kmsKeys: [] },
      arn: inStandardPartition(arn).toLowerCase(),
      accessPoints: [],
      keys: [],
    });
  }
}

// ---- the review's entries ---------------------------------------------------------------------

/** The key of a target's entry. */
export function keyOf(t: Target): string {
  return t.kind === "account" ? `account:${t.account}` : t.principal.resource.urn;
}

/** The entry of a stack principal or an account the analysis found (made on first use). */
export function entryOf(ctx: ReviewContext, t: Target): ReviewPrincipal {
  const key = keyOf(t);
  let entry = ctx.principals.get(key);
  if (!entry) {
    if (t.kind === "account") {
      entry = principalEntry(t, ctx.spendfloAccounts.includes(t.account) ? "spendflo" : "account");
    } else {
      const { party, reason } = stackPrincipalParty(t.principal, ctx.spendflo, ctx.lambdaRoles);
      entry = principalEntry(t, party, reason);
    }
    ctx.principals.set(key, entry);
  }
  return entry;
}

/** The entry of anyone else (the public, a service, a principal outside the stack). */
export function specialEntry(
  ctx: ReviewContext,
  key: string,
  make: () => Omit<ReviewPrincipal, "grants" | "denies" | "unresolved">,
): ReviewPrincipal {
  let entry = ctx.principals.get(key);
  if (!entry) {
    entry = { ...make(), grants: [], denies: [], unresolved: [] };
    ctx.principals.set(key, entry);
  }
  return entry;
}

/** Adds to an entry the grants of each action on each scope it applies to. */
export async function addGrants(
  entry: ReviewPrincipal,
  actions: CatalogueAction[],
  scopes: ScopedResource[],
  statement: NormalizedStatement | undefined,
  source: ReviewSource,
): Promise<void> {
  const conditions = conditionsOf(statement);
  for (const { scope, resource } of scopes) {
    for (const a of actions) {
      if (!(await actionFits(a, scope))) continue;
      entry.grants.push({
        action: a.action,
        level: reviewLevel(a),
        resource,
        where: scope.where,
        ...(conditions ? { conditions } : {}),
        source,
        ...(a.accessLevel === "Unknown" ? { catalogued: false as const } : {}),
      });
    }
  }
}

// ---- the scopes a statement reaches -----------------------------------------------------------

/** The scopes a statement of an identity or resource policy reaches, with the pattern. */
export function statementScopes(
  buckets: BucketContext[],
  s: NormalizedStatement,
): ScopedResource[] {
  if (s.notResources !== undefined) {
    const resource = `everything except ${s.notResources.join(", ")}`;
    return scopesOfNotResource(s.notResources, buckets).map((scope) => ({ scope, resource }));
  }
  return (s.resources ?? []).flatMap((pattern) =>
    scopesOfPattern(pattern, buckets).map((scope) => ({ scope, resource: pattern })),
  );
}

/** The scope of a KMS key that encrypts one of the review's buckets. */
export function keyScopeOf(
  buckets: BucketContext[],
  key: StackResource | undefined,
): Scope | undefined {
  if (!key) return undefined;
  for (const b of buckets) {
    const k = b.keys.find((x) => x.urn === key.urn);
    if (k) return { kind: "key", bucket: b, where: { kmsKey: k.arn } };
  }
  return undefined;
}

/** A key scope with its key's ARN as the resource. */
export function keyScopes(scope: Scope | undefined): ScopedResource[] {
  return scope ? [{ scope, resource: scope.where.kmsKey! }] : [];
}

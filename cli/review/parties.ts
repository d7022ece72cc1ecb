/**
 * The parties of the access review: who a principal is (SpendFlo, the exporter, an uploader, an
 * account, the public...), as the pack counts them, and the entries the review lists them by.
 */
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../../lib/iam/accessTags.ts";
import {
  hasFixedValueCondition,
  parsePolicyDocument,
  principalEntryMatches,
  pinnedValues,
  type NormalizedStatement,
  type PrincipalIdentity,
} from "../../lib/iam/analysis.ts";
import type { StackPrincipal, Target } from "../../lib/iam/stackGrants.ts";
import {
  T,
  lastArnPart,
  obj,
  str,
  type StackResource,
  type UnknownValues,
} from "../../lib/stack/model.ts";
import { resolvePolicyConfig } from "../../policies/support/offline.ts";
import type { Party, ReviewPrincipal } from "./contract.ts";

export function stackPrincipalParty(
  p: StackPrincipal,
  spendflo: Map<string, string>,
  lambdaRoles: Set<string>,
): { party: Party; reason?: string } {
  const access = p.tags[ACCESS_TAG]?.trim().toLowerCase();
  const customer = p.tags[CUSTOMER_TAG]?.trim();
  if (customer && access === AccessTagValue.ReadOnly) return { party: "sync-reader" };
  const reason = spendflo.get(p.resource.urn);
  if (reason) return { party: "spendflo", reason };
  if (customer && access === AccessTagValue.Upload) return { party: "hosted-customer" };
  if (access === AccessTagValue.Upload) return { party: "uploader" };
  if (lambdaRoles.has(p.resource.urn)) return { party: "exporter" };
  return { party: "other" };
}

/** The roles a Lambda function of the stack runs as (its `role`, by dependency or by ARN). */
export function lambdaRoleUrns(resources: StackResource[], unknowns: UnknownValues): Set<string> {
  const roles = resources.filter((r) => r.type === T.Role);
  const out = new Set<string>();
  for (const fn of resources.filter((r) => r.type === T.LambdaFunction)) {
    for (const d of fn.propertyDependencies?.["role"] ?? []) if (d.type === T.Role) out.add(d.urn);
    const ref = unknowns.peek(() => str(fn.props, "role"), undefined);
    if (!ref) continue;
    for (const role of roles) {
      const names = [
        unknowns.peek(() => str(role.props, "arn"), undefined),
        unknowns.peek(() => str(role.props, "name"), undefined),
      ].filter((n): n is string => n !== undefined);
      if (names.some((n) => n === ref || lastArnPart(n) === lastArnPart(ref))) out.add(role.urn);
    }
  }
  return out;
}

/** The spendflo-* policies' SpendFlo accounts, from the effective policy config. */
export function spendfloAccountsOf(policyConfig: Record<string, unknown>): string[] {
  const resolved = resolvePolicyConfig(policyConfig);
  const out = new Set<string>();
  for (const [, c] of resolved) {
    const ids = c.properties["spendfloAccountIds"];
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") out.add(id);
  }
  return [...out];
}

/** spendflo-scoped's `additionalBuckets`: budget buckets outside the stack. */
export function additionalBucketsOf(policyConfig: Record<string, unknown>): string[] {
  const list =
    resolvePolicyConfig(policyConfig).get("spendflo-scoped")?.properties["additionalBuckets"];
  return Array.isArray(list) ? list.filter((b): b is string => typeof b === "string") : [];
}

/** Each 12-digit account a resource or key policy of the stack names as a principal. */
export function accountsNamed(resources: StackResource[], unknowns: UnknownValues): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (!r.type.startsWith("aws:") || r.type.startsWith("aws:iam/")) continue;
    const doc = unknowns.peek(() => r.props["policy"], undefined);
    if (doc === undefined || doc === null || doc === "") continue;
    let statements: NormalizedStatement[];
    try {
      statements = parsePolicyDocument(doc);
    } catch {
      continue;
    }
    for (const s of statements) {
      for (const e of [...(s.principal?.aws ?? []), ...(s.notPrincipal?.aws ?? [])]) {
        const m = /^(\d{12})$|^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/i.exec(e.trim());
        if (m) out.add(m[1] ?? m[2]!);
      }
    }
  }
  return out;
}

/** Makes a stack principal's review entry. */
export function principalEntry(t: Target, party: Party, reason?: string): ReviewPrincipal {
  if (t.kind === "account") {
    return {
      name: `account ${t.account}`,
      party,
      kind: "account",
      arn: `arn:aws:iam::${t.account}:root`,
      grants: [],
      denies: [],
      unresolved: [],
    };
  }
  const p = t.principal;
  const name = p.names.find((n) => !n.startsWith("arn:")) ?? p.resource.name;
  const arn = p.names.find((n) => n.startsWith("arn:"));
  const tags = Object.fromEntries(
    Object.entries(p.tags).filter(([k]) => k.startsWith("spendflo:")),
  );
  return {
    name,
    party,
    kind: p.kind,
    ...(arn ? { arn } : {}),
    urn: p.resource.urn,
    ...(reason ? { spendfloReason: reason } : {}),
    ...(Object.keys(tags).length ? { tags } : {}),
    grants: [],
    denies: [],
    unresolved: [],
  };
}

/** The grantee a KMS grant or an S3 access grant names. */
export function granteeOf(r: StackResource, unknowns: UnknownValues): string {
  const direct = unknowns.peek(() => str(r.props, "granteePrincipal"), undefined);
  if (direct) return direct;
  const grantee = unknowns.peek(() => obj(r.props["grantee"]), undefined);
  const id = grantee ? unknowns.peek(() => grantee["granteeIdentifier"], undefined) : undefined;
  return typeof id === "string" ? id : "";
}

export function isPublicAllowOf(s: NormalizedStatement): boolean {
  return !hasFixedValueCondition(s);
}

/** The entry for a statement open to `*`: the public, or whoever its conditions narrow it to. */
export function publicEntry(
  s: NormalizedStatement,
  specialEntry: (
    key: string,
    make: () => Omit<ReviewPrincipal, "grants" | "denies" | "unresolved">,
  ) => ReviewPrincipal,
  accountLabel: (account: string) => { name: string; party: Party },
): ReviewPrincipal {
  if (!hasFixedValueCondition(s)) {
    return specialEntry("public", () => ({
      name: "anyone (public)",
      party: "public",
      kind: "public",
    }));
  }
  const accounts =
    pinnedValues(s.conditions, "aws:PrincipalAccount") ??
    pinnedValues(s.conditions, "kms:CallerAccount");
  if (accounts && accounts.length === 1 && /^\d{12}$/.test(accounts[0]!)) {
    const { name, party } = accountLabel(accounts[0]!);
    return specialEntry(`account:${accounts[0]}`, () => ({
      name,
      party,
      kind: "account",
      arn: `arn:aws:iam::${accounts[0]}:root`,
    }));
  }
  return specialEntry("narrowed", () => ({
    name: 'anyone its conditions admit ("*" narrowed by conditions)',
    party: "other",
    kind: "other",
  }));
}

export function principalsAsWritten(p: NonNullable<NormalizedStatement["principal"]>): string[] {
  return [...(p.public ? ["*"] : []), ...p.aws, ...p.service, ...p.federated, ...p.canonicalUser];
}

/** The identities a review principal answers to, for matching a resource policy's principals. */
function identitiesOf(p: ReviewPrincipal): PrincipalIdentity[] {
  if (p.kind === "account") {
    const account = /(\d{12})/.exec(p.arn ?? p.name)?.[1];
    return account ? [{ kind: "account", account }] : [];
  }
  if (p.kind === "user" || p.kind === "role") return [{ kind: p.kind, name: p.name }];
  return [];
}

/** True if a resource- or key-policy Deny statement applies to the principal. */
export function denyApplies(s: NormalizedStatement, p: ReviewPrincipal): boolean {
  const spec = s.notPrincipal ?? s.principal;
  if (!spec) return false;
  const sameService = (x: string) => x.toLowerCase() === p.name.toLowerCase();
  let listed: boolean;
  if (spec.public) listed = true;
  else if (p.kind === "service") listed = spec.service.some(sameService);
  else if (p.kind === "public" || p.kind === "other") listed = false;
  else listed = identitiesOf(p).some((id) => spec.aws.some((e) => principalEntryMatches(e, id)));
  // A Deny with NotPrincipal applies to everyone it does not list.
  return s.notPrincipal ? !listed : listed;
}

export function trustParty(
  entry: string,
  spendfloAccounts: string[],
  stackPrincipals: Map<string, ReviewPrincipal>,
  accountId: string,
): Party {
  const account = /^(\d{12})$|^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/i.exec(entry.trim());
  const id = account ? (account[1] ?? account[2]) : undefined;
  if (id && spendfloAccounts.includes(id)) return "spendflo";
  if (id === accountId) {
    const named = stackPrincipals.get(lastArnPart(entry).toLowerCase());
    if (named) return named.party;
  }
  return "account";
}

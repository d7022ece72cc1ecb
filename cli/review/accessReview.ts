/**
 * The access review: who can do what on each budget bucket of a plan (its objects, and the KMS key
 * that encrypts it), from the update pass's records, by the policy pack's own analysis
 * (lib/iam/stackGrants.ts `collectGrants`, the action catalogue, SpendFlo as the pack counts it).
 * The result is the JSON contract of `budget-sync review --json` (docs/access-review.md); the HTML,
 * Markdown and terminal forms render it and nothing else.
 */
import type { CatalogueAction } from "../../lib/iam/actions.ts";
import {
  PolicyDocumentError,
  accountOf,
  isAccountPrincipal,
  parsePolicyDocument,
  principalEntryMatches,
  statementActions,
  type NormalizedStatement,
} from "../../lib/iam/analysis.ts";
import {
  bucketEncryptionKeys,
  collectGrants,
  type Grant,
  type Target,
} from "../../lib/iam/stackGrants.ts";
import { partitionOf } from "../../lib/aws/regions.ts";
import {
  BUCKET_TYPES,
  T,
  UnknownValues,
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
import { spendfloView } from "../../policies/support/spendfloGrants.ts";
import type { Plan } from "../plan/computePlan.ts";
import type { OfflineRunResult } from "../plan/offlineEngine.ts";
import { SECRET_MASK, maskValues } from "../plan/render.ts";
import {
  OUT_OF_VIEW_NOTES,
  PARTY_ORDER,
  REVIEW_FORMAT,
  type Party,
  type Review,
  type ReviewCondition,
  type ReviewPrincipal,
  type ReviewSource,
  type ReviewTopDeny,
  type ReviewTrust,
} from "./contract.ts";
import {
  compareGrants,
  conditionsOf,
  dedupe,
  dedupeDenies,
  reviewLevel,
  sourceOf,
  verdictsOf,
} from "./grants.ts";
import {
  accountsNamed,
  additionalBucketsOf,
  denyApplies,
  granteeOf,
  isPublicAllowOf,
  lambdaRoleUrns,
  principalEntry,
  principalsAsWritten,
  publicEntry,
  spendfloAccountsOf,
  stackPrincipalParty,
  trustParty,
} from "./parties.ts";
import {
  accessGrantScopes,
  actionFits,
  scopesOfNotResource,
  scopesOfPattern,
  type BucketContext,
  type Scope,
} from "./scopes.ts";
import {
  STACK_PRINCIPALS,
  UNKNOWN_SID,
  denyView,
  reviewResources,
  unknownView,
} from "./stackViews.ts";
import { summaryLines, wordsContext } from "./words.ts";

export { reviewLevel } from "./grants.ts";
export { globCanStartWith } from "./scopes.ts";
export { reviewResources } from "./stackViews.ts";

export interface ReviewOptions {
  /** True when the account id is the plan's placeholder, not the user's. */
  accountIdIsPlaceholder: boolean;
  /** When the review was made (default: now). */
  now?: Date;
}

/** A resource or key policy that governs one of the review's buckets or keys. */
interface GoverningDoc {
  source: StackResource;
  path: "resource" | "key-policy";
  statements: NormalizedStatement[];
  /** For a key policy: the scope of its key (its `*` is the key). */
  keyScope?: Scope;
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

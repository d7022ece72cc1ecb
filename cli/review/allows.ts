/**
 * The access review's grants: what the pack's analysis finds (identity, resource and key
 * policies, KMS grants, S3 Access Grants), and what the resource and key policies that govern the
 * buckets and keys allow anyone else (the public, AWS services, federated principals) and the ACLs.
 */
import {
  PolicyDocumentError,
  accountOf,
  isAccountPrincipal,
  parsePolicyDocument,
  principalEntryMatches,
  statementActions,
  type NormalizedStatement,
} from "../../lib/iam/analysis.ts";
import type { Grant, Target } from "../../lib/iam/stackGrants.ts";
import { BUCKET_TYPES, T, refersTo, str, type StackResource } from "../../lib/stack/model.ts";
import type { Party, ReviewPrincipal } from "./contract.ts";
import { sourceOf } from "./grants.ts";
import { granteeOf, publicEntry } from "./parties.ts";
import { accessGrantScopes, type Scope } from "./scopes.ts";
import {
  addGrants,
  entryOf,
  keyScopeOf,
  keyScopes,
  specialEntry,
  statementScopes,
  type ReviewContext,
  type ScopedResource,
} from "./context.ts";

/** A resource or key policy that governs one of the review's buckets or keys. */
export interface GoverningDoc {
  source: StackResource;
  path: "resource" | "key-policy";
  statements: NormalizedStatement[];
  /** For a key policy: the scope of its key (its `*` is the key). */
  keyScope?: Scope;
}

/**
 * The grants the pack's analysis finds, to stack principals and to accounts. Returns the ACLs it
 * finds, by their resource's URN: their grants are the public's (see `addAclGrants`).
 */
export async function addFoundGrants(ctx: ReviewContext): Promise<Map<string, Grant>> {
  const aclSources = new Map<string, Grant>();
  for (const g of ctx.found.grants) {
    const s = g.statement;
    if (g.kind !== "identity" && s && (s.principal?.public || s.notPrincipal)) continue; // below
    if (g.kind === "resource" && !s && g.on?.startsWith("the ACL of")) {
      aclSources.set(g.source.urn, g);
      continue;
    }
    const source = sourceOf(g.source, g.kind, s, g.via);
    if (s && (g.kind === "resource" || g.kind === "key-policy")) {
      // A resource policy names principals: each entry it names is reviewed as what it is.
      const scopes =
        g.kind === "key-policy"
          ? keyScopes(keyScopeOf(ctx.buckets, g.key))
          : statementScopes(ctx.buckets, s);
      if (scopes.length === 0) continue;
      for (const entry of namedEntries(ctx, g.target, s)) {
        await addGrants(entry, g.actions, scopes, s, source);
      }
      continue;
    }
    // A KMS grant or an access grant to a principal of an account is that principal's, not the
    // whole account's.
    if (
      g.target.kind === "account" &&
      !s &&
      !isAccountPrincipal(granteeOf(g.source, ctx.unknowns))
    ) {
      continue;
    }
    const entry = entryOf(ctx, g.target);
    if (g.kind === "key-policy" || g.kind === "kms-grant") {
      await addGrants(entry, g.actions, keyScopes(keyScopeOf(ctx.buckets, g.key)), s, source);
    } else if (s) {
      await addGrants(entry, g.actions, statementScopes(ctx.buckets, s), s, source);
    } else if (g.source.type === T.AccessGrant) {
      const location = ctx.unknowns.peek(
        () => str(g.source.props, "accessGrantsLocationId"),
        undefined,
      );
      const scopes = accessGrantScopes(
        g.source,
        location,
        ctx.resources,
        ctx.buckets,
        ctx.unknowns,
      );
      await addGrants(entry, g.actions, scopes, undefined, source);
    }
  }
  return aclSources;
}

/**
 * The review's entries for the principals a resource-policy statement names that the analysis
 * found reaching `target`: a stack principal by its name in this account; for an account, the
 * account itself (`:root`, a bare id) or each principal of it the stack does not create.
 */
function namedEntries(
  ctx: ReviewContext,
  target: Target,
  s: NormalizedStatement,
): ReviewPrincipal[] {
  const entries = s.principal?.aws ?? [];
  const accountId = ctx.plan.accountId;
  if (target.kind === "principal") {
    // The pack matches names alone (conservative); a principal of another account is not ours.
    const ours = entries.some((e) => {
      const account = accountOf(e);
      return (
        (account === undefined || account === accountId) &&
        target.principal.names.some((name) =>
          principalEntryMatches(e, { kind: target.principal.kind, name }),
        )
      );
    });
    return ours ? [entryOf(ctx, target)] : [];
  }
  const out: ReviewPrincipal[] = [];
  for (const e of entries) {
    if (!principalEntryMatches(e, { kind: "account", account: target.account })) continue;
    if (isAccountPrincipal(e)) {
      out.push(entryOf(ctx, target));
      continue;
    }
    const named =
      /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(user|role|assumed-role)\/(?:.*\/)?([^/]+)$/i.exec(
        e.trim(),
      );
    if (
      named &&
      target.account === accountId &&
      !/[*?]/.test(named[2]!) &&
      ctx.stackNames.has(named[2]!.toLowerCase())
    ) {
      continue; // the stack principal's own entry has it
    }
    const kind = named?.[1]?.toLowerCase() === "user" ? "user" : named ? "role" : "other";
    out.push(
      specialEntry(ctx, `external:${e.trim()}`, () => ({
        name: e.trim(),
        // As the pack counts it: SpendFlo's account, or a principal named with "spendflo".
        party:
          ctx.spendfloAccounts.includes(target.account) || /spendflo/i.test(named?.[2] ?? "")
            ? "spendflo"
            : "account",
        kind,
        arn: e.trim(),
      })),
    );
  }
  return out;
}

/** The resource and key policies that govern the buckets and keys. */
export function governingDocs(ctx: ReviewContext): GoverningDoc[] {
  const { resources, buckets, unknowns } = ctx;
  const allKeys = resources.filter((r) => r.type === T.KmsKey);
  const accessPoints = resources.filter((r) => r.type === T.AccessPoint);
  const ofBucket = (r: StackResource) =>
    buckets.some((b) => b.resource && refersTo(r, "bucket", b.resource, unknowns));
  const governing: GoverningDoc[] = [];
  for (const r of resources) {
    let relevant = false;
    let keyScope: Scope | undefined;
    if (BUCKET_TYPES.includes(r.type)) relevant = buckets.some((b) => b.resource === r);
    else if (r.type === T.BucketPolicy || r.type === T.AccessPoint) relevant = ofBucket(r);
    else if (r.type === T.AccessPointPolicy) {
      relevant = accessPoints.some(
        (ap) => refersTo(r, "accessPointArn", ap, unknowns) && ofBucket(ap),
      );
    } else if (r.type === T.KmsKey) {
      keyScope = keyScopeOf(buckets, r);
      relevant = keyScope !== undefined;
    } else if (r.type === T.KmsKeyPolicy) {
      const key = allKeys.find((k) => refersTo(r, "keyId", k, unknowns));
      keyScope = keyScopeOf(buckets, key);
      relevant = keyScope !== undefined;
    }
    if (!relevant) continue;
    const statements = readDoc(ctx, r);
    if (!statements) continue;
    governing.push({
      source: r,
      path: keyScope ? "key-policy" : "resource",
      statements,
      ...(keyScope ? { keyScope } : {}),
    });
  }
  return governing;
}

function readDoc(ctx: ReviewContext, r: StackResource): NormalizedStatement[] | undefined {
  const doc = ctx.unknowns.read(() => r.props["policy"], undefined);
  if (doc === undefined || doc === null || doc === "") return undefined;
  try {
    return parsePolicyDocument(doc);
  } catch (e) {
    if (e instanceof PolicyDocumentError) return undefined; // reported by collectGrants
    throw e;
  }
}

/**
 * What the governing resource and key policies allow anyone ("*"), AWS services, federated and
 * canonical-user principals.
 */
export async function addGoverningGrants(
  ctx: ReviewContext,
  governing: GoverningDoc[],
): Promise<void> {
  const accountLabel = (account: string): { name: string; party: Party } => ({
    name: `account ${account}`,
    party: ctx.spendfloAccounts.includes(account) ? "spendflo" : "account",
  });
  for (const doc of governing) {
    for (const s of doc.statements) {
      if (s.effect !== "Allow") continue;
      const source = sourceOf(doc.source, doc.path, s);
      const scopes = doc.keyScope ? keyScopes(doc.keyScope) : statementScopes(ctx.buckets, s);
      if (scopes.length === 0) continue;
      const actions = await statementActions(s);
      if (s.principal?.public || s.notPrincipal) {
        const entry = publicEntry(s, (key, make) => specialEntry(ctx, key, make), accountLabel);
        await addGrants(entry, actions, scopes, s, source);
      }
      for (const service of s.principal?.service ?? []) {
        const entry = specialEntry(ctx, `service:${service.toLowerCase()}`, () => ({
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
        const entry = specialEntry(ctx, `other:${other}`, () => ({
          name: other,
          party: "other",
          kind: "other",
        }));
        await addGrants(entry, actions, scopes, s, source);
      }
    }
  }
}

/** What a bucket's ACL grants: the public's, on the bucket and its objects. */
export async function addAclGrants(
  ctx: ReviewContext,
  aclSources: Map<string, Grant>,
): Promise<void> {
  for (const g of aclSources.values()) {
    const entry = specialEntry(ctx, "public", () => ({
      name: "anyone (public)",
      party: "public",
      kind: "public",
    }));
    const bucket = ctx.buckets.find(
      (b) =>
        b.resource &&
        (g.source === b.resource || refersTo(g.source, "bucket", b.resource, ctx.unknowns)),
    );
    if (!bucket) continue;
    const scopes: ScopedResource[] = [
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
}

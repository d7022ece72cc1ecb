/**
 * Who is granted what in a stack, by every path IAM offers: inline user/role/group policies, managed
 * policies and their attachments (one by one, `PolicyAttachment`, the `*AttachmentsExclusive`
 * resources, a role's `inlinePolicies`/`managedPolicyArns`), group memberships, roles a principal
 * can assume, bucket policies (including the deprecated inline `Bucket.policy`), access point
 * policies, KMS key policies and KMS grants.
 *
 * The selection of principals is a parameter, so the same analysis answers "what may SpendFlo do"
 * (spendflo-read-only, spendflo-scoped) and "what may a hosted customer's uploader do"
 * (hosted-customer-isolation: select by the `spendflo:customer` tag).
 *
 * The paths themselves live in grants/: identityPaths.ts and resourcePaths.ts, one function per
 * path, sharing a GrantContext (grants/context.ts).
 */
import {
  T,
  BUCKET_TYPES,
  UnknownValues,
  dependsOnType,
  obj,
  objList,
  str,
  type StackResource,
} from "../stack/model.ts";
import { GrantContext } from "./grants/context.ts";
import { identityGrants } from "./grants/identityPaths.ts";
import { keyIndexOf } from "./grants/lookup.ts";
import { resourceGrants } from "./grants/resourcePaths.ts";
import { groupMemberships, selectTargets, stackPrincipals } from "./grants/targets.ts";
import type { GrantQuery, StackGrants, UnreadableDocument } from "./grants/types.ts";

export {
  targetIdentities,
  targetLabel,
  type Grant,
  type GrantKind,
  type GrantQuery,
  type ManagedAttachment,
  type StackGrants,
  type StackPrincipal,
  type Target,
  type UnreadableDocument,
} from "./grants/types.ts";

/**
 * Every grant reaching the selected principals, by every path the stack contains: the identity
 * side first, then the resource side, each in the stack's order of resources.
 */
export async function collectGrants(
  resources: StackResource[],
  query: GrantQuery,
  unknowns: UnknownValues,
): Promise<StackGrants> {
  const { principals, index } = stackPrincipals(resources, unknowns);
  const unreadable: UnreadableDocument[] = [];
  const targets = await selectTargets(principals, query, unknowns, unreadable);
  const memberships = groupMemberships(resources, index, unknowns);
  const ctx = new GrantContext({
    resources,
    query,
    unknowns,
    principalIndex: index,
    targets,
    memberships,
    unreadable,
  });
  for (const r of resources) await identityGrants(ctx, r);
  for (const r of resources) await resourceGrants(ctx, r);
  return { targets, grants: ctx.grants, managed: ctx.managed, unreadable };
}

/** A full KMS key ARN (not an alias): the only reference that names one key unambiguously. */
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-z-]+$/i;

/**
 * The keys (by URN) that encrypt a stack bucket by default, from the buckets' SSE settings (the
 * access review lists who may use them).
 * `given`, when passed, receives the key ARNs (lowercase) named in an SSE setting that no key of
 * the stack answers to: a key the stack is given rather than creates, which encrypts the bucket
 * all the same.
 */
export function bucketEncryptionKeys(
  resources: StackResource[],
  unknowns: UnknownValues,
  given?: Set<string>,
): Set<string> {
  const keyIndex = keyIndexOf(resources, unknowns);
  const aliasTargets = new Map<string, StackResource[]>();
  for (const a of resources.filter((r) => r.type === T.KmsAlias)) {
    const name = unknowns.read(() => str(a.props, "name"), undefined);
    if (name) aliasTargets.set(name.toLowerCase(), keyIndex.resolve(a, "targetKeyId", unknowns));
  }
  const out = new Set<string>();
  const consider = (ref: unknown, deps: StackResource[]) => {
    for (const d of deps) if (d.type === T.KmsKey) out.add(d.urn);
    if (typeof ref !== "string") return;
    const fake: StackResource = { type: "ref", urn: "", name: "", props: { ref } };
    const found = keyIndex.resolve(fake, "ref", unknowns);
    for (const k of found) out.add(k.urn);
    const alias = ref.replace(/^arn:aws[a-z-]*:kms:[^:]*:\d*:/i, "").toLowerCase();
    const aliased = aliasTargets.get(alias) ?? [];
    for (const k of aliased) out.add(k.urn);
    // Only a full key ARN names one key unambiguously (a bare id or an alias does not say whose).
    if (found.length === 0 && aliased.length === 0 && KEY_ARN.test(ref)) {
      given?.add(ref.toLowerCase());
    }
  };
  for (const r of resources) {
    if (r.type === T.BucketSse || r.type === T.BucketSseV2) {
      for (const rule of unknowns.read(() => objList(r.props["rules"]), [])) {
        const d = unknowns.read(() => obj(rule["applyServerSideEncryptionByDefault"]), undefined);
        const explained = dependsOnType(r, "rules", [T.KmsKey, T.KmsAlias]);
        const ref = d
          ? unknowns.readUnless(explained, () => d["kmsMasterKeyId"], undefined)
          : undefined;
        consider(ref, r.propertyDependencies?.["rules"] ?? []);
      }
    } else if (BUCKET_TYPES.includes(r.type)) {
      const sse = unknowns.read(() => obj(r.props["serverSideEncryptionConfiguration"]), undefined);
      const rule = sse ? unknowns.read(() => obj(sse["rule"]), undefined) : undefined;
      const d = rule
        ? unknowns.read(() => obj(rule["applyServerSideEncryptionByDefault"]), undefined)
        : undefined;
      const explained = dependsOnType(r, "serverSideEncryptionConfiguration", [
        T.KmsKey,
        T.KmsAlias,
      ]);
      const ref = d
        ? unknowns.readUnless(explained, () => d["kmsMasterKeyId"], undefined)
        : undefined;
      if (ref !== undefined)
        consider(ref, r.propertyDependencies?.["serverSideEncryptionConfiguration"] ?? []);
    }
  }
  return out;
}

/**
 * The resource side of the grant analysis: what a bucket, an access point, a KMS key or any
 * other resource lets the followed principals do, one function per kind of grant (resource
 * policies, key policies, KMS grants, ACLs, Lambda permissions, S3 Access Grants).
 */
import { expandActionPattern, type CatalogueAction } from "../actions.ts";
import {
  PolicyDocumentError,
  principalEntryMatches,
  statementActions,
  statementReaches,
} from "../analysis.ts";
import {
  BUCKET_TYPES,
  T,
  describe,
  lastArnPart,
  obj,
  objList,
  str,
  strList,
  type StackResource,
} from "../../stack/model.ts";
import type { GrantContext } from "./context.ts";
import { parseCached } from "./lookup.ts";
import { targetIdentities, type GrantKind } from "./types.ts";

/** Finds the grants one resource of a type carries. */
type GrantPath = (ctx: GrantContext, r: StackResource) => Promise<void>;

/** Types whose `policy` is an identity document (judged for the principal it is attached to). */
const IDENTITY_DOCUMENT_TYPES = new Set<string>([
  T.UserPolicy,
  T.RolePolicy,
  T.GroupPolicy,
  T.Policy,
]);

const PUBLIC_ACL_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/i;

/** The writes an ACL permission allows (per the S3 ACL documentation). */
const ACL_WRITE_ACTIONS: Record<string, string[]> = {
  WRITE: ["s3:PutObject", "s3:DeleteObject"],
  WRITE_ACP: ["s3:PutBucketAcl", "s3:PutObjectAcl"],
  FULL_CONTROL: ["s3:PutObject", "s3:DeleteObject", "s3:PutBucketAcl", "s3:PutObjectAcl"],
};

/** What an S3 Access Grant's permission level lets the grantee do (per the S3 documentation). */
const ACCESS_GRANT_READ = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectAcl",
  "s3:ListMultipartUploadParts",
  "s3:ListBucket",
];
const ACCESS_GRANT_WRITE = [
  "s3:PutObject",
  "s3:PutObjectAcl",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:AbortMultipartUpload",
];

/** A principal ARN in a resource policy: a user, a role or an assumed-role session. */
const PRINCIPAL_ARN =
  /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(user|role|assumed-role)\/(?:.*\/)?([^/]+)$/i;

/**
 * Judges a resource document for the followed targets its statements reach; a principal it names
 * that the stack does not create may be followed too (`externalTarget`). `quiet`: a document that
 * cannot be read is not reported.
 */
async function resourceDocument(
  ctx: GrantContext,
  doc: unknown,
  source: StackResource,
  kind: GrantKind,
  key?: StackResource,
  quiet = false,
): Promise<void> {
  if (doc === undefined || doc === null || doc === "") return;
  const statements = ctx.unknowns.read(() => parseCached(doc), []);
  if (statements instanceof PolicyDocumentError) {
    // A service's own policy language (an ECR lifecycle policy, an OpenSearch security policy)
    // is not IAM: only the types known to hold IAM documents report one they cannot read.
    if (!quiet) ctx.unreadable.push({ source, problem: statements.message });
    return;
  }
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    for (const entry of [...(s.principal?.aws ?? [])]) {
      const m = PRINCIPAL_ARN.exec(entry);
      if (!m || /[*?]/.test(m[2])) continue;
      const roleName = m[1].toLowerCase() === "assumed-role" ? entry.split("/")[1] : m[2];
      const name = m[1].toLowerCase() === "user" ? m[2] : roleName;
      if (!ctx.principalIndex.has(name))
        ctx.externalTarget(m[1].toLowerCase() === "user" ? "user" : "role", name);
    }
    const reached = ctx.targets.filter((t) =>
      targetIdentities(t).some((id) => statementReaches(s, id)),
    );
    if (reached.length === 0) continue;
    const actions = await statementActions(s);
    for (const t of reached)
      ctx.grants.push({ target: t, source, kind, via: "", statement: s, actions, key });
  }
}

/** The `policy` prop of a resource, read (an unknown one recorded). */
function policyOf(ctx: GrantContext, r: StackResource): unknown {
  return ctx.unknowns.read(() => r.props["policy"], undefined);
}

/**
 * ACLs that let everyone (AllUsers, AuthenticatedUsers, a public-read-write canned ACL) write:
 * every followed principal is among them. (Grants to a canonical user id cannot be tied to an
 * account offline; BucketOwnerEnforced, which our buckets set, disables ACLs altogether.)
 */
const publicAcl: GrantPath = async (ctx, r) => {
  const unknowns = ctx.unknowns;
  const permissions = new Set<string>();
  const acl = unknowns.read(() => str(r.props, "acl"), undefined);
  if (acl === "public-read-write") permissions.add("WRITE");
  const entries = [
    ...unknowns.read(() => objList(r.props["grants"]), []),
    ...unknowns.read(() => objList(obj(r.props["accessControlPolicy"])?.["grants"]), []),
  ];
  for (const g of entries) {
    const grantee = unknowns.read(() => obj(g["grantee"]), undefined) ?? g;
    const uri = unknowns.read(() => grantee["uri"], undefined);
    if (typeof uri !== "string" || !PUBLIC_ACL_GROUPS.test(uri)) continue;
    const perms = [
      ...unknowns.read(() => strList(g, "permissions"), []),
      ...unknowns.read(() => strList(g, "permission"), []),
    ];
    for (const perm of perms) permissions.add(perm.toUpperCase());
  }
  const patterns = [...permissions].flatMap((perm) => ACL_WRITE_ACTIONS[perm] ?? []);
  if (patterns.length === 0) return;
  const actions = await expandedActions(patterns);
  const on = `the ACL of ${describe(r)}, open to everyone`;
  for (const t of ctx.targets)
    ctx.grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
};

/** `BucketPolicy`, `AccessPoint`, `AccessPointPolicy`: an S3 resource policy. */
const resourcePolicy: GrantPath = (ctx, r) =>
  resourceDocument(ctx, policyOf(ctx, r), r, "resource");

/** A bucket: its ACL, then its (deprecated inline) `policy`. */
const bucket: GrantPath = async (ctx, r) => {
  await publicAcl(ctx, r);
  await resourcePolicy(ctx, r);
};

/** A KMS `Key`'s own `policy`. */
const keyOwnPolicy: GrantPath = (ctx, r) =>
  resourceDocument(ctx, policyOf(ctx, r), r, "key-policy", r);

/** A KMS `KeyPolicy`: the policy of the key its `keyId` names. */
const keyPolicy: GrantPath = (ctx, r) => {
  const key = ctx.keyIndex.resolve(r, "keyId", ctx.unknowns)[0];
  return resourceDocument(ctx, policyOf(ctx, r), r, "key-policy", key);
};

/** A KMS `Grant`: its operations on a key, to the principal it names. */
const kmsGrant: GrantPath = async (ctx, r) => {
  const unknowns = ctx.unknowns;
  const depPrincipals = ctx.principalIndex.resolve(r, "granteePrincipal", unknowns);
  const grantee =
    unknowns.readUnless(
      depPrincipals.length > 0,
      () => str(r.props, "granteePrincipal"),
      undefined,
    ) ?? "";
  const reached = ctx.targets.filter(
    (t) =>
      (t.kind === "principal" && depPrincipals.includes(t.principal)) ||
      targetIdentities(t).some((id) => principalEntryMatches(grantee, id)),
  );
  if (reached.length === 0) return;
  const ops = unknowns.read(() => strList(r.props, "operations"), []);
  const actions = await expandedActions(ops.map((op) => `kms:${op}`));
  const key = ctx.keyIndex.resolve(r, "keyId", unknowns)[0];
  for (const t of reached)
    ctx.grants.push({ target: t, source: r, kind: "kms-grant", via: "", actions, key });
};

/** A Lambda `Permission`: `principal` may be an account id (or "*"), granted the action. */
const lambdaPermission: GrantPath = async (ctx, r) => {
  const unknowns = ctx.unknowns;
  const principal = unknowns.read(() => str(r.props, "principal"), undefined);
  if (!principal || !/^(\*|\d{12}|arn:)/.test(principal)) return;
  const reached = ctx.targets.filter((t) =>
    targetIdentities(t).some((id) => principalEntryMatches(principal, id)),
  );
  if (reached.length === 0) return;
  const action = unknowns.read(() => str(r.props, "action"), undefined) ?? "";
  const actions = await expandActionPattern(action);
  const fn = unknowns.peek(() => str(r.props, "function"), undefined);
  const on = fn ? `function ${lastArnPart(fn)}` : undefined;
  for (const t of reached)
    ctx.grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
};

/** S3 Access Grants: READ, WRITE or READWRITE on a location, to an IAM principal. */
const accessGrant: GrantPath = async (ctx, r) => {
  const unknowns = ctx.unknowns;
  const grantee = unknowns.read(() => obj(r.props["grantee"]), undefined);
  const id = grantee ? unknowns.read(() => grantee["granteeIdentifier"], undefined) : undefined;
  const deps = ctx.principalIndex.resolve(r, "grantee", unknowns);
  const reached = ctx.targets.filter(
    (t) =>
      (t.kind === "principal" && deps.includes(t.principal)) ||
      (typeof id === "string" && targetIdentities(t).some((i) => principalEntryMatches(id, i))),
  );
  if (reached.length === 0) return;
  const permission = String(unknowns.read(() => r.props["permission"], "") ?? "").toUpperCase();
  const patterns = [
    ...(permission.includes("READ") ? ACCESS_GRANT_READ : []),
    ...(permission.includes("WRITE") || !/^(READ|WRITE|READWRITE)$/.test(permission)
      ? ACCESS_GRANT_WRITE
      : []),
  ];
  const actions = await expandedActions(patterns);
  const location = unknowns.peek(() => str(r.props, "accessGrantsLocationId"), undefined);
  const on = location ? `access grants location ${location}` : undefined;
  for (const t of reached)
    ctx.grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
};

/** Any other resource policy (a secret's, a queue's, a topic's, an S3 Control one...). */
const otherResourcePolicy: GrantPath = (ctx, r) =>
  resourceDocument(ctx, policyOf(ctx, r), r, "resource", undefined, true);

/** The catalogue actions of action patterns, in their order. */
async function expandedActions(patterns: string[]): Promise<CatalogueAction[]> {
  const actions: CatalogueAction[] = [];
  for (const pattern of patterns) actions.push(...(await expandActionPattern(pattern)));
  return actions;
}

const RESOURCE_PATHS = new Map<string, GrantPath>([
  ...BUCKET_TYPES.map((type): [string, GrantPath] => [type, bucket]),
  [T.BucketPolicy, resourcePolicy],
  [T.AccessPoint, resourcePolicy],
  [T.AccessPointPolicy, resourcePolicy],
  [T.KmsKey, keyOwnPolicy],
  [T.KmsKeyPolicy, keyPolicy],
  [T.KmsGrant, kmsGrant],
  [T.BucketAcl, publicAcl],
  [T.BucketAclV2, publicAcl],
  [T.LambdaPermission, lambdaPermission],
  [T.AccessGrant, accessGrant],
]);

/** The resource grants a resource carries, by the path its type takes. */
export async function resourceGrants(ctx: GrantContext, r: StackResource): Promise<void> {
  const path = RESOURCE_PATHS.get(r.type);
  if (path) await path(ctx, r);
  else if (r.type.startsWith("aws:") && !IDENTITY_DOCUMENT_TYPES.has(r.type) && "policy" in r.props)
    await otherResourcePolicy(ctx, r);
}

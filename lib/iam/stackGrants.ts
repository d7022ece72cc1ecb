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
 */
import { expandActionPattern, type CatalogueAction } from "./actions.ts";
import {
  PolicyDocumentError,
  parsePolicyDocument,
  statementActions,
  statementReaches,
  principalEntryMatches,
  type NormalizedStatement,
  type PrincipalIdentity,
} from "./analysis.ts";
import {
  T,
  BUCKET_TYPES,
  UnknownValues,
  dependsOnType,
  describe,
  lastArnPart,
  obj,
  objList,
  str,
  strList,
  tagsOf,
  type StackResource,
} from "../stack/model.ts";

export interface StackPrincipal {
  resource: StackResource;
  kind: "user" | "role";
  /** Physical names (the `name` input, or the logical name when autonamed) and ARN if known. */
  names: string[];
  tags: Record<string, string>;
}

/** A principal the analysis follows: a stack user/role or a whole (external) account. */
export type Target =
  | { kind: "principal"; principal: StackPrincipal; reason: string }
  | { kind: "account"; account: string };

export function targetLabel(t: Target): string {
  return t.kind === "account" ? `account ${t.account}` : describe(t.principal.resource);
}

export function targetIdentities(t: Target): PrincipalIdentity[] {
  if (t.kind === "account") return [{ kind: "account", account: t.account }];
  return t.principal.names.map((name) => ({ kind: t.principal.kind, name }));
}

export type GrantKind = "identity" | "resource" | "key-policy" | "kms-grant";

export interface Grant {
  target: Target;
  /** The resource that carries the document or the attachment. */
  source: StackResource;
  kind: GrantKind;
  /** How the grant reaches the target, e.g. `through group "readers"` (empty when direct). */
  via: string;
  statement?: NormalizedStatement;
  actions: CatalogueAction[];
  /** For a key policy, the key it belongs to. */
  key?: StackResource;
  /** What the grant applies to, when no statement says (a Lambda permission, an access grant). */
  on?: string;
}

export interface ManagedAttachment {
  target: Target;
  source: StackResource;
  via: string;
  policyArn: string;
  /** True for `arn:aws:iam::aws:policy/...` (AWS-managed); false for a policy outside the stack. */
  awsManaged: boolean;
}

export interface UnreadableDocument {
  source: StackResource;
  target?: Target;
  problem: string;
}

export interface StackGrants {
  targets: Target[];
  grants: Grant[];
  /** Attached policies whose document is not in the stack (AWS-managed or elsewhere). */
  managed: ManagedAttachment[];
  unreadable: UnreadableDocument[];
}

export interface GrantQuery {
  /** Selects the stack principals to follow. */
  selectPrincipal: (p: StackPrincipal) => string | undefined;
  /** External accounts to follow (e.g. SpendFlo's). */
  accounts: string[];
  /** Also follow roles whose trust policy admits a followed principal or account. */
  followTrust: boolean;
}

const docCache = new Map<string, NormalizedStatement[] | PolicyDocumentError>();

/** Parses (once per distinct document) a document; a readable error for one that cannot be read. */
function parseCached(doc: unknown): NormalizedStatement[] | PolicyDocumentError {
  const key = typeof doc === "string" ? doc : JSON.stringify(doc);
  let cached = docCache.get(key);
  if (!cached) {
    try {
      cached = parsePolicyDocument(doc);
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      cached = e;
    }
    if (docCache.size > 20_000) docCache.clear();
    docCache.set(key, cached);
  }
  return cached;
}

/** Index of stack resources by physical name and URN, for joining references. */
class NameIndex<V> {
  private byName = new Map<string, V[]>();
  private byUrn = new Map<string, V>();
  add(urn: string, names: string[], v: V): void {
    this.byUrn.set(urn, v);
    for (const n of names) {
      const key = n.toLowerCase();
      const list = this.byName.get(key) ?? [];
      list.push(v);
      this.byName.set(key, list);
    }
  }
  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  /** The entries a prop of `from` refers to (by property dependency, by name, by ARN). */
  resolve(from: StackResource, prop: string, unknowns: UnknownValues): V[] {
    const out = new Set<V>();
    for (const d of from.propertyDependencies?.[prop] ?? []) {
      const v = this.byUrn.get(d.urn);
      if (v) out.add(v);
    }
    // A value unknown during preview is explained by the dependency it comes from, when that
    // dependency is one of ours; otherwise it could name anything: record it.
    const read = () => from.props[prop];
    const raw = out.size > 0 ? unknowns.peek(read, undefined) : unknowns.read(read, undefined);
    const values: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    for (const value of values) {
      if (typeof value !== "string") continue;
      for (const key of [value, lastArnPart(value)]) {
        for (const v of this.byName.get(key.toLowerCase()) ?? []) out.add(v);
      }
    }
    return [...out];
  }
}

function namesOf(r: StackResource, unknowns: UnknownValues): string[] {
  const names = new Set<string>();
  for (const key of ["name", "arn", "id"]) {
    const v = unknowns.peek(() => str(r.props, key), undefined);
    if (v) {
      names.add(v);
      names.add(lastArnPart(v));
    }
  }
  if (names.size === 0) names.add(r.name);
  return [...names];
}

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

const ASSUME_ACTIONS = [
  "sts:AssumeRole",
  "sts:AssumeRoleWithWebIdentity",
  "sts:AssumeRoleWithSAML",
];

async function trustAdmits(
  role: StackPrincipal,
  followed: Target[],
  unknowns: UnknownValues,
  unreadable: UnreadableDocument[],
): Promise<Target | undefined> {
  const doc = unknowns.read(() => role.resource.props["assumeRolePolicy"], undefined);
  if (doc === undefined) return undefined;
  const statements = unknowns.read(() => parseCached(doc), []);
  if (statements instanceof PolicyDocumentError) {
    unreadable.push({ source: role.resource, problem: statements.message });
    return undefined;
  }
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    const actions = await statementActions(s);
    const assumes = actions.some((a) =>
      ASSUME_ACTIONS.some((x) => x.toLowerCase() === a.action.toLowerCase()),
    );
    if (!assumes) continue;
    for (const t of followed) {
      if (t.kind === "principal" && t.principal === role) continue;
      if (targetIdentities(t).some((id) => statementReaches(s, id))) return t;
    }
  }
  return undefined;
}

/** Every grant reaching the selected principals, by every path the stack contains. */
export async function collectGrants(
  resources: StackResource[],
  query: GrantQuery,
  unknowns: UnknownValues,
): Promise<StackGrants> {
  const principals: StackPrincipal[] = [];
  const principalIndex = new NameIndex<StackPrincipal>();
  for (const r of resources) {
    if (r.type !== T.User && r.type !== T.Role) continue;
    const p: StackPrincipal = {
      resource: r,
      kind: r.type === T.User ? "user" : "role",
      names: namesOf(r, unknowns),
      tags: tagsOf(r, unknowns),
    };
    principals.push(p);
    principalIndex.add(r.urn, p.names, p);
  }

  const unreadable: UnreadableDocument[] = [];
  const targets: Target[] = query.accounts.map((account) => ({ kind: "account", account }));
  const chosen = new Set<StackPrincipal>();
  for (const p of principals) {
    const reason = query.selectPrincipal(p);
    if (reason) {
      targets.push({ kind: "principal", principal: p, reason });
      chosen.add(p);
    }
  }
  if (query.followTrust) {
    // Roles a followed principal can assume are followed too, until nothing changes.
    let changed = true;
    while (changed) {
      changed = false;
      for (const p of principals) {
        if (p.kind !== "role" || chosen.has(p)) continue;
        const via = await trustAdmits(p, targets, unknowns, unreadable);
        if (via) {
          targets.push({
            kind: "principal",
            principal: p,
            reason: `its trust policy admits ${targetLabel(via)}`,
          });
          chosen.add(p);
          changed = true;
        }
      }
    }
  }
  const targetOf = new Map<StackPrincipal, Target>();
  for (const t of targets) if (t.kind === "principal") targetOf.set(t.principal, t);
  // By resource too (the first principal of each): a stack with a role per customer would
  // otherwise search every target for every role.
  const targetOfResource = new Map<StackResource, Target>();
  for (const [p, t] of targetOf)
    if (!targetOfResource.has(p.resource)) targetOfResource.set(p.resource, t);

  // Groups and memberships.
  const groups = resources.filter((r) => r.type === T.Group);
  const groupIndex = new NameIndex<StackResource>();
  for (const g of groups) groupIndex.add(g.urn, namesOf(g, unknowns), g);
  const groupNamesOfUser = new Map<StackPrincipal, Set<string>>();
  const addMembership = (user: StackPrincipal, groupName: string) => {
    const set = groupNamesOfUser.get(user) ?? new Set<string>();
    set.add(groupName.toLowerCase());
    groupNamesOfUser.set(user, set);
  };
  for (const m of resources) {
    if (m.type === T.UserGroupMembership) {
      const users = principalIndex.resolve(m, "user", unknowns);
      const gNames = unknowns.readUnless(
        dependsOnType(m, "groups", [T.Group]),
        () => strList(m.props, "groups"),
        [],
      );
      const gDeps = (m.propertyDependencies?.["groups"] ?? []).flatMap((g) => namesOf(g, unknowns));
      for (const u of users)
        for (const g of [...gNames, ...gDeps]) addMembership(u, lastArnPart(g));
    } else if (m.type === T.GroupMembership) {
      const users = principalIndex.resolve(m, "users", unknowns);
      const gName = unknowns.readUnless(
        dependsOnType(m, "group", [T.Group]),
        () => str(m.props, "group"),
        undefined,
      );
      const gDeps = (m.propertyDependencies?.["group"] ?? []).flatMap((g) => namesOf(g, unknowns));
      for (const u of users)
        for (const g of [...(gName ? [gName] : []), ...gDeps]) addMembership(u, lastArnPart(g));
    }
  }
  /** The followed targets a group reference (prop of `from`) reaches, through memberships. */
  const membersOfGroupRef = (from: StackResource, prop: string): Target[] => {
    const refNames = new Set<string>();
    for (const g of groupIndex.resolve(from, prop, unknowns)) {
      for (const n of namesOf(g, unknowns)) refNames.add(n.toLowerCase());
    }
    const raw = unknowns.readUnless(
      dependsOnType(from, prop, [T.Group]),
      () => from.props[prop],
      undefined,
    );
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v === "string") refNames.add(lastArnPart(v).toLowerCase());
    }
    const out: Target[] = [];
    for (const [user, names] of groupNamesOfUser) {
      const t = targetOf.get(user);
      if (t && [...names].some((n) => refNames.has(n))) out.push(t);
    }
    return out;
  };
  const groupLabel = (from: StackResource, prop: string) => {
    const v = unknowns.peek(() => from.props[prop], undefined);
    const names = (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "string");
    return `through group ${names.map((n) => `"${lastArnPart(n as string)}"`).join(", ")}`;
  };

  const grants: Grant[] = [];
  const managed: ManagedAttachment[] = [];

  /** Judges an identity document for the targets it reaches; reads it only if it reaches one. */
  const identityDoc = async (
    readDoc: () => unknown,
    source: StackResource,
    reached: Target[],
    via: string,
  ) => {
    if (reached.length === 0) return;
    const doc = unknowns.read(readDoc, undefined);
    if (doc === undefined) return;
    const statements = unknowns.read(() => parseCached(doc), []);
    if (statements instanceof PolicyDocumentError) {
      for (const t of reached) unreadable.push({ source, target: t, problem: statements.message });
      return;
    }
    for (const s of statements) {
      if (s.effect !== "Allow") continue;
      const actions = await statementActions(s);
      for (const t of reached)
        grants.push({ target: t, source, kind: "identity", via, statement: s, actions });
    }
  };

  // Customer-managed policies in the stack, for attachments.
  const policyIndex = new NameIndex<StackResource>();
  for (const p of resources.filter((r) => r.type === T.Policy)) {
    policyIndex.add(p.urn, namesOf(p, unknowns), p);
  }
  const attach = async (from: StackResource, prop: string, reached: Target[], via: string) => {
    if (reached.length === 0) return;
    const arns = unknowns.readUnless(
      dependsOnType(from, prop, [T.Policy]),
      () => strList(from.props, prop),
      [],
    );
    const depPolicies = policyIndex.resolve(from, prop, unknowns);
    const resolvedArns = new Set<string>();
    for (const p of depPolicies) {
      await identityDoc(
        () => p.props["policy"],
        p,
        reached,
        `${via}${via ? ", " : ""}attached by ${describe(from)}`,
      );
      for (const n of namesOf(p, unknowns)) resolvedArns.add(n.toLowerCase());
    }
    for (const arn of arns) {
      if (resolvedArns.has(arn.toLowerCase()) || resolvedArns.has(lastArnPart(arn).toLowerCase()))
        continue;
      const awsManaged = /^arn:aws[a-z-]*:iam::aws:policy\//i.test(arn);
      for (const t of reached)
        managed.push({ target: t, source: from, via, policyArn: arn, awsManaged });
    }
  };

  /**
   * A principal a document names but the stack does not create (an existing user or role,
   * referenced by name or ARN): followed when its name alone selects it (e.g. `spendflo-sync`).
   */
  const externalTargets = new Map<string, Target | null>();
  const externalTarget = (kind: "user" | "role", ref: string): Target | undefined => {
    const name = lastArnPart(ref);
    const key = `${kind}:${name.toLowerCase()}`;
    if (!externalTargets.has(key)) {
      const principal: StackPrincipal = {
        resource: {
          type: kind === "user" ? T.User : T.Role,
          urn: `${kind}:${name}`,
          name,
          props: { name },
        },
        kind,
        names: [name],
        tags: {},
      };
      const reason = query.selectPrincipal(principal);
      const t: Target | null = reason
        ? { kind: "principal", principal, reason: `${reason}; not created by this stack` }
        : null;
      externalTargets.set(key, t);
      if (t) targets.push(t);
    }
    return externalTargets.get(key) ?? undefined;
  };

  const principalTargets = (from: StackResource, prop: string, kind: "user" | "role"): Target[] => {
    const resolved = principalIndex.resolve(from, prop, unknowns);
    if (resolved.length > 0) {
      return resolved.map((p) => targetOf.get(p)).filter((t): t is Target => t !== undefined);
    }
    const raw = unknowns.peek(() => from.props[prop], undefined);
    const refs = (Array.isArray(raw) ? raw : [raw]).filter(
      (v): v is string => typeof v === "string",
    );
    return refs.map((r) => externalTarget(kind, r)).filter((t): t is Target => t !== undefined);
  };

  // Identity side.
  for (const r of resources) {
    switch (r.type) {
      case T.UserPolicy:
        await identityDoc(() => r.props["policy"], r, principalTargets(r, "user", "user"), "");
        break;
      case T.RolePolicy:
        await identityDoc(() => r.props["policy"], r, principalTargets(r, "role", "role"), "");
        break;
      case T.GroupPolicy:
        await identityDoc(
          () => r.props["policy"],
          r,
          membersOfGroupRef(r, "group"),
          groupLabel(r, "group"),
        );
        break;
      case T.Role: {
        const t = targetOfResource.get(r);
        if (!t) break;
        for (const ip of unknowns.read(() => objList(r.props["inlinePolicies"]), [])) {
          await identityDoc(() => ip["policy"], r, [t], "");
        }
        await attach(r, "managedPolicyArns", [t], "");
        break;
      }
      case T.UserPolicyAttachment:
        await attach(r, "policyArn", principalTargets(r, "user", "user"), "");
        break;
      case T.RolePolicyAttachment:
        await attach(r, "policyArn", principalTargets(r, "role", "role"), "");
        break;
      case T.GroupPolicyAttachment:
        await attach(r, "policyArn", membersOfGroupRef(r, "group"), groupLabel(r, "group"));
        break;
      case T.PolicyAttachment:
        await attach(
          r,
          "policyArn",
          [...principalTargets(r, "users", "user"), ...principalTargets(r, "roles", "role")],
          "",
        );
        await attach(r, "policyArn", membersOfGroupRef(r, "groups"), groupLabel(r, "groups"));
        break;
      case T.UserPolicyAttachmentsExclusive:
        await attach(r, "policyArns", principalTargets(r, "userName", "user"), "");
        break;
      case T.RolePolicyAttachmentsExclusive:
        await attach(r, "policyArns", principalTargets(r, "roleName", "role"), "");
        break;
      case T.GroupPolicyAttachmentsExclusive:
        await attach(
          r,
          "policyArns",
          membersOfGroupRef(r, "groupName"),
          groupLabel(r, "groupName"),
        );
        break;
      default:
        break;
    }
  }

  // Resource side: bucket, access point and key policies.
  const resourceDoc = async (
    doc: unknown,
    source: StackResource,
    kind: GrantKind,
    key?: StackResource,
    quiet = false,
  ) => {
    if (doc === undefined || doc === null || doc === "") return;
    const statements = unknowns.read(() => parseCached(doc), []);
    if (statements instanceof PolicyDocumentError) {
      // A service's own policy language (an ECR lifecycle policy, an OpenSearch security policy)
      // is not IAM: only the types known to hold IAM documents report one they cannot read.
      if (!quiet) unreadable.push({ source, problem: statements.message });
      return;
    }
    for (const s of statements) {
      if (s.effect !== "Allow") continue;
      for (const entry of [...(s.principal?.aws ?? [])]) {
        const m =
          /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(user|role|assumed-role)\/(?:.*\/)?([^/]+)$/i.exec(
            entry,
          );
        if (!m || /[*?]/.test(m[2])) continue;
        const roleName = m[1].toLowerCase() === "assumed-role" ? entry.split("/")[1] : m[2];
        const name = m[1].toLowerCase() === "user" ? m[2] : roleName;
        if (!principalIndex.has(name))
          externalTarget(m[1].toLowerCase() === "user" ? "user" : "role", name);
      }
      const reached = targets.filter((t) =>
        targetIdentities(t).some((id) => statementReaches(s, id)),
      );
      if (reached.length === 0) continue;
      const actions = await statementActions(s);
      for (const t of reached)
        grants.push({ target: t, source, kind, via: "", statement: s, actions, key });
    }
  };
  /**
   * ACLs that let everyone (AllUsers, AuthenticatedUsers, a public-read-write canned ACL) write:
   * every followed principal is among them. (Grants to a canonical user id cannot be tied to an
   * account offline; BucketOwnerEnforced, which our buckets set, disables ACLs altogether.)
   */
  const aclGrants = async (r: StackResource) => {
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
    const actions: CatalogueAction[] = [];
    for (const pattern of patterns) actions.push(...(await expandActionPattern(pattern)));
    const on = `the ACL of ${describe(r)}, open to everyone`;
    for (const t of targets)
      grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
  };

  const keyIndex = new NameIndex<StackResource>();
  for (const k of resources.filter((r) => r.type === T.KmsKey)) {
    keyIndex.add(
      k.urn,
      namesOf(k, unknowns).concat(unknowns.peek(() => strList(k.props, "keyId"), [])),
      k,
    );
  }
  for (const r of resources) {
    if (BUCKET_TYPES.includes(r.type)) await aclGrants(r);
    if (
      BUCKET_TYPES.includes(r.type) ||
      r.type === T.BucketPolicy ||
      r.type === T.AccessPoint ||
      r.type === T.AccessPointPolicy
    ) {
      await resourceDoc(
        unknowns.read(() => r.props["policy"], undefined),
        r,
        "resource",
      );
    } else if (r.type === T.KmsKey) {
      await resourceDoc(
        unknowns.read(() => r.props["policy"], undefined),
        r,
        "key-policy",
        r,
      );
    } else if (r.type === T.KmsKeyPolicy) {
      const key = keyIndex.resolve(r, "keyId", unknowns)[0];
      await resourceDoc(
        unknowns.read(() => r.props["policy"], undefined),
        r,
        "key-policy",
        key,
      );
    } else if (r.type === T.KmsGrant) {
      const depPrincipals = principalIndex.resolve(r, "granteePrincipal", unknowns);
      const grantee =
        unknowns.readUnless(
          depPrincipals.length > 0,
          () => str(r.props, "granteePrincipal"),
          undefined,
        ) ?? "";
      const reached = targets.filter(
        (t) =>
          (t.kind === "principal" && depPrincipals.includes(t.principal)) ||
          targetIdentities(t).some((id) => principalEntryMatches(grantee, id)),
      );
      if (reached.length === 0) continue;
      const ops = unknowns.read(() => strList(r.props, "operations"), []);
      const actions: CatalogueAction[] = [];
      for (const op of ops) actions.push(...(await expandActionPattern(`kms:${op}`)));
      const key = keyIndex.resolve(r, "keyId", unknowns)[0];
      for (const t of reached)
        grants.push({ target: t, source: r, kind: "kms-grant", via: "", actions, key });
    } else if (r.type === T.BucketAcl || r.type === T.BucketAclV2) {
      await aclGrants(r);
    } else if (r.type === T.LambdaPermission) {
      // `principal` may be an account id (or "*"): a grant of the action to that account.
      const principal = unknowns.read(() => str(r.props, "principal"), undefined);
      if (!principal || !/^(\*|\d{12}|arn:)/.test(principal)) continue;
      const reached = targets.filter((t) =>
        targetIdentities(t).some((id) => principalEntryMatches(principal, id)),
      );
      if (reached.length === 0) continue;
      const action = unknowns.read(() => str(r.props, "action"), undefined) ?? "";
      const actions = await expandActionPattern(action);
      const fn = unknowns.peek(() => str(r.props, "function"), undefined);
      const on = fn ? `function ${lastArnPart(fn)}` : undefined;
      for (const t of reached)
        grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
    } else if (r.type === T.AccessGrant) {
      // S3 Access Grants: READ, WRITE or READWRITE on a location, to an IAM principal.
      const grantee = unknowns.read(() => obj(r.props["grantee"]), undefined);
      const id = grantee ? unknowns.read(() => grantee["granteeIdentifier"], undefined) : undefined;
      const deps = principalIndex.resolve(r, "grantee", unknowns);
      const reached = targets.filter(
        (t) =>
          (t.kind === "principal" && deps.includes(t.principal)) ||
          (typeof id === "string" && targetIdentities(t).some((i) => principalEntryMatches(id, i))),
      );
      if (reached.length === 0) continue;
      const permission = String(unknowns.read(() => r.props["permission"], "") ?? "").toUpperCase();
      const patterns = [
        ...(permission.includes("READ") ? ACCESS_GRANT_READ : []),
        ...(permission.includes("WRITE") || !/^(READ|WRITE|READWRITE)$/.test(permission)
          ? ACCESS_GRANT_WRITE
          : []),
      ];
      const actions: CatalogueAction[] = [];
      for (const pattern of patterns) actions.push(...(await expandActionPattern(pattern)));
      const location = unknowns.peek(() => str(r.props, "accessGrantsLocationId"), undefined);
      const on = location ? `access grants location ${location}` : undefined;
      for (const t of reached)
        grants.push({ target: t, source: r, kind: "resource", via: "", actions, on });
    } else if (
      r.type.startsWith("aws:") &&
      !IDENTITY_DOCUMENT_TYPES.has(r.type) &&
      "policy" in r.props
    ) {
      // Any other resource policy (a secret's, a queue's, a topic's, an S3 Control one...).
      await resourceDoc(
        unknowns.read(() => r.props["policy"], undefined),
        r,
        "resource",
        undefined,
        true,
      );
    }
  }
  return { targets, grants, managed, unreadable };
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
  const keys = resources.filter((r) => r.type === T.KmsKey);
  const keyIndex = new NameIndex<StackResource>();
  for (const k of keys)
    keyIndex.add(
      k.urn,
      namesOf(k, unknowns).concat(unknowns.peek(() => strList(k.props, "keyId"), [])),
      k,
    );
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

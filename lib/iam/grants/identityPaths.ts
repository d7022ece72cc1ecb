/**
 * The identity side of the grant analysis: documents attached to a user, a role or a group, one
 * function per way IAM attaches them (inline policies, a role's own `inlinePolicies` and
 * `managedPolicyArns`, policy attachments one by one, `PolicyAttachment`, the
 * `*AttachmentsExclusive` resources).
 */
import { PolicyDocumentError, statementActions } from "../analysis.ts";
import {
  T,
  dependsOnType,
  describe,
  lastArnPart,
  objList,
  strList,
  type StackResource,
} from "../../stack/model.ts";
import type { GrantContext } from "./context.ts";
import { namesOf, parseCached } from "./lookup.ts";
import type { Target } from "./types.ts";

/** Finds the grants one resource of a type carries. */
type GrantPath = (ctx: GrantContext, r: StackResource) => Promise<void>;

/** Judges an identity document for the targets it reaches; reads it only if it reaches one. */
async function identityDocument(
  ctx: GrantContext,
  readDoc: () => unknown,
  source: StackResource,
  reached: Target[],
  via: string,
): Promise<void> {
  if (reached.length === 0) return;
  const doc = ctx.unknowns.read(readDoc, undefined);
  if (doc === undefined) return;
  const statements = ctx.unknowns.read(() => parseCached(doc), []);
  if (statements instanceof PolicyDocumentError) {
    for (const t of reached)
      ctx.unreadable.push({ source, target: t, problem: statements.message });
    return;
  }
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    const actions = await statementActions(s);
    for (const t of reached)
      ctx.grants.push({ target: t, source, kind: "identity", via, statement: s, actions });
  }
}

/**
 * The policies a prop of `from` attaches (one ARN or a list) to the targets reached: the
 * documents of those in the stack, judged; the others (AWS-managed or from elsewhere) listed.
 */
async function attachedPolicies(
  ctx: GrantContext,
  from: StackResource,
  prop: string,
  reached: Target[],
  via: string,
): Promise<void> {
  if (reached.length === 0) return;
  const unknowns = ctx.unknowns;
  const arns = unknowns.readUnless(
    dependsOnType(from, prop, [T.Policy]),
    () => strList(from.props, prop),
    [],
  );
  const depPolicies = ctx.policyIndex.resolve(from, prop, unknowns);
  const resolvedArns = new Set<string>();
  for (const p of depPolicies) {
    await identityDocument(
      ctx,
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
      ctx.managed.push({ target: t, source: from, via, policyArn: arn, awsManaged });
  }
}

/** `UserPolicy`, `RolePolicy`: an inline document of the user or role `prop` names. */
function inlinePolicy(prop: "user" | "role"): GrantPath {
  return (ctx, r) =>
    identityDocument(ctx, () => r.props["policy"], r, ctx.principalTargets(r, prop, prop), "");
}

/** `GroupPolicy`: an inline document of a group, reaching its members. */
const groupInlinePolicy: GrantPath = (ctx, r) =>
  identityDocument(
    ctx,
    () => r.props["policy"],
    r,
    ctx.membersOfGroupRef(r, "group"),
    ctx.groupLabel(r, "group"),
  );

/** `Role`: the documents of its `inlinePolicies` and the policies of its `managedPolicyArns`. */
const roleOwnPolicies: GrantPath = async (ctx, r) => {
  const t = ctx.targetOfPrincipal(r);
  if (!t) return;
  for (const ip of ctx.unknowns.read(() => objList(r.props["inlinePolicies"]), [])) {
    await identityDocument(ctx, () => ip["policy"], r, [t], "");
  }
  await attachedPolicies(ctx, r, "managedPolicyArns", [t], "");
};

/**
 * `UserPolicyAttachment`, `RolePolicyAttachment` and the `*AttachmentsExclusive` of a user or a
 * role: the policies `arnProp` names, attached to the user or role `prop` names.
 */
function principalAttachment(prop: string, kind: "user" | "role", arnProp: string): GrantPath {
  return (ctx, r) => attachedPolicies(ctx, r, arnProp, ctx.principalTargets(r, prop, kind), "");
}

/** `GroupPolicyAttachment`, `GroupPolicyAttachmentsExclusive`: policies reaching the members. */
function groupAttachment(prop: string, arnProp: string): GrantPath {
  return (ctx, r) =>
    attachedPolicies(ctx, r, arnProp, ctx.membersOfGroupRef(r, prop), ctx.groupLabel(r, prop));
}

/** `PolicyAttachment`: one policy attached to users, roles and groups at once. */
const policyAttachment: GrantPath = async (ctx, r) => {
  await attachedPolicies(
    ctx,
    r,
    "policyArn",
    [...ctx.principalTargets(r, "users", "user"), ...ctx.principalTargets(r, "roles", "role")],
    "",
  );
  await groupAttachment("groups", "policyArn")(ctx, r);
};

const IDENTITY_PATHS = new Map<string, GrantPath>([
  [T.UserPolicy, inlinePolicy("user")],
  [T.RolePolicy, inlinePolicy("role")],
  [T.GroupPolicy, groupInlinePolicy],
  [T.Role, roleOwnPolicies],
  [T.UserPolicyAttachment, principalAttachment("user", "user", "policyArn")],
  [T.RolePolicyAttachment, principalAttachment("role", "role", "policyArn")],
  [T.GroupPolicyAttachment, groupAttachment("group", "policyArn")],
  [T.PolicyAttachment, policyAttachment],
  [T.UserPolicyAttachmentsExclusive, principalAttachment("userName", "user", "policyArns")],
  [T.RolePolicyAttachmentsExclusive, principalAttachment("roleName", "role", "policyArns")],
  [T.GroupPolicyAttachmentsExclusive, groupAttachment("groupName", "policyArns")],
]);

/** The identity grants a resource carries, by the path its type takes (none for most types). */
export async function identityGrants(ctx: GrantContext, r: StackResource): Promise<void> {
  await IDENTITY_PATHS.get(r.type)?.(ctx, r);
}

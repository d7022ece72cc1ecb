/**
 * Whom the grant analysis follows: the stack's users and roles, the ones the query selects, the
 * roles they can assume (with `followTrust`), and the groups each user belongs to.
 */
import { PolicyDocumentError, statementActions, statementReaches } from "../analysis.ts";
import {
  T,
  UnknownValues,
  dependsOnType,
  lastArnPart,
  str,
  strList,
  tagsOf,
  type StackResource,
} from "../../stack/model.ts";
import { NameIndex, namesOf, parseCached } from "./lookup.ts";
import {
  targetIdentities,
  targetLabel,
  type GrantQuery,
  type StackPrincipal,
  type Target,
  type UnreadableDocument,
} from "./types.ts";

/** The stack's users and roles, and an index of them by name and URN. */
export function stackPrincipals(
  resources: StackResource[],
  unknowns: UnknownValues,
): { principals: StackPrincipal[]; index: NameIndex<StackPrincipal> } {
  const principals: StackPrincipal[] = [];
  const index = new NameIndex<StackPrincipal>();
  for (const r of resources) {
    if (r.type !== T.User && r.type !== T.Role) continue;
    const p: StackPrincipal = {
      resource: r,
      kind: r.type === T.User ? "user" : "role",
      names: namesOf(r, unknowns),
      tags: tagsOf(r, unknowns),
    };
    principals.push(p);
    index.add(r.urn, p.names, p);
  }
  return { principals, index };
}

/**
 * The query's accounts, then the principals it selects, then (with `followTrust`) the roles a
 * followed principal can assume, until nothing changes.
 */
export async function selectTargets(
  principals: StackPrincipal[],
  query: GrantQuery,
  unknowns: UnknownValues,
  unreadable: UnreadableDocument[],
): Promise<Target[]> {
  const targets: Target[] = query.accounts.map((account) => ({ kind: "account", account }));
  const chosen = new Set<StackPrincipal>();
  for (const p of principals) {
    const reason = query.selectPrincipal(p);
    if (reason) {
      targets.push({ kind: "principal", principal: p, reason });
      chosen.add(p);
    }
  }
  if (!query.followTrust) return targets;
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
  return targets;
}

const ASSUME_ACTIONS = [
  "sts:AssumeRole",
  "sts:AssumeRoleWithWebIdentity",
  "sts:AssumeRoleWithSAML",
];

/** The first followed target a role's trust policy lets assume it, if any. */
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

/**
 * The groups (lowercase names) each stack user belongs to, from `UserGroupMembership` (one user,
 * many groups) and `GroupMembership` (one group, many users).
 */
export function groupMemberships(
  resources: StackResource[],
  principalIndex: NameIndex<StackPrincipal>,
  unknowns: UnknownValues,
): Map<StackPrincipal, Set<string>> {
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
  return groupNamesOfUser;
}

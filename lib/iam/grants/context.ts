/**
 * What every grant path of the analysis shares: the stack's indexes, the followed targets (which
 * a document naming a principal outside the stack can add to), and the grants found so far.
 */
import {
  T,
  UnknownValues,
  dependsOnType,
  lastArnPart,
  type StackResource,
} from "../../stack/model.ts";
import { NameIndex, keyIndexOf, namesOf } from "./lookup.ts";
import type {
  Grant,
  GrantQuery,
  ManagedAttachment,
  StackPrincipal,
  Target,
  UnreadableDocument,
} from "./types.ts";

/** What the analysis knows before it walks the grant paths (see `collectGrants`). */
export interface GrantContextParts {
  resources: StackResource[];
  query: GrantQuery;
  unknowns: UnknownValues;
  principalIndex: NameIndex<StackPrincipal>;
  /** The followed targets; grows when a document names a selected principal outside the stack. */
  targets: Target[];
  /** The groups (lowercase names) each stack user belongs to. */
  memberships: Map<StackPrincipal, Set<string>>;
  unreadable: UnreadableDocument[];
}

export class GrantContext {
  readonly query: GrantQuery;
  readonly unknowns: UnknownValues;
  readonly principalIndex: NameIndex<StackPrincipal>;
  readonly targets: Target[];
  readonly unreadable: UnreadableDocument[];
  readonly grants: Grant[] = [];
  readonly managed: ManagedAttachment[] = [];
  /** Customer-managed policies in the stack, for attachments. */
  readonly policyIndex = new NameIndex<StackResource>();
  readonly keyIndex: NameIndex<StackResource>;
  private readonly groupIndex = new NameIndex<StackResource>();
  private readonly memberships: Map<StackPrincipal, Set<string>>;
  private readonly targetOf = new Map<StackPrincipal, Target>();
  /**
   * By resource too (the first principal of each): a stack with a role per customer would
   * otherwise search every target for every role.
   */
  private readonly targetOfResource = new Map<StackResource, Target>();
  /** Principals outside the stack, by `kind:name`: their target, or null when not followed. */
  private readonly externalTargets = new Map<string, Target | null>();

  constructor(parts: GrantContextParts) {
    this.query = parts.query;
    this.unknowns = parts.unknowns;
    this.principalIndex = parts.principalIndex;
    this.targets = parts.targets;
    this.unreadable = parts.unreadable;
    this.memberships = parts.memberships;
    for (const t of this.targets) if (t.kind === "principal") this.targetOf.set(t.principal, t);
    for (const [p, t] of this.targetOf)
      if (!this.targetOfResource.has(p.resource)) this.targetOfResource.set(p.resource, t);
    for (const r of parts.resources) {
      if (r.type === T.Group) this.groupIndex.add(r.urn, namesOf(r, this.unknowns), r);
      else if (r.type === T.Policy) this.policyIndex.add(r.urn, namesOf(r, this.unknowns), r);
    }
    this.keyIndex = keyIndexOf(parts.resources, this.unknowns);
  }

  /** The followed target of a stack principal's resource (a user or role), if it is followed. */
  targetOfPrincipal(resource: StackResource): Target | undefined {
    return this.targetOfResource.get(resource);
  }

  /** The followed targets among the users or roles a prop of `from` names. */
  principalTargets(from: StackResource, prop: string, kind: "user" | "role"): Target[] {
    const resolved = this.principalIndex.resolve(from, prop, this.unknowns);
    if (resolved.length > 0) {
      return resolved.map((p) => this.targetOf.get(p)).filter((t): t is Target => t !== undefined);
    }
    const raw = this.unknowns.peek(() => from.props[prop], undefined);
    const refs = (Array.isArray(raw) ? raw : [raw]).filter(
      (v): v is string => typeof v === "string",
    );
    return refs
      .map((r) => this.externalTarget(kind, r))
      .filter((t): t is Target => t !== undefined);
  }

  /**
   * A principal a document names but the stack does not create (an existing user or role,
   * referenced by name or ARN): followed when its name alone selects it (e.g. `spendflo-sync`).
   */
  externalTarget(kind: "user" | "role", ref: string): Target | undefined {
    const name = lastArnPart(ref);
    const key = `${kind}:${name.toLowerCase()}`;
    if (!this.externalTargets.has(key)) {
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
      const reason = this.query.selectPrincipal(principal);
      const t: Target | null = reason
        ? { kind: "principal", principal, reason: `${reason}; not created by this stack` }
        : null;
      this.externalTargets.set(key, t);
      if (t) this.targets.push(t);
    }
    return this.externalTargets.get(key) ?? undefined;
  }

  /** The followed targets a group reference (prop of `from`) reaches, through memberships. */
  membersOfGroupRef(from: StackResource, prop: string): Target[] {
    const unknowns = this.unknowns;
    const refNames = new Set<string>();
    for (const g of this.groupIndex.resolve(from, prop, unknowns)) {
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
    for (const [user, names] of this.memberships) {
      const t = this.targetOf.get(user);
      if (t && [...names].some((n) => refNames.has(n))) out.push(t);
    }
    return out;
  }

  /** How a grant through the groups a prop of `from` names reaches: `through group "readers"`. */
  groupLabel(from: StackResource, prop: string): string {
    const v = this.unknowns.peek(() => from.props[prop], undefined);
    const names = (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "string");
    return `through group ${names.map((n) => `"${lastArnPart(n as string)}"`).join(", ")}`;
  }
}

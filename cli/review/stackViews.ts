/**
 * The stack as the access review's analysis reads it: the update pass's records as the pack's
 * stack policies see a deployment, and two views of them for the pack's own path analysis (the
 * documents the offline plan cannot know, and the Deny statements).
 */
import type { StackPrincipal } from "../../lib/iam/stackGrants.ts";
import { UNKNOWN, type PlannedResource } from "../../lib/stack/plannedResource.ts";
import {
  describe,
  isUnknownValueError,
  obj,
  objList,
  type StackResource,
} from "../../lib/stack/model.ts";

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

export const UNKNOWN_SID = "budget-sync-review-unknown-document";

/** Every principal the stack creates (and, where given, accounts): the review follows them all. */
export const STACK_PRINCIPALS = {
  selectPrincipal: (p: StackPrincipal) =>
    p.resource.urn.startsWith("urn:pulumi:") ? "in this stack" : undefined,
  accounts: [],
  followTrust: false,
};

/**
 * The stack with every policy document the offline plan knows emptied, and every one it does not
 * know replaced by a marker statement: the pack's own path analysis then says whom each reaches.
 */
export function unknownView(resources: StackResource[]): StackResource[] {
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
export function denyView(resources: StackResource[]): StackResource[] {
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

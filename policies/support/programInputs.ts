/**
 * What the program set, for the stack policies to judge.
 *
 * The engine calls the pack twice over (pulumi/pulumi `pkg/resource/deploy/step_generator.go`):
 * `Analyze` with each resource's inputs before its step, then, once every step has run,
 * `AnalyzeStack` with each resource's outputs. Outputs mix what the program set with what the
 * provider computes, and a stack policy cannot tell the two apart:
 * - during preview of a new stack every value the provider computes is unknown: a v7 bucket's
 *   inline `policy`, `acl`, `serverSideEncryptionConfiguration`, `versioning`, a role's
 *   `inlinePolicies`... all unknown, although the program set none of them;
 * - after `pulumi up` they hold what AWS filled in: S3 encrypts every new bucket with AES256, so a
 *   check that read the bucket's encryption output could no longer fail.
 *
 * So the pack records the inputs each resource policy is handed (one process serves one
 * deployment, and every `Analyze` precedes the `AnalyzeStack`), and the stack policies judge those
 * inputs: what the program set, unknown only where the program derived a value from one unknown at
 * preview. Of the outputs they read only the identity the provider assigns (id, ARN, a name it
 * chose), which helps match references and is never a grant in itself. A resource with no
 * recorded inputs (read with `.get`, or a pack whose resource policies are all disabled) is judged
 * by its outputs, as CrossGuard hands them.
 */
import { UnknownValueError, type PolicyResource } from "@pulumi/policy";
// CrossGuard's proxy internals (@pulumi/policy `proxy.js`, pinned in package.json): the key that
// returns the plain value behind a proxy, and the engine's unknown sentinels it checks for. Its
// typings declare none of them (internal), hence the cast.
import proxyModule from "@pulumi/policy/proxy.js";
import { T, describe, lastArnPart, type StackResource } from "../../lib/stack/model.ts";

const policyProxy = proxyModule as unknown as Record<string, string>;
const PROXY_TARGET = policyProxy["getSpecialProxyTarget"]!;
const UNKNOWN_SENTINELS = new Set(
  [
    "unknownBooleanValue",
    "unknownNumberValue",
    "unknownStringValue",
    "unknownArrayValue",
    "unknownAssetValue",
    "unknownArchiveValue",
    "unknownObjectValue",
  ].map((k) => policyProxy[k]!),
);

const recorded = new Map<string, StackResource>();
/** Recorded principals and managed policies by the name they set, lower-cased. */
const byName = new Map<string, StackResource[]>();
/** Statements a resource-level check refused in this deployment (`<urn>#<statement>`). */
const refused = new Set<string>();

/** Reads a prop that may be unknown (CrossGuard's props throw on reading one). */
function peek(props: Record<string, unknown>, key: string): unknown {
  try {
    return props[key];
  } catch {
    return undefined;
  }
}

/**
 * What other resources name, and the resource-level check needs beside them: principals (a
 * policy's user, role or group) and managed policies (an attachment's policy ARN). Other names
 * (an inline policy's own, shared by every hosted customer's) would only widen every context.
 */
const NAMED_BY_OTHERS = new Set<string>([T.User, T.Role, T.Group, T.Policy]);

/** Records the inputs the engine sent for a resource (called by the pack's resource policies). */
export function recordInputs(resource: StackResource): void {
  recorded.set(resource.urn, resource);
  const name = NAMED_BY_OTHERS.has(resource.type) ? peek(resource.props, "name") : undefined;
  if (typeof name !== "string") return;
  const list = byName.get(name.toLowerCase()) ?? [];
  list.push(resource);
  byName.set(name.toLowerCase(), list);
}

/** Records that a resource-level check refused a statement, so stack checks do not repeat it. */
export function recordRefused(statementKey: string): void {
  refused.add(statementKey);
}

/** True if a resource-level check refused the statement in this deployment. */
export function wasRefused(statementKey: string): boolean {
  return refused.has(statementKey);
}

/**
 * Forgets what the last deployment recorded: a new one starts. The engine starts a new analyzer
 * process for each; the offline runner and the tests, which judge many in one process, call this.
 */
export function newDeployment(): void {
  recorded.clear();
  byName.clear();
  refused.clear();
}

/** Every string a value holds (unknown values skipped), for finding what a resource names. */
export function stringsIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === "string") {
    out.push(value);
    // A policy document is JSON text: the names it holds are inside.
    if (value.startsWith("{") && depth < 8) {
      try {
        stringsIn(JSON.parse(value), out, depth + 1);
      } catch {
        // not JSON after all
      }
    }
    return out;
  }
  if (value === null || typeof value !== "object" || depth >= 8) return out;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === "string")
      stringsIn(peek(value as Record<string, unknown>, key), out, depth + 1);
  }
  return out;
}

/**
 * Principals and managed policies analyzed earlier in this deployment that one of `names` names
 * (by their `name` input, or as the last part of an ARN): the principal a policy is for, the
 * policy an attachment attaches. The engine registers a resource after the resources its inputs come from,
 * so these are analyzed before the resource that names them.
 */
export function recordedNamed(names: readonly string[], except: string): StackResource[] {
  const out = new Set<StackResource>();
  for (const n of names) {
    for (const key of [n, lastArnPart(n)]) {
      for (const r of byName.get(key.toLowerCase()) ?? []) if (r.urn !== except) out.add(r);
    }
  }
  return [...out];
}

/** Outputs read where the program did not set them: the provider's names for the resource. */
const ASSIGNED = new Set(["id", "arn", "name", "bucket", "keyId", "uniqueId"]);

/** The plain value behind CrossGuard's unknown-checking proxy (or the value itself). */
function raw(props: Record<string, unknown>): Record<string, unknown> {
  return (props[PROXY_TARGET] as Record<string, unknown> | undefined) ?? props;
}

/** Inputs, with the assigned identity from the outputs where the inputs do not hold it. */
function programProps(
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...inputs };
  for (const key of ASSIGNED) {
    if (merged[key] === undefined && outputs[key] !== undefined) merged[key] = outputs[key];
  }
  return merged;
}

/**
 * Props that throw CrossGuard's `UnknownValueError` on reading an unknown value, as its own do,
 * with the resource and property named in the message: "can't run policy ... during preview:
 * aws.iam.RolePolicy "p" .policy is not known before the resources it comes from exist".
 */
function checkingProxy(value: unknown, resource: string, path: string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as Record<string, unknown>, {
    get: (target, key) => {
      const field = target[key as string];
      if (typeof key !== "string") return field;
      if (typeof field === "string" && UNKNOWN_SENTINELS.has(field)) {
        const error = new UnknownValueError(field, [...path, key]);
        error.message = `${resource} .${[...path, key].join(".")} is not known before the resources it comes from exist`;
        throw error;
      }
      // V8's invariant for non-configurable, non-writable data properties (an array's
      // constructor's `prototype`): return them as they are.
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (d && "value" in d && !d.configurable && !d.writable) return field;
      return checkingProxy(field, resource, [...path, key]);
    },
  });
}

const views = new WeakMap<readonly PolicyResource[], StackResource[]>();

/**
 * The stack as the program set it: each resource's recorded inputs (see above), with parents and
 * dependencies pointing at these views.
 */
export function programResources(resources: readonly PolicyResource[]): StackResource[] {
  const cached = views.get(resources);
  if (cached) return cached;
  const byUrn = new Map<string, StackResource>();
  for (const r of resources) {
    const inputs = recorded.get(r.urn)?.props;
    byUrn.set(r.urn, {
      type: r.type,
      urn: r.urn,
      name: r.name,
      props: checkingProxy(
        inputs ? programProps(raw(inputs), raw(r.props)) : raw(r.props),
        describe(r),
        [],
      ) as Record<string, unknown>,
    });
  }
  const viewOf = (d: { urn: string }) => byUrn.get(d.urn);
  for (const r of resources) {
    const view = byUrn.get(r.urn)!;
    if (r.parent) view.parent = viewOf(r.parent);
    view.dependencies = (r.dependencies ?? []).map(viewOf).filter((d) => d !== undefined);
    view.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, ds]) => [
        k,
        ds.map(viewOf).filter((d) => d !== undefined),
      ]),
    );
  }
  const list = [...byUrn.values()];
  views.set(resources, list);
  return list;
}

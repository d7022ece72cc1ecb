import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PlannedResource } from "../lib/plannedResource.ts";
import { mockCall, mockResource, type MockCloudSettings } from "./mockCloud.ts";

/**
 * The offline engine: runs a Pulumi program under Pulumi's own mocks (no Pulumi CLI, no AWS
 * account, no network) and records every resource it declares, with its parent, options and
 * fully resolved inputs, and the stack outputs. One run per process: Pulumi's runtime is global.
 */

export interface OfflineRunOptions {
  /** Absolute path of the program's entry file (TypeScript or JavaScript). */
  programPath: string;
  project: string;
  stack: string;
  /** Config as Pulumi passes it to a program: `namespace:key` → string (objects as JSON). */
  config: Record<string, string>;
  /** Keys of `config` whose values are secrets. */
  secretKeys: string[];
  /** Further strings to mask wherever they appear (placeholders for encrypted values). */
  secretValues?: string[];
  cloud: MockCloudSettings;
}

/** Where a secret sits inside a value: a path of property names and array indexes. */
export type SecretPath = (string | number)[];

export interface OfflineRunResult {
  resources: PlannedResource[];
  /** Secret positions in each resource's inputs, by URN. */
  secretInputPaths: Map<string, SecretPath[]>;
  outputs: Record<string, unknown>;
  secretOutputPaths: SecretPath[];
  /** Every secret string the run produced or was given: masked wherever it appears. */
  secretValues: Set<string>;
}

/** A program that threw: its message is what the user needs, not the engine's stack. */
export class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProgramError";
  }
}

let used = false;

/** A resource passed as an input; its URN once resolved. */
class ResourceRef {
  static created = 0;
  urn?: string;
  constructor() {
    ResourceRef.created++;
  }
}

export async function runOffline(options: OfflineRunOptions): Promise<OfflineRunResult> {
  if (used) throw new Error("the offline engine runs one program per process");
  used = true;
  // The program's own copy of the SDK, so mocks apply even to a program with its own node_modules.
  const requireFromProgram = createRequire(options.programPath);
  let pulumiPath: string;
  try {
    pulumiPath = requireFromProgram.resolve("@pulumi/pulumi");
  } catch {
    pulumiPath = createRequire(import.meta.url).resolve("@pulumi/pulumi");
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pulumi: any = requireFromProgram(pulumiPath);
  const runtime = pulumi.runtime;
  const sigKey: string = runtime.specialSigKey;
  const secretSig: string = runtime.specialSecretSig;

  const records = new Map<string, PlannedResource>();
  const secretInputPaths = new Map<string, SecretPath[]>();
  const secretValues = new Set<string>();
  let stackOutputs: Record<string, unknown> = {};
  let secretOutputPaths: SecretPath[] = [];
  const pendingRefs: Promise<unknown>[] = [];

  for (const value of options.secretValues ?? []) secretValues.add(value);
  for (const key of options.secretKeys) {
    const value = options.config[key];
    if (value) secretValues.add(value);
  }

  // Unwraps Pulumi's secret markers, remembering where they were; turns resource references
  // into their URNs.
  const unwrap = (value: unknown, at: SecretPath, found: SecretPath[]): unknown => {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v, i) => unwrap(v, [...at, i], found));
    const object = value as Record<string, unknown>;
    if (object[sigKey] === secretSig) {
      found.push(at);
      const inner = unwrap(object.value, at, []);
      // A secret string is masked wherever it shows up; a secret object is masked where it
      // sits (its leaves, such as a bucket name, are not secrets in themselves).
      if (typeof inner === "string" && inner.length >= 4) secretValues.add(inner);
      return inner;
    }
    if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
      return describeAsset(value, pendingRefs);
    }
    if (pulumi.Resource.isInstance(value)) {
      const ref = new ResourceRef();
      pendingRefs.push(
        (object.urn as { promise(): Promise<string> }).promise().then((urn) => (ref.urn = urn)),
      );
      return ref;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(object)) {
      if (k === sigKey) continue;
      out[k] = unwrap(v, [...at, k], found);
    }
    return out;
  };

  // The mock monitor's URNs drop all but the parent's last type; ours are the real engine's.
  const urns = new Map<string, string>();
  const ourUrn = (mockUrn: string) => urns.get(mockUrn) ?? realUrn(mockUrn);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let monitor: any = undefined;

  // The request being registered: mocks see no parent or options, the monitor does.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let currentRequest: any;

  const mocks = {
    // Runs synchronously up to its first await, inside the monitor's registerResource.
    newResource: async (args: {
      type: string;
      name: string;
      inputs: Record<string, unknown>;
      custom?: boolean;
      id?: string;
    }) => {
      const request = currentRequest;
      currentRequest = undefined;
      const parent: string | undefined = request?.getParent()
        ? ourUrn(request.getParent())
        : undefined;
      const urn = newUrn(options, parent, args.type, args.name);
      urns.set(monitor.newUrn(request?.getParent() || undefined, args.type, args.name), urn);
      const found: SecretPath[] = [];
      const inputs = unwrap(args.inputs, [], found) as Record<string, unknown>;
      if (found.length) secretInputPaths.set(urn, found);
      const custom = args.custom ?? true;
      const result = custom
        ? mockResource(args.type, args.name, urn, inputs, options.cloud)
        : { id: undefined, state: {}, secretOutputs: [] };
      for (const secret of result.secretOutputs) secretValues.add(secret);
      records.set(urn, {
        urn,
        type: args.type,
        name: args.name,
        id: args.id || result.id,
        parent,
        custom,
        inputs,
        outputs: result.state,
        options: {
          protect: request?.getProtect() || undefined,
          retainOnDelete: request?.getRetainondelete() || undefined,
          importId: request?.getImportid() || args.id || undefined,
          dependsOn: (request?.getDependenciesList() ?? []).map(ourUrn),
        },
      });
      const state = { ...result.state };
      for (const secret of result.secretOutputs) {
        for (const [k, v] of Object.entries(state)) {
          if (v === secret) state[k] = { [sigKey]: secretSig, value: v };
        }
      }
      return { id: custom ? args.id || result.id : undefined, state };
    },
    call: (args: { token: string; inputs: Record<string, unknown> }) =>
      mockCall(args.token, unwrap(args.inputs, [], []) as Record<string, unknown>, options.cloud),
  };

  await runtime.setMocks(mocks, options.project, options.stack, true);
  runtime.setAllConfig(options.config, options.secretKeys);

  monitor = runtime.getMonitor();
  for (const method of ["registerResource", "readResource"] as const) {
    const original = monitor[method].bind(monitor);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor[method] = (request: any, callback: any) => {
      currentRequest = request;
      const result = original(request, callback);
      currentRequest = undefined;
      return result;
    };
  }
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  monitor.registerResourceOutputs = (request: any, callback: any) => {
    if (request.getUrn().includes("::pulumi:pulumi:Stack::")) {
      const found: SecretPath[] = [];
      const raw = request.getOutputs() ? runtime.deserializeProperties(request.getOutputs()) : {};
      stackOutputs = unwrap(raw, [], found) as Record<string, unknown>;
      secretOutputPaths = found;
    }
    return registerOutputs(request, callback);
  };

  let programFailure: unknown;
  const onRejection = (reason: unknown) => {
    programFailure ??= reason;
  };
  process.on("unhandledRejection", onRejection);
  // Pulumi records `new Error().stack` for every internal promise (for its leak report), and tsx
  // turns source maps on, so each is mapped back to TypeScript: over a third of the CPU of a
  // 1,000-customer plan. The engine reports a program's message, never its stack, so it runs it
  // without source maps and with short stacks (3 frames: tsx reads frames 1 and 2 of a stack it
  // takes itself; Pulumi's source positions raise the limit for themselves).
  const sourceMaps = process.sourceMapsEnabled;
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.BUDGET_SYNC_DEBUG) {
    process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = 3;
  }
  try {
    await runtime.runInPulumiStack(() => loadProgram(options.programPath));
    await runtime.disconnect();
    // Settling one reference can queue more (an archive's assets): drain until none are left.
    while (pendingRefs.length) await Promise.all(pendingRefs.splice(0));
  } catch (error) {
    programFailure ??= error;
  } finally {
    process.off("unhandledRejection", onRejection);
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (programFailure !== undefined) throw new ProgramError(describeFailure(programFailure));

  // References to resources resolved to URNs; put the URNs in their place.
  const resolveRefs = (value: unknown): unknown => {
    // A custom resource reaches its provider as its id (a role as its name): show it so.
    if (value instanceof ResourceRef) {
      const target = value.urn ? records.get(ourUrn(value.urn)) : undefined;
      return target?.custom && target.id ? target.id : value.urn && ourUrn(value.urn);
    }
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(resolveRefs);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v)]));
  };
  const resources = [...records.values()];
  if (ResourceRef.created) {
    for (const r of resources) r.inputs = resolveRefs(r.inputs) as Record<string, unknown>;
  }
  return { resources, secretInputPaths, outputs: stackOutputs, secretOutputPaths, secretValues };
}

/** Mirrors the Pulumi CLI's own loading: named exports, or a default export (called if a function). */
async function loadProgram(programPath: string): Promise<unknown> {
  await registerCommonJsTypeScript();
  let exports: Record<string, unknown> = await import(pathToFileURL(programPath).href);
  if (Object.getOwnPropertyDescriptor(exports, "default") !== undefined) {
    const keys = Object.keys(exports).filter((k) => k !== "module.exports" && k !== "__esModule");
    if (keys.length !== 1) {
      // A CommonJS program imported as ESM carries its exports on `default` too.
      if (typeof exports.default === "object" && exports.default !== null) {
        exports = exports.default as Record<string, unknown>;
      } else {
        throw new Error(
          "expected the program to have either a default export or named exports but not both",
        );
      }
    } else {
      exports = exports.default as Record<string, unknown>;
    }
  }
  let result: unknown = exports;
  if (typeof result === "function") result = await (result as () => unknown)();
  return await result;
}

/**
 * The standard Pulumi TypeScript layout is CommonJS (a package.json without `"type": "module"`,
 * `module: commonjs`): its .ts files are CommonJS modules, which Node loads with `require`. Our
 * own command line registers only tsx's ESM hooks, under which such a program fails with
 * "Cannot require() ES Module ... in a cycle"; tsx's CommonJS hook lets `require` compile them.
 */
let commonJsRegistered = false;
async function registerCommonJsTypeScript(): Promise<void> {
  if (commonJsRegistered) return;
  commonJsRegistered = true;
  const { register } = await import("tsx/cjs/api");
  register();
}

/**
 * The mock monitor puts the root stack's type into its children's URNs; the real engine does
 * not (`urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b`). Plans show the real form.
 */
function realUrn(urn: string): string {
  return urn.replace("::pulumi:pulumi:Stack$", "::");
}

function newUrn(
  options: OfflineRunOptions,
  parent: string | undefined,
  type: string,
  name: string,
): string {
  let qualified = type;
  // The type chain holds every ancestor's type, the root stack's excepted.
  if (parent && !parent.includes("::pulumi:pulumi:Stack::")) {
    qualified = `${parent.split("::")[2]}$${type}`;
  }
  return `urn:pulumi:${options.stack}::${options.project}::${qualified}::${name}`;
}

/**
 * An asset or archive (a Lambda's code) as a summary: its kind, where it comes from and its
 * size in bytes, never its content.
 */
function describeAsset(value: object, pending: Promise<unknown>[]): Record<string, unknown> {
  const summary: Record<string, unknown> = { asset: value.constructor?.name ?? "Asset" };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const v = value as any;
  const settle = (key: string, p: unknown, map: (x: unknown) => unknown) => {
    if (p && typeof (p as Promise<unknown>).then === "function") {
      pending.push((p as Promise<unknown>).then((x) => (summary[key] = map(x))));
    }
  };
  settle("path", v.path, (x) => x);
  settle("uri", v.uri, (x) => x);
  settle("bytes", v.text, (x) => Buffer.byteLength(String(x)));
  settle("assets", v.assets, (assets) => {
    const entries: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries((assets as Record<string, object>) ?? {})) {
      entries[name] = describeAsset(inner, pending);
    }
    return entries;
  });
  return summary;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message.replace(
      /^Running program '[^']*' failed with an unhandled exception:\s*/,
      "",
    );
    // Pulumi wraps a program's error; its own message is the part that names the problem.
    return message.trim() || error.name;
  }
  return String(error);
}

/** The directory holding a program, for finding its Pulumi.yaml. */
export function programDir(programPath: string): string {
  return path.dirname(programPath);
}

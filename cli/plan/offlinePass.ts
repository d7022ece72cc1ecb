import { statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UNKNOWN, type PlannedResource } from "../../lib/stack/plannedResource.ts";
import { deferClosureTooling } from "../deferredModules.ts";
import {
  awsFilledOutputs,
  mockCall,
  mockRegistration,
  nameProperty,
  watchRegistrations,
  type MockCloudSettings,
  type RegistrationRequest,
} from "./mockCloud.ts";

/**
 * One pass of the offline engine: runs a Pulumi program under Pulumi's own mocks (no Pulumi CLI,
 * no AWS account, no network) and records every resource it declares, with its parent, options,
 * inputs and outputs, and the stack outputs. One pass per thread: Pulumi's runtime is global, so
 * cli/plan/offlineEngine.ts runs each pass on a worker thread of its own.
 *
 * The two passes are the engine's two views of a new stack:
 * - `preview`, as `pulumi preview` runs it: the provider plans each new resource, so every value
 *   it computes (ids, ARNs, any property the program did not set) is unknown, and so is every
 *   value the program derives from one. Inputs and outputs hold the engine's `UNKNOWN` sentinel
 *   there; outputs list every property of the resource's type, as the provider's planned state does
 *   (pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `AnalyzeResources`).
 * - `update`, as `pulumi up` runs it: each resource's inputs are known before its step, and its
 *   outputs after it, filled as AWS fills them on creation.
 */

/**
 * A pass worker's answer: the pass's records, or the program's failure, with (from a reusable
 * worker) what the program printed during the pass.
 */
export type PassMessage = (
  { type: "result"; result: PassResult } | { type: "program-error"; message: string }
) & { output?: string };

/** Which of the engine's views a pass records. */
export type PassKind = "preview" | "update";

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

export interface PassResult {
  pass: PassKind;
  resources: PlannedResource[];
  /** Secret positions in each resource's inputs, by URN. */
  secretInputPaths: Map<string, SecretPath[]>;
  outputs: Record<string, unknown>;
  secretOutputPaths: SecretPath[];
  /** Every secret string the run produced or was given: masked wherever it appears. */
  secretValues: Set<string>;
  /** Provider functions the program called that the mock cloud cannot answer, and where their results went. */
  unansweredInvokes: UnansweredInvoke[];
}

/** An invoke the mock cloud cannot answer: its results are unknown in the plan. */
export interface UnansweredInvoke {
  token: string;
  /** The resource inputs built from its results (`<urn> <property path>`). */
  uses: { urn: string; path: string }[];
}

/**
 * What the program gets from an invoke the mock cloud cannot answer: every field a string that
 * says so. Wherever such a string reaches a resource input, the engine records that value as
 * unknown (as a value the provider has not computed yet), so a policy reading it is undecided,
 * never satisfied by a made-up value.
 */
const UNANSWERED = "budget-sync:unanswered-invoke:";

/** A program that threw: its message is what the user needs, not the engine's stack. */
export class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProgramError";
  }
}

/** A resource passed as an input; its URN once resolved. */
class ResourceRef {
  static created = 0;
  urn?: string;
  constructor() {
    ResourceRef.created++;
  }
}

/**
 * Our own stacks' program (stacks/index.ts): it declares resources only when its default export is
 * called, and nothing it imports declares any or keeps state from one call to the next
 * (test/cli/plan/offlineEngine.test.ts holds it to that). So a thread may run it again and again, each
 * call a program run of its own, without loading the SDK and the program again.
 */
export const OUR_PROGRAM = fileURLToPath(new URL("../../stacks/index.ts", import.meta.url));

/** Whether a thread that has run a pass of `programPath` may run another. */
export function reusableFor(programPath: string): boolean {
  return programPath === OUR_PROGRAM;
}

/** The program this thread has run a pass of, if any. */
let threadProgram: string | undefined;

/**
 * The program's copy of `@pulumi/pulumi`, loaded once per thread, with the hooks every pass
 * shares (they hold nothing of any one pass).
 */
interface Sdk {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pulumi: any;
  /** `@pulumi/pulumi/runtime/state.js`: its `withLocalStorage` gives a pass a store of its own. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  state: any;
  /**
   * Every property of a resource type (inputs and outputs), as the provider SDK's generated
   * class registers them: during preview, the ones the program did not set are unknown.
   */
  propertyNames: Map<string, string[]>;
}
let loadedSdk: Sdk | undefined;

function loadSdk(programPath: string): Sdk {
  if (loadedSdk) return loadedSdk;
  // The program's own copy of the SDK, so mocks apply even to a program with its own node_modules.
  const requireFromProgram = createRequire(programPath);
  let pulumiPath: string;
  try {
    pulumiPath = requireFromProgram.resolve("@pulumi/pulumi");
  } catch {
    pulumiPath = createRequire(import.meta.url).resolve("@pulumi/pulumi");
  }
  deferClosureTooling(pulumiPath);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pulumi: any = requireFromProgram(pulumiPath);
  const runtimeDir = path.join(path.dirname(pulumiPath), "runtime");
  const propertyNames = new Map<string, string[]>();
  // Learn each custom resource type's properties from the SDK's own registration: the generated
  // constructor passes every input and output property (outputs as undefined).
  const resourceModule = requireFromProgram(path.join(runtimeDir, "resource.js"));
  const register = resourceModule.registerResource;
  resourceModule.registerResource = function (
    this: unknown,
    ...registration: [unknown, unknown, string, string, boolean, ...unknown[]]
  ) {
    const [, , type, , custom, , , props] = registration;
    if (custom && props && typeof props === "object" && !propertyNames.has(type)) {
      propertyNames.set(type, Object.keys(props));
    }
    return register.apply(this, registration);
  };
  const runtime = pulumi.runtime;
  const invoke = runtime.invoke;
  runtime.invoke = (...a: unknown[]) => invoke(...a).then(unanswered);
  const invokeOutput = runtime.invokeOutput;
  runtime.invokeOutput = (...a: unknown[]) => invokeOutput(...a).apply(unanswered);
  const state = requireFromProgram(path.join(runtimeDir, "state.js"));
  loadedSdk = { pulumi, state, propertyNames };
  return loadedSdk;
}

/** An unanswered invoke's result, as the program reads it: any field says where it came from. */
function unanswered(result: unknown): unknown {
  const marker = (result as Record<string, unknown> | undefined)?.[UNANSWERED];
  if (typeof marker !== "string") return result;
  const prefix = marker.slice(0, marker.lastIndexOf("#") + 1);
  return new Proxy(
    {},
    {
      get: (_, key) =>
        typeof key === "string" && key !== "then" && key !== "toJSON"
          ? `${prefix}${key}`
          : undefined,
    },
  );
}

/**
 * One pass, on this thread. A thread runs one pass of any program, or any number of passes of
 * our own stacks' program (see `reusableFor`). Each pass has a Pulumi store of its own (options,
 * config, monitor, root stack resource), as the automation API runs an inline program
 * (`@pulumi/pulumi/automation/server.js`); the loaded SDK and the program's modules are shared.
 */
export async function runPass(options: OfflineRunOptions, pass: PassKind): Promise<PassResult> {
  if (
    threadProgram !== undefined &&
    !(threadProgram === options.programPath && reusableFor(threadProgram))
  ) {
    throw new Error("the offline engine runs one pass per thread of any program but ours");
  }
  threadProgram = options.programPath;
  const sdk = loadSdk(options.programPath);
  return (await sdk.state.withLocalStorage(() => runPassInStore(sdk, options, pass))) as PassResult;
}

async function runPassInStore(
  sdk: Sdk,
  options: OfflineRunOptions,
  pass: PassKind,
): Promise<PassResult> {
  const recorder = new PassRecorder(sdk, options, pass === "preview");
  await recorder.run();
  return recorder.result(pass);
}

/** The registration the mocks answer: what Pulumi's mock `newResource` is given. */
interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
  id?: string;
}

/**
 * One pass of the program: the mocks it runs against, answering as the mock cloud does, and the
 * record of every registration (inputs, outputs, options, dependencies, secrets) as the engine
 * would see it.
 */
class PassRecorder {
  private readonly pulumi: Sdk["pulumi"];
  private readonly sigKey: string;
  private readonly secretSig: string;
  private readonly records = new Map<string, PlannedResource>();
  private readonly secretInputPaths = new Map<string, SecretPath[]>();
  private readonly secretValues = new Set<string>();
  private stackOutputs: Record<string, unknown> = {};
  private secretOutputPaths: SecretPath[] = [];
  private readonly pendingRefs: Promise<unknown>[] = [];
  /** The mock monitor's URNs drop all but the parent's last type; ours are the real engine's. */
  private readonly urns = new Map<string, string>();
  private readonly unansweredInvokes = new Map<string, UnansweredInvoke>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private monitor: any = undefined;
  /** The request being registered: mocks see no parent or options, the monitor does. */
  private takeRequest: () => RegistrationRequest | undefined = () => undefined;

  constructor(
    private readonly sdk: Sdk,
    private readonly options: OfflineRunOptions,
    private readonly preview: boolean,
  ) {
    this.pulumi = sdk.pulumi;
    this.sigKey = sdk.pulumi.runtime.specialSigKey;
    this.secretSig = sdk.pulumi.runtime.specialSecretSig;
    for (const value of options.secretValues ?? []) this.secretValues.add(value);
    for (const key of options.secretKeys) {
      const value = options.config[key];
      if (value) this.secretValues.add(value);
    }
  }

  private ourUrn(mockUrn: string): string {
    return this.urns.get(mockUrn) ?? realUrn(mockUrn);
  }

  /**
   * Unwraps Pulumi's secret markers, remembering where they were; turns resource references
   * into their URNs.
   */
  private unwrap(value: unknown, at: SecretPath, found: SecretPath[]): unknown {
    const { pulumi } = this;
    if (value === null || typeof value !== "object") return value;
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return value.map((v, i) => this.unwrap(v, [...at, i], found));
    const object = value as Record<string, unknown>;
    if (object[this.sigKey] === this.secretSig) {
      found.push(at);
      const inner = this.unwrap(object.value, at, []);
      // A secret string is masked wherever it shows up; a secret object is masked where it
      // sits (its leaves, such as a bucket name, are not secrets in themselves).
      if (typeof inner === "string" && inner.length >= 4) this.secretValues.add(inner);
      return inner;
    }
    if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
      return describeAsset(value, this.pendingRefs);
    }
    if (pulumi.Resource.isInstance(value)) {
      const ref = new ResourceRef();
      this.pendingRefs.push(
        (object.urn as { promise(): Promise<string> }).promise().then((urn) => (ref.urn = urn)),
      );
      return ref;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(object)) {
      if (k === this.sigKey) continue;
      out[k] = this.unwrap(v, [...at, k], found);
    }
    return out;
  }

  /** Strings built from an unanswered invoke's result become unknown; their uses are recorded. */
  private markUnanswered(value: unknown, urn: string, at: string[]): unknown {
    if (typeof value === "string") {
      const i = value.indexOf(UNANSWERED);
      if (i < 0) return value;
      const token = value.slice(i + UNANSWERED.length).split(/[#"'\s]/)[0]!;
      this.unansweredInvokes.get(token)?.uses.push({ urn, path: at.join(".") });
      return UNKNOWN;
    }
    if (Array.isArray(value))
      return value.map((v, i) => this.markUnanswered(v, urn, [...at, String(i)]));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, this.markUnanswered(v, urn, [...at, k])]),
    );
  }

  /** The mocks' `newResource`: runs synchronously up to its first await, inside the monitor's registerResource. */
  private async newResource(args: MockResourceArgs) {
    const { options, preview, sigKey, secretSig } = this;
    const request = this.takeRequest();
    const parent: string | undefined = request?.getParent()
      ? this.ourUrn(request.getParent())
      : undefined;
    const urn = newUrn(options, parent, args.type, args.name);
    this.urns.set(
      this.monitor.newUrn(request?.getParent() || undefined, args.type, args.name),
      urn,
    );
    const found: SecretPath[] = [];
    let inputs = this.unwrap(args.inputs, [], found) as Record<string, unknown>;
    if (found.length) this.secretInputPaths.set(urn, found);
    if (this.unansweredInvokes.size)
      inputs = this.markUnanswered(inputs, urn, []) as Record<string, unknown>;
    const custom = args.custom ?? true;
    // An import reads the existing resource, during preview too: its outputs are known.
    const importId = request?.getImportid() || args.id || undefined;
    const planned = preview && custom && !importId;
    const result = mockRegistration(args, urn, inputs, options.cloud);
    if (!planned) for (const secret of result.secretOutputs) this.secretValues.add(secret);
    // The provider's Check fills in an auto-name before anything else sees the inputs, during
    // preview too; a name from `namePrefix` is only chosen when the resource is created.
    const nameKey = nameProperty(args.type);
    const autoNamed =
      custom &&
      inputs[nameKey] === undefined &&
      typeof result.state[nameKey] === "string" &&
      inputs.namePrefix === undefined &&
      inputs.bucketPrefix === undefined;
    if (autoNamed) inputs[nameKey] = result.state[nameKey];
    let outputs: Record<string, unknown> = result.state;
    if (planned) {
      // The provider's planned state: what the program set, and nothing it computes.
      outputs = { ...inputs };
      for (const key of this.sdk.propertyNames.get(args.type) ?? []) {
        if (outputs[key] === undefined) outputs[key] = UNKNOWN;
      }
      outputs.id = UNKNOWN;
    } else if (custom && !preview) {
      outputs = { ...awsFilledOutputs(args.type, result.state, options.cloud), ...result.state };
    }
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of request?.getPropertydependenciesMap()?.entries() ?? []) {
      const list = (deps.getUrnsList() as string[]).map((u) => this.ourUrn(u));
      if (list.length) propertyDependencies[key] = list;
    }
    this.records.set(urn, {
      urn,
      type: args.type,
      name: args.name,
      id: planned ? UNKNOWN : result.id,
      parent,
      custom,
      inputs,
      outputs,
      propertyDependencies,
      options: {
        protect: request?.getProtect() || undefined,
        retainOnDelete: request?.getRetainondelete() || undefined,
        importId,
        dependsOn: (request?.getDependenciesList() ?? []).map((u: string) => this.ourUrn(u)),
      },
    });
    // Planned: the program's own inputs back, as they came (secrets and unknowns kept); the
    // SDK makes every property missing from them unknown, as the engine's preview does.
    if (planned) {
      return {
        id: undefined,
        state: autoNamed ? { ...args.inputs, [nameKey]: inputs[nameKey] } : args.inputs,
      };
    }
    const state = { ...outputs };
    for (const secret of result.secretOutputs) {
      for (const [k, v] of Object.entries(state)) {
        if (v === secret) state[k] = { [sigKey]: secretSig, value: v };
      }
    }
    return { id: result.id, state };
  }

  /** The mocks' `call`: an invoke the mock cloud answers, or a marked unanswered result. */
  private call(args: { token: string; inputs: Record<string, unknown> }) {
    const answer = mockCall(
      args.token,
      this.unwrap(args.inputs, [], []) as Record<string, unknown>,
      this.options.cloud,
    );
    if (answer !== undefined) return answer;
    if (!this.unansweredInvokes.has(args.token)) {
      this.unansweredInvokes.set(args.token, { token: args.token, uses: [] });
    }
    // `invokeSingle` takes the first field's value: the string that says where it came from.
    return { [UNANSWERED]: `${UNANSWERED}${args.token}#result` };
  }

  /** Sets the mocks, runs the program in the Pulumi stack, and waits for what it left pending. */
  async run(): Promise<void> {
    const { options } = this;
    const runtime = this.pulumi.runtime;
    const mocks = {
      newResource: (args: MockResourceArgs) => this.newResource(args),
      call: (args: { token: string; inputs: Record<string, unknown> }) => this.call(args),
    };
    await runtime.setMocks(mocks, options.project, options.stack, this.preview);
    runtime.setAllConfig(options.config, options.secretKeys);
    const monitor = runtime.getMonitor();
    this.monitor = monitor;
    this.takeRequest = watchRegistrations(monitor);
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResourceOutputs = (request: any, callback: any) => {
      if (request.getUrn().includes("::pulumi:pulumi:Stack::")) {
        const found: SecretPath[] = [];
        const raw = request.getOutputs() ? runtime.deserializeProperties(request.getOutputs()) : {};
        this.stackOutputs = this.markUnanswered(this.unwrap(raw, [], found), "", []) as Record<
          string,
          unknown
        >;
        this.secretOutputPaths = found;
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
      while (this.pendingRefs.length) await Promise.all(this.pendingRefs.splice(0));
      // A registration that failed (its input's invoke refused) surfaces as an unhandled rejection,
      // which Node reports once the microtasks have run, before the next macrotask: wait for it.
      await new Promise((resolve) => setImmediate(resolve));
    } catch (error) {
      programFailure ??= error;
    } finally {
      process.off("unhandledRejection", onRejection);
      process.setSourceMapsEnabled(sourceMaps);
      Error.stackTraceLimit = stackTraceLimit;
    }
    if (programFailure !== undefined) throw new ProgramError(describeFailure(programFailure));
  }

  /** References to resources resolved to URNs; put the URNs in their place. */
  private resolveRefs(value: unknown): unknown {
    // A custom resource reaches its provider as its id (a role as its name): show it so.
    if (value instanceof ResourceRef) {
      const target = value.urn ? this.records.get(this.ourUrn(value.urn)) : undefined;
      return target?.custom && target.id ? target.id : value.urn && this.ourUrn(value.urn);
    }
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => this.resolveRefs(v));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolveRefs(v)]));
  }

  /** What the pass recorded, once the program has run. */
  result(pass: PassKind): PassResult {
    const resources = [...this.records.values()];
    if (ResourceRef.created) {
      for (const r of resources) {
        r.inputs = this.resolveRefs(r.inputs) as Record<string, unknown>;
        r.outputs = this.resolveRefs(r.outputs) as Record<string, unknown>;
      }
    }
    return {
      pass,
      resources,
      secretInputPaths: this.secretInputPaths,
      outputs: this.stackOutputs,
      secretOutputPaths: this.secretOutputPaths,
      secretValues: this.secretValues,
      unansweredInvokes: [...this.unansweredInvokes.values()],
    };
  }
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
  // A file's size, so a plan shows how much code a function ships (never its content).
  if (value.constructor?.name === "FileAsset") {
    settle("bytes", v.path, (x) => statSync(String(x)).size);
  }
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

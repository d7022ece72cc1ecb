/**
 * The policy pack as the Pulumi engine drives it: through @pulumi/policy's own analyzer RPC
 * functions (the ones its gRPC server registers), with requests shaped as the engine builds them.
 *
 * The pack's real entry (policies/index.ts) is imported, so `new PolicyPack(...)` runs as under the
 * CLI; only the network is taken away: the gRPC server's `addService` is intercepted to keep the
 * service implementation, and `bindAsync` never binds. Each call then goes through the same
 * function the engine's gRPC call would reach, with a protobuf request built here.
 *
 * These are internals of @pulumi/policy (untyped, not exported for this use): its version is
 * pinned exactly in package.json, and this helper fails loudly if their shape changes.
 *
 * Where each request's shape comes from (pulumi/pulumi at the version fetched for this work):
 * - `Configure`: `pkg/engine/update.go` (analyzers are configured once per deployment with
 *   `resourceanalyzer.ReconcilePolicyPackConfig`: every policy's schema defaults, then the
 *   initial config, then `--policy-pack-config`; `pkg/resource/analyzer/config.go`).
 * - `Analyze`: `pkg/resource/deploy/step_generator.go`, `analyzeAll`: each resource's inputs
 *   (after the provider's Check), before its step, during preview and update alike; marshalled by
 *   `pkg/resource/plugin/analyzer_plugin.go` `Analyze` with `KeepUnknowns: true, KeepSecrets: true`.
 *   During an update a mandatory violation makes the resource invalid: its step never runs.
 * - `AnalyzeStack`: `step_generator.go` `AnalyzeResources`, called by `deployment_executor.go`
 *   once all steps have run: each resource's outputs (`v.Outputs`), parent, dependencies and
 *   property dependencies; marshalled by `analyzer_plugin.go` `AnalyzeStack` (same options).
 * - Unknown values: the sentinel strings of `sdk/go/common/resource/plugin/rpc.go`
 *   (`UnknownStringValue`), secrets as `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`.
 */
import { createRequire } from "node:module";
import type { PlannedResource } from "../../lib/stack/plannedResource.ts";
import type { SecretPath } from "../../cli/plan/offlineEngine.ts";

const policyRequire = createRequire(createRequire(import.meta.url).resolve("@pulumi/policy"));
// The exact modules @pulumi/policy's server uses, so `instanceof` checks inside it hold.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const grpc: any = policyRequire("@grpc/grpc-js");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const analyzerProto: any = policyRequire("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const structProto: any = policyRequire("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const emptyProto: any = policyRequire("google-protobuf/google/protobuf/empty_pb");

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Rpc = (call: { request: unknown }, callback: (err: unknown, resp: unknown) => void) => void;
interface AnalyzerService {
  analyze: Rpc;
  analyzeStack: Rpc;
  configure: Rpc;
  getAnalyzerInfo: Rpc;
}

/** A diagnostic as the engine receives it. */
export interface Diagnostic {
  policy: string;
  level: "advisory" | "mandatory" | "remediate" | "disabled";
  message: string;
  urn: string;
}

export interface PolicyInfo {
  name: string;
  enforcementLevel: string;
  configSchema?: { properties?: Record<string, { default?: unknown }> };
  /** The severity's enum name (`POLICY_SEVERITY_HIGH`...), as the engine receives it. */
  severity: string;
  remediationSteps: string;
  url: string;
}

let service: AnalyzerService | undefined;

/** The pack's analyzer service, started once per process through its real entry. */
export async function startPack(): Promise<AnalyzerService> {
  if (service) return service;
  const Server = grpc.Server;
  const addService = Server.prototype.addService;
  const bindAsync = Server.prototype.bindAsync;
  let captured: AnalyzerService | undefined;
  Server.prototype.addService = function (_definition: unknown, implementation: AnalyzerService) {
    captured = implementation;
  };
  Server.prototype.bindAsync = function () {};
  try {
    await import("../../policies/index.ts");
  } finally {
    Server.prototype.addService = addService;
    Server.prototype.bindAsync = bindAsync;
  }
  if (!captured?.analyze || !captured.analyzeStack || !captured.configure) {
    throw new Error(
      "@pulumi/policy's server no longer registers the analyzer functions this harness calls",
    );
  }
  service = captured;
  return service;
}

function call<T>(rpc: Rpc, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    rpc({ request }, (err, resp) => (err ? reject(err) : resolve(resp as T))),
  );
}

const LEVELS: Record<number, Diagnostic["level"]> = {
  [analyzerProto.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate",
  [analyzerProto.EnforcementLevel.DISABLED]: "disabled",
};

const SEVERITIES: Record<number, string> = Object.fromEntries(
  Object.entries(analyzerProto.PolicySeverity as Record<string, number>).map(([k, v]) => [v, k]),
);

/** The policies the pack declares, as `GetAnalyzerInfo` answers the engine. */
export async function analyzerInfo(): Promise<PolicyInfo[]> {
  const pack = await startPack();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const info: any = await call(pack.getAnalyzerInfo, new emptyProto.Empty());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return info.getPoliciesList().map((p: any) => ({
    name: p.getName(),
    enforcementLevel: LEVELS[p.getEnforcementlevel()],
    configSchema: p.getConfigschema()
      ? { properties: p.getConfigschema().getProperties()?.toJavaScript() }
      : undefined,
    severity: SEVERITIES[p.getSeverity()] ?? String(p.getSeverity()),
    remediationSteps: p.getRemediationSteps(),
    url: p.getUrl(),
  }));
}

/**
 * `Configure`, with the config the engine reconciles (`ReconcilePolicyPackConfig`): each policy's
 * schema defaults and declared level, then `all`, then each policy's entry of the user's file.
 */
export async function configure(userConfig: Record<string, unknown> = {}): Promise<void> {
  const pack = await startPack();
  const policies = await analyzerInfo();
  const request = new analyzerProto.ConfigureAnalyzerRequest();
  const map = request.getPolicyconfigMap();
  const given = (name: string) => userConfig[name];
  const levelOf = (v: unknown) =>
    typeof v === "string" ? v : (v as { enforcementLevel?: string } | undefined)?.enforcementLevel;
  for (const p of policies) {
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p.configSchema?.properties ?? {})) {
      if (v && typeof v === "object" && "default" in v) properties[k] = v.default;
    }
    let level = p.enforcementLevel;
    level = levelOf(given("all")) ?? level;
    const entry = given(p.name);
    level = levelOf(entry) ?? level;
    if (entry && typeof entry === "object") {
      for (const [k, v] of Object.entries(entry)) if (k !== "enforcementLevel") properties[k] = v;
    }
    const config = new analyzerProto.PolicyConfig();
    config.setEnforcementlevel(
      Number(Object.entries(LEVELS).find(([, name]) => name === level)![0]),
    );
    config.setProperties(structProto.Struct.fromJavaScript(properties));
    map.set(p.name, config);
  }
  await call(pack.configure, request);
}

/** A value with its secrets wrapped as the engine marshals them. */
function withSecrets(value: unknown, paths: SecretPath[] = []): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const at of paths) {
    if (at.length === 0) return { [SECRET_SIG_KEY]: SECRET_SIG, value: copy };
    let parent: Record<string | number, unknown> = copy;
    for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = at[at.length - 1]!;
    parent[last] = { [SECRET_SIG_KEY]: SECRET_SIG, value: parent[last] };
  }
  return copy;
}

/** JSON-safe: the engine never sends `undefined` (absent keys are absent). */
function plain(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}

function resourceOptions(r: PlannedResource) {
  const options = new analyzerProto.AnalyzerResourceOptions();
  options.setProtect(r.options.protect ?? false);
  options.setParent(r.parent ?? "");
  return options;
}

function diagnosticsOf(response: unknown): Diagnostic[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (response as any).getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: LEVELS[d.getEnforcementlevel()],
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}

/** `Analyze` of one resource's inputs, as before its step. */
export async function analyze(
  r: PlannedResource,
  secretPaths: SecretPath[] = [],
): Promise<Diagnostic[]> {
  const pack = await startPack();
  const request = new analyzerProto.AnalyzeRequest();
  request.setType(r.type);
  request.setUrn(r.urn);
  request.setName(r.name);
  request.setProperties(
    structProto.Struct.fromJavaScript(plain(withSecrets(r.inputs, secretPaths))),
  );
  request.setOptions(resourceOptions(r));
  const diagnostics = diagnosticsOf(await call(pack.analyze, request));
  // The engine stamps a resource policy's diagnostic with the resource analyzed.
  return diagnostics.map((d) => ({ ...d, urn: d.urn || r.urn }));
}

/** `AnalyzeStack` of every resource's outputs, with its links. */
export async function analyzeStack(
  resources: PlannedResource[],
  secretPaths: Map<string, SecretPath[]> = new Map(),
): Promise<Diagnostic[]> {
  const pack = await startPack();
  const request = new analyzerProto.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((r) => {
      const resource = new analyzerProto.AnalyzerResource();
      resource.setType(r.type);
      resource.setUrn(r.urn);
      resource.setName(r.name);
      resource.setProperties(
        structProto.Struct.fromJavaScript(plain(withSecrets(r.outputs, secretPaths.get(r.urn)))),
      );
      resource.setOptions(resourceOptions(r));
      resource.setParent(r.parent ?? "");
      resource.setDependenciesList(r.options.dependsOn);
      const deps = resource.getPropertydependenciesMap();
      for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const d = new analyzerProto.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        deps.set(key, d);
      }
      return resource;
    }),
  );
  const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "";
  // The engine files a stack policy's diagnostic without a URN under the stack
  // (`resolveStackPolicyViolationURN`).
  return diagnosticsOf(await call(pack.analyzeStack, request)).map((d) => ({
    ...d,
    urn: d.urn || stackUrn,
  }));
}

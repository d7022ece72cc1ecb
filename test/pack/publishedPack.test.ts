// The published policy pack, as Pulumi Cloud ships it (`npm run test:pack`, not in `npm test`:
// it packs, installs ~220 packages from npm's cache and starts the analyzer).
//
// `pulumi policy publish` runs `npm pack --loglevel=error` in the folder holding PulumiPolicy.yaml
// and reads the tarball's name from its stdout (pulumi/pulumi sdk/nodejs/npm/npm.go, `Pack`). A
// stack of the policy group gets the tarball extracted into an empty folder and
// `npm install --loglevel=error` run there (pkg/backend/httpstate/policypack.go,
// `installRequiredPolicy`; npm.go, `Install`). The nodejs language host then starts the pack as
// `node <the pack's own @pulumi/pulumi/cmd/run-policy-pack> <engine address> <pack folder>` in the
// pack folder (sdk/nodejs/cmd/pulumi-language-nodejs/main.go, `RunPlugin`), reads the port it
// prints, and the engine asks it Handshake, ConfigureStack, GetAnalyzerInfo, Configure, then
// Analyze per resource and AnalyzeStack (pkg/resource/plugin/analyzer_plugin.go). This does each
// step the same way, with a stub engine.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies as repoPolicies } from "../../policies/all.ts";
import { REPO } from "../helpers/cli.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url);
const grpc: any = require("@grpc/grpc-js");
const analyzerPb: any = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerRpc: any = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const engineRpc: any = require("@pulumi/pulumi/proto/engine_grpc_pb");
const emptyPb: any = require("google-protobuf/google/protobuf/empty_pb");
const { Struct }: any = require("google-protobuf/google/protobuf/struct_pb");

const POLICIES = path.join(REPO, "policies");
const SPENDFLO_ACCOUNT = "999988887777";

const work = mkdtempSync(path.join(tmpdir(), "budget-sync-pack-"));
let packStdout = "";
let packDir = "";
let runPolicyPack = "";
let analyzer: ChildProcess | undefined;
let analyzerStderr = "";
let engine: any;
let client: any;
const engineLogs: string[] = [];
const timings: Record<string, number> = {};

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  try {
    return f();
  } finally {
    timings[label] = Math.round(performance.now() - start);
  }
}

function run(command: string, args: string[], cwd: string): string {
  // Bounded: a registry that cannot be reached fails the test instead of hanging CI.
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: cleanEnv(),
    timeout: 300_000,
  });
  if (result.error) throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * The environment the Pulumi CLI passes on (the user's, proxies and CA certificates included:
 * npm needs them to reach the registry), without what the test runner adds: no NODE_OPTIONS,
 * NODE_PATH or vitest's variables, so the pack starts on its own.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "NODE_PATH" || /^(VITEST|TSX)/.test(key)) continue;
    if (/^npm_(lifecycle|package)_/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const call = <T>(method: string, request: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](request, (error: Error | null, response: T) =>
      error ? reject(error) : resolve(response),
    ),
  );

beforeAll(async () => {
  // 1. `pulumi policy publish`: npm pack in the pack's folder, the name read from stdout.
  packStdout = timed("npm pack", () => run("npm", ["pack", "--loglevel=error"], POLICIES));
  const tarball = path.join(work, "pack.tgz");
  renameSync(path.join(POLICIES, packStdout.trim()), tarball);

  // 2. A stack of the policy group: extract into an empty folder, npm install there. The cache
  // answers when it holds every package (--prefer-offline), as on this machine.
  const extracted = path.join(work, "extracted");
  rmSync(extracted, { recursive: true, force: true });
  run("mkdir", ["-p", extracted], work);
  run("tar", ["-xzf", tarball, "-C", extracted], work);
  packDir = path.join(extracted, "package");
  timed("npm install", () =>
    run(
      "npm",
      ["install", "--loglevel=error", "--prefer-offline", "--no-audit", "--no-fund"],
      packDir,
    ),
  );

  // 3. A stub engine, whose address the language host passes to the pack.
  engine = new grpc.Server();
  const empty = (_call: unknown, callback: (e: null, r: unknown) => void) =>
    callback(null, new emptyPb.Empty());
  engine.addService(engineRpc.EngineService, {
    log: (c: any, callback: (e: null, r: unknown) => void) => {
      engineLogs.push(c.request.getMessage());
      callback(null, new emptyPb.Empty());
    },
    getRootResource: (_c: unknown, callback: (e: null, r: unknown) => void) =>
      callback(null, new (require("@pulumi/pulumi/proto/engine_pb").GetRootResourceResponse)()),
    setRootResource: (_c: unknown, callback: (e: null, r: unknown) => void) =>
      callback(null, new (require("@pulumi/pulumi/proto/engine_pb").SetRootResourceResponse)()),
    startDebugging: empty,
    requirePulumiVersion: empty,
  });
  const enginePort: number = await new Promise((resolve, reject) =>
    engine.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e: Error, p: number) => (e ? reject(e) : resolve(p)),
    ),
  );

  // 4. The language host: the pack's own run-policy-pack, in the pack's folder.
  runPolicyPack = createRequire(path.join(packDir, "package.json")).resolve(
    "@pulumi/pulumi/cmd/run-policy-pack",
  );
  const started = performance.now();
  analyzer = spawn(process.execPath, [runPolicyPack, `127.0.0.1:${enginePort}`, packDir], {
    cwd: packDir,
    env: cleanEnv({
      PULUMI_NODEJS_PROJECT: "acme",
      PULUMI_NODEJS_STACK: "dev",
      PULUMI_NODEJS_DRY_RUN: "true",
      PULUMI_CONFIG: "{}",
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  analyzer.stderr!.on("data", (d) => (analyzerStderr += d));
  const port: string = await new Promise((resolve, reject) => {
    let out = "";
    analyzer!.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0]!;
      if (out.includes("\n")) resolve(line.trim());
    });
    analyzer!.on("exit", (code) =>
      reject(
        new Error(`the analyzer exited (${code}) before printing its port:\n${analyzerStderr}`),
      ),
    );
  });
  timings["analyzer start"] = Math.round(performance.now() - started);
  client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  console.info(`published pack, measured (ms): ${JSON.stringify(timings)}`);
}, 600_000);

afterAll(async () => {
  client?.close();
  if (analyzer?.pid && analyzer.exitCode === null) process.kill(analyzer.pid);
  await new Promise<void>((resolve) => (engine ? engine.tryShutdown(() => resolve()) : resolve()));
  rmSync(work, { recursive: true, force: true });
});

describe("the published policy pack", () => {
  it("packs as `pulumi policy publish` needs: npm pack prints the tarball's name and nothing else", () => {
    expect(packStdout).toMatch(/^budget-sync-policies-\d+\.\d+\.\d+\.tgz\n$/);
    // The bundle is built for the tarball only (prepack) and removed after (postpack).
    expect(existsSync(path.join(POLICIES, "pack.bundle.cjs"))).toBe(false);
  });

  it("holds the bundle, no TypeScript, and declares what it requires", () => {
    expect(
      readdirSync(packDir)
        .filter((f) => f !== "node_modules" && f !== "package-lock.json")
        .sort(),
    ).toEqual([
      "PulumiPolicy.yaml",
      "pack.bundle.cjs",
      "pack.cjs",
      "package.json",
      "policy-config.example.json",
    ]);
    const manifest = JSON.parse(readFileSync(path.join(packDir, "package.json"), "utf8"));
    expect(manifest.dependencies["@pulumi/policy"]).toBe("1.21.0");
    expect(Object.keys(manifest.dependencies)).toContain("@pulumi/pulumi");
    // The pack runs its own copies, installed from its own declarations.
    expect(runPolicyPack.startsWith(path.join(packDir, "node_modules"))).toBe(true);
    const policyPkg = JSON.parse(
      readFileSync(path.join(packDir, "node_modules/@pulumi/policy/package.json"), "utf8"),
    );
    expect(policyPkg.version.replace(/^v/, "")).toBe("1.21.0");
  });

  it("starts and names its policies (GetAnalyzerInfo), after the engine's handshake and stack configuration", async () => {
    // Handshake: @pulumi/policy does not implement it; the engine accepts Unimplemented.
    const handshake = new analyzerPb.AnalyzerHandshakeRequest();
    handshake.setEngineAddress("127.0.0.1:0");
    await expect(call("handshake", handshake)).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
    });
    const stack = new analyzerPb.AnalyzerStackConfigureRequest();
    stack.setStack("dev");
    stack.setProject("acme");
    stack.setDryRun(true);
    await call("configureStack", stack);

    const info: any = await call("getAnalyzerInfo", new emptyPb.Empty());
    expect(info.getName()).toBe("budget-sync");
    const names = info.getPoliciesList().map((p: any) => p.getName());
    expect(names).toEqual(repoPolicies.map((p) => p.name));
    const readOnly = info.getPoliciesList().find((p: any) => p.getName() === "spendflo-read-only");
    expect(readOnly.getEnforcementlevel()).toBe(analyzerPb.EnforcementLevel.MANDATORY);
  });

  it("refuses a write grant to SpendFlo in a stack (Configure, AnalyzeStack) and before a resource is created (Analyze)", async () => {
    const configure = new analyzerPb.ConfigureAnalyzerRequest();
    const config = new analyzerPb.PolicyConfig();
    config.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
    config.setProperties(Struct.fromJavaScript({ spendfloAccountIds: [SPENDFLO_ACCOUNT] }));
    configure.getPolicyconfigMap().set("spendflo-read-only", config);
    await call("configure", configure);

    const urn = (type: string, name: string) => `urn:pulumi:dev::acme::${type}::${name}`;
    const resource = (type: string, name: string, properties: Record<string, unknown>) => {
      const r = new analyzerPb.AnalyzerResource();
      r.setType(type);
      r.setName(name);
      r.setUrn(urn(type, name));
      r.setProperties(Struct.fromJavaScript(properties));
      r.setOptions(new analyzerPb.AnalyzerResourceOptions());
      return r;
    };
    const write = (principal: unknown, resource: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: principal, Action: "s3:PutObject", Resource: resource },
        ],
      });
    const rolePolicy = resource("aws:iam/rolePolicy:RolePolicy", "access", {
      role: "spendflo-reader",
      name: "access",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-budgets/*" },
        ],
      }),
    });
    const resources = [
      resource("aws:iam/role:Role", "reader", {
        name: "spendflo-reader",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
      rolePolicy,
      resource("aws:s3/bucket:Bucket", "budgets", {
        bucket: "acme-budgets",
        arn: "arn:aws:s3:::acme-budgets",
      }),
      resource("aws:s3/bucketPolicy:BucketPolicy", "budgets", {
        bucket: "acme-budgets",
        policy: write(
          { AWS: `arn:aws:iam::${SPENDFLO_ACCOUNT}:root` },
          "arn:aws:s3:::acme-budgets/*",
        ),
      }),
    ];
    const request = new analyzerPb.AnalyzeStackRequest();
    request.setResourcesList(resources);
    const response: any = await call("analyzeStack", request);
    const readOnly = response
      .getDiagnosticsList()
      .filter((d: any) => d.getPolicyname() === "spendflo-read-only");
    expect(readOnly.map((d: any) => d.getUrn()).sort(), analyzerStderr).toEqual(
      [
        urn("aws:iam/rolePolicy:RolePolicy", "access"),
        // Only Configure told the pack this account is SpendFlo's.
        urn("aws:s3/bucketPolicy:BucketPolicy", "budgets"),
      ].sort(),
    );
    for (const d of readOnly) {
      expect(d.getEnforcementlevel()).toBe(analyzerPb.EnforcementLevel.MANDATORY);
      expect(d.getPolicypackname()).toBe("budget-sync");
      expect(d.getMessage()).toContain("s3:PutObject");
    }

    // Analyze: the engine's per-resource call, answered by the pack's resource policies.
    const one = new analyzerPb.AnalyzeRequest();
    one.setType(rolePolicy.getType());
    one.setName(rolePolicy.getName());
    one.setUrn(rolePolicy.getUrn());
    one.setProperties(rolePolicy.getProperties());
    one.setOptions(new analyzerPb.AnalyzerResourceOptions());
    const answer: any = await call("analyze", one);
    // The resource-level check refuses the role policy before it would be created.
    const stopped = answer
      .getDiagnosticsList()
      .filter((d: any) => d.getPolicyname() === "spendflo-read-only-resource");
    expect(stopped, analyzerStderr).toHaveLength(1);
    expect(stopped[0].getEnforcementlevel()).toBe(analyzerPb.EnforcementLevel.MANDATORY);
    expect(stopped[0].getMessage()).toContain("s3:PutObject");
    for (const d of answer.getDiagnosticsList()) expect(d.getPolicypackname()).toBe("budget-sync");
    expect(analyzer!.exitCode).toBe(null);
    expect(engineLogs.filter((m) => /error/i.test(m))).toEqual([]);
  });
});

/**
 * The pack as the Pulumi CLI runs it: policies/ started by @pulumi/pulumi's run-policy-pack (the
 * CLI's own runner, with its forced ts-node), spoken to over gRPC like the engine does. No cloud,
 * no CLI binary needed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const pb = require("@pulumi/pulumi/proto/analyzer_pb.js");
const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");

/** The engine's marker for a value unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let child: ChildProcess;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

function resource(type: string, name: string, props: Record<string, unknown>) {
  const r = new pb.AnalyzerResource();
  r.setType(type);
  r.setName(name);
  r.setUrn(`urn:pulumi:dev::budget-sync::${type}::${name}`);
  r.setProperties(Struct.fromJavaScript(props));
  r.setOptions(new pb.AnalyzerResourceOptions());
  return r;
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."],
    { cwd: "policies", stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      const m = /^(\d+)\s*$/m.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
  });
  client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  if (child?.pid) process.kill(child.pid);
});

describe("the pack under the CLI's runner", () => {
  it("starts, and names its eleven policies and more", async () => {
    const info = await call<{ getName(): string; getPoliciesList(): { getName(): string }[] }>(
      "getAnalyzerInfo",
      new Empty(),
    );
    expect(info.getName()).toBe("budget-sync");
    const names = info.getPoliciesList().map((p) => p.getName());
    expect(names).toEqual(
      expect.arrayContaining([
        "spendflo-read-only",
        "budget-bucket-versioned",
        "spendflo-prefer-role",
      ]),
    );
  });

  it("judges a stack: a bare v7 bucket and a SpendFlo user who may write; an unknown document is reported, not passed", async () => {
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList([
      resource("aws:s3/bucket:Bucket", "budgets", { bucket: "acme-budgets" }),
      resource("aws:iam/user:User", "reader", {
        name: "spendflo-reader",
        tags: { "spendflo:access": "read-only" },
      }),
      resource("aws:iam/userPolicy:UserPolicy", "reader-policy", {
        user: "spendflo-reader",
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "s3:DeleteObject", Resource: "*" }],
        }),
      }),
      resource("aws:iam/userPolicy:UserPolicy", "later-policy", {
        user: "spendflo-reader",
        policy: UNKNOWN,
      }),
    ]);
    const response = await call<{
      getDiagnosticsList(): {
        getPolicyname(): string;
        getMessage(): string;
        getEnforcementlevel(): number;
      }[];
    }>("analyzeStack", request);
    const found = response
      .getDiagnosticsList()
      // The SDK puts the policy's description on the first line of each message.
      .map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").pop()}`);
    expect(found).toContain(
      'spendflo-read-only: SpendFlo principal aws.iam.User "reader" (tagged spendflo:access = read-only) may write: aws.iam.UserPolicy "reader-policy" (statement 1) grants s3:DeleteObject on *. SpendFlo must only be granted List and Read actions.',
    );
    expect(found).toContain(
      'budget-bucket-versioned: Bucket aws.s3.Bucket "budgets" (acme-budgets) must have versioning enabled: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".',
    );
    expect(
      found.some((f) =>
        /^spendflo-read-only: can't run policy 'spendflo-read-only' .* during preview: aws\.iam\.UserPolicy "later-policy" \.policy is not known before the resources it comes from exist$/.test(
          f,
        ),
      ),
    ).toBe(true);
  });

  it("an unknown document of a principal that is not SpendFlo's does not stop the SpendFlo policies", async () => {
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList([
      resource("aws:iam/role:Role", "exporter", {
        name: "exporter",
        assumeRolePolicy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
      resource("aws:iam/rolePolicy:RolePolicy", "exporter-policy", {
        role: "exporter",
        policy: UNKNOWN,
      }),
    ]);
    const response = await call<{ getDiagnosticsList(): { getPolicyname(): string }[] }>(
      "analyzeStack",
      request,
    );
    const policies = response.getDiagnosticsList().map((d) => d.getPolicyname());
    expect(policies).not.toContain("spendflo-read-only");
    expect(policies).not.toContain("spendflo-scoped");
  });
});

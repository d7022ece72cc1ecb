/**
 * `budget-sync register` as people run it: the real bin in a child process, against a local HTTP
 * server standing in for SpendFlo's API (plain http is allowed to localhost only).
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import {
  expectNoSecret,
  hostedOutputs,
  OWN_SECRET,
  ownStackOutputs,
} from "../helpers/stackOutputs.ts";

const API_KEY = "sf_test_Kk2Pp4Ii6Kk8Ee0Yy2Aa4Pp6Ii8Kk0Ee";
interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let server: Server;
let api: string;
let received: Received[] = [];
/** What the API answers next: a status and a JSON body. */
let answer: { status: number; body: unknown } = { status: 201, body: { id: "cfg_123" } };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = `http://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const register = (extra: string[] = []) =>
  runCli(
    ["register", "--api-url", api, "--customer-id", "cust_42", "--stack-outputs", "-", ...extra],
    { input: JSON.stringify(ownStackOutputs()), env: { SPENDFLO_API_KEY: API_KEY } },
  );

describe("budget-sync register, run as a process", () => {
  it("registers: exit 0, the guide's body sent with the key, nothing secret printed", async () => {
    received = [];
    answer = { status: 201, body: { id: "cfg_123" } };
    const result = await register();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Registered the S3 sync with SpendFlo \(HTTP 201, 1 attempt\)\./,
    );
    expect(result.stdout).toContain("config id  cfg_123");
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "POST", url: "/api/sync/config" });
    expect(received[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(JSON.parse(received[0]!.body)).toEqual({
      customerId: "cust_42",
      sourceType: "s3",
      enabled: true,
      frequency: "every_4_hours",
      sourceConfig: ownStackOutputs().syncSourceConfig,
    });
    expectNoSecret(result.stdout + result.stderr);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it("--json: one JSON document with the API's answer", async () => {
    answer = { status: 200, body: { id: "cfg_124", echo: { secretAccessKey: OWN_SECRET } } };
    const result = await register(["--json"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ ok: true, status: 200, response: { id: "cfg_124" } });
    // A server that echoes the secret back is masked too.
    expectNoSecret(result.stdout);
  });

  it("an API that refuses the key: exit 1, what to check; --json the same as a document", async () => {
    answer = { status: 401, body: { message: "invalid api key" } };
    const human = await register();
    expect(human.code).toBe(1);
    expect(human.stdout).toBe("");
    expect(human.stderr).toMatch(/^budget-sync: SpendFlo's API refused the registration: HTTP 401/);
    expect(human.stderr).toContain("SPENDFLO_API_KEY");
    const json = await register(["--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, status: 401 });
  });

  it("--dry-run prints the request and sends nothing, without an API key", async () => {
    received = [];
    const result = await runCli(
      [
        "register",
        "--api-url",
        api,
        "--customer-id",
        "cust_42",
        "--stack-outputs",
        "-",
        "--dry-run",
      ],
      { input: JSON.stringify(ownStackOutputs()), env: { SPENDFLO_API_KEY: "" } },
    );
    expect(result.code).toBe(0);
    expect(received).toEqual([]);
    expect(result.stdout).toContain(`POST ${api}/api/sync/config`);
    expectNoSecret(result.stdout + result.stderr);
  });

  it("--help explains every option and the exit codes, for register and test-connection", async () => {
    const [register, testConnection] = await Promise.all([
      runCli(["register", "--help"]),
      runCli(["test-connection", "--help"]),
    ]);
    expect(register.code).toBe(0);
    for (const flag of [
      "--api-url",
      "--customer-id",
      "--stack-outputs",
      "--customer",
      "--frequency",
      "--disabled",
      "--dry-run",
      "--json",
      "--api-key-file",
      "--idempotency-key",
      "--timeout",
    ])
      expect(register.stdout).toContain(flag);
    expect(register.stdout).not.toContain("--api-key ");
    expect(register.stdout).toContain("Exit codes: 0 registered");
    for (const flag of [
      "--bucket",
      "--prefix",
      "--region",
      "--stack-outputs",
      "--credentials",
      "--check-permissions",
      "--json",
    ])
      expect(testConnection.stdout).toContain(flag);
    expect(testConnection.stdout).toContain("needs iam:SimulatePrincipalPolicy");
  });

  it("an API that refuses with 403 echoing the key: exit 1, the key masked in --json", async () => {
    answer = { status: 403, body: { message: `key ${API_KEY} may not write cust_42` } };
    const refused = await register(["--json"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toContain("HTTP 403: key **** may not write cust_42");
    expect(refused.stdout + refused.stderr).not.toContain(API_KEY);
    expectNoSecret(refused.stdout + refused.stderr);
  });

  it("bad usage: --api-key on the command line is refused (exit 2), the key not echoed", async () => {
    const result = await runCli([
      "register",
      "--api-url",
      api,
      "--customer-id",
      "cust_42",
      "--stack-outputs",
      "-",
      "--api-key",
      API_KEY,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--api-key/);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it("refuses an offline plan's outputs, its whole --json document, and a stripped one by its key: exit 2, no request sent", async () => {
    received = [];
    const planned = await runCli(["plan", "--stack", "role", "--json"]);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { outputs: Record<string, unknown> };
    const args = ["register", "--api-url", api, "--customer-id", "acme", "--stack-outputs", "-"];
    const env = { SPENDFLO_API_KEY: API_KEY };
    const outputsOnly = await runCli(args, { input: JSON.stringify(plan.outputs), env });
    const whole = await runCli(args, { input: planned.stdout, env });
    for (const run of [outputsOnly, whole]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("the placeholders of an offline `budget-sync plan`");
      expect(run.stderr).toContain("arn:aws:iam::123456789012:role/spendflo-budget-sync-role");
      expect(run.stderr).toContain(
        "Deploy the stack with `pulumi up`, then pass its real outputs: `pulumi stack output --json --show-secrets",
      );
    }
    expect(whole.stderr).toContain("it is a whole `budget-sync plan --json` document");
    // iam-user outputs with the marker cut out and a placeholder key filled in by hand.
    const own = ownStackOutputs();
    const stripped = {
      ...own,
      accessKeyId: "OFFLINE_PLACEHOLDER_0A1B2C3D4E5F",
      syncSourceConfig: {
        ...own.syncSourceConfig,
        accessKeyId: "OFFLINE_PLACEHOLDER_0A1B2C3D4E5F",
      },
    };
    const byKey = await runCli([...args, "--dry-run"], { input: JSON.stringify(stripped), env });
    expect(byKey.code).toBe(2);
    expect(byKey.stderr).toContain("an access key id starts with OFFLINE_PLACEHOLDER_");
    expectNoSecret(byKey.stdout + byKey.stderr);
    expect(received).toEqual([]);
  });

  it("registers a hosted customer as its read-only sync role: the body holds the role, no key of any customer", async () => {
    received = [];
    answer = { status: 201, body: { id: "cfg_125" } };
    const hosted = hostedOutputs();
    const run = await runCli(
      [
        "register",
        "--api-url",
        api,
        "--customer-id",
        "sf-globex-1",
        "--customer",
        "globex",
        "--stack-outputs",
        "-",
      ],
      { input: JSON.stringify(hosted), env: { SPENDFLO_API_KEY: API_KEY } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "access     role arn:aws:iam::444455556666:role/spendflo-reader-globex, external id globex-5f0c8e2a9d31b7c4",
    );
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body) as { customerId: string; sourceConfig: object };
    expect(body.customerId).toBe("sf-globex-1");
    expect(body.sourceConfig).toEqual(hosted.customers.globex.syncSourceConfig);
    for (const key of ["AKIAGLOBEXGLOBEX5678", "AKIAACMEACMEACME1234"])
      expect(received[0]!.body).not.toContain(key);
    expectNoSecret(received[0]!.body + run.stdout + run.stderr);
  });
});

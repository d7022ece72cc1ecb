import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CliError, ExitCode, UsageError } from "../../../cli/errors.ts";
import type { CommandIo } from "../../../cli/io.ts";
import { registerCommand, runRegister, type RegisterDeps } from "../../../cli/commands/register.ts";
import { hostedCustomerBlock } from "../../helpers/hostedOutputs.ts";

// Secrets with no substring in common with anything else the tests print.
const SECRET_ACCESS_KEY = "Zq9V+xR2/mK8pL4wT7yN1bH6cJ0dF5gAs3cr3tQ";
const API_KEY = "sfk_live_Qw8Ee2Rr6Tt0Yy4UuIi9Oo";
const OTHER_CUSTOMER_SECRET = "Hh3Jj5Kk7Ll9Zz1Xx2Cc4Vv6Bb8Nn0Mm+/qwer";
const SECRETS = [SECRET_ACCESS_KEY, API_KEY, OTHER_CUSTOMER_SECRET];

/** Fails if any 8-character piece of a secret shows anywhere in the text. */
function expectNoSecret(text: string): void {
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      if (text.includes(piece))
        throw new Error(
          `a piece of a secret (${i}..${i + 8}) leaked into:\n${text.replaceAll(secret, "<SECRET>")}`,
        );
    }
  }
}

const syncSourceConfig = {
  bucketName: "acme-budget-exports",
  region: "eu-west-1",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: SECRET_ACCESS_KEY,
  prefix: "budgets/",
};

const iamUserOutputs = {
  accessMode: "iam-user",
  bucketName: "acme-budget-exports",
  bucketArn: "arn:aws:s3:::acme-budget-exports",
  region: "eu-west-1",
  prefix: "budgets/",
  readerUserName: "spendflo-budget-sync-prod",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: SECRET_ACCESS_KEY,
  syncSourceConfig,
};

const roleOutputs = {
  accessMode: "cross-account-role",
  bucketName: "acme-budget-exports",
  bucketArn: "arn:aws:s3:::acme-budget-exports",
  region: "us-east-2",
  prefix: "exports/budgets/",
  spendfloAccountId: "111122223333",
  roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-prod",
  externalId: "acme-7f3a9c",
  syncSourceConfig: {
    bucketName: "acme-budget-exports",
    region: "us-east-2",
    prefix: "exports/budgets/",
    roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-prod",
    externalId: "acme-7f3a9c",
  },
};

const policyOutputs = {
  accessMode: "cross-account-policy",
  bucketName: "acme-budget-exports",
  bucketArn: "arn:aws:s3:::acme-budget-exports",
  region: "us-east-1",
  prefix: "budgets/",
  spendfloAccountId: "111122223333",
  syncSourceConfig: { bucketName: "acme-budget-exports", region: "us-east-1", prefix: "budgets/" },
};

/** `pulumi stack output -s hosted --json --show-secrets` of the hosted stack. */
const hostedOutputs = {
  bucketName: "spendflo-budget-uploads",
  bucketArn: "arn:aws:s3:::spendflo-budget-uploads",
  region: "us-east-1",
  prefix: "customers/",
  manageBucket: true,
  customers: {
    acme: hostedCustomerBlock("acme", "AKIAACMEACMEACME1234", SECRET_ACCESS_KEY),
    globex: hostedCustomerBlock("globex", "AKIAGLOBEXGLOBEX5678", OTHER_CUSTOMER_SECRET),
  },
};

// ---- the fake SpendFlo API: a real HTTP server on loopback ----

type Answer =
  { status: number; body?: string; headers?: Record<string, string> } | "hang" | "reset";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let baseUrl: string;
let script: Answer[] = [];
let fallback: Answer = { status: 201, body: JSON.stringify({ id: "cfg_123", status: "active" }) };
let received: Recorded[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const answer = script.shift() ?? fallback;
      if (answer === "hang") return;
      if (answer === "reset") {
        req.socket.destroy();
        return;
      }
      // No keep-alive: each test starts from fresh connections, as a CLI run does.
      res.writeHead(answer.status, {
        "content-type": "application/json",
        connection: "close",
        ...answer.headers,
      });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  script = [];
  received = [];
  fallback = { status: 201, body: JSON.stringify({ id: "cfg_123", status: "active" }) };
  server.closeAllConnections();
});

// ---- running the command with a fake clock ----

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
  error?: Error;
  delays: number[];
  all: string;
}

async function register(
  flags: Record<string, unknown>,
  outputs: unknown,
  deps: Partial<RegisterDeps> & { fetch?: typeof fetch } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const delays: number[] = [];
  let clock = 1_700_000_000_000;
  const { fetch: fetchOverride, ...rest } = deps;
  const result: Run = { code: undefined, stdout: "", stderr: "", delays, all: "" };
  try {
    const options = registerCommand.parse({
      "api-url": baseUrl,
      "customer-id": "acme-corp",
      "stack-outputs": "-",
      ...flags,
    });
    const io: CommandIo = {
      readStdin: async () => (typeof outputs === "string" ? outputs : JSON.stringify(outputs)),
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      stderrIsTerminal: false,
    };
    result.code = await runRegister(options, io, {
      env: { SPENDFLO_API_KEY: API_KEY },
      http: {
        fetch: fetchOverride ?? ((...args) => fetch(...args)),
        sleep: async (ms) => {
          delays.push(ms);
          clock += ms;
        },
        random: () => 0.5,
        now: () => clock,
      },
      ...rest,
    });
  } catch (error) {
    result.error = error as Error;
    result.code = error instanceof CliError ? error.exitCode : ExitCode.Usage;
  }
  result.stdout = stdout;
  result.stderr = stderr;
  result.all = [stdout, stderr, result.error?.message ?? "", result.error?.stack ?? ""].join("\n");
  expectNoSecret(result.all);
  return result;
}

const guideOrderBody = (sourceConfig: string, frequency = "every_4_hours", enabled = true) =>
  `{"customerId":"acme-corp","sourceType":"s3","enabled":${enabled},"frequency":"${frequency}","sourceConfig":${sourceConfig}}`;

describe("register: the request", () => {
  it("sends the guide's body for the iam-user mode, keys in the guide's order, with bearer key and idempotency key", async () => {
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/api/sync/config");
    expect(request!.body).toBe(
      guideOrderBody(
        `{"bucketName":"acme-budget-exports","region":"eu-west-1","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"${SECRET_ACCESS_KEY.replaceAll("/", "/")}","prefix":"budgets/"}`,
      ),
    );
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stdout).toContain("Registered the S3 sync with SpendFlo (HTTP 201, 1 attempt)");
    expect(run.stdout).toContain("s3://acme-budget-exports/budgets/ (eu-west-1)");
    expect(run.stdout).toContain("access key AKIAIOSFODNN7EXAMPLE (secret ****)");
    expect(run.stdout).toContain("config id  cfg_123");
  });

  it("sends roleArn and externalId in place of the key pair for the role mode", async () => {
    const run = await register({ frequency: "daily", disabled: true }, roleOutputs);
    expect(run.code).toBe(0);
    expect(received[0]!.body).toBe(
      guideOrderBody(
        '{"bucketName":"acme-budget-exports","region":"us-east-2","roleArn":"arn:aws:iam::444455556666:role/spendflo-budget-sync-prod","externalId":"acme-7f3a9c","prefix":"exports/budgets/"}',
        "daily",
        false,
      ),
    );
  });

  it("sends no credentials for the cross-account-policy mode", async () => {
    const run = await register({ frequency: "every_6_hours" }, policyOutputs);
    expect(run.code).toBe(0);
    expect(received[0]!.body).toBe(
      guideOrderBody(
        '{"bucketName":"acme-budget-exports","region":"us-east-1","prefix":"budgets/"}',
        "every_6_hours",
      ),
    );
    expect(run.stdout).toContain("SpendFlo's own account (bucket policy)");
  });

  it("uses a base URL with a path and a trailing slash as the base", async () => {
    await register({ "api-url": `${baseUrl}/v2/` }, iamUserOutputs);
    expect(received[0]!.url).toBe("/v2/api/sync/config");
  });

  it("uses a new idempotency key per invocation and reuses one given with --idempotency-key", async () => {
    await register({}, iamUserOutputs);
    await register({}, iamUserOutputs);
    await register({ "idempotency-key": "resume-42" }, iamUserOutputs);
    const keys = received.map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe("resume-42");
  });

  it("reads the API key from --api-key-file, trimmed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "register-"));
    try {
      await writeFile(join(dir, "key"), `${API_KEY}\n`, { mode: 0o600 });
      const run = await register({ "api-key-file": join(dir, "key") }, iamUserOutputs, { env: {} });
      expect(run.code).toBe(0);
      expect(received[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe("register: hosted stack outputs and --customer", () => {
  it("sends the customer's read-only sync role and external id, never a customer's key", async () => {
    const run = await register({ customer: "globex", json: true }, hostedOutputs);
    expect(run.code).toBe(0);
    expect(received[0]!.body).toBe(
      guideOrderBody(
        '{"bucketName":"spendflo-budget-uploads","region":"us-east-1","roleArn":"arn:aws:iam::444455556666:role/spendflo-reader-globex","externalId":"globex-5f0c8e2a9d31b7c4","prefix":"customers/globex/budgets/"}',
      ),
    );
    for (const key of ["AKIAGLOBEXGLOBEX5678", "AKIAACMEACMEACME1234"])
      expect(received[0]!.body).not.toContain(key);
  });

  it("refuses hosted outputs whose sync config is a customer's key (deployed before the sync roles): exit 2, nothing sent", async () => {
    const old = structuredClone(hostedOutputs);
    (old.customers.globex as { syncSourceConfig: object }).syncSourceConfig = {
      bucketName: "spendflo-budget-uploads",
      region: "us-east-1",
      accessKeyId: "AKIAGLOBEXGLOBEX5678",
      secretAccessKey: OTHER_CUSTOMER_SECRET,
      prefix: "customers/globex/budgets/",
    };
    const run = await register({ customer: "globex" }, old);
    expect(run.code).toBe(2);
    expect(run.error!.message).toContain(
      "--customer globex: its syncSourceConfig holds an access key, the customer's own upload key, which is never sent to SpendFlo",
    );
    expect(received).toHaveLength(0);
  });

  it("names the customers when hosted outputs come without --customer", async () => {
    const run = await register({}, hostedOutputs);
    expect(run.error).toBeInstanceOf(UsageError);
    expect(run.error!.message).toContain(
      "name the customer with --customer (one of: acme, globex)",
    );
    expect(received).toHaveLength(0);
  });

  it("refuses --customer for outputs without customers, and an unknown customer", async () => {
    const none = await register({ customer: "acme" }, iamUserOutputs);
    expect(none.code).toBe(2);
    expect(none.error!.message).toContain('these stack outputs have no "customers"');
    const unknown = await register({ customer: "initech" }, hostedOutputs);
    expect(unknown.code).toBe(2);
    expect(unknown.error!.message).toContain(
      "--customer initech: no such customer in the stack outputs (customers: acme, globex)",
    );
  });
});

describe("register: retries", () => {
  it("retries 503 twice then succeeds, with the same idempotency key and backoff 0.75 s then 1.5 s", async () => {
    script = [
      { status: 503, body: "busy" },
      { status: 503, body: "busy" },
    ];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    // random() = 0.5: delay = d/2 + d/4 with d = 1 s, then 2 s.
    expect(run.delays).toEqual([750, 1500]);
    expect(run.stderr).toContain("attempt 1 of 5: HTTP 503: busy; retrying in 0.8 s");
    expect(run.stdout).toContain("HTTP 201, 3 attempts");
  });

  it("honours Retry-After on 429", async () => {
    script = [{ status: 429, body: '{"message":"slow down"}', headers: { "retry-after": "7" } }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(run.delays).toEqual([7000]);
    expect(received).toHaveLength(2);
  });

  it("honours a Retry-After given as an HTTP date", async () => {
    const at = new Date(1_700_000_000_000 + 12_000).toUTCString();
    script = [{ status: 429, headers: { "retry-after": at } }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(run.delays).toEqual([12_000]);
  });

  it("stops when Retry-After asks for longer than it waits", async () => {
    script = [{ status: 429, headers: { "retry-after": "3600" } }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(run.error!.message).toContain("the API asked to retry after 3600 s");
  });

  it("gives up after 5 attempts of 5xx with exponential backoff, exit 1", async () => {
    fallback = { status: 502, body: "<html>bad gateway</html>" };
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(5);
    expect(run.delays).toEqual([750, 1500, 3000, 6000]);
    expect(run.error).toBeInstanceOf(CliError);
    expect(run.error!.message).toContain(
      "stayed unreachable after 5 attempts over 11.3 s; last: HTTP 502",
    );
    expect(run.error!.message).toMatch(/run again with --idempotency-key [0-9a-f-]{36}/);
  });

  it("does not retry a 400 and shows the server's message, masking a secret it echoes", async () => {
    script = [
      {
        status: 400,
        body: JSON.stringify({
          error: {
            message: `bucket not reachable with secret ${SECRET_ACCESS_KEY} and key ${API_KEY}`,
          },
        }),
      },
    ];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(run.delays).toEqual([]);
    expect(run.error!.message).toBe(
      "SpendFlo's API refused the registration: HTTP 400: bucket not reachable with secret **** and key **** (the API did not accept the config as sent)",
    );
  });

  it("does not follow a redirect with the keys, and says where it points", async () => {
    script = [
      { status: 308, headers: { location: "https://api.eu.spendflo.com/api/sync/config" } },
    ];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(run.error!.message).toContain(
      "HTTP 308 (the API redirects to https://api.eu.spendflo.com/api/sync/config; redirects are not followed",
    );
  });

  it("names the base URL to use after a redirect, never the full API path", async () => {
    script = [{ status: 307, headers: { location: "https://api2.spendflo.com/api/sync/config" } }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(run.error!.message).toContain(
      "use https://api2.spendflo.com as --api-url (the base URL, without /api/sync/config)",
    );
    script = [{ status: 301, headers: { location: "/v2/api/sync/config?x=1" } }];
    const relative = await register({}, iamUserOutputs);
    expect(relative.error!.message).toContain(`use ${baseUrl}/v2 as --api-url`);
    // A redirect elsewhere (a sign-in page) is no base URL to suggest.
    script = [
      { status: 302, headers: { location: "https://login.example.com/sso?next=/api/sync/config" } },
    ];
    const signIn = await register({}, iamUserOutputs);
    expect(signIn.error!.message).not.toContain("as --api-url (the base URL, without");
    expect(signIn.error!.message).toContain(
      "that is not SpendFlo's API (a sign-in page or a proxy?): check --api-url",
    );
  });

  it.each([
    [
      "a sign-in page (200 text/html)",
      { status: 200, body: "<html>Sign in</html>", headers: { "content-type": "text/html" } },
      "HTTP 200 with content type text/html (a web page) is not an answer of SpendFlo's API",
    ],
    [
      "200 with a body that is not JSON",
      { status: 200, body: "{not json" },
      "HTTP 200 with a body that is not JSON is not an answer of SpendFlo's API",
    ],
    [
      "201 with an empty body",
      { status: 201, body: "" },
      "HTTP 201 with an empty body is not an answer of SpendFlo's API",
    ],
    [
      "200 with JSON that is no object",
      { status: 200, body: '"ok"', headers: { "content-type": "application/json" } },
      "HTTP 200 with JSON that is no object is not an answer of SpendFlo's API",
    ],
  ])("a 2xx that is not the API is a failure, exit 1: %s", async (_, answer, message) => {
    script = [answer];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(run.error!.message).toContain(message);
    expect(run.error!.message).toContain("A proxy or a sign-in page may have answered");
    expect(run.stdout).not.toContain("Registered");
    script = [answer];
    const json = await register({ json: true }, iamUserOutputs);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; error: string };
    expect(report.ok).toBe(false);
    expect(report.error).toContain(message);
  });

  it("204 No Content is a registration", async () => {
    script = [{ status: 204 }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Registered the S3 sync with SpendFlo (HTTP 204");
  });

  it("explains a 401", async () => {
    script = [{ status: 401, body: '{"message":"invalid token"}' }];
    const run = await register({}, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(run.error!.message).toContain(
      "HTTP 401: invalid token (the API key is wrong, expired or revoked",
    );
  });

  it("times out each attempt and retries a hanging API", async () => {
    // The API never answers: without a timeout per attempt the command would never end.
    fallback = "hang";
    const run = await register({ timeout: 0.1 }, iamUserOutputs);
    expect(run.code).toBe(1);
    expect(received).toHaveLength(5);
    expect(run.error!.message).toContain("last: no answer within 0.1 s");
  });

  it("retries a dropped connection and an API that is not listening", async () => {
    script = ["reset"];
    const reset = await register({}, iamUserOutputs);
    expect(reset.code).toBe(0);
    expect(received).toHaveLength(2);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await register({ "api-url": `http://127.0.0.1:${port}` }, iamUserOutputs);
    expect(refused.code).toBe(1);
    expect(refused.delays).toHaveLength(4);
    expect(refused.error!.message).toContain("last: network error ECONNREFUSED");
  });

  it("prints a JSON failure with --json, exit 1, attempts listed", async () => {
    fallback = { status: 500, body: '{"message":"boom"}' };
    const run = await register({ json: true }, iamUserOutputs, { retryPolicy: { maxAttempts: 2 } });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.status).toBe(500);
    expect(report.attempts).toEqual([
      { attempt: 1, result: "HTTP 500: boom", delayMs: 750 },
      { attempt: 2, result: "HTTP 500: boom" },
    ]);
    expect(report.request.headers.Authorization).toBe("Bearer ****");
    expect(report.request.body.sourceConfig.secretAccessKey).toBe("****");
  });
});

describe("register: dry run, usage errors and crashes never leak a secret", () => {
  it("prints the masked request and sends nothing", async () => {
    const run = await register({ "dry-run": true }, iamUserOutputs);
    expect(run.code).toBe(0);
    expect(received).toHaveLength(0);
    expect(run.stdout).toContain("Dry run: nothing sent. Would POST http://127.0.0.1:");
    expect(run.stdout).toContain("Authorization: Bearer ****");
    expect(run.stdout).toContain('"secretAccessKey": "****"');
  });

  it("prints the masked request as JSON with --json --dry-run, even without an API key", async () => {
    const run = await register({ "dry-run": true, json: true }, iamUserOutputs, { env: {} });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.request.body.sourceConfig).toEqual({
      ...syncSourceConfig,
      secretAccessKey: "****",
    });
  });

  it("refuses to send without an API key, and --api-key on the command line", async () => {
    const none = await register({}, iamUserOutputs, { env: {} });
    expect(none.code).toBe(2);
    expect(none.error!.message).toContain(
      "no API key: set SPENDFLO_API_KEY or pass --api-key-file",
    );
    const flag = await register({ "api-key": API_KEY }, iamUserOutputs);
    expect(flag.code).toBe(2);
    expect(flag.error!.message).toContain("--api-key: is not accepted");
    expect(received).toHaveLength(0);
  });

  it("refuses an API key that cannot travel in a header without quoting it", async () => {
    const run = await register({}, iamUserOutputs, {
      env: { SPENDFLO_API_KEY: `${API_KEY}\nX-Evil: 1` },
    });
    expect(run.code).toBe(2);
    expect(run.error!.message).toContain(
      "the API key holds spaces, line breaks or non-ASCII characters",
    );
  });

  it("refuses plain http to anything but this machine", async () => {
    const run = await register({ "api-url": "http://api.spendflo.com" }, iamUserOutputs);
    expect(run.code).toBe(2);
    expect(run.error!.message).toContain("--api-url: must be https");
  });

  it("validates the outputs before sending: region, bucket name, prefix, frequency", async () => {
    const bad = {
      ...iamUserOutputs,
      syncSourceConfig: {
        ...syncSourceConfig,
        region: "us-east-7",
        bucketName: "Acme_Budgets",
        prefix: "budgets",
      },
    };
    const run = await register({ frequency: "every_30_minutes" }, bad);
    expect(run.code).toBe(2);
    expect(received).toHaveLength(0);
    const lines = run.error!.message.split("\n");
    expect(lines).toContain(
      'stack outputs syncSourceConfig.region: must be an AWS region code such as "us-east-1" (got "us-east-7")',
    );
    expect(lines).toContain(
      'stack outputs syncSourceConfig.prefix: must end with "/" (try "budgets/")',
    );
    expect(
      lines.some((l) =>
        l.startsWith("stack outputs syncSourceConfig.bucketName: may contain only lowercase"),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.startsWith('--frequency: must be "hourly", "daily" or "every_<N>_hours"'),
      ),
    ).toBe(true);
  });

  it("rejects outputs that are not JSON without quoting them, and hidden secrets", async () => {
    const broken = await register({}, `{"secretAccessKey": "${SECRET_ACCESS_KEY}", oops}`);
    expect(broken.code).toBe(2);
    expect(broken.error!.message).toContain("--stack-outputs: not valid JSON");
    const hidden = await register(
      {},
      {
        ...iamUserOutputs,
        secretAccessKey: "[secret]",
        syncSourceConfig: { ...syncSourceConfig, secretAccessKey: "[secret]" },
      },
    );
    expect(hidden.code).toBe(2);
    expect(hidden.error!.message).toContain("--show-secrets");
  });

  it("reads the outputs from a file, and names a missing one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "register-"));
    try {
      await writeFile(join(dir, "outputs.json"), JSON.stringify(iamUserOutputs));
      const ok = await register({ "stack-outputs": join(dir, "outputs.json") }, "unused");
      expect(ok.code).toBe(0);
      const missing = await register({ "stack-outputs": join(dir, "nope.json") }, "unused");
      expect(missing.code).toBe(2);
      expect(missing.error!.message).toBe(
        `--stack-outputs ${join(dir, "nope.json")}: cannot read it (no such file)`,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it("masks secrets in an unexpected crash's message and stack, keeping nothing of the cause", async () => {
    const run = await register({}, iamUserOutputs, {
      fetch: async (_url, init) => {
        const error = new RangeError(
          `exploded sending ${String(init?.body)} with ${JSON.stringify(init?.headers)}`,
        );
        (error as Error & { cause: unknown }).cause = init;
        throw error;
      },
    });
    expect(run.error).toBeInstanceOf(RangeError);
    expect(run.error!.message).toContain('"secretAccessKey":"****"');
    expect(run.error!.message).toContain("Bearer ****");
    expect(run.error!.cause).toBeUndefined();
  });
});

/**
 * The exporter Lambda's handler end to end on this machine: a loopback HTTP server plays the FP&A
 * tool, an in-process s3rver plays S3. What a customer would notice: the file that lands, the
 * file that does not, and the message the alarm carries.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  CreateBucketCommand,
} from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleExporterHandler,
  MAX_BUNDLE_BYTES,
} from "../../../components/budget-exporter/bundle.ts";
import {
  EXPORTER_ENV,
  ExportError,
  runExport,
  type ExporterSettings,
} from "../../../components/budget-exporter/lambda/handler.ts";
import { validateBudgetData } from "../../../lib/budget-file/budgetFile.ts";

const BUCKET = "budgets-e2e";
const TOKEN = "fpa-token-7f3a9c0e2b5d4e61";
const NOW = () => new Date("2026-03-05T02:00:07Z");

const GOOD_ROWS = {
  data: [
    {
      department: "Engineering",
      category: "Software",
      period: "FY 2026",
      amount: 500000,
      currency: "USD",
    },
    {
      department: "Sales, EMEA",
      category: "Travel",
      period: "Q1 2026",
      amount: 75000.5,
      currency: "EUR",
    },
  ],
};
const MAPPING = {
  Department: "department",
  "Sub Category": "category",
  "Fiscal Period": "period",
  "Budget Amount": "amount",
  Currency: "currency",
};

let http: Server;
let source = "";
let s3rver: { close(): Promise<void> };
let s3Endpoint = "";
let s3Dir = "";
let s3: S3Client;
const pending: ServerResponse[] = [];

function route(req: IncomingMessage, res: ServerResponse) {
  const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  switch (req.url) {
    case "/rows.json":
      return authorized ? json(200, GOOD_ROWS) : json(401, { error: "unauthorized" });
    case "/bad.json":
      return json(200, {
        data: [
          GOOD_ROWS.data[0],
          { department: "Marketing", period: "FY 2026", amount: "$12,000", currency: "USD" },
          { department: "Finance", period: "sometime", amount: 1000, currency: "USD" },
        ],
      });
    case "/object.json":
      return json(200, { data: GOOD_ROWS.data });
    case "/budget.csv":
      res.writeHead(200, { "content-type": "text/csv" });
      return res.end("Department,Fiscal Period,Budget Amount\nOperations,FY 2026,120000\n");
    case "/slow":
      // Headers never come: the source hangs the way a stuck FP&A export does.
      pending.push(res);
      return undefined;
    default:
      return json(404, {});
  }
}

beforeAll(async () => {
  http = createServer(route);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  source = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  s3Dir = await mkdtemp(path.join(tmpdir(), "exporter-s3rver-"));
  // s3rver ships no types; only its constructor, run and close are used.
  const { default: S3rver } = (await import("s3rver" as string)) as {
    default: new (options: object) => { run(): Promise<AddressInfo>; close(): Promise<void> };
  };
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir });
  s3Endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  s3rver = server;
  s3 = new S3Client({
    endpoint: s3Endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    // s3rver stores a streamed body with aws-chunked framing under the SDK's default checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  for (const res of pending) res.destroy();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await s3rver?.close();
  await rm(s3Dir, { recursive: true, force: true });
});

/** An SSM stand-in that holds one SecureString and records what was asked. */
function fakeSsm(asked: unknown[] = []): SSMClient {
  return {
    send: async (command: { input: { Name: string; WithDecryption?: boolean } }) => {
      asked.push(command.input);
      if (command.input.Name !== "/acme/fpa/api-token") throw new Error("ParameterNotFound");
      return { Parameter: { Value: TOKEN } };
    },
  } as unknown as SSMClient;
}

function settings(
  prefix: string,
  overrides: Partial<ExporterSettings["source"]> = {},
  mapping: ExporterSettings["mapping"] = MAPPING,
) {
  return {
    bucket: BUCKET,
    prefix,
    source: {
      type: "json" as const,
      url: `${source}/rows.json`,
      rowsPath: "data",
      tokenParameter: "/acme/fpa/api-token",
      timeoutMs: 5000,
      maxBytes: 1024 * 1024,
      ...overrides,
    },
    mapping,
    timezone: "UTC",
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

async function read(key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { text: await object.Body!.transformToString(), contentType: object.ContentType };
}

describe("the exporter handler against a loopback source and s3rver", () => {
  it("uploads valid rows as a valid budget CSV at the dated key, with the token read from SSM", async () => {
    const asked: unknown[] = [];
    const logs: string[] = [];
    const result = await runExport(settings("valid/"), {
      s3,
      ssm: fakeSsm(asked),
      now: NOW,
      log: (m) => logs.push(m),
    });
    expect(result).toEqual({ statusCode: 200, body: "Uploaded: valid/budget_20260305.csv" });
    expect(asked).toEqual([{ Name: "/acme/fpa/api-token", WithDecryption: true }]);
    expect(await keysUnder("valid/")).toEqual(["valid/budget_20260305.csv"]);
    const { text, contentType } = await read("valid/budget_20260305.csv");
    expect(text).toBe(
      "Department,Sub Category,Fiscal Period,Budget Amount,Currency\n" +
        "Engineering,Software,FY 2026,500000,USD\n" +
        '"Sales, EMEA",Travel,Q1 2026,75000.5,EUR\n',
    );
    expect(contentType).toMatch(/^text\/csv/);
    const report = await validateBudgetData(text, { format: "csv" });
    expect(report).toMatchObject({ valid: true, rows: 2, errorCount: 0 });
    expect(logs.join("\n")).not.toContain(TOKEN);
  });

  it("overwrites the same key when it runs twice on one day", async () => {
    await runExport(settings("twice/"), { s3, ssm: fakeSsm(), now: NOW, log: () => {} });
    const csvSource = { url: `${source}/budget.csv`, type: "csv" as const, rowsPath: undefined };
    await runExport(settings("twice/", csvSource, {}), {
      s3,
      ssm: fakeSsm(),
      now: () => new Date("2026-03-05T23:59:00Z"),
      log: () => {},
    });
    expect(await keysUnder("twice/")).toEqual(["twice/budget_20260305.csv"]);
    expect((await read("twice/budget_20260305.csv")).text).toContain("Operations,FY 2026,120000");
  });

  it("fails the invocation on invalid rows, naming each bad row, and uploads nothing", async () => {
    const run = runExport(
      settings("invalid/", { url: `${source}/bad.json`, tokenParameter: undefined }),
      {
        s3,
        now: NOW,
        log: () => {},
      },
    );
    await expect(run).rejects.toThrow(ExportError);
    const message = await run.then(
      () => "",
      (e: Error) => e.message,
    );
    expect(message.split("\n")[0]).toBe(
      `the budget data from ${source}/bad.json is not a valid budget file (2 errors); nothing was uploaded:`,
    );
    expect(message).toMatch(
      /source row 2, Budget Amount: Budget Amount "\$12,000" must be a plain number/,
    );
    expect(message).toMatch(/source row 3, Fiscal Period: Fiscal Period "sometime"/);
    expect(await keysUnder("invalid/")).toEqual([]);
  });

  it("fails cleanly when the source does not answer in time, and hangs up on it", async () => {
    // The source never answers: without the timeout the run would never end.
    const run = runExport(settings("timeout/", { url: `${source}/slow`, timeoutMs: 300 }), {
      s3,
      ssm: fakeSsm(),
      now: NOW,
      log: () => {},
    });
    await expect(run).rejects.toThrow(
      `the source ${source}/slow did not answer within 0.3 s; nothing was uploaded`,
    );
    // The exporter closed the request it gave up on, rather than leaving it open.
    const abandoned = pending.at(-1)!;
    if (!abandoned.destroyed) await new Promise((resolve) => abandoned.once("close", resolve));
    expect(await keysUnder("timeout/")).toEqual([]);
  });

  it("reports a refused token by status, never by the token", async () => {
    const wrongSsm = {
      send: async () => ({ Parameter: { Value: "not-the-token-31c9" } }),
    } as unknown as SSMClient;
    const message = await runExport(settings("refused/"), {
      s3,
      ssm: wrongSsm,
      now: NOW,
      log: () => {},
    }).catch((e: Error) => e.message);
    expect(message).toBe(
      `the source ${source}/rows.json answered HTTP 401 Unauthorized; nothing was uploaded`,
    );
    expect(message).not.toContain("not-the-token");
    expect(await keysUnder("refused/")).toEqual([]);
  });

  it("refuses a mapping that matches no field rather than uploading empty rows", async () => {
    const csvSource = {
      url: `${source}/budget.csv`,
      type: "csv" as const,
      rowsPath: undefined,
      tokenParameter: undefined,
    };
    const message = await runExport(settings("unmapped/", csvSource, MAPPING), {
      s3,
      now: NOW,
      log: () => {},
    }).catch((e: Error) => e.message);
    expect(message).toContain(
      "no row from " +
        source +
        '/budget.csv has the field "department" (for Department), the field "period" (for Fiscal Period), the field "amount" (for Budget Amount); the rows have "Department", "Fiscal Period", "Budget Amount"',
    );
    expect(await keysUnder("unmapped/")).toEqual([]);
  });

  it("says where the rows should be when the JSON is not an array", async () => {
    const message = await runExport(
      settings("object/", {
        url: `${source}/object.json`,
        rowsPath: undefined,
        tokenParameter: undefined,
      }),
      { s3, now: NOW, log: () => {} },
    ).catch((e: Error) => e.message);
    expect(message).toContain("is an object with the keys data, not an array of rows");
    expect(message).toContain("set the source's rowsPath");
  });
});

describe("the bundled handler (the code Lambda runs)", () => {
  it("is under 1 MB and uploads through the SDK's default chain", async () => {
    const bundle = bundleExporterHandler();
    expect(bundle.bytes).toBeLessThan(MAX_BUNDLE_BYTES);
    const dir = await mkdtemp(path.join(tmpdir(), "exporter-bundle-"));
    const file = path.join(dir, "index.js");
    await writeFile(file, bundle.code);
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL: s3Endpoint,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
      [EXPORTER_ENV.bucket]: BUCKET,
      [EXPORTER_ENV.prefix]: "bundled/",
      [EXPORTER_ENV.sourceType]: "csv",
      [EXPORTER_ENV.sourceUrl]: `${source}/budget.csv`,
      [EXPORTER_ENV.sourceTimeoutMs]: "5000",
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const lambda = createRequire(import.meta.url)(file) as {
        handler: () => Promise<{ statusCode: number; body: string }>;
      };
      const result = await lambda.handler();
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatch(/^Uploaded: bundled\/budget_\d{8}\.csv$/);
      expect(await keysUnder("bundled/")).toEqual([result.body.slice("Uploaded: ".length)]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `budget-sync upload` as people run it: the real bin in a child process, against s3rver (and
 * s3rver behind a proxy that answers as a versioned bucket).
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvOfSize, GOOD_CSV } from "../helpers/budgetCsv.ts";
import { runCli } from "../helpers/cli.ts";
import { s3rverClient, startS3rver, type RunningS3rver } from "../helpers/s3rver.ts";
import { startVersioningStore, type VersioningStore } from "../helpers/versioningStore.ts";

const BUCKET = "budget-uploads";
let s3: RunningS3rver;
let dir: string;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "budget-sync-process-upload-"));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const upload = (args: string[], env: Record<string, string> = {}) =>
  runCli(["upload", ...args], { env: { ...s3.env, ...env } });

async function keys(prefix: string): Promise<string[]> {
  const page = await s3rverClient(s3).send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
  );
  return (page.Contents ?? []).map((o) => o.Key!);
}

/** Seven rows, two of them wrong: what a person's first export often looks like. */
const SMALL_INVALID = [
  "Department,Sub Category,Fiscal Period,Budget Amount,Currency",
  "Engineering,Software,FY 2025,500000,USD",
  'Sales,Travel,FY 2025,"$75,000",USD',
  "Marketing,Events,FY 2025,120000,USD",
  "Finance,Audit,2025,40000,USD",
  "Operations,Facilities,FY 2025,90000,USD",
  "Legal,Counsel,FY 2025,30000,USD",
  "Support,Tools,FY 2025,15000,USD",
].join("\n");

describe("budget-sync upload, run as a process", () => {
  it("uploads a valid file: exit 0, the object's URI, size and version on stdout, nothing on stderr", async () => {
    const path = await file("good.csv", GOOD_CSV);
    const result = await upload([
      path,
      "--bucket",
      BUCKET,
      "--prefix",
      "ok/",
      "--date",
      "20250301",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `uploaded s3://${BUCKET}/ok/budget_20250301.csv (${Buffer.byteLength(GOOD_CSV)} B, text/csv, version none (bucket not versioned))`,
    );
    expect(await keys("ok/")).toEqual(["ok/budget_20250301.csv"]);
  });

  it("--json: one JSON document on stdout, uploaded true", async () => {
    const path = await file("good-json.csv", GOOD_CSV);
    const result = await upload([
      path,
      "--bucket",
      BUCKET,
      "--prefix",
      "json/",
      "--date",
      "20250301",
      "--json",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      uploaded: true,
      key: "json/budget_20250301.csv",
      uri: `s3://${BUCKET}/json/budget_20250301.csv`,
      replaced: false,
      report: { valid: true, rows: 2, errorCount: 0 },
    });
  });

  it("an invalid small file: exit 1 and every error on stdout, nothing uploaded", async () => {
    const path = await file("small-invalid.csv", SMALL_INVALID);
    const result = await upload([path, "--bucket", BUCKET, "--prefix", "bad/"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${path}: INVALID (CSV, 7 rows, 2 errors)`);
    expect(result.stdout).toContain(
      'error: line 3, column "Budget Amount": Budget Amount "$75,000"',
    );
    expect(result.stdout).toContain('error: line 5, column "Fiscal Period": Fiscal Period "2025"');
    expect(result.stdout).toMatch(
      /nothing uploaded to s3:\/\/budget-uploads\/bad\/budget_\d{8}\.csv: the file is not valid\n$/,
    );
    expect(await keys("bad/")).toEqual([]);
  });

  it("an invalid small file with --json: the report as one JSON document, exit 1", async () => {
    const path = await file("small-invalid-json.csv", SMALL_INVALID);
    const result = await upload([path, "--bucket", BUCKET, "--prefix", "bad/", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      uploaded: false,
      report: { valid: false, rows: 7, errorCount: 2 },
    });
    expect(
      json.report.errors.map((e: { line: number; column: string }) => [e.line, e.column]),
    ).toEqual([
      [3, "Budget Amount"],
      [5, "Fiscal Period"],
    ]);
    expect(await keys("bad/")).toEqual([]);
  });

  it("a guide-sized (1 MB) invalid file: the errors, exit 1, nothing uploaded", async () => {
    const content = csvOfSize(1024 * 1024, { 3: "Sales,Travel,Q5 2025,100,USD" });
    const path = await file("guide-sized.csv", content);
    const result = await upload([path, "--bucket", BUCKET, "--prefix", "mb/", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      uploaded: false,
      size: content.length,
      report: { errorCount: 1 },
    });
    expect(json.report.errors[0]).toMatchObject({ line: 3, column: "Fiscal Period" });
    expect(await keys("mb/")).toEqual([]);
  });

  it("a large invalid file, found invalid at its last row during the multipart upload: exit 1, nothing uploaded", async () => {
    const content = csvOfSize(12 * 1024 * 1024);
    const path = await file(
      "large-invalid.csv",
      Buffer.concat([content, Buffer.from("Sales,Travel,FY 2025,-1,USD\n")]),
    );
    const result = await upload([path, "--bucket", BUCKET, "--prefix", "large/"]);
    // s3rver has no AbortMultipartUpload: the parts it holds are named, the object never made.
    expect(result.stderr).toMatch(
      /^budget-sync: the file is invalid and its partial multipart upload could not be aborted \(MethodNotAllowed\): .*; the object itself was not created\n$/,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/INVALID \(CSV, \d+ rows, 1 error\)/);
    expect(result.stdout).toContain("nothing uploaded to");
    expect(await keys("large/")).toEqual([]);
  });

  it("bad usage: exit 2 with the flag named; under --json the failure as JSON on stdout", async () => {
    const path = await file("usage.csv", GOOD_CSV);
    const human = await upload([path]);
    expect(human.code).toBe(2);
    expect(human.stdout).toBe("");
    expect(human.stderr).toMatch(
      /^budget-sync: Missing required argument: bucket\nRun with --help for usage\.\n$/,
    );
    const json = await upload([path, "--bucket", "Not_A_Bucket", "--json"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2, usage: true } });
    expect(JSON.parse(json.stdout).error.message).toMatch(/^--bucket: /);
  });

  it("an unreadable file: exit 2, the reason; nothing uploaded", async () => {
    const result = await upload([join(dir, "missing.csv"), "--bucket", BUCKET, "--json"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`budget-sync: ${join(dir, "missing.csv")}: no such file\n`);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { message: `${join(dir, "missing.csv")}: no such file`, exitCode: 2 },
    });
  });
});

describe("upload says when it replaces the day's file", () => {
  let store: VersioningStore;
  beforeAll(async () => {
    store = await startVersioningStore(s3.endpoint);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("names the previous version a versioned bucket keeps", async () => {
    const path = await file("replace.csv", GOOD_CSV);
    const args = [path, "--bucket", BUCKET, "--prefix", "versioned/", "--date", "20250302"];
    const env = { AWS_ENDPOINT_URL: store.endpoint };
    const first = await upload(args, env);
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain("replaced");
    const [firstVersion] = store.versions.get(`${BUCKET}/versioned/budget_20250302.csv`)!;
    expect(first.stdout).toContain(`version ${firstVersion})`);

    const second = await upload(args, env);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      new RegExp(
        `\\nreplaced the earlier versioned/budget_20250302\\.csv, uploaded \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: the bucket keeps it as the previous version, ${firstVersion}\\n$`,
      ),
    );
    const third = await upload([...args, "--json"], env);
    expect(JSON.parse(third.stdout)).toMatchObject({
      uploaded: true,
      versionId: store.versions.get(`${BUCKET}/versioned/budget_20250302.csv`)![2],
      replaced: {
        versionId: store.versions.get(`${BUCKET}/versioned/budget_20250302.csv`)![1],
        size: Buffer.byteLength(GOOD_CSV),
      },
    });
  });

  it("says the earlier file is gone when the bucket keeps no versions", async () => {
    const path = await file("replace-unversioned.csv", GOOD_CSV);
    const args = [path, "--bucket", BUCKET, "--prefix", "unversioned/", "--date", "20250303"];
    expect((await upload(args)).code).toBe(0);
    const second = await upload(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /\nreplaced the earlier unversioned\/budget_20250303\.csv, uploaded [^:]+:[^:]+:[^:]+: the bucket keeps no versions, so that file is gone\n$/,
    );
  });
});

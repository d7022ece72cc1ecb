/**
 * `budget-sync test-connection --check-permissions` as people run it against an S3-compatible
 * store: s3rver has no IAM or STS, so the check cannot run there, and must say so plainly while
 * the listing's own result is still printed (exit 1).
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { s3rverClient, startS3rver, type RunningS3rver } from "../helpers/s3rver.ts";
import { expectNoSecret, ownStackOutputs } from "../helpers/stackOutputs.ts";

const BUCKET = "acme-budget-exports";
let s3: RunningS3rver;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  const client = s3rverClient(s3);
  for (const key of [
    "budgets/budget_20250101.csv",
    "budgets/notes.txt",
    "budgets/budget_20250205.csv",
  ])
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: "Department,Budget Amount,Fiscal Period\nSales,1,FY 2025\n",
      }),
    );
});
afterAll(async () => {
  await s3?.close();
});

/** With the default chain (s3rver's key in the environment), the outputs for the simulator. */
const withOutputs = (args: string[], env: Record<string, string> = {}) =>
  runCli(["test-connection", "--stack-outputs", "-", "--credentials", "default", ...args], {
    env: { ...s3.env, AWS_PROFILE: "", ...env },
    input: JSON.stringify(ownStackOutputs(BUCKET)),
  });

describe("test-connection --check-permissions against an S3-compatible store", () => {
  it("keeps the listing, and says plainly the check needs AWS IAM and STS (exit 1)", async () => {
    const [human, json] = await Promise.all([
      withOutputs(["--check-permissions"]),
      withOutputs(["--check-permissions", "--json"]),
    ]);
    expect(human.stdout).toContain("3 files; newest: budgets/budget_20250205.csv");
    expect(human.stdout).toContain(
      `Permissions NOT CHECKED: AWS STS (GetCallerIdentity, to know the account) could not be reached at ${s3.endpoint}: what answered there is not AWS`,
    );
    expect(human.stdout).toContain(
      `--check-permissions needs AWS IAM and STS; against an S3-compatible store (S3 here is ${s3.endpoint}), leave it off.`,
    );
    expect(human.code).toBe(1);
    for (const run of [human, json]) {
      expect(run.stdout + run.stderr).not.toMatch(
        /\$response|XML parse|Deserialization|at .*\.js:/,
      );
      expectNoSecret(run.stdout + run.stderr);
    }
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({
      ok: false,
      bucket: BUCKET,
      prefix: "budgets/",
      fileCount: 3,
      newest: { key: "budgets/budget_20250205.csv" },
      readNewest: "ok",
      permissions: { ok: false, ran: false },
    });
    expect(report.failure).toBeUndefined();
    expect(report.permissions.reason).toContain("leave it off");
    expect(json.code).toBe(1);
  });

  it("with AWS_ENDPOINT_URL_S3 only: STS unreachable is named with the store, no raw SDK text", async () => {
    const run = await withOutputs(["--check-permissions"], {
      AWS_ENDPOINT_URL: "",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      // Nothing listens there: deterministic, with or without a network to AWS.
      AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
    });
    expect(run.stdout).toContain("3 files; newest: budgets/budget_20250205.csv");
    expect(run.stdout).toContain(
      `Permissions NOT CHECKED: AWS STS (GetCallerIdentity, to know the account) could not be reached at http://127.0.0.1:9 (ECONNREFUSED): --check-permissions needs AWS IAM and STS; against an S3-compatible store (S3 here is ${s3.endpoint}), leave it off.`,
    );
    expect(run.stderr).not.toContain("getaddrinfo");
    expect(run.code).toBe(1);
  });
});

/**
 * Our commands beside the real AWS CLI v2 (/usr/bin/aws, Debian's awscli), both against the
 * same s3rver: what `budget-sync upload` writes, `aws s3 cp` reads back byte for byte, and what
 * the guide's own `aws s3 cp ... budget_$(date +%Y%m%d).csv` writes, `budget-sync verify` finds
 * and validates. Our side runs as a user would: the bin, configured only through the
 * environment (AWS_ENDPOINT_URL and friends); the AWS CLI 2.9 predates AWS_ENDPOINT_URL, so it
 * gets --endpoint-url.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SDK_NOTICE_OFF } from "../helpers/cli.ts";
import { startS3rver, type RunningS3rver } from "../helpers/s3rver.ts";

const run = promisify(execFile);
const AWS = "/usr/bin/aws";
const BIN = join(import.meta.dirname, "..", "..", "bin", "budget-sync.js");
const BUCKET = "interop-budgets";
let s3: RunningS3rver;
let dir: string;

beforeAll(async () => {
  if (!existsSync(AWS)) {
    throw new Error(
      `${AWS} is missing: apt-get install -y awscli (the AWS CLI v2; .ci/run does it)`,
    );
  }
  s3 = await startS3rver([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "budget-sync-interop-"));
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A clean environment: only what the default chain should read. */
function env(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    ...s3.env,
    ...(SDK_NOTICE_OFF as Record<string, string>),
  };
}

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run(AWS, ["--endpoint-url", s3.endpoint, ...args], { env: env() });
  return stdout;
}

async function budgetSync(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: env() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function budgetCsv(rows: number): Buffer {
  const lines = ["Department,Sub Category,Fiscal Period,Budget Amount,Currency"];
  for (let i = 0; i < rows; i++)
    lines.push(`Dept ${i % 300},"Sub, ${i}",Q${1 + (i % 4)} ${2000 + (i % 40)},${i}.25,EUR`);
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`);
}

describe("budget-sync beside the AWS CLI v2", () => {
  it("is the real AWS CLI v2", async () => {
    const { stdout } = await run(AWS, ["--version"]);
    expect(stdout).toMatch(/^aws-cli\/2\./);
  });

  it.each([
    ["a small file", 10],
    ["a multipart file", 400_000],
  ])("what we upload (%s), aws s3 cp downloads byte-identical", async (_what, rows) => {
    const content = budgetCsv(rows);
    const path = join(dir, `export-${rows}.csv`);
    await writeFile(path, content);
    const prefix = `up-${rows}/`;
    const result = await budgetSync(
      "upload",
      path,
      "--bucket",
      BUCKET,
      "--prefix",
      prefix,
      "--date",
      "20250205",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`uploaded s3://${BUCKET}/${prefix}budget_20250205.csv`);

    const listing = await aws("s3", "ls", `s3://${BUCKET}/${prefix}`);
    expect(listing).toMatch(new RegExp(`\\s${content.length} budget_20250205\\.csv\\n`));
    const downloaded = join(dir, `downloaded-${rows}.csv`);
    await aws(
      "s3",
      "cp",
      `s3://${BUCKET}/${prefix}budget_20250205.csv`,
      downloaded,
      "--only-show-errors",
    );
    expect((await readFile(downloaded)).equals(content)).toBe(true);
    const head = JSON.parse(
      await aws(
        "s3api",
        "head-object",
        "--bucket",
        BUCKET,
        "--key",
        `${prefix}budget_20250205.csv`,
      ),
    );
    expect(head.ContentType).toMatch(/^text\/csv/);
  });

  it("what the guide's aws s3 cp uploads, verify finds and validates", async () => {
    const path = join(dir, "budget_export.csv");
    await writeFile(
      path,
      "Department,Sub Category,Fiscal Period,Budget Amount,Currency\nEngineering,Software,FY 2025,500000,USD\nSales,Travel,FY 2025,75000,USD\n",
    );
    // The guide's Step 3, word for word but for the endpoint: budget_$(date +%Y%m%d).csv
    const { stdout: today } = await run("date", ["+%Y%m%d"]);
    const key = `guide/budget_${today.trim()}.csv`;
    await aws("s3", "cp", path, `s3://${BUCKET}/${key}`, "--only-show-errors");
    await aws("s3", "cp", path, `s3://${BUCKET}/guide/budget.csv`, "--only-show-errors");

    const result = await budgetSync("verify", "--bucket", BUCKET, "--prefix", "guide/", "--json");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      healthy: true,
      budgetFiles: 1,
      newest: { key },
      file: { valid: true, rows: 2, format: "csv" },
      ignored: [{ key: "guide/budget.csv" }],
    });
  });

  it("what the guide's aws s3 cp uploads invalid, verify reports as a finding", async () => {
    const path = join(dir, "bad_export.csv");
    await writeFile(path, "Department;Budget Amount;Fiscal Period\nSales;1200;FY 2025\n");
    await aws("s3", "cp", path, `s3://${BUCKET}/bad/budget_20250205.csv`, "--only-show-errors");
    const result = await budgetSync("verify", "--bucket", BUCKET, "--prefix", "bad/");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FINDING: the newest budget file, bad\/budget_20250205\.csv, cannot be read: the file is separated by semicolons/,
    );
  });
});

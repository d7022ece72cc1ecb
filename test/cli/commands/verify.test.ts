import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../../cli/errors.ts";
import { S3CommandError } from "../../../cli/aws/s3Errors.ts";
import {
  ignoredReason,
  runVerify,
  verifyCommand,
  type VerifyDeps,
} from "../../../cli/commands/verify.ts";
import { bufferIo } from "../../helpers/io.ts";
import { s3Refusal, s3rverClient, startS3rver, type RunningS3rver } from "../../helpers/s3rver.ts";

const BUCKET = "budget-exports";
const GOOD =
  "Department,Sub Category,Fiscal Period,Budget Amount,Currency\nEngineering,Software,FY 2025,500000,USD\n";
const BAD = "Department,Budget Amount,Fiscal Period\nSales,1.2.3,FY 2025\n";
let s3: RunningS3rver;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  client = s3rverClient(s3);
});
afterAll(async () => {
  await s3?.close();
});

async function put(key: string, body: string | Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function verify(
  options: Record<string, unknown>,
  deps: Partial<VerifyDeps> = {},
): Promise<{ code: number; out: string }> {
  const io = bufferIo();
  const code = await runVerify(verifyCommand.parse({ bucket: BUCKET, ...options }), io, {
    client,
    ...deps,
  });
  return { code, out: io.all };
}

describe("budget-sync verify", () => {
  it("is healthy when the newest budget file is fresh and valid", async () => {
    await put("p1/budget_20250204.csv", BAD);
    await put("p1/budget_20250205.csv", GOOD);
    const { code, out } = await verify({ prefix: "p1/" });
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain("s3://budget-exports/p1/: 2 objects, 2 budget files");
    expect(out).toMatch(/newest: p1\/budget_20250205\.csv \(\d+ bytes, uploaded .*, 0\.\d h ago\)/);
    expect(out).toContain("p1/budget_20250205.csv: valid (CSV, 1 row)");
    expect(out).toMatch(/healthy\n$/);
  });

  it("finds a stale file", async () => {
    await put("p2/budget_20250205.csv", GOOD);
    const later = () => new Date(Date.now() + 72 * 3_600_000);
    const { code, out } = await verify({ prefix: "p2/" }, { now: later });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toMatch(
      /FINDING: the newest budget file, p2\/budget_20250205\.csv, is 7[12] h old \(more than 48 h\)/,
    );
    const relaxed = await verify({ prefix: "p2/", maxAgeHours: 100 }, { now: later });
    expect(relaxed.code).toBe(ExitCode.Ok);
  });

  it("finds an invalid newest file and prints its errors", async () => {
    await put("p3/budget_20250205.csv", GOOD);
    await put("p3/budget_20250206.csv", BAD);
    const { code, out } = await verify({ prefix: "p3/" });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toContain(
      'error: line 2, column "Budget Amount": Budget Amount "1.2.3" is not a number',
    );
    expect(out).toContain(
      "FINDING: the newest budget file, p3/budget_20250206.csv, is invalid (1 error)",
    );
  });

  it("finds no budget files, with the guide's fixes", async () => {
    await put("p4/budget.csv", GOOD);
    const { code, out } = await verify({ prefix: "p4/" });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toContain(
      'FINDING: no budget files found under s3://budget-exports/p4/ (the guide\'s "No files found")',
    );
    expect(out).toContain("2. check that their extension is .csv or .xlsx");
    expect(out).toContain(
      "warning: p4/budget.csv is ignored by the sync: its name is not budget_YYYYMMDD.csv or budget_YYYYMMDD.xlsx",
    );
  });

  it("warns about files the sync ignores without failing", async () => {
    await put("p5/budget_20250205.csv", GOOD);
    await put("p5/notes.txt", "hello");
    await put("p5/archive/budget_20240101.csv", GOOD);
    await put("p5/budget_20251399.csv", GOOD);
    const { code, out } = await verify({ prefix: "p5/", json: true });
    expect(code).toBe(ExitCode.Ok);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ healthy: true, objects: 4, budgetFiles: 1, findings: [] });
    expect(json.ignored).toEqual([
      {
        key: "p5/archive/budget_20240101.csv",
        reason: "it is in a sub-folder: only files directly under the prefix are budget files",
      },
      { key: "p5/budget_20251399.csv", reason: "budget_20251399 is not a calendar date" },
      { key: "p5/notes.txt", reason: "it is not a .csv or .xlsx file" },
    ]);
    expect(json.file).toMatchObject({ file: "p5/budget_20250205.csv", valid: true, rows: 1 });
  });

  it("validates an XLSX budget file", async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet("Budget").addRows([
      ["Department", "Fiscal Period", "Budget Amount"],
      ["Ops", "FY 2025", "=1"],
    ]);
    await put("p6/budget_20250205.xlsx", Buffer.from(await book.xlsx.writeBuffer()));
    const { code, out } = await verify({ prefix: "p6/" });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toContain(
      'error: sheet "Budget", row 2, column "Budget Amount": Budget Amount "=1" starts with "="',
    );
  });

  it("with --sheet, finds a workbook whose first sheet, the one SpendFlo reads, is another", async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet("Cover").addRow(["Budget 2025"]);
    book.addWorksheet("Budget").addRows([
      ["Department", "Fiscal Period", "Budget Amount"],
      ["Ops", "FY 2025", 1],
    ]);
    await put("p7/budget_20250205.xlsx", Buffer.from(await book.xlsx.writeBuffer()));
    const { code, out } = await verify({ prefix: "p7/", sheet: "Budget", maxAgeHours: 1e9 });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toContain(
      'the newest budget file, p7/budget_20250205.xlsx, cannot be read: the sheet "Budget" is not the workbook\'s first sheet: SpendFlo reads only the first sheet ("Cover"), so move "Budget" first',
    );
  });

  it("reads every page of a listing past 1000 keys", async () => {
    // s3rver cannot page ListObjectsV2 on this Node (its continuation token uses DES, which
    // OpenSSL 3 no longer offers), so the pages here are S3's as documented.
    await put("p7/budget_20250205.csv", GOOD);
    const old = Array.from({ length: 1500 }, (_, i) => ({
      Key: `p7/old/${String(i).padStart(4, "0")}.txt`,
      Size: 1,
      LastModified: new Date(Date.now() - 1000),
    }));
    const page = (token: unknown) =>
      token === undefined
        ? { Contents: old.slice(0, 1000), IsTruncated: true, NextContinuationToken: "page-2" }
        : {
            Contents: [
              ...old.slice(1000),
              { Key: "p7/budget_20250205.csv", Size: GOOD.length, LastModified: new Date() },
            ],
            IsTruncated: false,
          };
    const sent: string[] = [];
    const paged = s3rverClient(s3, {
      sent,
      fake: { ListObjectsV2Command: (input) => page(input.ContinuationToken) },
    });
    const { code, out } = await verify({ prefix: "p7/", json: true }, { client: paged });
    const json = JSON.parse(out);
    expect(sent.filter((c) => c === "ListObjectsV2Command")).toHaveLength(2);
    expect(json).toMatchObject({
      objects: 1501,
      budgetFiles: 1,
      newest: { key: "p7/budget_20250205.csv" },
    });
    expect(json.ignored).toHaveLength(1500);
    expect(code).toBe(ExitCode.Ok);
  });

  it("with --expect-read-only, fails when a test write goes through, and removes the test object", async () => {
    await put("p8/budget_20250205.csv", GOOD);
    const { code, out } = await verify({ prefix: "p8/", expectReadOnly: true });
    expect(code).toBe(ExitCode.Finding);
    expect(out).toMatch(
      /FINDING: these credentials can write to s3:\/\/budget-exports\/p8\/: a test write succeeded.*the test object was removed/,
    );
    const left = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "p8/" }));
    expect(left.Contents?.map((o) => o.Key)).toEqual(["p8/budget_20250205.csv"]);
  });

  it("with --expect-read-only, prints the test object's key when it cannot be removed", async () => {
    await put("p9/budget_20250205.csv", GOOD);
    const refusing = s3rverClient(s3, {
      fake: {
        DeleteObjectCommand: () => {
          throw s3Refusal("AccessDenied");
        },
      },
    });
    const { code, out } = await verify(
      { prefix: "p9/", expectReadOnly: true },
      { client: refusing },
    );
    expect(code).toBe(ExitCode.Finding);
    expect(out).toMatch(
      /remove the test object p9\/budget-sync-write-probe-\S+\.txt with the bucket owner's credentials/,
    );
  });

  it("with --expect-read-only, is healthy when the write is denied", async () => {
    await put("p10/budget_20250205.csv", GOOD);
    const readOnly = s3rverClient(s3, {
      fake: {
        PutObjectCommand: () => {
          throw s3Refusal("AccessDenied");
        },
      },
    });
    const { code, out } = await verify(
      { prefix: "p10/", expectReadOnly: true },
      { client: readOnly },
    );
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain(
      "read-only: a test write was refused (AccessDenied): these credentials cannot write",
    );
  });

  it("explains S3's refusals in the guide's words", async () => {
    const missing = await verify({ bucket: "no-such-bucket" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(S3CommandError);
    expect((missing as Error).message).toMatch(
      /listing s3:\/\/no-such-bucket\/budgets\/: bucket "no-such-bucket" does not exist/,
    );
    const denied = await verify(
      { prefix: "p1/" },
      {
        client: s3rverClient(s3, {
          fake: {
            ListObjectsV2Command: () => {
              throw s3Refusal("AccessDenied");
            },
          },
        }),
      },
    ).catch((e: unknown) => e);
    expect((denied as Error).message).toMatch(
      /Access Denied\. Check, as the guide's troubleshooting says:\n {2}1\. the IAM policy/,
    );
    await expect(verify({ prefix: "/budgets/" })).rejects.toThrow(UsageError);
  });
});

describe("which objects the sync reads", () => {
  it.each([
    ["budget_20250205.csv", null],
    ["budget_20250205.xlsx", null],
    ["budget_20250205.CSV", "it is not a .csv or .xlsx file"],
    ["budget_2025025.csv", "its name is not budget_YYYYMMDD.csv or budget_YYYYMMDD.xlsx"],
    ["budget-export.csv", "its name is not budget_YYYYMMDD.csv or budget_YYYYMMDD.xlsx"],
    [
      "old/budget_20250205.csv",
      "it is in a sub-folder: only files directly under the prefix are budget files",
    ],
  ])("%s: %s", (name, reason) => {
    expect(ignoredReason(name)).toBe(reason);
  });
});

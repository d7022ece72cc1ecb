import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError, ExitCode, UsageError } from "../../../cli/errors.ts";
import { S3CommandError } from "../../../cli/aws/s3Errors.ts";
import { runUpload, uploadCommand, type UploadDeps } from "../../../cli/commands/upload.ts";
import { bufferIo } from "../../helpers/io.ts";
import { createS3Client } from "../../../cli/aws/s3Client.ts";
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  s3Refusal,
  s3rverClient,
  startS3rver,
  type RunningS3rver,
} from "../../helpers/s3rver.ts";

const BUCKET = "budget-uploads";
const GOOD =
  "Department,Sub Category,Fiscal Period,Budget Amount,Currency\nEngineering,Software,FY 2025,500000,USD\n";
let s3: RunningS3rver;
let dir: string;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "budget-sync-upload-"));
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

async function upload(
  options: Record<string, unknown>,
  deps: Partial<UploadDeps> = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runUpload(uploadCommand.parse(options), io, {
    client: s3rverClient(s3),
    progress: false,
    ...deps,
  });
  return { code, out: io.out, err: io.err };
}

async function keys(client: S3Client, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

/** A CSV of about `megabytes` MB, valid unless `lastRow` breaks it at the very end. */
function bigCsv(megabytes: number, lastRow = ""): Buffer {
  const lines = ["Department,Sub Category,Fiscal Period,Budget Amount,Currency"];
  let size = 0;
  for (let i = 0; size < megabytes * 1024 * 1024; i++) {
    const line = `Department ${i % 500},Sub ${i},FY ${2000 + (i % 50)},${i}.50,USD`;
    lines.push(line);
    size += line.length + 1;
  }
  if (lastRow) lines.push(lastRow);
  return Buffer.from(`${lines.join("\n")}\n`);
}

describe("budget-sync upload", () => {
  it("uploads a valid file as <prefix>budget_<date>.csv, byte for byte, as text/csv", async () => {
    const path = await file("export.csv", GOOD);
    const { code, out } = await upload({
      file: path,
      bucket: BUCKET,
      prefix: "c1/",
      date: "20250205",
    });
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain("uploaded s3://budget-uploads/c1/budget_20250205.csv (");
    expect(out).toContain("version none (bucket not versioned)");
    expect(out).toContain(
      "integrity: the Content-MD5 of every part, checked by the store on receipt",
    );
    const object = await s3rverClient(s3).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "c1/budget_20250205.csv" }),
    );
    expect(object.ContentType).toMatch(/^text\/csv/);
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.from(GOOD))).toBe(
      true,
    );
  });

  it("names the key from today's date in UTC when --date is not given", async () => {
    const path = await file("today.csv", GOOD);
    const now = () => new Date("2026-03-01T23:30:00-05:00"); // already March 2nd in UTC
    const { code } = await upload({ file: path, bucket: BUCKET, prefix: "c2/" }, { now });
    expect(code).toBe(0);
    expect(await keys(s3rverClient(s3), "c2/")).toEqual(["c2/budget_20260302.csv"]);
  });

  it.each([
    ["in this thread", undefined],
    ["on a worker thread", 0],
  ])(
    "uploads an XLSX workbook as .xlsx with the spreadsheet content type (checked %s)",
    async (_, workerMinBytes) => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet("Budget");
      sheet.addRow(["Department", "Fiscal Period", "Budget Amount"]);
      sheet.addRow(["Sales", "Q1 2025", 1200]);
      const path = await file("export.xlsx", Buffer.from(await book.xlsx.writeBuffer()));
      const { code, out } = await upload(
        { file: path, bucket: BUCKET, prefix: "c3/", date: "20250101", json: true },
        { workerMinBytes },
      );
      expect(code).toBe(0);
      const json = JSON.parse(out);
      expect(json).toMatchObject({
        uploaded: true,
        key: "c3/budget_20250101.xlsx",
        uri: "s3://budget-uploads/c3/budget_20250101.xlsx",
        contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        report: { valid: true, format: "xlsx", sheet: "Budget", rows: 1 },
      });
      const object = await s3rverClient(s3).send(
        new GetObjectCommand({ Bucket: BUCKET, Key: json.key }),
      );
      expect(
        Buffer.from(await object.Body!.transformToByteArray()).equals(await readFile(path)),
      ).toBe(true);
    },
  );

  it("uploads a CSV whose name says otherwise under the right key, and warns about the name", async () => {
    const path = await file("export.txt", GOOD);
    const { code, out } = await upload({
      file: path,
      bucket: BUCKET,
      prefix: "c11/",
      date: "20250205",
      json: true,
    });
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ uploaded: true, key: "c11/budget_20250205.csv" });
    expect(json.report.warnings[0].message).toMatch(
      /^the file is a \.txt file: .*checked as CSV: name it budget_YYYYMMDD\.csv$/,
    );
  });

  it("uploads nothing when the file is invalid, and exits 1 with the errors", async () => {
    const path = await file(
      "bad.csv",
      "Department,Budget Amount,Fiscal Period\nSales,$1200,FY 2025\n",
    );
    const sent: string[] = [];
    const { code, out } = await upload(
      { file: path, bucket: BUCKET, prefix: "c4/", date: "20250205" },
      { client: s3rverClient(s3, { sent }) },
    );
    expect(code).toBe(ExitCode.Finding);
    expect(out).toMatch(/bad\.csv: INVALID \(CSV, 1 row, 1 error\)/);
    expect(out).toContain("nothing uploaded to s3://budget-uploads/c4/budget_20250205.csv");
    // No write was sent (a look at what the key holds may have been, beside the validation).
    expect(sent.filter((name) => name !== "HeadObjectCommand")).toEqual([]);
    expect(await keys(s3rverClient(s3), "c4/")).toEqual([]);
  });

  it("aborts a multipart upload already under way when the last row turns out invalid", async () => {
    const path = await file("big-bad.csv", bigCsv(6, "Ops,,FY 2025,-1,USD"));
    const sent: string[] = [];
    const client = s3rverClient(s3, {
      sent,
      // s3rver does not implement AbortMultipartUpload; S3 does.
      fake: { AbortMultipartUploadCommand: () => ({}) },
    });
    const { code, out } = await upload(
      { file: path, bucket: BUCKET, prefix: "c5/", date: "20250205" },
      // Checked on a worker thread, as a file of 8 MiB or more is.
      { client, partSize: 5 * 1024 * 1024, workerMinBytes: 0 },
    );
    expect(code).toBe(ExitCode.Finding);
    expect(out).toMatch(/INVALID.*1 error/);
    expect(sent).toContain("CreateMultipartUploadCommand");
    expect(sent).toContain("AbortMultipartUploadCommand");
    expect(sent).not.toContain("CompleteMultipartUploadCommand");
    expect(await keys(s3rverClient(s3), "c5/")).toEqual([]);
  });

  it("says what to do when the partial upload cannot be aborted", async () => {
    const path = await file("big-bad2.csv", bigCsv(6, "Ops,,FY 2025,-1,USD"));
    const client = s3rverClient(s3, {
      fake: {
        AbortMultipartUploadCommand: () => {
          throw s3Refusal("AccessDenied");
        },
      },
    });
    const { code, err } = await upload(
      { file: path, bucket: BUCKET, prefix: "c6/", date: "20250205" },
      { client, partSize: 5 * 1024 * 1024 },
    );
    expect(code).toBe(ExitCode.Finding);
    expect(err).toMatch(/could not be aborted \(AccessDenied\): grant s3:AbortMultipartUpload/);
    expect(await keys(s3rverClient(s3), "c6/")).toEqual([]);
  });

  it("gives other advice when the store refuses the abort for another reason", async () => {
    const path = await file("big-bad3.csv", bigCsv(6, "Ops,,FY 2025,-1,USD"));
    const client = s3rverClient(s3, {
      fake: {
        AbortMultipartUploadCommand: () => {
          throw s3Refusal("NotImplemented", 501);
        },
      },
    });
    const { code, err } = await upload(
      { file: path, bucket: BUCKET, prefix: "c6b/", date: "20250205" },
      { client, partSize: 5 * 1024 * 1024 },
    );
    expect(code).toBe(ExitCode.Finding);
    expect(err).toMatch(/could not be aborted \(NotImplemented\): the store refused it/);
    expect(err).toMatch(/lifecycle rule for incomplete multipart uploads removes it/);
    expect(err).not.toMatch(/grant/);
    // Under --json, the failure is in the result too.
    const json = await upload(
      { file: path, bucket: BUCKET, prefix: "c6b/", date: "20250205", json: true },
      { client, partSize: 5 * 1024 * 1024 },
    );
    expect(JSON.parse(json.out)).toMatchObject({
      uploaded: false,
      abortFailure: {
        code: "NotImplemented",
        message: expect.stringMatching(/the store refused it/),
      },
    });
  });

  it("uploads a large valid file in parts, byte for byte", async () => {
    const content = bigCsv(6);
    const path = await file("big.csv", content);
    const sent: string[] = [];
    const { code } = await upload(
      { file: path, bucket: BUCKET, prefix: "c7/", date: "20250205" },
      { client: s3rverClient(s3, { sent }), partSize: 5 * 1024 * 1024, workerMinBytes: 0 },
    );
    expect(code).toBe(0);
    expect(sent.filter((c) => c === "UploadPartCommand")).toHaveLength(2);
    const object = await s3rverClient(s3).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "c7/budget_20250205.csv" }),
    );
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(content)).toBe(true);
  });

  it("completes nothing when the file changes while it is being uploaded", async () => {
    const path = await file("growing.csv", bigCsv(6));
    const sent: string[] = [];
    let appended = false;
    const client = s3rverClient(s3, {
      sent,
      fake: {
        // The exporter is still writing the file while the parts go out.
        UploadPartCommand: () => {
          if (!appended) appendFileSync(path, "Ops,,FY 2025,1,USD\n");
          appended = true;
          return { ETag: '"0"' };
        },
        AbortMultipartUploadCommand: () => ({}),
      },
    });
    const error = await upload(
      { file: path, bucket: BUCKET, prefix: "c10/", date: "20250205" },
      { client, partSize: 5 * 1024 * 1024 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    expect((error as Error).message).toMatch(
      /growing\.csv changed while it was being uploaded.*nothing was uploaded; run upload again/,
    );
    expect(sent).toContain("AbortMultipartUploadCommand");
    expect(sent).not.toContain("CompleteMultipartUploadCommand");
    expect(await keys(s3rverClient(s3), "c10/")).toEqual([]);
  });

  it("refuses --sheet for a sheet other than the first, which SpendFlo reads, and uploads nothing", async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet("Cover").addRow(["Budget 2025"]);
    book.addWorksheet("Budget").addRows([
      ["Department", "Fiscal Period", "Budget Amount"],
      ["Sales", "Q1 2025", 1200],
    ]);
    const path = await file("cover-first.xlsx", Buffer.from(await book.xlsx.writeBuffer()));
    for (const dryRun of [false, true]) {
      const error = await upload({
        file: path,
        bucket: BUCKET,
        prefix: "c10/",
        sheet: "Budget",
        dryRun,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(ExitCode.Usage);
      expect((error as CliError).message).toBe(
        `${path}: --sheet: the sheet "Budget" is not the workbook's first sheet: SpendFlo reads only the first sheet ("Cover"), so move "Budget" first (drag its tab to the left) and save; nothing was uploaded`,
      );
    }
    expect(await keys(s3rverClient(s3), "c10/")).toEqual([]);
    // Naming the first sheet is fine.
    const { code } = await upload({ file: path, bucket: BUCKET, prefix: "c10/", sheet: "Cover" });
    expect(code).toBe(ExitCode.Finding);
  });

  it("with --dry-run validates and touches no AWS API", async () => {
    const path = await file("dry.csv", GOOD);
    const sent: string[] = [];
    const { code, out } = await upload(
      { file: path, bucket: BUCKET, prefix: "c8/", date: "20250205", dryRun: true },
      { client: s3rverClient(s3, { sent }) },
    );
    expect(code).toBe(0);
    expect(out).toContain("dry run: would upload");
    expect(out).toContain("to s3://budget-uploads/c8/budget_20250205.csv");
    expect(sent).toEqual([]);
    // As JSON, a dry run says so: "uploaded": false is no failure then.
    const json = await upload(
      { file: path, bucket: BUCKET, prefix: "c8/", date: "20250205", dryRun: true, json: true },
      { client: s3rverClient(s3, { sent }) },
    );
    expect(JSON.parse(json.out)).toMatchObject({ uploaded: false, dryRun: true });
    expect(sent).toEqual([]);
  });

  it("refuses bad usage before anything else", async () => {
    const path = await file("u.csv", GOOD);
    await expect(upload({ file: path, bucket: "Bad_Bucket" })).rejects.toThrow(UsageError);
    await expect(upload({ file: path, bucket: BUCKET, prefix: "budgets" })).rejects.toThrow(
      /--prefix: must end with "\/" \(try "budgets\/"\)/,
    );
    await expect(upload({ file: path, bucket: BUCKET, date: "20250231" })).rejects.toThrow(
      /not a calendar date/,
    );
    // A date far off would stay "the newest" for anything that orders files by name.
    const now = () => new Date("2025-02-05T23:00:00Z");
    // Tomorrow (UTC) is the latest: the day after is refused, late in the day too.
    await expect(upload({ file: path, bucket: BUCKET, date: "20250207" }, { now })).rejects.toThrow(
      "--date: 20250207 is in the future",
    );
    const { code } = await upload(
      { file: path, bucket: BUCKET, date: "20250206", dryRun: true },
      { now },
    );
    expect(code).toBe(0);
    await expect(upload({ file: path, bucket: BUCKET, date: "99991231" }, { now })).rejects.toThrow(
      "--date: 99991231 is in the future: a file named for it would stay the newest until then; give today's date or an earlier one",
    );
    await expect(upload({ file: path, bucket: BUCKET, date: "00000101" }, { now })).rejects.toThrow(
      "--date: 00000101 is before 2000: give the date the budget is for",
    );
    await expect(upload({ file: join(dir, "none.csv"), bucket: BUCKET })).rejects.toThrow(
      new CliError(`${join(dir, "none.csv")}: no such file`),
    );
  });

  it("explains a bucket that does not exist", async () => {
    const path = await file("nb.csv", GOOD);
    const error = await upload({ file: path, bucket: "no-such-bucket" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3CommandError);
    expect((error as S3CommandError).message).toMatch(/bucket "no-such-bucket" does not exist/);
    expect((error as S3CommandError).exitCode).toBe(ExitCode.Finding);
  });

  it("explains a key S3 does not know at once, without retrying", async () => {
    const path = await file("key.csv", GOOD);
    const sent: string[] = [];
    const client = s3rverClient(s3, {
      sent,
      credentials: { accessKeyId: "AKIANOTYETVALID", secretAccessKey: "x" },
    });
    const result = await upload({ file: path, bucket: BUCKET, prefix: "c9/" }, { client }).catch(
      (e: unknown) => e,
    );
    expect(result).toBeInstanceOf(S3CommandError);
    expect((result as Error).message).toMatch(
      /InvalidAccessKeyId: AWS does not know this Access Key ID\. As the guide's troubleshooting says, verify the Access Key ID and Secret are correct/,
    );
    expect(sent.filter((name) => name === "PutObjectCommand")).toHaveLength(1);
  });
});

/** The headers of every request as sent (signed), by command. */
function sentHeaders(client: S3Client): { command: string; headers: Record<string, string> }[] {
  const seen: { command: string; headers: Record<string, string> }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      seen.push({ command: String(context.commandName), headers: { ...request.headers } });
      return next(args);
    },
    { step: "deserialize", name: "testSentHeaders" },
  );
  return seen;
}

/** The signed header names of a request. */
const signed = (headers: Record<string, string>) =>
  /SignedHeaders=([^,]+)/.exec(headers.authorization ?? "")?.[1]?.split(";") ?? [];

describe("integrity: exactly one checksum per part that S3 verifies", () => {
  const content = bigCsv(12);
  const parts = [0, 1, 2].map((i) =>
    content.subarray(i * 5 * 1024 * 1024, (i + 1) * 5 * 1024 * 1024),
  );

  it("sends a signed Content-MD5 with every part where the client sends no flexible checksums, the payload unsigned", async () => {
    const path = await file("md5.csv", content);
    const client = s3rverClient(s3);
    const seen = sentHeaders(client);
    const { code, out } = await upload(
      { file: path, bucket: BUCKET, prefix: "md5/" },
      { client, partSize: 5 * 1024 * 1024 },
    );
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain(
      "integrity: the Content-MD5 of every part, checked by the store on receipt",
    );
    const uploads = seen.filter((r) => r.command === "UploadPartCommand");
    expect(uploads).toHaveLength(3);
    const md5s = uploads.map((r) => r.headers["content-md5"]).sort();
    expect(md5s).toEqual(parts.map((p) => createHash("md5").update(p).digest("base64")).sort());
    for (const { headers } of uploads) {
      expect(Object.keys(headers).filter((h) => /^x-amz-checksum-/i.test(h))).toEqual([]);
      expect(headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(signed(headers)).toContain("content-md5");
    }
  });

  it("sends a signed CRC32 with every part, and lists them on completion, where the client sends flexible checksums (AWS)", async () => {
    const path = await file("crc.csv", content);
    const client = createS3Client(
      {
        endpoint: s3.endpoint,
        region: "us-east-1",
        credentials: {
          accessKeyId: S3RVER_ACCESS_KEY_ID,
          secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
        },
        requestChecksumCalculation: "WHEN_SUPPORTED",
        responseChecksumValidation: "WHEN_REQUIRED",
      },
      s3.env,
    );
    const seen = sentHeaders(client);
    const { code, out } = await upload(
      { file: path, bucket: BUCKET, prefix: "crc/" },
      { client, partSize: 5 * 1024 * 1024 },
    );
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain("integrity: the CRC32 checksum of every part, checked by S3 on receipt");
    const crc = (bytes: Buffer) => {
      const value = Buffer.alloc(4);
      value.writeUInt32BE(crc32(bytes));
      return value.toString("base64");
    };
    const uploads = seen.filter((r) => r.command === "UploadPartCommand");
    expect(uploads.map((r) => r.headers["x-amz-checksum-crc32"]).sort()).toEqual(
      parts.map(crc).sort(),
    );
    for (const { headers } of uploads) {
      expect(headers["content-md5"]).toBeUndefined();
      expect(Object.keys(headers).filter((h) => /^x-amz-checksum-/i.test(h))).toEqual([
        "x-amz-checksum-crc32",
      ]);
      expect(headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(signed(headers)).toContain("x-amz-checksum-crc32");
    }
    const created = seen.find((r) => r.command === "CreateMultipartUploadCommand")!;
    expect(created.headers["x-amz-checksum-algorithm"]).toBe("CRC32");
  });

  it("gives a one-request upload (a small file) its one checksum too", async () => {
    const path = await file("small-md5.csv", GOOD);
    const client = s3rverClient(s3);
    const seen = sentHeaders(client);
    expect(
      (await upload({ file: path, bucket: BUCKET, prefix: "small-md5/" }, { client })).code,
    ).toBe(ExitCode.Ok);
    const [put] = seen.filter((r) => r.command === "PutObjectCommand");
    expect(put!.headers["content-md5"]).toBe(createHash("md5").update(GOOD).digest("base64"));
    expect(put!.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
  });
});

describe("secrets", () => {
  it("never show in output or errors, even when S3 refuses the key", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    const path = await file("secret.csv", GOOD);
    const io = bufferIo();
    const client = s3rverClient(s3, {
      credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: secret },
    });
    const error = await runUpload(
      uploadCommand.parse({ file: path, bucket: BUCKET, prefix: "s/" }),
      io,
      { client, progress: false },
    ).catch((e: unknown) => e);
    const out = io.all;
    expect(error).toBeInstanceOf(S3CommandError);
    const shown = `${out}\n${(error as Error).message}`;
    expect(shown).toContain("AWS does not know this Access Key ID");
    for (let i = 0; i + 8 <= secret.length; i++)
      expect(shown).not.toContain(secret.slice(i, i + 8));
  });
});

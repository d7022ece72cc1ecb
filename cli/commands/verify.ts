import type { S3Client, _Object } from "@aws-sdk/client-s3";
import { z } from "zod";
import {
  validateBudgetStream,
  type BudgetFileFormat,
  type BudgetFileReport,
} from "../../lib/budget-file/budgetFile.ts";
import {
  newestBudgetFile,
  ordersDisagreeNote,
  type ListedFile,
} from "../../lib/budget-file/order.ts";
import { ExitCode, type ExitCodeValue } from "../errors.ts";
import { HUMAN_ISSUE_LIMIT, reportJson, reportText } from "../files/budgetReport.ts";
import { processIo, type CommandIo } from "../io.ts";
import {
  budgetLocationFlags,
  defineCommand,
  flag,
  flagsSchema,
  jsonFlag,
  refuseBadLocation,
  sheetFlag,
} from "../options.ts";
import {
  describeS3Error,
  S3CommandError,
  s3ErrorCode,
  type S3ErrorContext,
} from "../aws/s3Errors.ts";

const flags = {
  ...budgetLocationFlags,
  maxAgeHours: flag(z.number().positive("must be more than 0").default(48), {
    type: "number",
    default: 48,
    describe: "The newest budget file must be younger than this",
  }),
  expectReadOnly: flag(z.boolean().default(false), {
    type: "boolean",
    default: false,
    describe:
      "Also prove these credentials cannot write: a test PutObject must be refused (if it succeeds, that is a finding and the test object is removed where allowed)",
  }),
  sheet: sheetFlag(
    "XLSX: the worksheet expected; a finding unless it is the first sheet, the one SpendFlo reads (default: the first)",
  ),
  json: jsonFlag(),
};
const optionsSchema = flagsSchema(flags);

export type VerifyOptions = z.output<typeof optionsSchema>;

export interface VerifyDeps {
  /** Default: the SDK's default chain (cli/aws/s3Client.ts). */
  client: S3Client;
  now: () => Date;
  /** Keys per ListObjectsV2 page; default S3's 1000. */
  pageSize: number;
}

/** The guide's file name: `budget_YYYYMMDD.csv` or `.xlsx`, directly under the prefix. */
const BUDGET_NAME = /^budget_(\d{4})(\d{2})(\d{2})\.(csv|xlsx)$/;

/** Why the sync would skip an object under the prefix, or null when it is a budget file. */
export function ignoredReason(relativeKey: string): string | null {
  if (relativeKey.includes("/")) {
    return "it is in a sub-folder: only files directly under the prefix are budget files";
  }
  const match = BUDGET_NAME.exec(relativeKey);
  if (match) {
    const [, y, m, d] = match;
    const date = new Date(`${y}-${m}-${d}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${y}-${m}-${d}`) {
      return `budget_${y}${m}${d} is not a calendar date`;
    }
    return null;
  }
  if (!/\.(csv|xlsx)$/.test(relativeKey)) {
    return "it is not a .csv or .xlsx file";
  }
  return "its name is not budget_YYYYMMDD.csv or budget_YYYYMMDD.xlsx";
}

const NO_FILES_FIX = [
  "check that files are uploaded under the right prefix",
  "check that their extension is .csv or .xlsx",
  "check that their names follow budget_YYYYMMDD.csv",
];

interface ReadOnlyProbe {
  writable: boolean;
  probeKey: string;
  /** The error code that refused the write (when it was refused). */
  refusedWith?: string;
  /** When the write went through: whether the probe (and its version) could be removed. */
  removed?: boolean;
  versionId?: string;
}

/**
 * The guide's Step 6 as one command: list the prefix, find the newest budget file, check its
 * age, download and validate it (streaming), warn about files the sync ignores, and optionally
 * prove these credentials cannot write. Returns 0 healthy, 1 a finding; S3 failures are thrown
 * as S3CommandError.
 */
export async function runVerify(
  options: VerifyOptions,
  io: CommandIo = processIo,
  deps: Partial<VerifyDeps> = {},
): Promise<ExitCodeValue> {
  refuseBadLocation(options.bucket, options.prefix);
  const { createS3Client, configuredEndpoint } = await import("../aws/s3Client.ts");
  const client = deps.client ?? createS3Client();
  const region = await client.config.region().catch(() => undefined);
  const s3: VerifyS3 = {
    client,
    where: `s3://${options.bucket}/${options.prefix}`,
    context: (action) => ({
      action,
      bucket: options.bucket,
      region,
      endpoint: configuredEndpoint(),
    }),
    call: async (action, fn) => {
      try {
        return await fn();
      } catch (error) {
        throw new S3CommandError(describeS3Error(error, s3.context(action)));
      }
    },
  };
  const now = deps.now?.() ?? new Date();

  // 6.1: what is under the prefix, then the newest budget file and what it holds.
  const listing = await listBudgetFiles(s3, options, deps.pageSize);
  const result: VerifyResult = {
    ...listing,
    findings: [],
    warnings: listing.ignored.map(({ key, reason }) => `${key} is ignored by the sync: ${reason}`),
  };
  await checkNewest(s3, options, now, result);
  if (options.expectReadOnly) result.probe = await probeReadOnly(s3, options, now, result.findings);

  const healthy = result.findings.length === 0;
  io.stdout(options.json ? verifyJson(options, result) : verifyText(s3.where, result));
  return healthy ? ExitCode.Ok : ExitCode.Finding;
}

/** The S3 client of a verify run, and how its failures are described. */
interface VerifyS3 {
  client: S3Client;
  /** `s3://bucket/prefix`. */
  where: string;
  context: (action: string) => S3ErrorContext;
  /** Runs an S3 call; its failure becomes an S3CommandError that names the action. */
  call: <T>(action: string, fn: () => Promise<T>) => Promise<T>;
}

/** What verify found: the listing, the newest file and its report, the write probe. */
interface VerifyResult {
  objects: _Object[];
  budgetFiles: _Object[];
  ignored: { key: string; reason: string }[];
  newest?: _Object;
  uploadedLast?: ListedFile;
  report?: BudgetFileReport;
  ageHours?: number;
  probe?: ReadOnlyProbe;
  findings: string[];
  warnings: string[];
}

/** Every object under the prefix (every page, past 1000 keys), budget files apart from the rest. */
async function listBudgetFiles(
  s3: VerifyS3,
  options: VerifyOptions,
  pageSize: number | undefined,
): Promise<Pick<VerifyResult, "objects" | "budgetFiles" | "ignored">> {
  const { paginateListObjectsV2 } = await import("@aws-sdk/client-s3");
  const objects = await s3.call(`listing ${s3.where}`, async () => {
    const all: _Object[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3.client, ...(pageSize ? { pageSize } : {}) },
      { Bucket: options.bucket, Prefix: options.prefix },
    )) {
      all.push(...(page.Contents ?? []));
    }
    return all;
  });
  const budgetFiles: _Object[] = [];
  const ignored: { key: string; reason: string }[] = [];
  for (const object of objects) {
    const key = object.Key ?? "";
    const relative = key.slice(options.prefix.length);
    if (relative === "") continue; // the "folder" itself
    const reason = ignoredReason(relative);
    if (reason === null) budgetFiles.push(object);
    else ignored.push({ key, reason });
  }
  return { objects, budgetFiles, ignored };
}

/** The newest budget file: there at all, fresh enough, and valid (validated as it downloads). */
async function checkNewest(
  s3: VerifyS3,
  options: VerifyOptions,
  now: Date,
  result: VerifyResult,
): Promise<void> {
  if (result.budgetFiles.length === 0) {
    result.findings.push(
      `no budget files found under ${s3.where} (the guide's "No files found"):\n${NO_FILES_FIX.map((fix, i) => `  ${i + 1}. ${fix}`).join("\n")}`,
    );
    return;
  }
  const files = result.budgetFiles.map((object) => ({
    key: object.Key ?? "",
    lastModified: object.LastModified,
    object,
  }));
  const order = newestBudgetFile(files, options.prefix)!;
  const newest = order.newest.object;
  result.newest = newest;
  if (order.uploadedLast) {
    result.warnings.unshift(ordersDisagreeNote(order.newest, order.uploadedLast));
    result.uploadedLast = order.uploadedLast;
  }
  const key = newest.Key!;
  const ageHours = newest.LastModified
    ? (now.getTime() - newest.LastModified.getTime()) / 3_600_000
    : undefined;
  result.ageHours = ageHours;
  if (ageHours !== undefined && ageHours > options.maxAgeHours) {
    result.findings.push(
      `the newest budget file, ${key}, is ${Math.floor(ageHours)} h old (more than ${options.maxAgeHours} h): the export has not run; check the exporter's schedule and logs`,
    );
  }
  // Download and validate as it streams.
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const format: BudgetFileFormat = key.endsWith(".xlsx") ? "xlsx" : "csv";
  const report = await s3.call(`downloading s3://${options.bucket}/${key}`, async () => {
    const response = await s3.client.send(
      new GetObjectCommand({ Bucket: options.bucket, Key: key }),
    );
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) throw new Error("S3 returned no body");
    return validateBudgetStream(body, {
      format,
      sheet: options.sheet,
      // What SpendFlo reads is the first sheet: --sheet may only confirm that it is this one.
      requireFirstSheet: true,
      sizeHint: response.ContentLength,
    });
  });
  result.report = report;
  if (!report.valid) {
    result.findings.push(
      report.unreadable
        ? `the newest budget file, ${key}, cannot be read: ${report.unreadable}`
        : `the newest budget file, ${key}, is invalid (${report.errorCount} ${report.errorCount === 1 ? "error" : "errors"})`,
    );
  }
}

/** `--expect-read-only`: a test write that must be refused (removed again if it is not). */
async function probeReadOnly(
  s3: VerifyS3,
  options: VerifyOptions,
  now: Date,
  findings: string[],
): Promise<ReadOnlyProbe | undefined> {
  const { PutObjectCommand, DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  const { client, where } = s3;
  const probeKey = `${options.prefix}budget-sync-write-probe-${now.toISOString().replace(/[:.]/g, "")}-${Math.random().toString(36).slice(2, 8)}.txt`;
  try {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: probeKey,
        Body: "budget-sync verify --expect-read-only: a write test; delete this object\n",
        ContentType: "text/plain",
      }),
    );
    const probe: ReadOnlyProbe = { writable: true, probeKey, versionId: put.VersionId };
    try {
      // Deleting the version itself leaves neither the object nor a delete marker behind.
      await client.send(
        new DeleteObjectCommand({
          Bucket: options.bucket,
          Key: probeKey,
          ...(put.VersionId ? { VersionId: put.VersionId } : {}),
        }),
      );
      probe.removed = true;
    } catch {
      probe.removed = false;
    }
    findings.push(
      `these credentials can write to ${where}: a test write succeeded, but SpendFlo's access must be read-only (the guide: "Never grant write or delete permissions"); ${
        probe.removed
          ? "the test object was removed"
          : `remove the test object ${probeKey}${probe.versionId ? ` (version ${probe.versionId})` : ""} with the bucket owner's credentials`
      }`,
    );
    return probe;
  } catch (error) {
    const problem = describeS3Error(error, s3.context(`writing a test object to ${where}`));
    if (problem.code === "AccessDenied") {
      return { writable: false, probeKey, refusedWith: s3ErrorCode(error) };
    }
    findings.push(`could not prove the credentials are read-only: ${problem.message}`);
    return undefined;
  }
}

/** `verify --json`. */
function verifyJson(options: VerifyOptions, r: VerifyResult): string {
  const { newest, ageHours, uploadedLast, report, probe } = r;
  const json = {
    healthy: r.findings.length === 0,
    bucket: options.bucket,
    prefix: options.prefix,
    objects: r.objects.length,
    budgetFiles: r.budgetFiles.length,
    newest: newest
      ? {
          key: newest.Key,
          size: newest.Size,
          lastModified: newest.LastModified?.toISOString(),
          ageHours: ageHours === undefined ? undefined : Math.round(ageHours * 10) / 10,
        }
      : null,
    // The file uploaded last, when the date in the names says another one is the newest.
    ...(uploadedLast
      ? {
          uploadedLast: {
            key: uploadedLast.key,
            lastModified: uploadedLast.lastModified?.toISOString(),
          },
        }
      : {}),
    file: report && newest ? reportJson(newest.Key!, report) : null,
    ignored: r.ignored,
    ...(probe ? { readOnly: probe } : {}),
    findings: r.findings,
    warnings: r.warnings,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The human report of verify. */
function verifyText(where: string, r: VerifyResult): string {
  const { objects, budgetFiles, newest, ageHours, report, probe, warnings, findings } = r;
  let out = `${where}: ${objects.length} ${objects.length === 1 ? "object" : "objects"}, ${budgetFiles.length} budget ${budgetFiles.length === 1 ? "file" : "files"}\n`;
  if (newest) {
    out += `newest: ${newest.Key} (${newest.Size ?? 0} bytes, uploaded ${newest.LastModified?.toISOString() ?? "at an unknown time"}${ageHours === undefined ? "" : `, ${ageHours.toFixed(1)} h ago`})\n`;
  }
  if (report && newest) out += reportText(newest.Key!, report);
  for (const warning of warnings.slice(0, HUMAN_ISSUE_LIMIT)) out += `warning: ${warning}\n`;
  if (warnings.length > HUMAN_ISSUE_LIMIT) {
    out += `... and ${warnings.length - HUMAN_ISSUE_LIMIT} more ignored objects (--json lists them all)\n`;
  }
  if (probe && !probe.writable) {
    out += `read-only: a test write was refused (${probe.refusedWith}): these credentials cannot write\n`;
  }
  for (const finding of findings) out += `FINDING: ${finding}\n`;
  return out + (findings.length === 0 ? "healthy\n" : "not healthy\n");
}

export const verifyCommand = defineCommand({
  command: "verify",
  describe:
    "Check the sync works (the guide's Step 6): newest budget file present, fresh and valid",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(
        "# As SpendFlo would read it\nAWS_PROFILE=spendflo-reader $0 verify \\\n  --bucket your-company-budget-exports --expect-read-only",
        "",
      )
      .epilogue(
        "Lists the prefix (every page), takes the newest budget_YYYYMMDD.csv/.xlsx (by the date in its name; the upload time breaks ties), checks its age, downloads and validates it as it streams, and warns about files the sync ignores. S3 errors are explained with the guide's troubleshooting (a wrong key fails at once; one created a minute ago may not work yet). Credentials and region come from the AWS SDK's default chain.\nExit codes: 0 healthy; 1 a finding (no budget file, stale, invalid, writable with --expect-read-only) or S3 refused; 2 bad usage or missing configuration.",
      ),
  run: runVerify,
});

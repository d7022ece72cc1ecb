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
  const { GetObjectCommand, PutObjectCommand, DeleteObjectCommand, paginateListObjectsV2 } =
    await import("@aws-sdk/client-s3");
  const client = deps.client ?? createS3Client();
  const region = await client.config.region().catch(() => undefined);
  const where = `s3://${options.bucket}/${options.prefix}`;
  const context = (action: string): S3ErrorContext => ({
    action,
    bucket: options.bucket,
    region,
    endpoint: configuredEndpoint(),
  });
  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw new S3CommandError(describeS3Error(error, context(action)));
    }
  };

  // 6.1: what is under the prefix (every page, past 1000 keys).
  const objects = await call(`listing ${where}`, async () => {
    const all: _Object[] = [];
    for await (const page of paginateListObjectsV2(
      { client, ...(deps.pageSize ? { pageSize: deps.pageSize } : {}) },
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

  const findings: string[] = [];
  const warnings = ignored.map(({ key, reason }) => `${key} is ignored by the sync: ${reason}`);
  const now = deps.now?.() ?? new Date();
  let newest: _Object | undefined;
  let uploadedLast: ListedFile | undefined;
  let report: BudgetFileReport | undefined;
  let ageHours: number | undefined;

  if (budgetFiles.length === 0) {
    findings.push(
      `no budget files found under ${where} (the guide's "No files found"):\n${NO_FILES_FIX.map((fix, i) => `  ${i + 1}. ${fix}`).join("\n")}`,
    );
  } else {
    const files = budgetFiles.map((object) => ({
      key: object.Key ?? "",
      lastModified: object.LastModified,
      object,
    }));
    const order = newestBudgetFile(files, options.prefix)!;
    newest = order.newest.object;
    if (order.uploadedLast) {
      warnings.unshift(ordersDisagreeNote(order.newest, order.uploadedLast));
      uploadedLast = order.uploadedLast;
    }
    const key = newest.Key!;
    ageHours = newest.LastModified
      ? (now.getTime() - newest.LastModified.getTime()) / 3_600_000
      : undefined;
    if (ageHours !== undefined && ageHours > options.maxAgeHours) {
      findings.push(
        `the newest budget file, ${key}, is ${Math.floor(ageHours)} h old (more than ${options.maxAgeHours} h): the export has not run; check the exporter's schedule and logs`,
      );
    }
    // Download and validate as it streams.
    const format: BudgetFileFormat = key.endsWith(".xlsx") ? "xlsx" : "csv";
    report = await call(`downloading s3://${options.bucket}/${key}`, async () => {
      const response = await client.send(
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
    if (!report.valid) {
      findings.push(
        report.unreadable
          ? `the newest budget file, ${key}, cannot be read: ${report.unreadable}`
          : `the newest budget file, ${key}, is invalid (${report.errorCount} ${report.errorCount === 1 ? "error" : "errors"})`,
      );
    }
  }

  let probe: ReadOnlyProbe | undefined;
  if (options.expectReadOnly) {
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
      probe = { writable: true, probeKey, versionId: put.VersionId };
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
    } catch (error) {
      const problem = describeS3Error(error, context(`writing a test object to ${where}`));
      if (problem.code === "AccessDenied") {
        probe = { writable: false, probeKey, refusedWith: s3ErrorCode(error) };
      } else {
        findings.push(`could not prove the credentials are read-only: ${problem.message}`);
      }
    }
  }

  const healthy = findings.length === 0;
  if (options.json) {
    const json = {
      healthy,
      bucket: options.bucket,
      prefix: options.prefix,
      objects: objects.length,
      budgetFiles: budgetFiles.length,
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
      ignored,
      ...(probe ? { readOnly: probe } : {}),
      findings,
      warnings,
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const lines: string[] = [
      `${where}: ${objects.length} ${objects.length === 1 ? "object" : "objects"}, ${budgetFiles.length} budget ${budgetFiles.length === 1 ? "file" : "files"}`,
    ];
    if (newest) {
      lines.push(
        `newest: ${newest.Key} (${newest.Size ?? 0} bytes, uploaded ${newest.LastModified?.toISOString() ?? "at an unknown time"}${ageHours === undefined ? "" : `, ${ageHours.toFixed(1)} h ago`})`,
      );
    }
    io.stdout(`${lines.join("\n")}\n`);
    if (report && newest) io.stdout(reportText(newest.Key!, report));
    for (const warning of warnings.slice(0, HUMAN_ISSUE_LIMIT)) io.stdout(`warning: ${warning}\n`);
    if (warnings.length > HUMAN_ISSUE_LIMIT) {
      io.stdout(
        `... and ${warnings.length - HUMAN_ISSUE_LIMIT} more ignored objects (--json lists them all)\n`,
      );
    }
    if (probe && !probe.writable) {
      io.stdout(
        `read-only: a test write was refused (${probe.refusedWith}): these credentials cannot write\n`,
      );
    }
    for (const finding of findings) io.stdout(`FINDING: ${finding}\n`);
    io.stdout(healthy ? "healthy\n" : "not healthy\n");
  }
  return healthy ? ExitCode.Ok : ExitCode.Finding;
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

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { BUDGET_CONTENT_TYPES, type BudgetFileReport } from "../../lib/budget-file/budgetFile.ts";
import { budgetFileKey } from "../../lib/aws/s3Naming.ts";
import { CliError, ExitCode, UsageError, type ExitCodeValue } from "../errors.ts";
import {
  localBudgetFile,
  reportJson,
  reportText,
  validateLocalFile,
  withNameWarning,
  withSheetIgnored,
} from "../files/budgetReport.ts";
import { processIo, type CommandIo } from "../io.ts";
import {
  budgetLocationFlags,
  defineCommand,
  dryRunFlag,
  flag,
  flagsSchema,
  jsonFlag,
  positional,
  refuseBadLocation,
  sheetFlag,
} from "../options.ts";
import { formatBytes, progressBar } from "../progressBar.ts";
import {
  uploadValidated,
  type ReplacedObject,
  type ValidatedUploadArgs,
} from "../aws/validatedUpload.ts";

export type { ReplacedObject } from "../aws/validatedUpload.ts";

/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

const flags = {
  file: positional(z.string().min(1), {
    describe: "The budget file (.csv or .xlsx)",
    type: "string",
    demandOption: true,
  }),
  ...budgetLocationFlags,
  date: flag(
    z
      .string()
      .regex(/^\d{8}$/, "must be a date as YYYYMMDD, such as 20250205")
      .refine((text) => parseDate(text) !== undefined, "is not a calendar date")
      .optional(),
    { type: "string", describe: "Date in the key, YYYYMMDD (default: today, UTC)" },
  ),
  sheet: sheetFlag(
    "XLSX: the worksheet to check; it must be the first sheet, the one SpendFlo reads (default: the first)",
  ),
  dryRun: dryRunFlag("Validate and print the destination; touch no AWS API"),
  json: jsonFlag(),
};
const optionsSchema = flagsSchema(flags);

export type UploadOptions = z.output<typeof optionsSchema>;

/** What `upload` needs from outside, replaceable in tests. */
export interface UploadDeps extends Pick<
  ValidatedUploadArgs,
  "client" | "partSize" | "workerMinBytes"
> {
  /** Today, for the key's date; default the clock (UTC). */
  now: () => Date;
  /** Show a progress bar (default: stderr is a terminal and not --json). */
  progress: boolean;
}

function parseDate(text: string): Date | undefined {
  const date = new Date(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().slice(0, 10).replaceAll("-", "") === text ? date : undefined;
}

/**
 * `--sheet` must name the workbook's first sheet: the whole workbook is uploaded and SpendFlo
 * reads its first sheet, so checking another would pass a file SpendFlo reads differently.
 * Anything else wrong with the file (no such sheet, damaged, too large) the validation reports.
 */
async function refuseSheetNotFirst(file: string, sheet: string, size: number): Promise<void> {
  const { MAX_XLSX_BYTES, notFirstSheetMessage, xlsxSheets } =
    await import("../../lib/budget-file/xlsx.ts");
  if (size > MAX_XLSX_BYTES) return;
  const listed = await xlsxSheets(await readFile(file)).catch(() => undefined);
  if (listed === undefined || "problem" in listed) return;
  const first = listed.sheets[0];
  if (first !== undefined && first.name !== sheet && listed.sheets.some((s) => s.name === sheet)) {
    throw new CliError(
      `${file}: --sheet: ${notFirstSheetMessage(sheet, first.name)}; nothing was uploaded`,
      ExitCode.Usage,
    );
  }
}

/** The outcome of one upload, as `--json` prints it. */
export interface UploadResult {
  uploaded: boolean;
  /** Present (true) for `--dry-run`: nothing was sent. */
  dryRun?: true;
  /** An invalid file's partial multipart upload that could not be aborted, and what to do. */
  abortFailure?: { code: string; message: string };
  bucket: string;
  key: string;
  uri: string;
  size: number;
  contentType: string;
  versionId?: string;
  etag?: string;
  integrity?: string;
  /**
   * The file this upload replaced under the same key (the same day's), with its version id when
   * the bucket keeps versions; false when there was none; null when these credentials may not
   * look (HeadObject needs s3:GetObject, which an upload-only principal lacks).
   */
  replaced?: ReplacedObject | false | null;
  report: Record<string, unknown>;
}

/** The date the key is named for: `--date`, checked, or today. */
function keyDate(given: string | undefined, today: Date): Date {
  if (!given) return today;
  const date = parseDate(given)!;
  // A date far off would be taken for the newest export by anything that orders by name.
  if (date.getTime() < Date.UTC(2000, 0, 1))
    throw new UsageError(`--date: ${given} is before 2000: give the date the budget is for`);
  const tomorrow = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
  if (date.getTime() > tomorrow)
    throw new UsageError(
      `--date: ${given} is in the future: a file named for it would stay the newest until then; give today's date or an earlier one`,
    );
  return date;
}

/**
 * Validates a budget file and uploads it as `<prefix>budget_<YYYYMMDD>.<ext>`, both at once
 * (cli/aws/validatedUpload.ts): nothing of an invalid file is ever written. Returns 0 uploaded,
 * 1 invalid (nothing uploaded), 2 unreadable or bad usage; S3 failures are thrown as
 * S3CommandError.
 */
export async function runUpload(
  options: UploadOptions,
  io: CommandIo = processIo,
  deps: Partial<UploadDeps> = {},
): Promise<ExitCodeValue> {
  refuseBadLocation(options.bucket, options.prefix);

  const local = await localBudgetFile(options.file);
  if ("unreadable" in local)
    throw new CliError(`${options.file}: ${local.unreadable}`, ExitCode.Usage);
  if (options.sheet !== undefined && local.format === "xlsx")
    await refuseSheetNotFirst(options.file, options.sheet, local.size);
  const date = keyDate(options.date, deps.now?.() ?? new Date());
  const key = budgetFileKey(options.prefix, date, local.format);
  const uri = `s3://${options.bucket}/${key}`;
  const contentType = BUDGET_CONTENT_TYPES[local.format];

  const finish = (checked: BudgetFileReport, result: Partial<UploadResult>): ExitCodeValue => {
    // --dry-run's report (validateLocalFile) already has them.
    const report = options.dryRun
      ? checked
      : withNameWarning(
          local.format === "csv" && options.sheet !== undefined
            ? withSheetIgnored(checked)
            : checked,
          local.nameWarning,
        );
    const exitCode = report.unreadable
      ? ExitCode.Usage
      : report.valid
        ? ExitCode.Ok
        : ExitCode.Finding;
    if (options.json) {
      const json: UploadResult = {
        uploaded: false,
        bucket: options.bucket,
        key,
        uri,
        size: local.size,
        contentType,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...result,
        report: reportJson(options.file, report),
      };
      io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      io.stdout(reportText(options.file, report));
      if (result.uploaded) {
        const details = [
          formatBytes(local.size),
          contentType.split(";")[0],
          `version ${result.versionId ?? "none (bucket not versioned)"}`,
        ];
        io.stdout(`uploaded ${uri} (${details.join(", ")})\nintegrity: ${result.integrity}\n`);
        if (result.replaced) io.stdout(`${replacedText(key, result.replaced)}\n`);
      } else if (options.dryRun) {
        io.stdout(
          report.valid
            ? `dry run: would upload ${options.file} (${formatBytes(local.size)}) to ${uri}\n`
            : `dry run: ${uri} would not be uploaded: the file is not valid\n`,
        );
      } else {
        io.stdout(`nothing uploaded to ${uri}: the file is not valid\n`);
      }
    }
    return exitCode;
  };

  if (options.dryRun) {
    const report = await validateLocalFile(options.file, { sheet: options.sheet });
    return finish(report, {});
  }

  const showProgress =
    deps.progress ?? (!options.json && io.stderrIsTerminal && local.size >= PROGRESS_MIN_BYTES);
  const attempt = await uploadValidated({
    file: options.file,
    format: local.format,
    sheet: options.sheet,
    size: local.size,
    bucket: options.bucket,
    key,
    contentType,
    client: deps.client,
    partSize: deps.partSize,
    workerMinBytes: deps.workerMinBytes,
    progress: showProgress ? progressBar(key, local.size, io.stderr) : undefined,
  });
  if (attempt.response === undefined) {
    if (attempt.abortProblem !== undefined) {
      const problem = attempt.abortProblem;
      const remedy =
        problem.code === "AccessDenied"
          ? "grant s3:AbortMultipartUpload on the prefix, or let the bucket's lifecycle rule for incomplete multipart uploads remove it"
          : `the store refused it (${problem.message}); the bucket's lifecycle rule for incomplete multipart uploads removes it, or list and abort it with aws s3api list-multipart-uploads and abort-multipart-upload`;
      const message = `the file is invalid and its partial multipart upload could not be aborted (${problem.code}): ${remedy}; the object itself was not created`;
      io.stderr(`budget-sync: ${message}\n`);
      return finish(attempt.report, { abortFailure: { code: problem.code, message } });
    }
    return finish(attempt.report, {});
  }
  const response = attempt.response;
  return finish(attempt.report, {
    uploaded: true,
    replaced: attempt.replaced,
    versionId: response.VersionId,
    etag: response.ETag?.replaceAll('"', ""),
    integrity:
      attempt.checksum === "CRC32"
        ? "the CRC32 checksum of every part, checked by S3 on receipt"
        : "the Content-MD5 of every part, checked by the store on receipt",
  });
}

/** The line that says an upload replaced the key's earlier file. */
function replacedText(key: string, replaced: ReplacedObject): string {
  const when = replaced.lastModified ? `, uploaded ${replaced.lastModified}` : "";
  return replaced.versionId
    ? `replaced the earlier ${key}${when}: the bucket keeps it as the previous version, ${replaced.versionId}`
    : `replaced the earlier ${key}${when}: the bucket keeps no versions, so that file is gone`;
}

export const uploadCommand = defineCommand({
  command: "upload <file>",
  describe: "Validate a budget file and upload it as <prefix>budget_<YYYYMMDD>.<csv|xlsx>",
  flags,
  schema: optionsSchema,
  help: (yargs) =>
    yargs
      .example(
        "# The guide's Step 3\n$0 upload export.csv --bucket your-company-budget-exports",
        "",
      )
      .epilogue(
        "The file is validated while it streams to S3 (multipart for large files); at the first error the upload is cancelled and nothing is written. Needs s3:PutObject (and s3:AbortMultipartUpload) on the prefix; no read access. Credentials and region come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL...).\nExit codes: 0 uploaded; 1 the file is invalid (nothing uploaded) or S3 refused; 2 unreadable file or bad usage.",
      ),
  run: runUpload,
});

import type { Stats } from "node:fs";
import { open, readFile, type FileHandle } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Argv, CommandModule } from "yargs";
import { z } from "zod";
import {
  BUDGET_CONTENT_TYPES,
  type BudgetFileReport,
  type ValidateBudgetOptions,
} from "../../lib/budget-file/budgetFile.ts";
import { budgetFileKey, bucketNameProblems, prefixProblems } from "../../lib/aws/s3Naming.ts";
import { CliError, ExitCode, UsageError, parseOptions, type ExitCodeValue } from "../errors.ts";
import {
  localBudgetFile,
  processOutput,
  reportJson,
  reportText,
  validateLocalFile,
  validateOpenFile,
  withNameWarning,
  withSheetIgnored,
  type Output,
} from "../files/budgetReport.ts";
import {
  describeS3Error,
  S3CommandError,
  s3ErrorCode,
  type S3ErrorContext,
} from "../aws/s3Errors.ts";
import {
  FileShrank,
  transferFile,
  type PartChecksum,
  type TransferResponse,
} from "../aws/s3Transfer.ts";
import { startValidationWorker, type WorkerMessage } from "../files/validationWorkerClient.ts";

/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Files at least this large are validated on a worker thread (see startValidation). */
const WORKER_MIN_BYTES = 8 * 1024 * 1024;

const optionsSchema = z.object({
  file: z.string().min(1),
  bucket: z.string().min(1),
  prefix: z.string().default("budgets/"),
  date: z
    .string()
    .regex(/^\d{8}$/, "must be a date as YYYYMMDD, such as 20250205")
    .refine((text) => parseDate(text) !== undefined, "is not a calendar date")
    .optional(),
  sheet: z.string().min(1).optional(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

export type UploadOptions = z.input<typeof optionsSchema>;

/** What `upload` needs from outside, replaceable in tests. */
export interface UploadDeps {
  client?: S3Client;
  /** Today, for the key's date; default the clock (UTC). */
  now?: () => Date;
  /** Show a progress bar (default: stderr is a terminal and not --json). */
  progress?: boolean;
  /** Part size of multipart uploads; default 8 MiB. */
  partSize?: number;
  /** Files this large or larger are validated on a worker thread; default 8 MiB. */
  workerMinBytes?: number;
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

/** The object a new upload replaced. */
export interface ReplacedObject {
  /** Its version id, kept by a versioned bucket (absent when the bucket keeps no versions). */
  versionId?: string;
  lastModified?: string;
  size?: number;
}

/**
 * Validates a budget file and uploads it as `<prefix>budget_<YYYYMMDD>.<ext>`, both at once:
 * the validator and the multipart upload each read the file at their own pace. At the first
 * error the upload is cancelled (its multipart upload aborted), and the request that would make
 * the object exist waits for the validator's verdict and for proof that the file did not change
 * meanwhile, so nothing of an invalid file is ever written. Returns 0 uploaded, 1 invalid
 * (nothing uploaded), 2 unreadable or bad usage; S3 failures are thrown as S3CommandError.
 */
export async function runUpload(
  input: UploadOptions,
  output: Output = processOutput,
  deps: UploadDeps = {},
): Promise<ExitCodeValue> {
  const options = optionsSchema.parse(input);
  const bucketProblems = bucketNameProblems(options.bucket);
  if (bucketProblems.length) throw new UsageError(`--bucket: ${bucketProblems.join("; ")}`);
  const prefixIssues = prefixProblems(options.prefix);
  if (prefixIssues.length) throw new UsageError(`--prefix: ${prefixIssues.join("; ")}`);

  const local = await localBudgetFile(options.file);
  if ("unreadable" in local)
    throw new CliError(`${options.file}: ${local.unreadable}`, ExitCode.Usage);
  if (options.sheet !== undefined && local.format === "xlsx")
    await refuseSheetNotFirst(options.file, options.sheet, local.size);
  const today = deps.now?.() ?? new Date();
  const date = options.date ? parseDate(options.date)! : today;
  if (options.date) {
    // A date far off would be taken for the newest export by anything that orders by name.
    if (date.getTime() < Date.UTC(2000, 0, 1))
      throw new UsageError(
        `--date: ${options.date} is before 2000: give the date the budget is for`,
      );
    const tomorrow = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
    if (date.getTime() > tomorrow)
      throw new UsageError(
        `--date: ${options.date} is in the future: a file named for it would stay the newest until then; give today's date or an earlier one`,
      );
  }
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
      output.out(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      output.out(reportText(options.file, report));
      if (result.uploaded) {
        const details = [
          formatBytes(local.size),
          contentType.split(";")[0],
          `version ${result.versionId ?? "none (bucket not versioned)"}`,
        ];
        output.out(`uploaded ${uri} (${details.join(", ")})\nintegrity: ${result.integrity}\n`);
        if (result.replaced) output.out(`${replacedText(key, result.replaced)}\n`);
      } else if (options.dryRun) {
        output.out(
          report.valid
            ? `dry run: would upload ${options.file} (${formatBytes(local.size)}) to ${uri}\n`
            : `dry run: ${uri} would not be uploaded: the file is not valid\n`,
        );
      } else {
        output.out(`nothing uploaded to ${uri}: the file is not valid\n`);
      }
    }
    return exitCode;
  };

  if (options.dryRun) {
    const report = await validateLocalFile(options.file, { sheet: options.sheet });
    return finish(report, {});
  }

  // Validation starts before anything else loads: on a large file it takes longest, and the
  // upload's own start (the SDK) runs meanwhile on the other core.
  let handle: FileHandle;
  try {
    handle = await open(options.file, "r");
  } catch (error) {
    throw new CliError(
      `${options.file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      ExitCode.Usage,
    );
  }
  let validation: RunningValidation | undefined;
  let context: S3ErrorContext = { action: `uploading to ${uri}`, bucket: options.bucket };
  let attempt: Awaited<ReturnType<typeof uploadOnce>>;
  try {
    const before = await handle.stat();
    validation = startValidation(
      handle.fd,
      { format: local.format, sheet: options.sheet, sizeHint: local.size },
      local.size >= (deps.workerMinBytes ?? WORKER_MIN_BYTES),
    );
    const checking = validation;

    const { createS3Client, configuredEndpoint } = await import("../aws/s3Client.ts");
    const client = deps.client ?? createS3Client();
    const region = await client.config.region().catch(() => undefined);
    context = { ...context, region, endpoint: configuredEndpoint() };
    const showProgress =
      deps.progress ??
      (!options.json && process.stderr.isTTY === true && local.size >= PROGRESS_MIN_BYTES);

    try {
      attempt = await uploadOnce({
        client,
        file: options.file,
        handle,
        before,
        validation: checking,
        bucket: options.bucket,
        key,
        contentType,
        size: local.size,
        partSize: deps.partSize,
        progress: showProgress ? progressBar(key, local.size) : undefined,
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new S3CommandError(describeS3Error(error, context));
    }
  } finally {
    // No read of the validator may still be under way when the descriptor closes.
    await validation?.stop();
    await handle.close();
  }
  if (attempt.response === undefined) {
    if (attempt.abortError !== undefined) {
      const problem = describeS3Error(attempt.abortError, {
        ...context,
        action: `aborting the multipart upload of ${uri}`,
      });
      const remedy =
        problem.code === "AccessDenied"
          ? "grant s3:AbortMultipartUpload on the prefix, or let the bucket's lifecycle rule for incomplete multipart uploads remove it"
          : `the store refused it (${problem.message}); the bucket's lifecycle rule for incomplete multipart uploads removes it, or list and abort it with aws s3api list-multipart-uploads and abort-multipart-upload`;
      const message = `the file is invalid and its partial multipart upload could not be aborted (${problem.code}): ${remedy}; the object itself was not created`;
      output.err(`budget-sync: ${message}\n`);
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

/**
 * One upload of the file beside its running validation, reading through the same descriptor.
 * Resolves with the report, and the S3 response when the file was valid and the upload
 * completed; throws S3 errors.
 */
async function uploadOnce(args: {
  client: S3Client;
  file: string;
  handle: FileHandle;
  /** The file as it was when the validator started. */
  before: Stats;
  validation: RunningValidation;
  bucket: string;
  key: string;
  contentType: string;
  size: number;
  partSize?: number;
  progress?: (loaded: number, done?: boolean) => void;
}): Promise<
  | {
      report: BudgetFileReport;
      response: TransferResponse;
      checksum: PartChecksum;
      abortError?: undefined;
      replaced: ReplacedObject | false | null;
    }
  | { report: BudgetFileReport; response?: undefined; abortError?: unknown }
> {
  const { validation } = args;
  const partSize = Math.max(
    args.partSize ?? 8 * 1024 * 1024,
    Math.ceil(args.size / 9000),
    5 * 1024 * 1024,
  );
  // At the first error the upload stops: no more parts, and a multipart upload is aborted.
  const stop = new AbortController();
  validation.onInvalid(() => stop.abort());
  // Known to be invalid already: nothing to start.
  if (stop.signal.aborted) return { report: await validation.report };
  // What the key holds now (the same day's earlier upload), asked beside the upload; the
  // request that makes the new object waits for the answer, so that it is never the new one.
  const previous = previousObject(args.client, args.bucket, args.key);

  // The object is made only once every byte has been checked and the file is shown unchanged
  // since the validator began (same inode, size and modification time).
  let changed = false;
  const mayComplete = async (): Promise<boolean> => {
    const report = await validation.report.catch(() => undefined);
    if (!report?.valid) return false;
    await previous;
    changed = !sameFile(args.before, await args.handle.stat());
    return !changed;
  };
  const [report, outcome] = await Promise.all([
    validation.report.catch((error: unknown) => {
      stop.abort();
      throw error;
    }),
    transferFile({
      client: args.client,
      bucket: args.bucket,
      key: args.key,
      contentType: args.contentType,
      fd: args.handle.fd,
      size: args.size,
      partSize,
      queueSize: 4,
      signal: stop.signal,
      mayComplete,
      onProgress: args.progress ? (loaded) => args.progress?.(loaded) : undefined,
    }).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  ]);
  if (report.valid && outcome.ok && outcome.result.completed) args.progress?.(args.size, true);
  else if (args.progress) process.stderr.write("\n");
  if (!report.valid) {
    // The S3 error of an invalid file's upload (a part refused after the stop) matters no more.
    const abortError =
      outcome.ok && !outcome.result.completed ? outcome.result.abortError : undefined;
    return abortError === undefined ? { report } : { report, abortError };
  }
  if (changed || (!outcome.ok && outcome.error instanceof FileShrank)) {
    throw new CliError(
      `${args.file} changed while it was being uploaded, so what was checked may not be what was sent: nothing was uploaded; run upload again once the file is complete`,
      ExitCode.Usage,
    );
  }
  if (!outcome.ok) throw outcome.error;
  if (!outcome.result.completed) {
    // Valid and unchanged, yet not completed: only an abort before the verdict does that.
    throw new CliError(`${args.file}: the upload stopped before it completed`, ExitCode.Usage);
  }
  return {
    report,
    response: outcome.result.response,
    checksum: outcome.result.checksum,
    replaced: await previous,
  };
}

/**
 * What `key` holds before the upload: the same day's earlier file, with its version id when the
 * bucket keeps versions; false when nothing; null when it cannot be told (no s3:GetObject, which
 * an upload-only principal rightly lacks; S3 then answers 403 whether or not the key exists).
 */
async function previousObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<ReplacedObject | false | null> {
  const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      ...(head.VersionId && head.VersionId !== "null" ? { versionId: head.VersionId } : {}),
      ...(head.LastModified ? { lastModified: head.LastModified.toISOString() } : {}),
      ...(head.ContentLength !== undefined ? { size: head.ContentLength } : {}),
    };
  } catch (error) {
    const code = s3ErrorCode(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return code === "NotFound" || code === "NoSuchKey" || status === 404 ? false : null;
  }
}

/** The line that says an upload replaced the key's earlier file. */
function replacedText(key: string, replaced: ReplacedObject): string {
  const when = replaced.lastModified ? `, uploaded ${replaced.lastModified}` : "";
  return replaced.versionId
    ? `replaced the earlier ${key}${when}: the bucket keeps it as the previous version, ${replaced.versionId}`
    : `replaced the earlier ${key}${when}: the bucket keeps no versions, so that file is gone`;
}

/** The same file, unmodified: device, inode, size and modification time. */
function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

interface RunningValidation {
  report: Promise<BudgetFileReport>;
  /** Calls `listener` once the file is known to be invalid (at once when it already is). */
  onInvalid(listener: () => void): void;
  /** Ends the validation early if it still runs; resolves once it no longer reads the file. */
  stop(): Promise<void>;
}

/**
 * Validation of the file behind `fd`, reading it by positional reads of its own. A large file
 * is checked on a worker thread, so that checking it and sending it use two cores; a small one
 * (or when a worker cannot start) in this thread, where it costs less than starting a worker.
 */
function startValidation(
  fd: number,
  options: Omit<ValidateBudgetOptions, "onInvalid">,
  onWorker: boolean,
): RunningValidation {
  let invalid = false;
  const listeners: (() => void)[] = [];
  const tellInvalid = (): void => {
    if (invalid) return;
    invalid = true;
    for (const listener of listeners) listener();
  };
  const onInvalid = (listener: () => void): void => {
    if (invalid) listener();
    else listeners.push(listener);
  };

  let worker: Worker | undefined;
  if (onWorker) {
    try {
      worker = startValidationWorker({
        ...options,
        fd,
        budgetSyncValidation: true,
        // One worker, in one pass: the upload and the store (on this machine, often) need the
        // other core; a second validation thread would only add its start and the merge.
        splitMinBytes: Infinity,
      });
    } catch {
      worker = undefined;
    }
  }
  if (worker === undefined) {
    const report = validateOpenFile(fd, { ...options, onInvalid: tellInvalid });
    return {
      report,
      onInvalid,
      stop: () =>
        report.then(
          () => {},
          () => {},
        ),
    };
  }
  const running = worker;
  let exited = false;
  const exit = new Promise<void>((resolve) => running.once("exit", () => resolve()));
  const report = new Promise<BudgetFileReport>((resolve, reject) => {
    running.on("message", (message: WorkerMessage) => {
      if (message.type === "invalid") {
        tellInvalid();
      } else if (message.type === "report") {
        resolve(message.report);
        void running.terminate();
      }
    });
    running.on("error", (error) => {
      tellInvalid();
      reject(new CliError(`the validator stopped: ${error.message}`, ExitCode.Usage));
    });
    running.on("exit", () => {
      exited = true;
      reject(new CliError("the validator stopped before its report", ExitCode.Usage));
    });
  });
  report.catch(() => {});
  return {
    report,
    onInvalid,
    stop: async () => {
      if (!exited) await running.terminate();
      await exit;
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function progressBar(key: string, total: number): (loaded: number, done?: boolean) => void {
  let last = 0;
  return (loaded, done) => {
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    process.stderr.write(
      `\r${key} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${formatBytes(loaded)} of ${formatBytes(total)}${done ? "\n" : ""}`,
    );
  };
}

export const uploadCommand: CommandModule<object, UploadOptions> = {
  command: "upload <file>",
  describe: "Validate a budget file and upload it as <prefix>budget_<YYYYMMDD>.<csv|xlsx>",
  builder: (yargs: Argv) =>
    yargs
      .positional("file", {
        describe: "The budget file (.csv or .xlsx)",
        type: "string",
        demandOption: true,
      })
      .option("bucket", { type: "string", demandOption: true, describe: "The budget bucket" })
      .option("prefix", {
        type: "string",
        default: "budgets/",
        describe: "Key prefix the sync reads (ends with /)",
      })
      .option("date", {
        type: "string",
        describe: "Date in the key, YYYYMMDD (default: today, UTC)",
      })
      .option("sheet", {
        type: "string",
        describe:
          "XLSX: the worksheet to check; it must be the first sheet, the one SpendFlo reads (default: the first)",
      })
      .option("dry-run", {
        type: "boolean",
        default: false,
        describe: "Validate and print the destination; touch no AWS API",
      })
      .option("json", { type: "boolean", default: false, describe: "Print the result as JSON" })
      .example(
        "# The guide's Step 3\n$0 upload export.csv --bucket your-company-budget-exports",
        "",
      )
      .epilogue(
        "The file is validated while it streams to S3 (multipart for large files); at the first error the upload is cancelled and nothing is written. Needs s3:PutObject (and s3:AbortMultipartUpload) on the prefix; no read access. Credentials and region come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL...).\nExit codes: 0 uploaded; 1 the file is invalid (nothing uploaded) or S3 refused; 2 unreadable file or bad usage.",
      ) as unknown as Argv<UploadOptions>,
  handler: async (argv) => {
    const options = parseOptions(optionsSchema, argv);
    process.exitCode = await runUpload(options);
  },
};

import { createReadStream } from "node:fs";
import { PassThrough } from "node:stream";
import { Worker } from "node:worker_threads";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Argv, CommandModule } from "yargs";
import { z } from "zod";
import {
  BUDGET_CONTENT_TYPES,
  validateBudgetStream,
  type BudgetFileReport,
  type ValidateBudgetOptions,
} from "../lib/budgetFile.ts";
import { budgetFileKey, bucketNameProblems, prefixProblems } from "../lib/s3Naming.ts";
import { CliError, ExitCode, UsageError, parseOptions, type ExitCodeValue } from "./errors.ts";
import {
  localBudgetFile,
  processOutput,
  reportJson,
  reportText,
  validateLocalFile,
  type Output,
} from "./budgetReport.ts";
import {
  describeS3Error,
  S3CommandError,
  withNewKeyRetry,
  type NewKeyRetryOptions,
} from "./s3Errors.ts";
import type { WorkerMessage } from "./validationWorker.ts";

/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

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
  /** The new-key retry's timing (tests shorten it). */
  retry?: Pick<NewKeyRetryOptions, "timeoutMs" | "intervalMs">;
}

function parseDate(text: string): Date | undefined {
  const date = new Date(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().slice(0, 10).replaceAll("-", "") === text ? date : undefined;
}

/** The outcome of one upload, as `--json` prints it. */
export interface UploadResult {
  uploaded: boolean;
  bucket: string;
  key: string;
  uri: string;
  size: number;
  contentType: string;
  versionId?: string;
  etag?: string;
  integrity?: string;
  report: Record<string, unknown>;
}

class InvalidBudgetFile extends Error {
  constructor() {
    super("the budget file is invalid: upload stopped");
    this.name = "InvalidBudgetFile";
  }
}

/**
 * Validates a budget file and uploads it as `<prefix>budget_<YYYYMMDD>.<ext>`. The file is read
 * once: each chunk goes to the validator, then to the multipart upload; at the first error the
 * upload is cancelled (its multipart upload aborted), so nothing of an invalid file is ever
 * written. Returns 0 uploaded, 1 invalid (nothing uploaded), 2 unreadable or bad usage; S3
 * failures are thrown as S3CommandError.
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
  const date = options.date ? parseDate(options.date)! : (deps.now?.() ?? new Date());
  const key = budgetFileKey(options.prefix, date, local.format);
  const uri = `s3://${options.bucket}/${key}`;
  const contentType = BUDGET_CONTENT_TYPES[local.format];

  const finish = (report: BudgetFileReport, result: Partial<UploadResult>): ExitCodeValue => {
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

  const { createS3Client, configuredEndpoint } = await import("./s3Client.ts");
  const client = deps.client ?? createS3Client();
  const region = await client.config.region().catch(() => undefined);
  const context = {
    action: `uploading to ${uri}`,
    bucket: options.bucket,
    region,
    endpoint: configuredEndpoint(),
  };
  const showProgress =
    deps.progress ??
    (!options.json && process.stderr.isTTY === true && local.size >= PROGRESS_MIN_BYTES);

  let attempt: Awaited<ReturnType<typeof uploadOnce>>;
  try {
    attempt = await withNewKeyRetry(
      () =>
        uploadOnce({
          client,
          file: options.file,
          bucket: options.bucket,
          key,
          contentType,
          format: local.format,
          size: local.size,
          sheet: options.sheet,
          partSize: deps.partSize,
          progress: showProgress ? progressBar(key, local.size) : undefined,
        }),
      {
        ...deps.retry,
        onWait: (message) => output.err(`budget-sync: ${message}\n`),
      },
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new S3CommandError(describeS3Error(error, context));
  }
  if (attempt.response === undefined) {
    if (attempt.abortError !== undefined) {
      const problem = describeS3Error(attempt.abortError, {
        ...context,
        action: `aborting the multipart upload of ${uri}`,
      });
      output.err(
        `budget-sync: the file is invalid and its partial multipart upload could not be aborted (${problem.code}): grant s3:AbortMultipartUpload, or let the bucket's lifecycle rule for incomplete multipart uploads remove it; the object itself was not created\n`,
      );
    }
    return finish(attempt.report, {});
  }
  const response = attempt.response;
  const checksum = (
    [
      "ChecksumCRC64NVME",
      "ChecksumCRC32C",
      "ChecksumCRC32",
      "ChecksumSHA256",
      "ChecksumSHA1",
    ] as const
  ).find((name) => typeof response[name] === "string");
  return finish(attempt.report, {
    uploaded: true,
    versionId: response.VersionId,
    etag: response.ETag?.replaceAll('"', ""),
    integrity: checksum
      ? `${checksum.replace("Checksum", "")} checksum of every part, checked by S3 on receipt`
      : "Content-MD5 and the signed SHA-256 of every part, for the store to check on receipt",
  });
}

interface UploadResponse {
  VersionId?: string;
  ETag?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
}

/**
 * One pass over the file: validation and upload side by side. Resolves with the report, and the
 * S3 response when the file was valid and the upload completed; throws S3 errors.
 */
async function uploadOnce(args: {
  client: S3Client;
  file: string;
  bucket: string;
  key: string;
  contentType: string;
  format: "csv" | "xlsx";
  size: number;
  sheet?: string;
  partSize?: number;
  progress?: (loaded: number, done?: boolean) => void;
}): Promise<
  | { report: BudgetFileReport; response: UploadResponse; abortError?: undefined }
  | { report: BudgetFileReport; response?: undefined; abortError?: unknown }
> {
  const { Upload } = await import("@aws-sdk/lib-storage");
  const partSize = Math.max(
    args.partSize ?? 8 * 1024 * 1024,
    Math.ceil(args.size / 9000),
    5 * 1024 * 1024,
  );
  const body = new PassThrough({ highWaterMark: partSize });
  const upload = new Upload({
    client: args.client,
    params: { Bucket: args.bucket, Key: args.key, Body: body, ContentType: args.contentType },
    partSize,
    queueSize: 4,
    leavePartsOnError: false,
  });
  if (args.progress) upload.on("httpUploadProgress", (p) => args.progress?.(p.loaded ?? 0));
  let uploadSettled = false;
  const uploading = upload.done().then(
    (response) => ({ ok: true as const, response: response as UploadResponse }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  void uploading.then(() => (uploadSettled = true));

  let invalid = false;
  const stopUpload = (): void => {
    if (invalid) return;
    invalid = true;
    // Failing the body fails the upload: lib-storage then aborts the multipart upload (and
    // waits for that) before done() rejects; a small file's single PutObject is never sent.
    body.destroy(new InvalidBudgetFile());
  };
  const validation = startValidation(
    { format: args.format, sheet: args.sheet, sizeHint: args.size },
    stopUpload,
  );

  try {
    for await (const chunk of createReadStream(args.file, { highWaterMark: 1024 * 1024 })) {
      await validation.push(chunk as Buffer);
      if (invalid || uploadSettled) continue;
      if (!body.write(chunk)) await drainedOrSettled(body, uploading);
    }
  } finally {
    validation.end();
  }
  const report = await validation.report;
  if (report.valid && !invalid) body.end();
  else stopUpload();
  const outcome = await uploading;
  if (report.valid && outcome.ok) args.progress?.(args.size, true);
  else if (args.progress) process.stderr.write("\n");
  if (!report.valid) {
    const abortError =
      !outcome.ok && !(outcome.error instanceof InvalidBudgetFile) ? outcome.error : undefined;
    return abortError === undefined ? { report } : { report, abortError };
  }
  if (!outcome.ok) throw outcome.error;
  return { report, response: outcome.response };
}

function drainedOrSettled(body: PassThrough, settled: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      body.off("drain", done);
      body.off("close", done);
      resolve();
    };
    body.on("drain", done);
    body.on("close", done);
    void settled.then(done);
  });
}

interface RunningValidation {
  /** Hands a chunk over; resolves when there is room for more. */
  push(chunk: Uint8Array): Promise<void>;
  end(): void;
  report: Promise<BudgetFileReport>;
}

/**
 * Validation beside the upload: on a worker thread, so checking the file and sending it use
 * two cores; in this thread when a worker cannot start (then they share one).
 */
function startValidation(
  options: Omit<ValidateBudgetOptions, "onInvalid">,
  onInvalid: () => void,
): RunningValidation {
  let worker: Worker;
  try {
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const entry = new URL("./validationWorker.ts", import.meta.url).href;
    // The worker runs our TypeScript as the bin does: through tsx, registered first.
    worker = new Worker(
      `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true, workerData: options },
    );
  } catch {
    const channel = new ChunkChannel();
    return {
      push: (chunk) => channel.push(chunk),
      end: () => channel.end(),
      report: validateBudgetStream(channel, { ...options, onInvalid }),
    };
  }
  const inFlightLimit = 8;
  let inFlight = 0;
  let room: (() => void) | undefined;
  const report = new Promise<BudgetFileReport>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "ack") {
        inFlight--;
        room?.();
      } else if (message.type === "invalid") {
        onInvalid();
      } else {
        resolve(message.report);
        void worker.terminate();
      }
    });
    worker.on("error", (error) => {
      onInvalid();
      room?.();
      reject(new CliError(`the validator stopped: ${error.message}`, ExitCode.Usage));
    });
    worker.on("exit", () => {
      room?.();
      reject(new CliError("the validator stopped before its report", ExitCode.Usage));
    });
  });
  report.catch(() => {});
  let failed = false;
  report.catch(() => (failed = true));
  return {
    async push(chunk) {
      inFlight++;
      worker.postMessage(chunk);
      while (inFlight >= inFlightLimit && !failed) {
        await new Promise<void>((resolve) => (room = resolve));
      }
    },
    end: () => worker.postMessage(null),
    report,
  };
}

/**
 * Chunks handed from the file reader to the validator, a few at a time: the reader waits when
 * the validator is behind, so memory stays flat.
 */
class ChunkChannel implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private space: (() => void) | undefined;

  async push(chunk: Uint8Array): Promise<void> {
    this.queue.push(chunk);
    this.wake?.();
    while (this.queue.length >= 4 && !this.ended) {
      await new Promise<void>((resolve) => (this.space = resolve));
    }
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        this.space?.();
        yield chunk;
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    }
  }
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
        describe: "XLSX: the worksheet to check (default: the first)",
      })
      .option("dry-run", {
        type: "boolean",
        default: false,
        describe: "Validate and print the destination; touch no AWS API",
      })
      .option("json", { type: "boolean", default: false, describe: "Print the result as JSON" })
      .example("$0 upload export.csv --bucket your-company-budget-exports", "The guide's Step 3")
      .epilogue(
        "The file is validated while it streams to S3 (multipart for large files); at the first error the upload is cancelled and nothing is written. Needs s3:PutObject (and s3:AbortMultipartUpload) on the prefix; no read access. Credentials and region come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL...).\nExit codes: 0 uploaded; 1 the file is invalid (nothing uploaded) or S3 refused; 2 unreadable file or bad usage.",
      ) as unknown as Argv<UploadOptions>,
  handler: async (argv) => {
    const options = parseOptions(optionsSchema, argv);
    process.exitCode = await runUpload(options);
  },
};

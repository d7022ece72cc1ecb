/**
 * Uploading a budget file while it is validated: the validator and the multipart upload each read
 * the file at their own pace, through one descriptor. At the first error the upload is cancelled
 * (its multipart upload aborted), and the request that would make the object exist waits for the
 * validator's verdict and for proof that the file did not change meanwhile, so nothing of an
 * invalid file is ever written.
 */
import type { Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type {
  BudgetFileFormat,
  BudgetFileReport,
  ValidateBudgetOptions,
} from "../../lib/budget-file/budgetFile.ts";
import { CliError, ExitCode } from "../errors.ts";
import { validateOpenFile } from "../files/budgetReport.ts";
import { runValidationWorker } from "../files/validationWorkerClient.ts";
import type { Progress } from "../progressBar.ts";
import {
  describeS3Error,
  S3CommandError,
  s3ErrorCode,
  type S3ErrorContext,
  type S3Problem,
} from "./s3Errors.ts";
import {
  FileShrank,
  transferFile,
  type PartChecksum,
  type TransferResponse,
} from "./s3Transfer.ts";

/** Files at least this large are validated on a worker thread (see startValidation). */
const WORKER_MIN_BYTES = 8 * 1024 * 1024;

/** The object a new upload replaced. */
export interface ReplacedObject {
  /** Its version id, kept by a versioned bucket (absent when the bucket keeps no versions). */
  versionId?: string;
  lastModified?: string;
  size?: number;
}

export interface ValidatedUploadArgs {
  file: string;
  format: BudgetFileFormat;
  /** XLSX: the worksheet to check. */
  sheet?: string;
  /** The file's size when it was looked at. */
  size: number;
  bucket: string;
  key: string;
  contentType: string;
  /** Default: the SDK's default chain (cli/aws/s3Client.ts). */
  client?: S3Client;
  /** Part size of multipart uploads; default 8 MiB. */
  partSize?: number;
  /** Files this large or larger are validated on a worker thread; default 8 MiB. */
  workerMinBytes?: number;
  progress?: Progress;
}

/** The report, and what S3 did: the object made, or why it was not. */
export type ValidatedUpload =
  | {
      report: BudgetFileReport;
      response: TransferResponse;
      checksum: PartChecksum;
      /** What the key held before: see `previousObject`. */
      replaced: ReplacedObject | false | null;
    }
  | {
      report: BudgetFileReport;
      response?: undefined;
      /** An invalid file's partial multipart upload that could not be aborted. */
      abortProblem?: S3Problem;
    };

/**
 * Validates the file and uploads it to `key`, both at once. Resolves with the report, and the S3
 * response when the file was valid and the upload completed; a file that changed meanwhile is a
 * CliError; S3 failures are thrown as S3CommandError.
 */
export async function uploadValidated(args: ValidatedUploadArgs): Promise<ValidatedUpload> {
  const uri = `s3://${args.bucket}/${args.key}`;
  // Validation starts before anything else loads: on a large file it takes longest, and the
  // upload's own start (the SDK) runs meanwhile on the other core.
  let handle: FileHandle;
  try {
    handle = await open(args.file, "r");
  } catch (error) {
    throw new CliError(
      `${args.file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      ExitCode.Usage,
    );
  }
  let validation: RunningValidation | undefined;
  let context: S3ErrorContext = { action: `uploading to ${uri}`, bucket: args.bucket };
  let attempt: Awaited<ReturnType<typeof uploadOnce>>;
  try {
    const before = await handle.stat();
    validation = startValidation(
      handle.fd,
      { format: args.format, sheet: args.sheet, sizeHint: args.size },
      args.size >= (args.workerMinBytes ?? WORKER_MIN_BYTES),
    );
    const checking = validation;

    const { createS3Client, configuredEndpoint } = await import("./s3Client.ts");
    const client = args.client ?? createS3Client();
    const region = await client.config.region().catch(() => undefined);
    context = { ...context, region, endpoint: configuredEndpoint() };

    try {
      attempt = await uploadOnce({
        client,
        file: args.file,
        handle,
        before,
        validation: checking,
        bucket: args.bucket,
        key: args.key,
        contentType: args.contentType,
        size: args.size,
        partSize: args.partSize,
        progress: args.progress,
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
  if (attempt.response === undefined && attempt.abortError !== undefined) {
    return {
      report: attempt.report,
      abortProblem: describeS3Error(attempt.abortError, {
        ...context,
        action: `aborting the multipart upload of ${uri}`,
      }),
    };
  }
  return attempt.response === undefined ? { report: attempt.report } : attempt;
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
  progress?: Progress;
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
      onProgress: args.progress ? (loaded) => args.progress?.update(loaded) : undefined,
    }).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  ]);
  if (report.valid && outcome.ok && outcome.result.completed) args.progress?.finish();
  else args.progress?.abandon();
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

  const worker = onWorker
    ? runValidationWorker({
        ...options,
        fd,
        budgetSyncValidation: true,
        // One worker, in one pass: the upload and the store (on this machine, often) need the
        // other core; a second validation thread would only add its start and the merge.
        splitMinBytes: Infinity,
      })
    : undefined;
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
  const report = new Promise<BudgetFileReport>((resolve, reject) => {
    worker.onMessage((message) => {
      if (message.type === "invalid") {
        tellInvalid();
      } else if (message.type === "report") {
        resolve(message.report);
        void worker.stop();
      }
    });
    worker.onEnd((error) => {
      if (error) tellInvalid();
      reject(
        new CliError(
          error
            ? `the validator stopped: ${error.message}`
            : "the validator stopped before its report",
          ExitCode.Usage,
        ),
      );
    });
  });
  report.catch(() => {});
  return {
    report,
    onInvalid,
    stop: () => worker.stop(),
  };
}

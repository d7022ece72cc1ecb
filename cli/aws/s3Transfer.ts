/**
 * Sends a local file to S3 as `upload` needs it: read by positional reads into a few reused
 * part-sized buffers (no stream, no copy of each byte into a new buffer, no page faults for
 * fresh memory per part), each part carrying one checksum that S3 verifies on receipt, and the
 * request that makes the object exist (CompleteMultipartUpload, or a small file's one
 * PutObject) sent only when `mayComplete` says so.
 *
 * One checksum per part, the one the store checks: CRC32 (a flexible checksum, `x-amz-checksum-
 * crc32`, with the parts' checksums in CompleteMultipartUpload) where the client sends flexible
 * checksums (AWS's default), else Content-MD5, which every S3-compatible store checks. The
 * payload itself is not hashed again for the signature (`UNSIGNED-PAYLOAD`): the checksum
 * header is signed, so a body altered on the way no longer matches it and the store refuses it.
 */
import { createHash } from "node:crypto";
import { read } from "node:fs";
import { crc32 } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";

/** The checksum each part carries. */
export type PartChecksum = "CRC32" | "Content-MD5";

export interface TransferOptions {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  /** The open file, read by positional reads (a validator may read it at the same time). */
  fd: number;
  size: number;
  /** Bytes per part; a file of at most this size goes in one PutObject. */
  partSize: number;
  /** Parts in flight at once; default 4. */
  queueSize?: number;
  /** Once aborted, no more parts are sent and a multipart upload under way is aborted. */
  signal: AbortSignal;
  /**
   * Asked once every part is sent, before the object is made: true to complete, false to abort.
   * For a single PutObject, asked before it is sent.
   */
  mayComplete(): Promise<boolean>;
  /** Bytes sent so far, after each part. */
  onProgress?(loaded: number): void;
}

/** What S3 answered for the object made. */
export interface TransferResponse {
  VersionId?: string;
  ETag?: string;
  ChecksumCRC32?: string;
}

export type TransferResult =
  | { completed: true; response: TransferResponse; checksum: PartChecksum }
  | { completed: false; abortError?: unknown };

/** The checksum a client's settings call for: CRC32 where it sends flexible checksums. */
async function partChecksum(client: S3Client): Promise<PartChecksum> {
  const calculation = await client.config.requestChecksumCalculation();
  return calculation === "WHEN_REQUIRED" ? "Content-MD5" : "CRC32";
}

/** The checksum fields of a part's (or a single object's) request. */
function checksumOf(bytes: Uint8Array, kind: PartChecksum) {
  if (kind === "Content-MD5")
    return { ContentMD5: createHash("md5").update(bytes).digest("base64") };
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes));
  return { ChecksumAlgorithm: "CRC32" as const, ChecksumCRC32: value.toString("base64") };
}

/** Fills `buffer` from `position`; fewer bytes only at the end of the file. */
function readFully(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const next = (): void =>
      read(fd, buffer, done, length - done, position + done, (error, bytes) => {
        if (error) return reject(error);
        done += bytes;
        if (bytes === 0 || done === length) resolve(done);
        else next();
      });
    next();
  });
}

/** A part read shorter than the file's size at the start: the file was cut meanwhile. */
export class FileShrank extends Error {
  constructor() {
    super("the file became shorter while it was being uploaded");
    this.name = "FileShrank";
  }
}

/** Numbers the middleware of each transfer, so that transfers on one client keep theirs apart. */
let transfers = 0;

export async function transferFile(options: TransferOptions): Promise<TransferResult> {
  const { client, bucket, key } = options;
  const {
    PutObjectCommand,
    CreateMultipartUploadCommand,
    UploadPartCommand,
    CompleteMultipartUploadCommand,
    AbortMultipartUploadCommand,
  } = await import("@aws-sdk/client-s3");
  const kind = await partChecksum(client);
  const unsigned = `budgetSyncUnsignedPayload${++transfers}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string };
      const request = args.request as { headers?: Record<string, string> };
      if (
        (context.commandName === "UploadPartCommand" ||
          context.commandName === "PutObjectCommand") &&
        input.Bucket === bucket &&
        input.Key === key &&
        request.headers
      ) {
        request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      }
      return next(args);
    },
    { step: "build", name: unsigned },
  );
  try {
    if (options.size <= options.partSize) {
      const body = Buffer.allocUnsafe(options.size);
      const length = await readFully(options.fd, body, options.size, 0);
      if (length < options.size) throw new FileShrank();
      const checksum = checksumOf(body, kind);
      if (options.signal.aborted || !(await options.mayComplete())) return { completed: false };
      const response = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: options.contentType,
          ...checksum,
        }),
      );
      options.onProgress?.(body.length);
      return { completed: true, response, checksum: kind };
    }

    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: options.contentType,
        ...(kind === "CRC32" ? { ChecksumAlgorithm: "CRC32" as const } : {}),
      }),
    );
    const uploadId = created.UploadId!;
    const abort = async (): Promise<unknown> => {
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        );
        return undefined;
      } catch (error) {
        return error ?? new Error("the abort failed");
      }
    };

    const count = Math.ceil(options.size / options.partSize);
    const parts: { PartNumber: number; ETag?: string; ChecksumCRC32?: string }[] = [];
    let nextPart = 0;
    let loaded = 0;
    let failure: unknown;
    const sendParts = async (buffer: Buffer): Promise<void> => {
      while (failure === undefined && !options.signal.aborted && nextPart < count) {
        const index = nextPart++;
        const position = index * options.partSize;
        const length = Math.min(options.partSize, options.size - position);
        const got = await readFully(options.fd, buffer, length, position);
        if (got < length) throw new FileShrank();
        const body = buffer.subarray(0, length);
        const checksum = checksumOf(body, kind);
        if (options.signal.aborted) return;
        const answer = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: index + 1,
            Body: body,
            ContentLength: length,
            ...checksum,
          }),
        );
        parts.push({
          PartNumber: index + 1,
          ETag: answer.ETag,
          ...("ChecksumCRC32" in checksum ? { ChecksumCRC32: checksum.ChecksumCRC32 } : {}),
        });
        loaded += length;
        options.onProgress?.(loaded);
      }
    };
    // Each of the parts in flight has a buffer of its own, reused from one part to the next.
    const queue = Math.max(1, Math.min(options.queueSize ?? 4, count));
    await Promise.all(
      Array.from({ length: queue }, () =>
        sendParts(Buffer.allocUnsafe(options.partSize)).catch((error: unknown) => {
          failure ??= error;
        }),
      ),
    );
    if (failure !== undefined) {
      await abort();
      throw failure;
    }
    if (options.signal.aborted || !(await options.mayComplete())) {
      const abortError = await abort();
      return abortError === undefined ? { completed: false } : { completed: false, abortError };
    }
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    try {
      const response = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return { completed: true, response, checksum: kind };
    } catch (error) {
      await abort();
      throw error;
    }
  } finally {
    client.middlewareStack.remove(unsigned);
  }
}

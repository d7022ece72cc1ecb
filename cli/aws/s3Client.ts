/**
 * The one S3 client of the budget-file commands (`upload`, `verify`): the SDK's default
 * credential and config chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, shared config files),
 * made to work unchanged against S3-compatible stores.
 */
import { createHash } from "node:crypto";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

/** The endpoint configured for S3 through the SDK's environment variables, if any. */
export function configuredEndpoint(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/** True when an endpoint is not Amazon's own (s3rver, MinIO, Ceph, R2...). */
export function isNonAwsEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return !/(^|\.)amazonaws\.com(\.cn)?$/.test(host);
  } catch {
    return true;
  }
}

/**
 * An S3 client on the default chain. Against a non-AWS endpoint: path-style addressing (bucket
 * names need not be DNS names there), and, unless the environment chooses otherwise, checksums
 * only when required, since many S3-compatible stores do not understand the SDK's checksum
 * trailers (s3rver stores the aws-chunked framing as the object). Uploads then carry Content-MD5
 * instead, so the store still checks every byte it receives.
 */
export function createS3Client(
  overrides: S3ClientConfig = {},
  env: Record<string, string | undefined> = process.env,
): S3Client {
  const endpoint = configuredEndpoint(env);
  const nonAws = isNonAwsEndpoint(endpoint);
  const config: S3ClientConfig = { ...overrides };
  if (nonAws) {
    config.forcePathStyle ??= true;
    if (!env.AWS_REQUEST_CHECKSUM_CALCULATION)
      config.requestChecksumCalculation ??= "WHEN_REQUIRED";
    if (!env.AWS_RESPONSE_CHECKSUM_VALIDATION)
      config.responseChecksumValidation ??= "WHEN_REQUIRED";
  }
  const client = new S3Client(config);
  addContentMd5(client);
  return client;
}

/**
 * PutObject and UploadPart with a body in memory and no flexible checksum header get a
 * Content-MD5 header: the store rejects the request (BadDigest) if a byte changed on the way.
 * `upload` gives each of its parts its own checksum (s3Transfer.ts); this covers the rest (the
 * write probe of `verify --expect-read-only`, say).
 */
function addContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as {
        headers?: Record<string, string>;
        body?: unknown;
      };
      if (
        (context.commandName === "PutObjectCommand" ||
          context.commandName === "UploadPartCommand") &&
        request.headers &&
        !Object.keys(request.headers).some((h) => /^x-amz-checksum-|^content-md5$/i.test(h)) &&
        (request.body instanceof Uint8Array || typeof request.body === "string")
      ) {
        request.headers["content-md5"] = createHash("md5")
          .update(request.body as Uint8Array | string)
          .digest("base64");
      }
      return next(args);
    },
    { step: "finalizeRequest", priority: "high", name: "budgetSyncContentMd5" },
  );
}

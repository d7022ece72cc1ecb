import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { partitionOf } from "../../lib/aws/regions.ts";
import { configuredEndpoint, createS3Client } from "./s3Client.ts";
import {
  bucketRegionFromError,
  NEW_KEY_NOTE,
  networkCode,
  s3ErrorCode,
  type SdkErrorShape,
} from "./s3Errors.ts";

/**
 * The S3 client of `test-connection` and the guide's troubleshooting words for what S3 answers
 * while SpendFlo's access is tested. The client and the error code come from the budget-file
 * commands' `cli/aws/s3Client.ts` and `cli/aws/s3Errors.ts`; the words here name the reader, the
 * prefix and the read-versus-list difference that only this command knows about.
 */

export { s3ErrorCode };

/** Static credentials or a provider, as the S3 client takes them. */
export type Credentials = NonNullable<S3ClientConfig["credentials"]>;

/**
 * The shared S3 client (path-style and checksums only when required against a non-AWS endpoint)
 * for one region and credentials (undefined: the SDK's default chain).
 */
export function makeS3Client(
  region: string | undefined,
  credentials: Credentials | undefined,
  env: Record<string, string | undefined> = process.env,
): S3Client {
  // The endpoint is passed, not left to the SDK's reading of process.env, so that `env` decides.
  const endpoint = configuredEndpoint(env);
  return createS3Client(
    {
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      ...(credentials ? { credentials } : {}),
      // The SDK retries throttling and 5xx; a refused key is not retried: it fails at once.
      maxAttempts: 3,
    },
    env,
  );
}

export type S3FailureCause =
  | "access-denied"
  | "no-such-bucket"
  | "wrong-region"
  | "invalid-key-id"
  | "signature-mismatch"
  | "expired-credentials"
  | "no-credentials"
  | "unreachable"
  | "other";

export interface S3Failure {
  cause: S3FailureCause;
  /** The guide's words, with the fix. */
  message: string;
  /** The error code S3 gave, when it gave one. */
  code?: string;
}

export interface S3Context {
  bucket: string;
  prefix: string;
  region?: string;
  accessKeyId?: string;
  /** Who the request ran as, for the messages: "the reader key from the stack outputs", ... */
  principal: string;
  /** The object read, when the failure is reading one rather than listing. */
  readKey?: string;
}

/** Names the cause of an S3 failure in the guide's troubleshooting words. */
export function explainS3Error(error: unknown, context: S3Context): S3Failure {
  const e = (error ?? {}) as SdkErrorShape;
  const code = s3ErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  const where = `s3://${context.bucket}/${context.prefix}`;
  const arn = `arn:${partitionOf(context.region ?? "")}:s3:::${context.bucket}`;
  const bucketRegion = bucketRegionFromError(error) ?? e.BucketRegion;

  if (
    code === "PermanentRedirect" ||
    code === "AuthorizationHeaderMalformed" ||
    code === "IllegalLocationConstraintException" ||
    status === 301
  ) {
    return {
      cause: "wrong-region",
      code,
      message: `Wrong region: the bucket ${context.bucket} is ${bucketRegion ? `in ${bucketRegion}` : "in another region"}, not ${context.region ?? "the region configured"}; run again with --region ${bucketRegion ?? "<the bucket's region>"} (and register that region).`,
    };
  }
  if (code === "NoSuchBucket") {
    return {
      cause: "no-such-bucket",
      code,
      message: `No such bucket: ${context.bucket} does not exist${context.region ? ` (in ${context.region})` : ""}. Check the name against the stack output bucketName: bucket names are global and exact.`,
    };
  }
  if (code === "InvalidAccessKeyId") {
    return {
      cause: "invalid-key-id",
      code,
      message: `Invalid key id: AWS does not know the access key id${context.accessKeyId ? ` ${context.accessKeyId}` : ""} (${context.principal}). As the guide's troubleshooting says, verify the Access Key ID and Secret are correct: this one was mistyped, deleted or rotated away, or belongs to another partition. ${NEW_KEY_NOTE}`,
    };
  }
  if (code === "SignatureDoesNotMatch") {
    return {
      cause: "signature-mismatch",
      code,
      message: `Signature mismatch: the secret access key does not belong to the key id${context.accessKeyId ? ` ${context.accessKeyId}` : ""} (${context.principal}). As the guide's troubleshooting says, verify the Access Key ID and Secret are correct: take both from the same \`pulumi stack output --json --show-secrets\` (a clock far off also causes this). ${NEW_KEY_NOTE}`,
    };
  }
  if (code === "ExpiredToken" || code === "InvalidToken" || code === "ExpiredTokenException") {
    return {
      cause: "expired-credentials",
      code,
      message: `Expired credentials (${context.principal}): refresh your session (aws sso login, or a new AWS_SESSION_TOKEN) and run again.`,
    };
  }
  if (/region is missing/i.test(e.message ?? "")) {
    return {
      cause: "other",
      code,
      message:
        "No region: pass --region (the bucket's region), set AWS_REGION, or give your AWS profile a region.",
    };
  }
  if (code === "CredentialsProviderError" || /could not load credentials/i.test(e.message ?? "")) {
    return {
      cause: "no-credentials",
      code,
      message:
        "No AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or pass --stack-outputs to test with the reader's own key.",
    };
  }
  if ((code === "AccessDenied" || code === "Forbidden" || status === 403) && context.readKey) {
    return {
      cause: "access-denied",
      code: code ?? "AccessDenied",
      message: [
        `Access Denied reading ${context.readKey} as ${context.principal}: the prefix lists, but SpendFlo could not read the files. The guide's fixes:`,
        `  1. Verify the IAM policy grants s3:GetObject on ${arn}/${context.prefix}*; with SSE-KMS the reader also needs kms:Decrypt on the bucket's key (through S3).`,
        "  2. Check the bucket policy does not deny this principal reading objects.",
        "  3. Verify the Access Key ID and Secret are the reader's.",
        NEW_KEY_NOTE,
      ].join("\n"),
    };
  }
  if (code === "AccessDenied" || code === "Forbidden" || status === 403) {
    return {
      cause: "access-denied",
      code: code ?? "AccessDenied",
      message: [
        `Access Denied listing ${where} as ${context.principal}. The guide's fixes:`,
        `  1. Verify the IAM policy grants s3:GetObject on ${arn}/${context.prefix}* and s3:ListBucket on ${arn} (ours conditions it on s3:prefix "${context.prefix}*": list that prefix, not the bucket root).`,
        "  2. Check the bucket policy does not deny this principal (an IP, VPC endpoint or TLS condition); `--check-permissions` asks IAM's simulator.",
        "  3. Verify the Access Key ID and Secret are correct and belong to the reader (`pulumi stack output --json --show-secrets`).",
        NEW_KEY_NOTE,
      ].join("\n"),
    };
  }
  const network = networkCode(error);
  if (network) {
    return {
      cause: "unreachable",
      code: network,
      message: `Cannot reach S3 (${network}): check the network, a proxy, or AWS_ENDPOINT_URL.`,
    };
  }
  if (code === "TimeoutError") {
    return { cause: "unreachable", code, message: "Cannot reach S3: the request timed out." };
  }
  return {
    cause: "other",
    code,
    message: `S3 refused: ${code ?? "error"}${e.message ? `: ${e.message}` : ""}`,
  };
}

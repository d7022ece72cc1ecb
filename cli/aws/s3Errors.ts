/**
 * What S3 (or the SDK on its way there) answered, in the words of the guide's Troubleshooting
 * section, for every command that talks to S3. Never prints credentials: only the error's code,
 * its own message, the bucket, key and regions.
 */
import { CliError, ExitCode, type ExitCodeValue } from "../errors.ts";

/** Where the failing request went. */
export interface S3ErrorContext {
  /** What we were doing, as a phrase: "listing s3://b/budgets/", "uploading ...". */
  action: string;
  bucket?: string;
  /** The region the client used, when known. */
  region?: string;
  endpoint?: string;
}

/** One S3 failure, explained. */
export interface S3Problem {
  /** S3's error code (AccessDenied, NoSuchBucket...) or our own (WrongRegion, NoCredentials...). */
  code: string;
  message: string;
  exitCode: ExitCodeValue;
}

/** The fields of an AWS SDK error that the explanations read. */
export interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  Region?: string;
  BucketRegion?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  cause?: unknown;
}

/** The S3 error code of an SDK error, or its name. */
export function s3ErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  return e.Code ?? e.name ?? e.code ?? "Error";
}

/** The region a wrong-region answer names, if it names one. */
export function bucketRegionFromError(error: unknown): string | undefined {
  const e = (error ?? {}) as SdkErrorShape;
  const header = e.$response?.headers?.["x-amz-bucket-region"];
  if (header) return header;
  if (e.Region) return e.Region;
  const expecting = /expecting '([a-z0-9-]+)'/.exec(e.message ?? "");
  return expecting?.[1];
}

/**
 * IAM is eventually consistent: a key, or a permission, created a moment ago can be refused for
 * about a minute. Said with every credential refusal, which is not retried: a wrong key fails at
 * once rather than after a minute of tries.
 */
export const NEW_KEY_NOTE =
  "A key or permission created a minute ago may not work yet (IAM is eventually consistent): if yours is that new, wait a minute and run again.";

/** The guide's Troubleshooting, "Access Denied", fix 3. */
const CHECK_KEYS =
  "As the guide's troubleshooting says, verify the Access Key ID and Secret are correct";

const ACCESS_DENIED_FIX = [
  "the IAM policy of these credentials must grant the action on this bucket and prefix (the guide: s3:GetObject and s3:ListBucket to read, s3:PutObject to upload)",
  "the bucket policy must not deny these credentials (or their network)",
  "the Access Key ID and secret (or AWS_PROFILE) must be the ones meant for this bucket",
];

/** Explains an error from an S3 call (or from the SDK before the call). */
export function describeS3Error(error: unknown, context: S3ErrorContext): S3Problem {
  const e = (error ?? {}) as SdkErrorShape;
  const code = s3ErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  const bucket = context.bucket ? `"${context.bucket}"` : "the bucket";
  const sdkMessage = (e.message ?? String(error)).split("\n")[0].slice(0, 300);
  const failed = `S3 refused ${context.action}`;

  if (code === "CredentialsProviderError" || /Could not load credentials/i.test(sdkMessage)) {
    return {
      code: "NoCredentials",
      message: `no AWS credentials found while ${context.action}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is available`,
      exitCode: ExitCode.Usage,
    };
  }
  if (/Region is missing/i.test(sdkMessage)) {
    return {
      code: "NoRegion",
      message: `no AWS region configured: set AWS_REGION (the guide's example: us-east-1) or a region in your AWS profile`,
      exitCode: ExitCode.Usage,
    };
  }
  if (
    code === "PermanentRedirect" ||
    code === "AuthorizationHeaderMalformed" ||
    code === "IllegalLocationConstraintException" ||
    status === 301 ||
    (code === "Redirect" && bucketRegionFromError(error))
  ) {
    const region = bucketRegionFromError(error);
    return {
      code: "WrongRegion",
      message: region
        ? `${failed}: bucket ${bucket} is in region ${region}, not ${context.region ?? "the region configured"}: set AWS_REGION=${region}`
        : `${failed}: bucket ${bucket} is in another region than ${context.region ?? "the one configured"}: set AWS_REGION to the bucket's region`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "NoSuchBucket") {
    return {
      code,
      message: `${failed}: bucket ${bucket} does not exist${context.endpoint ? ` at ${context.endpoint}` : ""}: check its name (and the account or endpoint)`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "InvalidAccessKeyId") {
    return {
      code,
      message: `${failed}: InvalidAccessKeyId: AWS does not know this Access Key ID. ${CHECK_KEYS} (AWS_ACCESS_KEY_ID, or the profile AWS_PROFILE names): a key mistyped, deleted, rotated away or of another partition is refused. ${NEW_KEY_NOTE}`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "SignatureDoesNotMatch") {
    return {
      code,
      message: `${failed}: SignatureDoesNotMatch: the Secret Access Key does not belong to the Access Key ID. ${CHECK_KEYS}: take both from the same place (a clock far off causes this too). ${NEW_KEY_NOTE}`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "ExpiredToken" || code === "TokenRefreshRequired" || code === "InvalidToken") {
    return {
      code,
      message: `${failed}: ${code}: the session credentials (AWS_SESSION_TOKEN, an SSO or role session) have expired or are not valid: refresh them (for example \`aws sso login\`, or assume the role again) and run again`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "AccessDenied" || code === "Forbidden" || status === 403) {
    return {
      code: "AccessDenied",
      message: `${failed}: Access Denied. Check, as the guide's troubleshooting says:\n${ACCESS_DENIED_FIX.map((fix, i) => `  ${i + 1}. ${fix}`).join("\n")}\n${NEW_KEY_NOTE}`,
      exitCode: ExitCode.Finding,
    };
  }
  if (code === "NoSuchKey" || code === "NotFound") {
    return { code, message: `${failed}: no such object`, exitCode: ExitCode.Finding };
  }
  const network = networkCode(error);
  if (network) {
    return {
      code: network,
      message: `cannot reach S3${context.endpoint ? ` at ${context.endpoint}` : ""} while ${context.action} (${network}): check the network, proxy and AWS_ENDPOINT_URL`,
      exitCode: ExitCode.Finding,
    };
  }
  return { code, message: `${failed}: ${code}: ${sdkMessage}`, exitCode: ExitCode.Finding };
}

/** The system error code of a failed connection, looking through causes; undefined if none. */
export function networkCode(error: unknown): string | undefined {
  for (let e = error as SdkErrorShape | undefined, depth = 0; e && depth < 4; depth++) {
    const code = e.code ?? e.name;
    if (
      code &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|TimeoutError)$/.test(
        code,
      )
    ) {
      return code;
    }
    e = e.cause as SdkErrorShape | undefined;
  }
  return undefined;
}

/** An S3 failure as a command-line error: its explanation alone is printed. */
export class S3CommandError extends CliError {
  constructor(readonly problem: S3Problem) {
    super(problem.message, problem.exitCode);
    this.name = "S3CommandError";
  }
}

/** Throws the explained error for an S3 failure. */
export function s3Failure(error: unknown, context: S3ErrorContext): never {
  throw new S3CommandError(describeS3Error(error, context));
}

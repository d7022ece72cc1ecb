import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../cli/errors.ts";
import { describeS3Error } from "../../../cli/aws/s3Errors.ts";

const context = { action: "listing s3://b/budgets/", bucket: "b", region: "us-east-1" };

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} from S3`), { name, ...extra });
}

describe("S3 errors in the guide's troubleshooting words", () => {
  it("names the bucket's region when it is elsewhere", () => {
    const error = sdkError("PermanentRedirect", {
      $metadata: { httpStatusCode: 301 },
      $response: { headers: { "x-amz-bucket-region": "eu-west-1" } },
    });
    expect(describeS3Error(error, context)).toEqual({
      code: "WrongRegion",
      message:
        'S3 refused listing s3://b/budgets/: bucket "b" is in region eu-west-1, not us-east-1: set AWS_REGION=eu-west-1',
      exitCode: ExitCode.Finding,
    });
    const malformed = sdkError("AuthorizationHeaderMalformed", {
      message: "the region 'us-east-1' is wrong; expecting 'ap-south-1'",
    });
    expect(describeS3Error(malformed, context).message).toContain("set AWS_REGION=ap-south-1");
  });

  it("lists the guide's fixes for Access Denied", () => {
    const problem = describeS3Error(
      sdkError("AccessDenied", { $metadata: { httpStatusCode: 403 } }),
      context,
    );
    expect(problem.code).toBe("AccessDenied");
    expect(problem.message).toMatch(/s3:GetObject and s3:ListBucket/);
    expect(problem.message).toMatch(/bucket policy must not deny/);
    expect(problem.message).toMatch(/Access Key ID and secret/);
  });

  it("tells a missing bucket, a bad key, a bad secret and expired credentials apart", () => {
    expect(describeS3Error(sdkError("NoSuchBucket"), context).message).toMatch(
      /bucket "b" does not exist/,
    );
    const newKey =
      "A key or permission created a minute ago may not work yet (IAM is eventually consistent): if yours is that new, wait a minute and run again.";
    expect(describeS3Error(sdkError("InvalidAccessKeyId"), context).message).toBe(
      `S3 refused listing s3://b/budgets/: InvalidAccessKeyId: AWS does not know this Access Key ID. As the guide's troubleshooting says, verify the Access Key ID and Secret are correct (AWS_ACCESS_KEY_ID, or the profile AWS_PROFILE names): a key mistyped, deleted, rotated away or of another partition is refused. ${newKey}`,
    );
    expect(describeS3Error(sdkError("SignatureDoesNotMatch"), context).message).toBe(
      `S3 refused listing s3://b/budgets/: SignatureDoesNotMatch: the Secret Access Key does not belong to the Access Key ID. As the guide's troubleshooting says, verify the Access Key ID and Secret are correct: take both from the same place (a clock far off causes this too). ${newKey}`,
    );
    expect(describeS3Error(sdkError("ExpiredToken"), context).message).toMatch(
      /ExpiredToken: the session credentials .* have expired or are not valid: refresh them/,
    );
    expect(
      describeS3Error(sdkError("AccessDenied", { $metadata: { httpStatusCode: 403 } }), context)
        .message,
    ).toMatch(new RegExp(`\\n${newKey.replace(/[().]/g, "\\$&")}$`));
  });

  it("calls missing credentials or region a configuration problem (exit 2)", () => {
    const noCredentials = describeS3Error(
      sdkError("CredentialsProviderError", {
        message: "Could not load credentials from any providers",
      }),
      context,
    );
    expect(noCredentials).toMatchObject({ code: "NoCredentials", exitCode: ExitCode.Usage });
    expect(describeS3Error(new Error("Region is missing"), context)).toMatchObject({
      code: "NoRegion",
      exitCode: ExitCode.Usage,
    });
  });

  it("says when the endpoint cannot be reached", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
    });
    expect(describeS3Error(refused, { ...context, endpoint: "http://127.0.0.1:9" }).message).toBe(
      "cannot reach S3 at http://127.0.0.1:9 while listing s3://b/budgets/ (ECONNREFUSED): check the network, proxy and AWS_ENDPOINT_URL",
    );
  });
});

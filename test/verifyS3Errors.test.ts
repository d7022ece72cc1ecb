import { describe, expect, it } from "vitest";
import { ExitCode } from "../scripts/errors.ts";
import { describeS3Error, withNewKeyRetry } from "../scripts/s3Errors.ts";

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
    expect(describeS3Error(sdkError("InvalidAccessKeyId"), context).message).toMatch(
      /Access Key ID is not valid/,
    );
    expect(describeS3Error(sdkError("SignatureDoesNotMatch"), context).message).toMatch(
      /Secret Access Key does not belong to the Access Key ID/,
    );
    expect(describeS3Error(sdkError("ExpiredToken"), context).message).toMatch(/expired/);
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

describe("retrying a key S3 does not accept yet", () => {
  it("retries InvalidAccessKeyId until the key works, saying so once", async () => {
    let calls = 0;
    const told: string[] = [];
    const result = await withNewKeyRetry(
      async () => {
        calls++;
        if (calls < 3) throw sdkError("InvalidAccessKeyId");
        return "listed";
      },
      { onWait: (m) => told.push(m), sleep: async () => {} },
    );
    expect(result).toBe("listed");
    expect(calls).toBe(3);
    expect(told).toEqual([
      "S3 does not accept the access key yet (InvalidAccessKeyId); a new key can take a minute to work: retrying for up to 60 s",
    ]);
  });

  it("gives up after the time allowed", async () => {
    let calls = 0;
    await expect(
      withNewKeyRetry(
        async () => {
          calls++;
          throw sdkError("SignatureDoesNotMatch");
        },
        { timeoutMs: 300, intervalMs: 50 },
      ),
    ).rejects.toThrow("SignatureDoesNotMatch from S3");
    expect(calls).toBeGreaterThan(1);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    await expect(
      withNewKeyRetry(async () => {
        calls++;
        throw sdkError("AccessDenied");
      }),
    ).rejects.toThrow("AccessDenied");
    expect(calls).toBe(1);
  });
});

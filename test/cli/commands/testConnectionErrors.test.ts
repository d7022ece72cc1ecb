import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { CliError } from "../../../cli/errors.ts";
import { testConnectionCommand, runTestConnection } from "../../../cli/commands/testConnection.ts";
import { explainS3Error } from "../../../cli/aws/testConnectionS3.ts";

// What S3 answers that s3rver cannot produce (wrong region, signature mismatch, access denied),
// as the SDK delivers it, and the guide's words for each.

const context = {
  bucket: "acme-budget-exports",
  prefix: "budgets/",
  region: "us-east-1",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  principal: "the reader key AKIAIOSFODNN7EXAMPLE from the stack outputs",
};

const s3Error = (name: string, status: number, extra: object = {}) =>
  Object.assign(new Error(`${name} message`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });

describe("S3 failures in the guide's words", () => {
  it("names the bucket's real region on a redirect", () => {
    const failure = explainS3Error(
      s3Error("PermanentRedirect", 301, {
        $response: { headers: { "x-amz-bucket-region": "eu-central-1" } },
      }),
      context,
    );
    expect(failure.cause).toBe("wrong-region");
    expect(failure.message).toBe(
      "Wrong region: the bucket acme-budget-exports is in eu-central-1, not us-east-1; run again with --region eu-central-1 (and register that region).",
    );
  });

  it("gives Access Denied the guide's three fixes, for listing and for reading", () => {
    const list = explainS3Error(s3Error("AccessDenied", 403), context);
    expect(list.cause).toBe("access-denied");
    // The cause, the three fixes, and IAM's delay for a new key or permission.
    expect(list.message.split("\n")).toHaveLength(5);
    expect(list.message.split("\n")[4]).toMatch(/^A key or permission created a minute ago/);
    expect(list.message).toContain("s3:ListBucket on arn:aws:s3:::acme-budget-exports");
    const read = explainS3Error(s3Error("AccessDenied", 403), {
      ...context,
      readKey: "budgets/budget_20250205.csv",
    });
    expect(read.message).toContain("Access Denied reading budgets/budget_20250205.csv");
    expect(read.message).toContain("kms:Decrypt");
  });

  it("uses the partition of the region in the ARNs it suggests", () => {
    const failure = explainS3Error(s3Error("AccessDenied", 403), {
      ...context,
      region: "cn-north-1",
    });
    expect(failure.message).toContain("arn:aws-cn:s3:::acme-budget-exports");
  });

  it("names a signature mismatch and an unknown key id", () => {
    expect(explainS3Error(s3Error("SignatureDoesNotMatch", 403), context).message).toMatch(
      /^Signature mismatch: the secret access key does not belong to the key id AKIAIOSFODNN7EXAMPLE/,
    );
    expect(explainS3Error(s3Error("InvalidAccessKeyId", 403), context).cause).toBe(
      "invalid-key-id",
    );
  });

  it("asks for a region when none is configured", () => {
    expect(
      explainS3Error(new Error("Region is missing"), { ...context, region: undefined }).message,
    ).toBe(
      "No region: pass --region (the bucket's region), set AWS_REGION, or give your AWS profile a region.",
    );
  });

  it("names an unreachable endpoint from the network error code", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(explainS3Error(error, context)).toMatchObject({
      cause: "unreachable",
      code: "ECONNREFUSED",
    });
  });
});

describe("test-connection reads the newest file, not only the listing", () => {
  it("fails when the prefix lists but the file cannot be read", async () => {
    const s3 = new S3Client({ region: "us-east-1" });
    const mock = mockClient(s3);
    mock.on(ListObjectsV2Command).resolves({
      Contents: [
        {
          Key: "budgets/budget_20250205.csv",
          Size: 10,
          LastModified: new Date("2025-02-05T02:00:00Z"),
        },
      ],
    });
    mock.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403));
    let stdout = "";
    const code = await runTestConnection(
      testConnectionCommand.parse({
        bucket: "acme-budget-exports",
        prefix: "budgets/",
        json: true,
      }),
      {
        readStdin: async () => "",
        stdout: (t) => void (stdout += t),
        stderr: () => {},
        stderrIsTerminal: false,
      },
      { env: { AWS_REGION: "us-east-1" }, s3: () => s3 },
    );
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      ok: false,
      fileCount: 1,
      readNewest: "failed",
      failure: { cause: "access-denied" },
    });
    expect(mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: "acme-budget-exports",
      Key: "budgets/budget_20250205.csv",
      Range: "bytes=0-0",
    });
  });

  it("masks a secret an unexpected crash carries", async () => {
    const secret = "Cc1Rr2Aa3Ss4Hh5Ss6Ee7Cc8Rr9Ee0Tt+/abcdef";
    const outputs = {
      accessMode: "iam-user",
      bucketName: "acme-budget-exports",
      bucketArn: "arn:aws:s3:::acme-budget-exports",
      region: "us-east-1",
      prefix: "budgets/",
      readerUserName: "reader",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: secret,
      syncSourceConfig: {
        bucketName: "acme-budget-exports",
        region: "us-east-1",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: secret,
        prefix: "budgets/",
      },
    };
    const io = {
      readStdin: async () => JSON.stringify(outputs),
      stdout: () => {},
      stderr: () => {},
      stderrIsTerminal: false,
    };
    const run = runTestConnection(testConnectionCommand.parse({ "stack-outputs": "-" }), io, {
      env: {},
      s3: (_region, credentials) => {
        throw new TypeError(`cannot build a client for ${JSON.stringify(credentials)}`);
      },
    });
    const error = await run.catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(CliError);
    expect((error as Error).message).toContain('"secretAccessKey":"****"');
    expect(`${(error as Error).message}${(error as Error).stack}`).not.toContain(
      secret.slice(0, 8),
    );
  });
});

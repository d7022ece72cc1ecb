import { PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError, ExitCode } from "../../../cli/errors.ts";
import {
  testConnectionCommand,
  runTestConnection,
  type TestConnectionDeps,
} from "../../../cli/commands/testConnection.ts";
import { makeS3Client } from "../../../cli/aws/testConnectionS3.ts";
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  startS3rver,
  type RunningS3rver,
} from "../../helpers/s3rver.ts";
import { hostedCustomerBlock } from "../../helpers/hostedOutputs.ts";

// s3rver checks that an access key id exists but does not verify SigV4 signatures, so a reader
// key is registered on its dummy account (CommonJS, untyped) below.
const require = createRequire(import.meta.url);
const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account.js") as {
  DUMMY_ACCOUNT: {
    createKeyPair(id: string, secret: string): void;
    revokeAccessKey(id: string): void;
  };
};
const S3RVER_KEYS = {
  accessKeyId: S3RVER_ACCESS_KEY_ID,
  secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
};

const BUCKET = "acme-budget-exports";
const READER_KEY_ID = "AKIAREADERKEY0000001";
const READER_SECRET = "Rd7Tq2Wz9Xk4Mv6Np1Ls3Jh8Gf5Dc0Ba+/readr";
const NEW_KEY_ID = "AKIANEWKEYNOTYETLIVE";
const NEW_SECRET = "Nw5Ee7Kk9Yy1Tt3Ll5Ii7Vv9Ee1+/newsecret";
const SESSION_SECRET = "Ss4Ee6Ss8Ss0Ii2Oo4Nn6Ss8Ee0Cc2Rr4Ee6Tt8";
const SECRETS = [READER_SECRET, NEW_SECRET, SESSION_SECRET];

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      if (text.includes(secret.slice(i, i + 8)))
        throw new Error(`a piece of a secret leaked:\n${text}`);
    }
  }
}

let s3rver: RunningS3rver;
let env: Record<string, string>;

beforeAll(async () => {
  s3rver = await startS3rver([BUCKET, "other-bucket"]);
  env = s3rver.env;
  DUMMY_ACCOUNT.createKeyPair(READER_KEY_ID, READER_SECRET);

  const admin = makeS3Client("us-east-1", S3RVER_KEYS, env);
  const put = (key: string) =>
    admin.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: "Department,Budget Amount,Fiscal Period\nSales,1,FY 2025\n",
      }),
    );
  const earlier = [
    "budgets/budget_20250101.csv",
    "budgets/notes.txt",
    "elsewhere/budget_20250301.csv",
  ];
  for (const key of earlier) await put(key);
  await put("budgets/budget_20250205.csv");
  // S3 keeps LastModified in seconds: the newest file was written a second after the others.
  const aSecondAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  for (const key of earlier) await s3rver.setLastModified(BUCKET, key, aSecondAgo);
});

afterAll(async () => {
  DUMMY_ACCOUNT.revokeAccessKey(READER_KEY_ID);
  await s3rver.close();
});

const iamUserOutputs = (accessKeyId = READER_KEY_ID, secretAccessKey = READER_SECRET) => ({
  accessMode: "iam-user",
  bucketName: BUCKET,
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  region: "us-east-1",
  prefix: "budgets/",
  readerUserName: "spendflo-budget-sync-dev",
  accessKeyId,
  secretAccessKey,
  syncSourceConfig: {
    bucketName: BUCKET,
    region: "us-east-1",
    accessKeyId,
    secretAccessKey,
    prefix: "budgets/",
  },
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: Error;
}

async function testConnection(
  flags: Record<string, unknown>,
  outputs?: unknown,
  deps: Partial<TestConnectionDeps> = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const run: Run = { code: -1, stdout: "", stderr: "" };
  try {
    run.code = await runTestConnection(
      testConnectionCommand.parse({ ...(outputs ? { "stack-outputs": "-" } : {}), ...flags }),
      {
        readStdin: async () => JSON.stringify(outputs),
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        stderrIsTerminal: false,
      },
      {
        env: { ...env, AWS_REGION: "us-east-1" },
        // The default chain of these tests is s3rver's own key.
        s3: (region, credentials) => makeS3Client(region, credentials ?? S3RVER_KEYS, env),
        ...deps,
      },
    );
  } catch (error) {
    run.error = error as Error;
    run.code = error instanceof CliError ? error.exitCode : ExitCode.Usage;
  }
  run.stdout = stdout;
  run.stderr = stderr;
  expectNoSecret([stdout, stderr, run.error?.message, run.error?.stack].join("\n"));
  return run;
}

describe("test-connection against s3rver", () => {
  it("lists the prefix with the default chain: file count and the newest file", async () => {
    const run = await testConnection({ bucket: BUCKET, prefix: "budgets/" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Connection OK: listed s3://${BUCKET}/budgets/ (us-east-1) as the default credential chain.`,
    );
    expect(run.stdout).toMatch(/\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ budget_20250205\.csv\n/);
    expect(run.stdout).toContain("3 files; newest: budgets/budget_20250205.csv");
    expect(run.stdout).toContain("Read OK: the first byte of budgets/budget_20250205.csv.");
    expect(run.stderr).toContain(
      "warning: 1 file(s) are not .csv or .xlsx and will be ignored, e.g. budgets/notes.txt",
    );
  });

  it("lists with the reader key of the stack outputs, masking its secret", async () => {
    const run = await testConnection({ json: true }, iamUserOutputs());
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      ok: true,
      bucket: BUCKET,
      prefix: "budgets/",
      principal: `the reader key ${READER_KEY_ID} from the stack outputs`,
      fileCount: 3,
    });
    expect(report.newest.key).toBe("budgets/budget_20250205.csv");
  });

  it("names a wrong bucket in the guide's words, exit 1", async () => {
    const run = await testConnection({ bucket: "no-such-budget-bucket", prefix: "budgets/" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "Connection FAILED: No such bucket: no-such-budget-bucket does not exist (in us-east-1)",
    );
  });

  it("reports a wrong prefix as no files found, with the guide's fixes", async () => {
    const run = await testConnection({ bucket: BUCKET, prefix: "budget/" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("0 files.");
    expect(run.stderr).toContain(
      'warning: No files found under the prefix "budget/". The guide\'s fixes: check the files are in the correct prefix',
    );
  });

  it("refuses a prefix without its trailing slash, exit 2", async () => {
    const run = await testConnection({ bucket: BUCKET, prefix: "budgets" });
    expect(run.code).toBe(2);
    expect(run.error!.message).toBe('--prefix budgets: must end with "/" (try "budgets/")');
  });

  it("names an unknown key id at once, with the guide's advice and IAM's delay for a new key", async () => {
    const run = await testConnection({}, iamUserOutputs(NEW_KEY_ID, NEW_SECRET));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(
      `Connection FAILED: Invalid key id: AWS does not know the access key id ${NEW_KEY_ID} (the reader key ${NEW_KEY_ID} from the stack outputs). As the guide's troubleshooting says, verify the Access Key ID and Secret are correct`,
    );
    expect(run.stdout).toContain(
      "A key or permission created a minute ago may not work yet (IAM is eventually consistent)",
    );
  });

  it("names an unknown key of the default chain the same way", async () => {
    const run = await testConnection({ bucket: BUCKET, prefix: "budgets/" }, undefined, {
      s3: (region) =>
        makeS3Client(region, { accessKeyId: NEW_KEY_ID, secretAccessKey: NEW_SECRET }, env),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Invalid key id");
  });
});

describe("test-connection in the role mode", () => {
  const roleOutputs = {
    accessMode: "cross-account-role",
    bucketName: BUCKET,
    bucketArn: `arn:aws:s3:::${BUCKET}`,
    region: "us-east-1",
    prefix: "budgets/",
    spendfloAccountId: "111122223333",
    roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-dev",
    externalId: "acme-7f3a9c",
    syncSourceConfig: {
      bucketName: BUCKET,
      region: "us-east-1",
      prefix: "budgets/",
      roleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-dev",
      externalId: "acme-7f3a9c",
    },
  };

  it("assumes the role with its external id, then lists with the session", async () => {
    const sts = new STSClient({ region: "us-east-1" });
    const mock = mockClient(sts);
    mock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: READER_KEY_ID,
        SecretAccessKey: SESSION_SECRET,
        SessionToken: `token-${SESSION_SECRET}`,
        Expiration: new Date(),
      },
    });
    const run = await testConnection({}, roleOutputs, { sts: () => sts });
    expect(run.code).toBe(0);
    expect(mock.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: "arn:aws:iam::444455556666:role/spendflo-budget-sync-dev",
      RoleSessionName: "budget-sync-test-connection",
      ExternalId: "acme-7f3a9c",
      DurationSeconds: 900,
    });
    expect(run.stdout).toContain(
      "as the role arn:aws:iam::444455556666:role/spendflo-budget-sync-dev (assumed with its external id)",
    );
  });

  it("names a refused external id and points the customer to --check-permissions", async () => {
    const sts = new STSClient({ region: "us-east-1" });
    const denied = Object.assign(new Error("User is not authorized to perform: sts:AssumeRole"), {
      name: "AccessDenied",
    });
    mockClient(sts).on(AssumeRoleCommand).rejects(denied);
    const run = await testConnection({}, roleOutputs, { sts: () => sts });
    expect(run.code).toBe(1);
    expect(run.error!.message).toContain(
      "External id refused: STS AssumeRole of arn:aws:iam::444455556666:role/spendflo-budget-sync-dev",
    );
    expect(run.error!.message).toContain("--credentials default --check-permissions");
  });
});

describe("test-connection --customer on the hosted stack's outputs", () => {
  const block = hostedCustomerBlock(
    "acme",
    "AKIAACMEACMEACME1234",
    "customer-own-secret-never-used",
  );
  const hosted = {
    bucketName: BUCKET,
    region: "us-east-1",
    prefix: "customers/",
    manageBucket: true,
    customers: {
      acme: { ...block, syncSourceConfig: { ...block.syncSourceConfig, bucketName: BUCKET } },
    },
  };

  it("assumes the customer's read-only sync role with its external id, never the customer's key", async () => {
    const sts = new STSClient({ region: "us-east-1" });
    const mock = mockClient(sts);
    mock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: READER_KEY_ID,
        SecretAccessKey: SESSION_SECRET,
        SessionToken: `token-${SESSION_SECRET}`,
        Expiration: new Date(),
      },
    });
    const run = await testConnection({ customer: "acme" }, hosted, { sts: () => sts });
    expect(run.code, run.error?.message).toBe(0);
    expect(mock.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toMatchObject({
      RoleArn: "arn:aws:iam::444455556666:role/spendflo-reader-acme",
      ExternalId: "acme-5f0c8e2a9d31b7c4",
    });
    expect(run.stdout).toContain("as the role arn:aws:iam::444455556666:role/spendflo-reader-acme");
    expect(run.stdout).not.toContain("AKIAACMEACMEACME1234");
  });

  it("says that only SpendFlo's poller may assume it when STS refuses", async () => {
    const sts = new STSClient({ region: "us-east-1" });
    mockClient(sts)
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const run = await testConnection({ customer: "acme" }, hosted, { sts: () => sts });
    expect(run.code).toBe(1);
    expect(run.error!.message).toContain("As SpendFlo's poller (the role of hosted.pollerRoleArn)");
    expect(run.error!.message).toContain("the sync role trusts only the poller");
  });
});

describe("test-connection: --credentials reader", () => {
  it("needs --stack-outputs, and says so rather than blaming outputs that were not given", async () => {
    const run = await testConnection({ bucket: BUCKET, credentials: "reader" });
    expect(run.code).toBe(2);
    expect(run.error!.message).toContain("--credentials reader needs --stack-outputs");
    expect(run.error!.message).not.toContain("the stack outputs carry no reader credentials");
  });
});

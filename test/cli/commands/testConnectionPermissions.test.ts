import {
  IAMClient,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
  type SimulateCustomPolicyCommandInput,
  type SimulatePrincipalPolicyCommandInput,
} from "@aws-sdk/client-iam";
import { GetBucketPolicyCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CliError, ExitCode } from "../../../cli/errors.ts";
import { judge, s3WriteActions } from "../../../cli/aws/permissionCheck.ts";
import { testConnectionCommand, runTestConnection } from "../../../cli/commands/testConnection.ts";
import { bufferIo } from "../../helpers/io.ts";

// IAM has no local server: the simulator is mocked, with a toy evaluator that allows the
// actions a scenario grants, and the requests it receives are asserted.

const SECRET = "Pp3Ee5Rr7Mm9Ii1Ss2Ss4Ii6Oo8Nn0Ss+/secret";
const CUSTOMER_ACCOUNT = "444455556666";
const BUCKET = "acme-budget-exports";
const BUCKET_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});

const iamUserOutputs = {
  accessMode: "iam-user",
  bucketName: BUCKET,
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  region: "eu-west-1",
  prefix: "budgets/",
  readerUserName: "spendflo-budget-sync-prod",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: SECRET,
  syncSourceConfig: {
    bucketName: BUCKET,
    region: "eu-west-1",
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: SECRET,
    prefix: "budgets/",
  },
};

const roleArn = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/spendflo-budget-sync-prod`;
const roleOutputs = {
  accessMode: "cross-account-role",
  bucketName: BUCKET,
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  region: "eu-west-1",
  prefix: "budgets/",
  spendfloAccountId: "111122223333",
  roleArn,
  externalId: "acme-7f3a9c",
  syncSourceConfig: {
    bucketName: BUCKET,
    region: "eu-west-1",
    prefix: "budgets/",
    roleArn,
    externalId: "acme-7f3a9c",
  },
};

const policyOutputs = {
  accessMode: "cross-account-policy",
  bucketName: BUCKET,
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  region: "eu-west-1",
  prefix: "budgets/",
  spendfloAccountId: "111122223333",
  syncSourceConfig: { bucketName: BUCKET, region: "eu-west-1", prefix: "budgets/" },
};

const iam = new IAMClient({ region: "eu-west-1" });
const sts = new STSClient({ region: "eu-west-1" });
const s3 = new S3Client({ region: "eu-west-1" });
const iamMock = mockClient(iam);
const stsMock = mockClient(sts);
const s3Mock = mockClient(s3);

/**
 * Allowed actions of the toy evaluator, and which policy allows them. Like the deployed reader
 * policy, the read grants are scoped: GetObject under `budgets/`, ListBucket with an s3:prefix
 * under it; `unscoped` lifts that, as a broad grant added by hand would.
 */
let grants: Map<string, string>;
let unscoped: boolean;

function inScope(
  input: SimulatePrincipalPolicyCommandInput | SimulateCustomPolicyCommandInput,
  action: string,
) {
  if (unscoped) return true;
  const listPrefix =
    input.ContextEntries?.find((e) => e.ContextKeyName === "s3:prefix")?.ContextKeyValues?.[0] ??
    "";
  if (action === "s3:ListBucket") return listPrefix.startsWith("budgets/");
  if (action === "s3:GetObject")
    return input.ResourceArns?.[0]?.startsWith(`arn:aws:s3:::${BUCKET}/budgets/`) ?? false;
  return true;
}
/** Results per page: the simulator paginates. */
let pageSize: number;

function evaluate(input: SimulatePrincipalPolicyCommandInput | SimulateCustomPolicyCommandInput) {
  const all: EvaluationResult[] = (input.ActionNames ?? []).map((action) => {
    const by = inScope(input, action) ? grants.get(action) : undefined;
    return {
      EvalActionName: action,
      EvalResourceName: input.ResourceArns?.[0],
      EvalDecision: by ? "allowed" : "implicitDeny",
      MatchedStatements: by
        ? [
            {
              SourcePolicyId: by,
              SourcePolicyType: by === "ResourcePolicy" ? "resource" : "user-managed",
            },
          ]
        : [],
    };
  });
  const start = input.Marker ? Number(input.Marker) : 0;
  const end = start + pageSize;
  return {
    EvaluationResults: all.slice(start, end),
    IsTruncated: end < all.length,
    Marker: end < all.length ? String(end) : undefined,
  };
}

beforeEach(() => {
  iamMock.reset();
  stsMock.reset();
  s3Mock.reset();
  grants = new Map([
    ["s3:GetObject", "spendflo-read"],
    ["s3:ListBucket", "spendflo-read"],
  ]);
  pageSize = 1000;
  unscoped = false;
  iamMock.on(SimulatePrincipalPolicyCommand).callsFake(evaluate);
  iamMock.on(SimulateCustomPolicyCommand).callsFake(evaluate);
  stsMock
    .on(GetCallerIdentityCommand)
    .resolves({ Account: CUSTOMER_ACCOUNT, Arn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/it-admin` });
  s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: BUCKET_POLICY });
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
});

async function check(outputs: unknown, flags: Record<string, unknown> = {}) {
  let stdout = "";
  let stderr = "";
  let code: number;
  let error: Error | undefined;
  try {
    code = await runTestConnection(
      testConnectionCommand.parse({ "stack-outputs": "-", "check-permissions": true, ...flags }),
      {
        readStdin: async () => JSON.stringify(outputs),
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        stderrIsTerminal: false,
      },
      {
        env: {},
        s3: () => s3,
        sts: () => sts,
        iam: () => iam,
      },
    );
  } catch (e) {
    error = e as Error;
    code = e instanceof CliError ? e.exitCode : ExitCode.Usage;
  }
  const all = [stdout, stderr, error?.message ?? "", error?.stack ?? ""].join("\n");
  expect(all).not.toContain(SECRET.slice(0, 8));
  return { code, stdout, stderr, error };
}

describe("--check-permissions", () => {
  it("simulates the iam-user reader with the bucket policy as ResourcePolicy and s3:prefix in the context", async () => {
    const writes = await s3WriteActions();
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(0);
    const calls = iamMock.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);
    // In the prefix: objects, the bucket; outside it: a sibling object, the bucket root.
    expect(calls).toHaveLength(4);
    for (const input of calls) {
      expect(input.PolicySourceArn).toBe(
        `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/spendflo-budget-sync-prod`,
      );
      expect(input.ResourcePolicy).toBe(BUCKET_POLICY);
      expect(input.CallerArn).toBeUndefined();
      expect(input.ContextEntries).toContainEqual({
        ContextKeyName: "s3:prefix",
        ContextKeyType: "string",
        ContextKeyValues: [
          input.ActionNames!.length === 1 && input.ResourceArns![0] === `arn:aws:s3:::${BUCKET}`
            ? ""
            : "budgets/",
        ],
      });
    }
    const objectCall = calls.find((c) => c.ResourceArns?.[0]?.includes("/budgets/"))!;
    expect(objectCall.ResourceArns).toEqual([`arn:aws:s3:::${BUCKET}/budgets/budget_20250205.csv`]);
    expect(objectCall.ActionNames).toEqual(
      expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
    );
    const bucketCall = calls.find(
      (c) =>
        !c.ResourceArns?.[0]?.includes("/") &&
        c.ContextEntries?.[0]?.ContextKeyValues?.[0] === "budgets/",
    )!;
    const outside = calls.filter((c) => c !== objectCall && c !== bucketCall);
    expect(
      outside.map((c) => [c.ActionNames, c.ResourceArns, c.ContextEntries?.[0]?.ContextKeyValues]),
    ).toEqual(
      expect.arrayContaining([
        [["s3:GetObject"], [`arn:aws:s3:::${BUCKET}/budgets-outside/probe.csv`], ["budgets/"]],
        [["s3:ListBucket"], [`arn:aws:s3:::${BUCKET}`], [""]],
      ]),
    );
    expect(bucketCall.ResourceArns).toEqual([`arn:aws:s3:::${BUCKET}`]);
    expect(bucketCall.ActionNames).toEqual(
      expect.arrayContaining(["s3:ListBucket", "s3:PutBucketPolicy", "s3:DeleteBucket"]),
    );
    const total = writes.bucket.length + writes.object.length;
    expect(total).toBeGreaterThan(40);
    expect(run.stdout).toContain(
      `ok   s3:GetObject on arn:aws:s3:::${BUCKET}/budgets/budget_20250205.csv: allowed`,
    );
    expect(run.stdout).toContain(`ok   ${total} of ${total} S3 write actions denied`);
  });

  it("fails on a write grant added by hand, naming the action and the policy", async () => {
    grants.set("s3:PutObject", "ResourcePolicy");
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `FAIL s3:PutObject on arn:aws:s3:::${BUCKET}/budgets/budget_20250205.csv is allowed by ResourcePolicy: SpendFlo must never write an object; remove that grant`,
    );
  });

  it("fails on a read grant broadened beyond the prefix", async () => {
    unscoped = true;
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `FAIL s3:GetObject on arn:aws:s3:::${BUCKET}/budgets-outside/probe.csv: allowed (SpendFlo must never read outside the prefix; allowed by spendflo-read)`,
    );
    expect(run.stdout).toContain(
      `FAIL s3:ListBucket on arn:aws:s3:::${BUCKET} (s3:prefix ""): allowed (SpendFlo must never list the whole bucket; allowed by spendflo-read)`,
    );
  });

  it("fails when the reader cannot list its prefix", async () => {
    grants.delete("s3:ListBucket");
    const run = await check(iamUserOutputs, { json: true });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(
      report.permissions.checks.find((c: { action: string }) => c.action === "s3:ListBucket"),
    ).toMatchObject({
      expected: "allowed",
      decision: "implicitDeny",
      ok: false,
    });
  });

  it("reads every page of the simulator's results", async () => {
    pageSize = 10;
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(0);
    const markers = iamMock
      .commandCalls(SimulatePrincipalPolicyCommand)
      .map((c) => c.args[0].input.Marker);
    expect(markers.filter((m) => m !== undefined).length).toBeGreaterThan(2);
  });

  it("simulates the role with a stand-in user caller, as the simulator requires with a resource policy", async () => {
    const run = await check(roleOutputs, { credentials: "default" });
    expect(run.code).toBe(0);
    const input = iamMock.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input;
    expect(input.PolicySourceArn).toBe(roleArn);
    expect(input.CallerArn).toBe(
      `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/budget-sync-simulated-caller`,
    );
    expect(run.stdout).toContain("stood in for the role in the bucket policy");
  });

  it("simulates the cross-account-policy bucket policy with SimulateCustomPolicy", async () => {
    const run = await check(policyOutputs);
    expect(run.code).toBe(0);
    expect(iamMock.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(0);
    const input = iamMock.commandCalls(SimulateCustomPolicyCommand)[0]!.args[0].input;
    expect(input.ResourcePolicy).toBe(BUCKET_POLICY);
    expect(input.CallerArn).toBe("arn:aws:iam::111122223333:user/spendflo-budget-sync");
    expect(input.ResourceOwner).toBe(`arn:aws:iam::${CUSTOMER_ACCOUNT}:root`);
    expect(JSON.parse(input.PolicyInputList![0]!).Statement[0]).toEqual({
      Effect: "Allow",
      Action: "s3:*",
      Resource: "*",
    });
    expect(input.ContextEntries).toContainEqual(
      expect.objectContaining({ ContextKeyName: "s3:prefix", ContextKeyValues: ["budgets/"] }),
    );
  });

  it("passes no ResourcePolicy when the bucket has none", async () => {
    s3Mock.on(GetBucketPolicyCommand).rejects(
      Object.assign(new Error("The bucket policy does not exist"), {
        name: "NoSuchBucketPolicy",
      }),
    );
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(0);
    expect(
      iamMock.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input.ResourcePolicy,
    ).toBeUndefined();
    expect(run.stdout).toContain("bucket policy none on the bucket");
  });

  it("says which permission the check needs when IAM refuses it", async () => {
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const run = await check(iamUserOutputs);
    expect(run.code).toBe(1);
    expect(run.error).toBeUndefined();
    expect(run.stdout).toContain("Connection OK");
    expect(run.stdout).toContain(
      "Permissions NOT CHECKED: --check-permissions was denied (AccessDenied): it needs iam:SimulatePrincipalPolicy",
    );
  });

  it("reports an unreachable simulator as a check that could not run, in the documented JSON shape", async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" }),
      );
    const run = await check(iamUserOutputs, { json: true });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: false, bucket: BUCKET, fileCount: 0 });
    expect(report.permissions).toEqual({
      ok: false,
      ran: false,
      reason:
        "AWS STS (GetCallerIdentity, to know the account) could not be reached at https://sts.eu-west-1.amazonaws.com (ECONNREFUSED): check the network or a proxy, then run again.",
    });
  });

  it("needs stack outputs to know whom to simulate", async () => {
    await expect(
      runTestConnection(
        testConnectionCommand.parse({ bucket: BUCKET, "check-permissions": true }),
        bufferIo(),
        { env: {} },
      ),
    ).rejects.toThrow("--check-permissions needs --stack-outputs");
  });
});

describe("the verdict", () => {
  it("fails closed on an action the simulator did not answer", () => {
    const [checked] = judge(
      [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::b/p/x",
          listPrefix: "p/",
          expected: "denied",
          what: "write an object",
        },
      ],
      [],
    );
    expect(checked).toMatchObject({ ok: false, decision: "not simulated" });
  });
});

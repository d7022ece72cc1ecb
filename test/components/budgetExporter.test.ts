import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXPORTER_BUILD_DIR } from "../../components/budget-exporter/bundle.ts";
import {
  MOCK_ACCOUNT,
  MOCK_REGION,
  childrenOf,
  installMocks,
  ofType,
  onlyOfType,
  settle,
  type MockedResource,
} from "../helpers/componentMocks.ts";
import { simulate } from "../helpers/iamSimulation.ts";

const simulateIdentity = simulate;

const resources: MockedResource[] = installMocks("prod");
const { BudgetExporter, budgetExporterArgsProblems, exporterPolicy, scheduleExpressionProblem } =
  await import("../../components/budget-exporter/index.ts");
const { kmsKeyPolicy } = await import("../../components/budget-bucket/index.ts");
type ExporterArgs = ConstructorParameters<typeof BudgetExporter>[1];

const TOPIC = `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:budget-sync-prod-alerts`;
const base: ExporterArgs = {
  bucketName: "acme-budget-exports",
  prefix: "budgets/",
  region: MOCK_REGION,
  accountId: MOCK_ACCOUNT,
  source: {
    type: "json",
    url: "https://fpa.acme.example/api/budgets",
    tokenParameterName: "/acme/fpa/api-token",
  },
  failureTopicArn: TOPIC,
};

async function build(name: string, args: ExporterArgs) {
  const exporter = new BudgetExporter(name, args);
  await settle(exporter.functionArn, exporter.urn);
  return { exporter, made: childrenOf(resources, name) };
}

function policyOf(made: MockedResource[], name: string) {
  const policy = made.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === name);
  return JSON.parse(String(policy!.inputs.policy));
}

const ROLE = `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/budget-export-to-s3-prod/budget-export-to-s3-prod`;
const ask = (action: string, resource: string, context?: Record<string, string>) => ({
  principal: ROLE,
  action,
  resource,
  resourceAccount: MOCK_ACCOUNT,
  context,
});

describe("BudgetExporter (the guide's Option A)", () => {
  it("runs the bundled handler on nodejs22.x for 60 s, with no secret in its environment", async () => {
    const { exporter, made } = await build("exp", base);
    const fn = onlyOfType(made, "aws:lambda/function:Function");
    expect(fn.inputs).toMatchObject({
      name: "budget-export-to-s3-prod",
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 60,
      memorySize: 256,
    });
    expect(exporter.bundleBytes).toBeGreaterThan(10_000);
    expect(exporter.bundleBytes).toBeLessThan(1024 * 1024);
    // The code is an archive of one file named by the SHA-256 of its content: what reaches the
    // engine (and its state) is that path, never the bundle's text.
    const wire = JSON.stringify(await pulumi.runtime.serializeProperty("code", fn.inputs.code));
    const entry = JSON.parse(wire).assets["index.js"] as Record<string, unknown>;
    expect(entry.text).toBeUndefined();
    expect(entry.path).toMatch(new RegExp(`^${EXPORTER_BUILD_DIR}/[0-9a-f]{64}\\.js$`));
    const code = readFileSync(String(entry.path));
    expect(String(entry.path)).toContain(createHash("sha256").update(code).digest("hex"));
    expect(code.length).toBe(exporter.bundleBytes);
    expect(wire.length).toBeLessThan(500);
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(env).toMatchObject({
      BUDGET_BUCKET: "acme-budget-exports",
      BUDGET_PREFIX: "budgets/",
      SOURCE_TOKEN_PARAMETER: "/acme/fpa/api-token",
      SOURCE_TIMEOUT_MS: "45000",
    });
    // The token's parameter name travels, never a token: these are all the variables there are.
    expect(Object.keys(env).sort()).toEqual([
      "BUDGET_BUCKET",
      "BUDGET_PREFIX",
      "EXPORT_TIMEZONE",
      "SOURCE_TIMEOUT_MS",
      "SOURCE_TOKEN_PARAMETER",
      "SOURCE_TYPE",
      "SOURCE_URL",
    ]);
    const logs = onlyOfType(made, "aws:cloudwatch/logGroup:LogGroup");
    expect(logs.inputs).toMatchObject({
      name: "/aws/lambda/budget-export-to-s3-prod",
      retentionInDays: 30,
    });
    // The function waits for its role's policy and its log group.
    expect(fn.dependencies).toEqual(
      expect.arrayContaining([made.find((r) => r.name === "exp-policy")!.urn, logs.urn]),
    );
  });

  it("schedules the guide's cron(0 2 * * ? *) through EventBridge Scheduler with a role that may only invoke it", async () => {
    const { made } = await build("sched", {
      ...base,
      timezone: "Europe/Paris",
      functionName: "sched-fn",
    });
    const schedule = onlyOfType(made, "aws:scheduler/schedule:Schedule");
    expect(schedule.inputs).toMatchObject({
      scheduleExpression: "cron(0 2 * * ? *)",
      scheduleExpressionTimezone: "Europe/Paris",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT}:function:sched-fn`,
        roleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/sched-fn-sched`,
      },
    });
    const trust = JSON.parse(
      String(made.find((r) => r.name === "sched-scheduler-role")!.inputs.assumeRolePolicy),
    );
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: "scheduler.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } },
    });
    const invoke = policyOf(made, "sched-scheduler-policy");
    const fnArn = `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT}:function:sched-fn`;
    const principal = `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/sched-fn-sched/s`;
    const req = (action: string, resource: string) => ({
      principal,
      action,
      resource,
      resourceAccount: MOCK_ACCOUNT,
    });
    expect(await simulate(invoke, req("lambda:InvokeFunction", fnArn))).toBe("Allowed");
    expect(
      await simulate(invoke, req("lambda:InvokeFunction", `${fnArn.replace("sched-fn", "other")}`)),
    ).toBe("ImplicitlyDenied");
    expect(await simulate(invoke, req("lambda:UpdateFunctionCode", fnArn))).toBe(
      "ImplicitlyDenied",
    );
    expect(ofType(made, "aws:lambda/permission:Permission")).toEqual([]);
  });

  it("with the guide's EventBridge rule, scopes the invoke permission to that rule's ARN", async () => {
    const { exporter, made } = await build("rule", {
      ...base,
      scheduler: "eventbridge-rule",
      functionName: "rule-fn",
    });
    const rule = onlyOfType(made, "aws:cloudwatch/eventRule:EventRule");
    expect(rule.inputs.scheduleExpression).toBe("cron(0 2 * * ? *)");
    const permission = onlyOfType(made, "aws:lambda/permission:Permission");
    expect(permission.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      function: "rule-fn",
      sourceArn: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/rule-fn`,
    });
    expect(exporter.schedule).toBeUndefined();
    expect(ofType(made, "aws:scheduler/schedule:Schedule")).toEqual([]);
  });

  it("retries twice, then sends the failed run to the monitoring topic", async () => {
    const { made } = await build("async", { ...base, functionName: "async-fn" });
    expect(
      onlyOfType(made, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs,
    ).toMatchObject({
      functionName: "async-fn",
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: TOPIC } },
    });
  });

  it("has a role that may put budget files under the prefix and nothing else (simulated)", async () => {
    const { made } = await build("lp", base);
    const policy = policyOf(made, "lp-policy");
    const obj = (key: string) => `arn:aws:s3:::acme-budget-exports/${key}`;
    const verdicts = {
      putUnderPrefix: await simulate(
        policy,
        ask("s3:PutObject", obj("budgets/budget_20260101.csv")),
      ),
      abortUnderPrefix: await simulate(
        policy,
        ask("s3:AbortMultipartUpload", obj("budgets/x.csv")),
      ),
      putElsewhere: await simulate(policy, ask("s3:PutObject", obj("other/budget.csv"))),
      putOtherBucket: await simulate(
        policy,
        ask("s3:PutObject", "arn:aws:s3:::someone-else/budgets/x.csv"),
      ),
      read: await simulate(policy, ask("s3:GetObject", obj("budgets/budget_20260101.csv"))),
      delete: await simulate(policy, ask("s3:DeleteObject", obj("budgets/budget_20260101.csv"))),
      list: await simulate(policy, ask("s3:ListBucket", "arn:aws:s3:::acme-budget-exports")),
      putAcl: await simulate(policy, ask("s3:PutObjectAcl", obj("budgets/x.csv"))),
      token: await simulate(
        policy,
        ask(
          "ssm:GetParameter",
          `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter/acme/fpa/api-token`,
        ),
      ),
      otherParameter: await simulate(
        policy,
        ask(
          "ssm:GetParameter",
          `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter/acme/db/password`,
        ),
      ),
      ownLogs: await simulate(
        policy,
        ask(
          "logs:PutLogEvents",
          `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/lambda/budget-export-to-s3-prod:log-stream:2026/01/01/x`,
        ),
      ),
      otherLogs: await simulate(
        policy,
        ask(
          "logs:PutLogEvents",
          `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/lambda/other:log-stream:x`,
        ),
      ),
      publishFailures: await simulate(policy, ask("sns:Publish", TOPIC)),
      publishElsewhere: await simulate(policy, ask("sns:Publish", `${TOPIC}-other`)),
    };
    expect(verdicts).toEqual({
      putUnderPrefix: "Allowed",
      abortUnderPrefix: "Allowed",
      putElsewhere: "ImplicitlyDenied",
      putOtherBucket: "ImplicitlyDenied",
      read: "ImplicitlyDenied",
      delete: "ImplicitlyDenied",
      list: "ImplicitlyDenied",
      putAcl: "ImplicitlyDenied",
      token: "Allowed",
      otherParameter: "ImplicitlyDenied",
      ownLogs: "Allowed",
      otherLogs: "ImplicitlyDenied",
      publishFailures: "Allowed",
      publishElsewhere: "ImplicitlyDenied",
    });
  });

  it("grants no SSM, SNS or KMS when the features that need them are off", () => {
    const doc = exporterPolicy({
      partition: "aws",
      region: MOCK_REGION,
      accountId: MOCK_ACCOUNT,
      bucketName: "acme-budget-exports",
      prefix: "budgets/",
      functionName: "fn",
    });
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["WriteBudgetFiles", "WriteOwnLogs"]);
  });

  it("uses a given bucket key only through S3 (simulated), and a created one only for this bucket", async () => {
    const key = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const common = {
      partition: "aws",
      region: MOCK_REGION,
      accountId: MOCK_ACCOUNT,
      bucketName: "acme-budget-exports",
      prefix: "budgets/",
      functionName: "fn",
    };
    const given = exporterPolicy({ ...common, kmsKey: { kind: "given", arn: key } });
    // KMS honours identity policies only where the key policy delegates to IAM.
    const keyPolicy = kmsKeyPolicy("aws", MOCK_ACCOUNT, []);
    const simulate = (doc: typeof given, request: Parameters<typeof simulateIdentity>[1]) =>
      simulateIdentity(doc, request, keyPolicy);
    const viaS3 = { "kms:ViaService": `s3.${MOCK_REGION}.amazonaws.com` };
    expect(await simulate(given, ask("kms:GenerateDataKey", key, viaS3))).toBe("Allowed");
    expect(await simulate(given, ask("kms:Decrypt", key, viaS3))).toBe("Allowed");
    expect(
      await simulate(
        given,
        ask("kms:Decrypt", key, { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" }),
      ),
    ).toBe("ImplicitlyDenied");
    expect(await simulate(given, ask("kms:Encrypt", key, viaS3))).toBe("ImplicitlyDenied");
    // The simulator ignores kms:EncryptionContext:<key> (colons in the key), so the created-key
    // statement is checked as written: the bucket's encryption context and S3 only.
    const created = exporterPolicy({ ...common, kmsKey: { kind: "created" } });
    expect(created.Statement.at(-1)).toEqual({
      Sid: "EncryptBudgetFilesThroughS3",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/*`,
      Condition: {
        StringEquals: {
          ...viaS3,
          "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::acme-budget-exports",
        },
      },
    });
  });

  it("refuses settings that would break a run, one message each", () => {
    expect(
      budgetExporterArgsProblems({
        ...base,
        source: { type: "json", url: "http://fpa.example/x" },
        timeoutSeconds: 3,
        scheduler: "eventbridge-rule",
        timezone: "Europe/Paris",
        logRetentionDays: 10,
        schedule: "cron(0 2 * * *)",
        mapping: { Dept: "x" } as never,
      }),
    ).toEqual([
      "source.url must be an https:// address",
      "timeoutSeconds must be a whole number from 60 to 900 (the guide's fix for timeouts is 60)",
      expect.stringContaining("logRetentionDays must be one of 1, 3, 5, 7, 14, 30"),
      'schedule "cron(0 2 * * *)" must have six fields (minutes hours day-of-month month day-of-week year), e.g. cron(0 2 * * ? *)',
      'timezone needs scheduler "scheduler": EventBridge rules run in UTC only',
      expect.stringContaining('mapping names "Dept", which is not one of the guide\'s columns'),
    ]);
    expect(budgetExporterArgsProblems(base)).toEqual([]);
    expect(scheduleExpressionProblem("rate(1 day)")).toBeUndefined();
    expect(scheduleExpressionProblem("rate(2 day)")).toBe('"rate(2 day)": write rate(2 days)');
    expect(() => new BudgetExporter("bad", { ...base, timeoutSeconds: 30 })).toThrow(
      /BudgetExporter bad: timeoutSeconds must be a whole number from 60 to 900/,
    );
  });
});

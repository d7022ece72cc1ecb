import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, fitName, nameProblems } from "../../lib/aws/names.ts";
import {
  bucketArn,
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import { EXPORTER_RUNTIME, bundleExporterHandler } from "./bundle.ts";
import { columnMappingProblems, type ColumnMapping } from "./lambda/budgetRows.ts";
import { EXPORTER_ENV } from "./lambda/env.ts";
import type { ReaderKmsKey } from "../spendflo-reader/index.ts";
import { scheduleProblem } from "../../lib/aws/schedule.ts";

/** Where the exporter reads budget rows. */
export interface ExporterSource {
  /** `json`: an HTTPS endpoint answering an array of rows; `csv`: a CSV export URL. */
  readonly type: "json" | "csv";
  /** The HTTPS address. Put no key in it: use `tokenParameterName`. */
  readonly url: string;
  /** JSON: dotted path of the rows array inside the answer (`data.rows`). Default: the answer itself. */
  readonly rowsPath?: string;
  /** SSM parameter (SecureString) holding a bearer token, read at run time. Default: no token. */
  readonly tokenParameterName?: string;
  /** The customer-managed KMS key of that parameter. Default: the AWS-managed `aws/ssm` key. */
  readonly tokenKmsKeyArn?: string;
  /** Seconds the source may take. Default: the function's timeout less 15 s. */
  readonly timeoutSeconds?: number;
}

export type ExporterScheduler = "scheduler" | "eventbridge-rule";

export interface BudgetExporterArgs {
  /** The budget bucket's name. Policies are built from names, so a preview can judge them. */
  readonly bucketName: string;
  /** The budget-file prefix the exporter writes under, ending in `/`. */
  readonly prefix: string;
  /** The region of the function and the bucket. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly region: pulumi.Input<string>;
  /** The customer's AWS account id. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition for ARNs. Default `aws`. */
  readonly partition?: string;
  /** Where the budget rows come from. */
  readonly source: ExporterSource;
  /** Source field for each of the guide's columns. Default: fields named like the columns. */
  readonly mapping?: ColumnMapping;
  /** Schedule expression. Default `cron(0 2 * * ? *)`, the guide's 2 AM daily. */
  readonly schedule?: string;
  /** IANA time zone of the schedule (and of the date in the key). Default `UTC`. */
  readonly timezone?: string;
  /** EventBridge Scheduler (default, AWS's recommended successor) or the guide's EventBridge rule. */
  readonly scheduler?: ExporterScheduler;
  /** Function memory in MB. Default 256. */
  readonly memoryMb?: number;
  /** Function timeout in seconds, 60 to 900. Default 60 (the guide's fix for its 3 s default). */
  readonly timeoutSeconds?: number;
  /** Function name (also of its role, log group and schedule). Default `budget-export-to-s3-<stack>`. */
  readonly functionName?: string;
  /** Days the function's logs are kept. Default 30. */
  readonly logRetentionDays?: number;
  /** Retries of a failed scheduled run, 0 to 2. Default 2. */
  readonly retryAttempts?: number;
  /** Seconds a scheduled run may wait for a retry. Default 3600. */
  readonly maxEventAgeSeconds?: number;
  /** SNS topic that receives failed runs (the monitoring topic). Default: none. */
  readonly failureTopicArn?: pulumi.Input<string>;
  /** The bucket's encryption key, when SSE-KMS. Default: none to name. */
  readonly kmsKey?: ReaderKmsKey;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

export const BUDGET_EXPORTER_DEFAULTS = {
  schedule: "cron(0 2 * * ? *)",
  timezone: "UTC",
  scheduler: "scheduler" as ExporterScheduler,
  memoryMb: 256,
  timeoutSeconds: 60,
  logRetentionDays: 30,
  retryAttempts: 2,
  maxEventAgeSeconds: 3600,
} as const;

/**
 * The function's code: an archive of one file, `index.js`, read from `bundlePath`. Pulumi hashes
 * an archive by its entries' names and contents, so the same code gives the same hash wherever
 * the file lies, and the function updates only when the code changes.
 */
export function exporterCodeArchive(bundlePath: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(bundlePath) });
}

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * A Lambda function name, at most 52 characters so that its scheduler role (`<name>-sched`) fits
 * IAM's 64.
 */
export const EXPORTER_FUNCTION_NAME_RULE = { ...NAME_RULES.lambdaFunction, max: 52 };

/**
 * The default function name of a stack: `budget-export-to-s3-<stack>`, cut at 52 characters, as
 * it has always been when Lambda accepts it. A stack name Lambda refuses in a function name (a
 * dot) gives the whole name with dashes for what it refuses and a hash of it, so `a.b` and `a-b`
 * never share a function.
 */
export function defaultExporterFunctionName(stack: string): string {
  const name = `budget-export-to-s3-${stack}`;
  const cut = name.slice(0, 52).replace(/-+$/, "");
  return nameProblems(EXPORTER_FUNCTION_NAME_RULE, cut).length === 0
    ? cut
    : fitName(EXPORTER_FUNCTION_NAME_RULE, name);
}

/**
 * The guide's Option A: a Lambda that fetches budget rows from the FP&A tool, validates them as a
 * budget file and uploads `<prefix>budget_<YYYYMMDD>.csv`, on a schedule, with a role that may
 * only write under the prefix, a log group with retention and failed runs sent to a topic.
 */
export class BudgetExporter extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly functionName: string;
  public readonly functionArn: pulumi.Output<string>;
  /** The EventBridge Scheduler schedule (scheduler `scheduler`). */
  public readonly schedule?: aws.scheduler.Schedule;
  /** The EventBridge rule (scheduler `eventbridge-rule`). */
  public readonly rule?: aws.cloudwatch.EventRule;
  /** Size of the bundled handler in bytes. */
  public readonly bundleBytes: number;

  constructor(name: string, args: BudgetExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:BudgetExporter", name, {}, opts);
    const problems = budgetExporterArgsProblems(args);
    if (problems.length) {
      throw new pulumi.RunError(`BudgetExporter ${name}: ${problems.join("; ")}`);
    }
    const partition = args.partition ?? "aws";
    const functionName = args.functionName ?? defaultExporterFunctionName(pulumi.getStack());
    const timeoutSeconds = args.timeoutSeconds ?? BUDGET_EXPORTER_DEFAULTS.timeoutSeconds;
    const scheduler = args.scheduler ?? BUDGET_EXPORTER_DEFAULTS.scheduler;
    const timezone = args.timezone ?? BUDGET_EXPORTER_DEFAULTS.timezone;
    const tags = args.tags;
    this.functionName = functionName;

    const bundle = bundleExporterHandler();
    this.bundleBytes = bundle.bytes;

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${functionName}`,
        retentionInDays: args.logRetentionDays ?? BUDGET_EXPORTER_DEFAULTS.logRetentionDays,
        tags,
      },
      { parent: this },
    );

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: functionName,
        description:
          "The budget exporter Lambda: writes budget files under one prefix, nothing else",
        assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
        tags,
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.name,
        name: "budget-export",
        policy: pulumi
          .all([args.region, args.accountId, args.failureTopicArn])
          .apply(([region, accountId, topicArn]) =>
            JSON.stringify(
              exporterPolicy({
                partition,
                region,
                accountId,
                bucketName: args.bucketName,
                prefix: args.prefix,
                functionName,
                tokenParameterName: args.source.tokenParameterName,
                tokenKmsKeyArn: args.source.tokenKmsKeyArn,
                failureTopicArn: topicArn,
                kmsKey: args.kmsKey,
              }),
            ),
          ),
      },
      { parent: this },
    );

    const sourceTimeoutSeconds = args.source.timeoutSeconds ?? Math.max(5, timeoutSeconds - 15);
    this.function = new aws.lambda.Function(
      name,
      {
        name: functionName,
        description: `Exports budget files to s3://${args.bucketName}/${args.prefix} for SpendFlo`,
        runtime: EXPORTER_RUNTIME,
        // Graviton costs 20% less per GB-second; the bundle is plain JavaScript.
        architectures: ["arm64"],
        handler: "index.handler",
        // A file named by its hash: the state holds its path and hash, never the code.
        code: exporterCodeArchive(bundle.path),
        role: this.role.arn,
        timeout: timeoutSeconds,
        memorySize: args.memoryMb ?? BUDGET_EXPORTER_DEFAULTS.memoryMb,
        environment: {
          variables: exporterEnvironment(args, sourceTimeoutSeconds, timezone),
        },
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        tags,
      },
      // The role must hold its policy before the first run, and the log group must exist, or
      // Lambda's first lines go nowhere (the role may not create log groups).
      { parent: this, dependsOn: [rolePolicy, this.logGroup] },
    );
    this.functionArn = this.function.arn;

    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async`,
      {
        functionName: this.function.name,
        maximumRetryAttempts: args.retryAttempts ?? BUDGET_EXPORTER_DEFAULTS.retryAttempts,
        maximumEventAgeInSeconds:
          args.maxEventAgeSeconds ?? BUDGET_EXPORTER_DEFAULTS.maxEventAgeSeconds,
        destinationConfig: args.failureTopicArn
          ? { onFailure: { destination: args.failureTopicArn } }
          : undefined,
      },
      { parent: this },
    );

    const schedule = args.schedule ?? BUDGET_EXPORTER_DEFAULTS.schedule;
    if (scheduler === "scheduler") {
      const schedulerRole = new aws.iam.Role(
        `${name}-scheduler-role`,
        {
          name: `${functionName}-sched`,
          description: "EventBridge Scheduler invokes the budget exporter, and nothing else",
          assumeRolePolicy: pulumi
            .output(args.accountId)
            .apply((accountId) => JSON.stringify(schedulerTrustPolicy(accountId))),
          tags,
        },
        { parent: this },
      );
      const invokePolicy = new aws.iam.RolePolicy(
        `${name}-scheduler-policy`,
        {
          role: schedulerRole.name,
          name: "invoke-budget-exporter",
          policy: pulumi
            .all([args.region, args.accountId])
            .apply(([region, accountId]) =>
              JSON.stringify(
                schedulerInvokePolicy(
                  lambdaFunctionArn(partition, region, accountId, functionName),
                ),
              ),
            ),
        },
        { parent: this },
      );
      this.schedule = new aws.scheduler.Schedule(
        `${name}-schedule`,
        {
          name: functionName,
          description: "Runs the budget exporter",
          scheduleExpression: schedule,
          scheduleExpressionTimezone: timezone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: this.function.arn,
            roleArn: schedulerRole.arn,
            // Scheduler retries only failed deliveries; failed runs are retried by Lambda's
            // async invoke config above.
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          },
        },
        { parent: this, dependsOn: [invokePolicy] },
      );
    } else {
      this.rule = new aws.cloudwatch.EventRule(
        `${name}-rule`,
        {
          name: functionName,
          description: "Runs the budget exporter (the guide's spendflo-budget-sync-daily rule)",
          scheduleExpression: schedule,
          tags,
        },
        { parent: this },
      );
      // The guide's `aws lambda add-permission` has no --source-arn, so any rule in any account
      // could invoke the function; this one is scoped to the rule.
      const permission = new aws.lambda.Permission(
        `${name}-invoke`,
        {
          function: this.function.name,
          action: "lambda:InvokeFunction",
          principal: "events.amazonaws.com",
          sourceArn: this.rule.arn,
          statementId: "eventbridge-trigger",
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-target`,
        { rule: this.rule.name, arn: this.function.arn, targetId: "budget-exporter" },
        { parent: this, dependsOn: [permission] },
      );
    }

    this.registerOutputs({ functionArn: this.functionArn, functionName });
  }
}

/** Problems with the arguments, one message each; empty when usable. */
export function budgetExporterArgsProblems(args: BudgetExporterArgs): string[] {
  const problems: string[] = [];
  const { source } = args;
  let url: URL | undefined;
  try {
    url = new URL(source.url);
  } catch {
    problems.push(`source.url "${source.url}" is not a URL`);
  }
  if (url && url.protocol !== "https:") problems.push("source.url must be an https:// address");
  if (url && (url.username || url.password)) {
    problems.push("source.url must not carry credentials: put a token in tokenParameterName");
  }
  if (
    source.tokenParameterName &&
    !/^\/?[a-zA-Z0-9_.\-/]{1,1011}$/.test(source.tokenParameterName)
  ) {
    problems.push("source.tokenParameterName must be an SSM parameter name such as /fpa/api-token");
  }
  const timeout = args.timeoutSeconds ?? BUDGET_EXPORTER_DEFAULTS.timeoutSeconds;
  if (!Number.isInteger(timeout) || timeout < 60 || timeout > 900) {
    problems.push(
      "timeoutSeconds must be a whole number from 60 to 900 (the guide's fix for timeouts is 60)",
    );
  }
  if (
    source.timeoutSeconds !== undefined &&
    (source.timeoutSeconds < 1 || source.timeoutSeconds > timeout - 5)
  ) {
    problems.push(
      `source.timeoutSeconds must be from 1 to ${timeout - 5}: the upload needs time after the fetch`,
    );
  }
  const memory = args.memoryMb ?? BUDGET_EXPORTER_DEFAULTS.memoryMb;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
    problems.push("memoryMb must be a whole number from 128 to 10240");
  }
  const retention = args.logRetentionDays ?? BUDGET_EXPORTER_DEFAULTS.logRetentionDays;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  const retries = args.retryAttempts ?? BUDGET_EXPORTER_DEFAULTS.retryAttempts;
  if (![0, 1, 2].includes(retries)) problems.push("retryAttempts must be 0, 1 or 2");
  const age = args.maxEventAgeSeconds ?? BUDGET_EXPORTER_DEFAULTS.maxEventAgeSeconds;
  if (!Number.isInteger(age) || age < 60 || age > 21600) {
    problems.push("maxEventAgeSeconds must be a whole number from 60 to 21600");
  }
  if (args.functionName !== undefined && !/^[A-Za-z0-9_-]{1,52}$/.test(args.functionName)) {
    problems.push(
      "functionName must be 1 to 52 letters, digits, - or _ (its scheduler role adds a suffix)",
    );
  }
  const scheduleProblem = scheduleExpressionProblem(
    args.schedule ?? BUDGET_EXPORTER_DEFAULTS.schedule,
  );
  if (scheduleProblem) problems.push(`schedule ${scheduleProblem}`);
  const timezone = args.timezone ?? BUDGET_EXPORTER_DEFAULTS.timezone;
  if (!isTimeZone(timezone)) problems.push(`timezone "${timezone}" is not an IANA time zone`);
  if (args.scheduler === "eventbridge-rule" && timezone !== "UTC") {
    problems.push('timezone needs scheduler "scheduler": EventBridge rules run in UTC only');
  }
  problems.push(...columnMappingProblems(args.mapping ?? {}));
  return problems;
}

/**
 * Why a schedule expression is not one EventBridge accepts, or can never fire (31 February, a
 * year gone by), or undefined.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  return scheduleProblem(expression);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The function's environment: where to read and write, never a secret. */
export function exporterEnvironment(
  args: Pick<BudgetExporterArgs, "bucketName" | "prefix" | "source" | "mapping">,
  sourceTimeoutSeconds: number,
  timezone: string,
): Record<string, string> {
  const env: Record<string, string> = {
    [EXPORTER_ENV.bucket]: args.bucketName,
    [EXPORTER_ENV.prefix]: args.prefix,
    [EXPORTER_ENV.sourceType]: args.source.type,
    [EXPORTER_ENV.sourceUrl]: args.source.url,
    [EXPORTER_ENV.sourceTimeoutMs]: String(sourceTimeoutSeconds * 1000),
    [EXPORTER_ENV.timezone]: timezone,
  };
  if (args.source.rowsPath) env[EXPORTER_ENV.rowsPath] = args.source.rowsPath;
  // The parameter's name, not its value: the token is read at run time.
  if (args.source.tokenParameterName) {
    env[EXPORTER_ENV.tokenParameter] = args.source.tokenParameterName;
  }
  if (args.mapping && Object.keys(args.mapping).length) {
    env[EXPORTER_ENV.mapping] = JSON.stringify(args.mapping);
  }
  return env;
}

export function lambdaFunctionArn(
  partition: string,
  region: string,
  accountId: string,
  functionName: string,
): string {
  return `arn:${partition}:lambda:${region}:${accountId}:function:${functionName}`;
}

/** `arn:...:ssm:<region>:<account>:parameter/<name>` (the name's leading slash is not repeated). */
export function ssmParameterArn(
  partition: string,
  region: string,
  accountId: string,
  name: string,
): string {
  return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}`;
}

export function lambdaTrustPolicy(): PolicyDocument {
  return policyDocument([
    {
      Sid: "LambdaAssumes",
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ]);
}

/** Scheduler may assume the role only for schedules of this account (confused deputy). */
export function schedulerTrustPolicy(accountId: string): PolicyDocument {
  return policyDocument([
    {
      Sid: "SchedulerAssumes",
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}

export function schedulerInvokePolicy(functionArn: string): PolicyDocument {
  return policyDocument([
    {
      Sid: "InvokeBudgetExporter",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: functionArn,
    },
  ]);
}

/**
 * KMS use of the bucket's key, through S3 only: GenerateDataKey to write an object, Decrypt to
 * complete a multipart upload. A given key is named; a key the stack creates is not known
 * before deployment, so the statement names the account's keys but only for this bucket's
 * encryption context (S3 Bucket Keys use the bucket's ARN), which only the bucket's key sees.
 */
export function bucketKeyStatement(
  partition: string,
  region: string,
  accountId: string,
  bucketName: string,
  kmsKey: ReaderKmsKey,
): PolicyStatement | undefined {
  if (kmsKey.kind === "none") return undefined;
  const viaS3 = { "kms:ViaService": `s3.${region}.amazonaws.com` };
  return {
    Sid: "EncryptBudgetFilesThroughS3",
    Effect: "Allow",
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource:
      kmsKey.kind === "given" ? kmsKey.arn : `arn:${partition}:kms:${region}:${accountId}:key/*`,
    Condition: {
      StringEquals:
        kmsKey.kind === "given"
          ? viaS3
          : { ...viaS3, "kms:EncryptionContext:aws:s3:arn": bucketArn(partition, bucketName) },
    },
  };
}

export interface ExporterPolicyInput {
  partition: string;
  region: string;
  accountId: string;
  bucketName: string;
  prefix: string;
  functionName: string;
  tokenParameterName?: string;
  tokenKmsKeyArn?: string;
  failureTopicArn?: string;
  kmsKey?: ReaderKmsKey;
}

/**
 * The exporter role's one policy: exactly what each feature needs. Write (never read, list or
 * delete) under the prefix; its own log group; its one token parameter; the failure topic; the
 * bucket's key through S3.
 */
export function exporterPolicy(input: ExporterPolicyInput): PolicyDocument {
  const { partition, region, accountId } = input;
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteBudgetFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: prefixObjectsArn(partition, input.bucketName, input.prefix),
    },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda/${input.functionName}:*`,
    },
  ];
  if (input.tokenParameterName) {
    statements.push({
      Sid: "ReadSourceToken",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: ssmParameterArn(partition, region, accountId, input.tokenParameterName),
    });
    if (input.tokenKmsKeyArn) {
      statements.push({
        Sid: "DecryptSourceToken",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: input.tokenKmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
      });
    }
  }
  if (input.failureTopicArn) {
    statements.push({
      Sid: "ReportFailedRuns",
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: input.failureTopicArn,
    });
  }
  const kms = bucketKeyStatement(
    partition,
    region,
    accountId,
    input.bucketName,
    input.kmsKey ?? { kind: "none" },
  );
  if (kms) statements.push(kms);
  return policyDocument(statements);
}

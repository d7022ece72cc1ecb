import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, fitName, nameProblems } from "../../lib/aws/names.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import type { BudgetLocationArgs } from "../shared/location.ts";
import { checkBudgetExporterArgs } from "./args.ts";
import { EXPORTER_RUNTIME, bundleExporterHandler } from "./bundle.ts";
import {
  exporterPolicy,
  lambdaFunctionArn,
  lambdaTrustPolicy,
  schedulerInvokePolicy,
  schedulerTrustPolicy,
} from "./documents.ts";
import type { ColumnMapping } from "./lambda/budgetRows.ts";
import { EXPORTER_ENV } from "./lambda/env.ts";

export * from "./args.ts";
export * from "./documents.ts";

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

/** The function and the bucket are in `region`; the exporter writes under `prefix`. */
export interface BudgetExporterArgs extends BudgetLocationArgs {
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
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/**
 * The function's code: an archive of one file, `index.js`, read from `bundlePath`. Pulumi hashes
 * an archive by its entries' names and contents, so the same code gives the same hash wherever
 * the file lies, and the function updates only when the code changes.
 */
export function exporterCodeArchive(bundlePath: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(bundlePath) });
}

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
    const settings = argsOrThrow("BudgetExporter", name, checkBudgetExporterArgs(args));
    const partition = args.partition ?? "aws";
    const functionName = settings.functionName ?? defaultExporterFunctionName(pulumi.getStack());
    const { timeoutSeconds, scheduler, timezone } = settings;
    const tags = args.tags;
    this.functionName = functionName;

    const bundle = bundleExporterHandler();
    this.bundleBytes = bundle.bytes;

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${functionName}`,
        retentionInDays: settings.logRetentionDays,
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
        memorySize: settings.memoryMb,
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
        maximumRetryAttempts: settings.retryAttempts,
        maximumEventAgeInSeconds: settings.maxEventAgeSeconds,
        destinationConfig: args.failureTopicArn
          ? { onFailure: { destination: args.failureTopicArn } }
          : undefined,
      },
      { parent: this },
    );

    const schedule = settings.schedule;
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
export function budgetExporterArgsProblems(args: BudgetExporterArgs): readonly string[] {
  return checkBudgetExporterArgs(args).problems;
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

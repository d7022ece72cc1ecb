import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, fitName, nameProblem } from "../../lib/aws/names.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import type { AccountArgs } from "../shared/location.ts";
import { checkSyncMonitoringArgs } from "./args.ts";
import {
  alertsTopicPolicy,
  exporterErrorsAlarmSettings,
  noUploadAlarmSettings,
  snsTopicArn,
  uploadEventPattern,
  uploadsTopicPolicy,
} from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";

/** How the "no budget file" alarm learns that a file arrived. */
export type UploadSignal =
  /** S3 "Object Created" events through EventBridge, counted by a rule on bucket and prefix. */
  | "eventbridge"
  /** S3 request metrics on the prefix (`PutRequests`), billed as CloudWatch custom metrics. */
  | "request-metrics";

/** The topics are in `region`. */
export interface SyncMonitoringArgs extends AccountArgs {
  /** The budget bucket (its id, BudgetBucket's `bucket.id`): its notifications are configured here. */
  readonly bucket: pulumi.Input<string>;
  /** The budget bucket's name, for the rule's pattern and the metric dimensions. */
  readonly bucketName: string;
  /** The budget-file prefix, ending in `/`. */
  readonly prefix: string;
  /** Addresses subscribed to the alerts topic (each confirms by email). Default none. */
  readonly emails?: readonly string[];
  /** The exporter function whose Errors are alarmed on. Default: no exporter alarm. */
  readonly exporterFunctionName?: string;
  /** Hours without a new budget file before the alarm fires. Default 48. */
  readonly noUploadHours?: number;
  /** How uploads are counted. Default `eventbridge` (no charge; request metrics cost ~$0.30 each). */
  readonly uploadSignal?: UploadSignal;
  /** Prefix of every name (topics, rule, alarms). Default `budget-sync-<stack>`. */
  readonly namePrefix?: string;
  readonly tags?: Record<string, string>;
}

/**
 * The physical names of a SyncMonitoring with a name prefix (`budget-sync-<stack>`), known before
 * deployment so policies can be built on them. Each is kept as it is when its service accepts it;
 * SNS refuses dots and EventBridge rules stop at 64 characters, so such a name gets dashes for what
 * is refused and a hash of the whole name. Alarm names accept anything: they keep the prefix,
 * which the alerts topic's policy matches (`alarm:<prefix>-*`).
 */
export function monitoringNames(namePrefix: string) {
  return {
    alertsTopic: fitName(NAME_RULES.snsTopic, `${namePrefix}-alerts`),
    uploadsTopic: fitName(NAME_RULES.snsTopic, `${namePrefix}-uploads`),
    uploadRule: fitName(NAME_RULES.eventRule, `${namePrefix}-uploads`),
    noUploadAlarm: `${namePrefix}-no-upload`,
    exporterErrorsAlarm: `${namePrefix}-exporter-errors`,
  };
}

/**
 * The guide's "Monitoring & Alerts", made to work: an alerts topic with email subscriptions, an
 * alarm on the exporter's Errors, and a "no budget file uploaded in 48 hours" alarm that fires.
 *
 * The guide's alarm watches `NumberOfObjects`, which cannot fire: S3 reports it once a day for
 * the whole bucket, with 30 days of retention (and versioning) it never drops below 1, and it
 * cannot be filtered by prefix. This alarm counts new files under the prefix instead, and treats
 * an hour without data as an hour without a file.
 */
export class SyncMonitoring extends pulumi.ComponentResource {
  public readonly alertsTopic: aws.sns.Topic;
  /** The alerts topic's ARN, computed from its name (known at preview). */
  public readonly alertsTopicArn: pulumi.Output<string>;
  public readonly noUploadAlarm: aws.cloudwatch.MetricAlarm;
  public readonly exporterErrorsAlarm?: aws.cloudwatch.MetricAlarm;
  /** The rule counting new budget files (upload signal `eventbridge`). */
  public readonly uploadRule?: aws.cloudwatch.EventRule;
  /** A topic that receives one message per new budget file; subscribe for receipts. */
  public readonly uploadsTopic?: aws.sns.Topic;

  constructor(name: string, args: SyncMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:SyncMonitoring", name, {}, opts);
    const settings = argsOrThrow(
      "SyncMonitoring",
      name,
      checkSyncMonitoringArgs(args, alarmNameProblem(args.namePrefix)),
    );
    const partition = args.partition ?? "aws";
    const base = args.namePrefix ?? `budget-sync-${pulumi.getStack()}`;
    const hours = settings.noUploadHours;
    const signal = settings.uploadSignal;
    const tags = args.tags;
    const names = monitoringNames(base);
    const topicName = names.alertsTopic;
    const ruleName = names.uploadRule;

    // Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key,
    // and the messages carry alarm states and error text, never budget data.
    this.alertsTopic = new aws.sns.Topic(
      `${name}-alerts`,
      { name: topicName, displayName: "SpendFlo budget sync alerts", tags },
      { parent: this },
    );
    this.alertsTopicArn = pulumi.interpolate`arn:${partition}:sns:${args.region}:${args.accountId}:${topicName}`;
    new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      {
        arn: this.alertsTopic.arn,
        policy: pulumi
          .all([args.region, args.accountId])
          .apply(([region, accountId]) =>
            JSON.stringify(
              alertsTopicPolicy(
                snsTopicArn(partition, region, accountId, topicName),
                `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${base}-*`,
                accountId,
              ),
            ),
          ),
      },
      { parent: this },
    );
    for (const email of settings.emails) {
      new aws.sns.TopicSubscription(
        `${name}-email-${email}`,
        { topic: this.alertsTopic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }
    const alarmActions = [this.alertsTopic.arn];

    let metric: { namespace: string; metricName: string; dimensions: Record<string, string> };
    if (signal === "eventbridge") {
      // EventBridge delivery is off by default; this resource owns the bucket's notification
      // configuration (S3 keeps one per bucket).
      new aws.s3.BucketNotification(
        `${name}-eventbridge`,
        { bucket: args.bucket, eventbridge: true },
        { parent: this },
      );
      this.uploadRule = new aws.cloudwatch.EventRule(
        `${name}-uploads`,
        {
          name: ruleName,
          description: `New budget files in s3://${args.bucketName}/${args.prefix}`,
          eventPattern: JSON.stringify(uploadEventPattern(args.bucketName, args.prefix)),
          tags,
        },
        { parent: this },
      );
      // A rule with a target, so the rule's metrics are published whatever EventBridge does
      // for rules without one; the topic doubles as a receipt for each file.
      this.uploadsTopic = new aws.sns.Topic(
        `${name}-uploads-topic`,
        { name: names.uploadsTopic, displayName: "SpendFlo budget file received", tags },
        { parent: this },
      );
      const uploadsPolicy = new aws.sns.TopicPolicy(
        `${name}-uploads-policy`,
        {
          arn: this.uploadsTopic.arn,
          policy: pulumi
            .all([args.region, args.accountId])
            .apply(([region, accountId]) =>
              JSON.stringify(
                uploadsTopicPolicy(
                  snsTopicArn(partition, region, accountId, names.uploadsTopic),
                  `arn:${partition}:events:${region}:${accountId}:rule/${ruleName}`,
                ),
              ),
            ),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-uploads-target`,
        {
          rule: this.uploadRule.name,
          arn: this.uploadsTopic.arn,
          targetId: "budget-file-received",
          inputTransformer: {
            inputPaths: {
              bucket: "$.detail.bucket.name",
              key: "$.detail.object.key",
              size: "$.detail.object.size",
            },
            inputTemplate: '"Budget file s3://<bucket>/<key> received (<size> bytes)."',
          },
        },
        { parent: this, dependsOn: [uploadsPolicy] },
      );
      metric = {
        namespace: "AWS/Events",
        metricName: "MatchedEvents",
        dimensions: { RuleName: ruleName },
      };
    } else {
      const filterId = "budget-uploads";
      new aws.s3.BucketMetric(
        `${name}-request-metrics`,
        { bucket: args.bucket, name: filterId, filter: { prefix: args.prefix } },
        { parent: this },
      );
      metric = {
        namespace: "AWS/S3",
        metricName: "PutRequests",
        dimensions: { BucketName: args.bucketName, FilterId: filterId },
      };
    }

    this.noUploadAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-no-upload`,
      {
        name: names.noUploadAlarm,
        alarmDescription: `No budget file uploaded to s3://${args.bucketName}/${args.prefix} in ${hours} hours: SpendFlo is syncing stale budgets`,
        ...noUploadAlarmSettings(metric, hours),
        alarmActions,
        // "Uploads resumed" is worth an email too.
        okActions: alarmActions,
        tags,
      },
      { parent: this },
    );

    if (args.exporterFunctionName) {
      this.exporterErrorsAlarm = new aws.cloudwatch.MetricAlarm(
        `${name}-exporter-errors`,
        {
          name: names.exporterErrorsAlarm,
          alarmDescription: `The budget exporter ${args.exporterFunctionName} failed: no budget file was uploaded by this run`,
          ...exporterErrorsAlarmSettings(args.exporterFunctionName),
          alarmActions,
          tags,
        },
        { parent: this },
      );
    }

    this.registerOutputs({ alertsTopicArn: this.alertsTopicArn });
  }
}

/** Problems with the arguments, one message each; empty when usable. */
export function syncMonitoringArgsProblems(args: SyncMonitoringArgs): readonly string[] {
  return checkSyncMonitoringArgs(args, alarmNameProblem(args.namePrefix)).problems;
}

/** The longest alarm name must be valid as it is: the topic's policy matches the prefix. */
function alarmNameProblem(namePrefix: string | undefined): string | undefined {
  if (namePrefix === undefined) return undefined;
  return nameProblem(NAME_RULES.alarm, monitoringNames(namePrefix).exporterErrorsAlarm);
}

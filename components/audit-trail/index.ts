import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, fitName } from "../../lib/aws/names.ts";
import { BudgetBucket } from "../budget-bucket/index.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import type { AccountArgs } from "../shared/location.ts";
import { checkAuditTrailArgs } from "./args.ts";
import { budgetDataEventSelectors, cloudTrailBucketStatements, trailArn } from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";

export interface AuditTrailArgs extends AccountArgs {
  /** The budget bucket whose files the trail watches. */
  readonly budgetBucketName: string;
  /** The budget-file prefix; every read and write under it is recorded. */
  readonly prefix: string;
  /** The trail's own log bucket (created here with BudgetBucket's protections). */
  readonly logBucketName: string;
  /** Trail name, fixed so its ARN is known before it exists. Default `budget-sync-audit-<stack>`. */
  readonly trailName?: string;
  /** Days the trail's log files are kept. Default 365. */
  readonly retentionDays?: number;
  /** Delete the log bucket even when it holds logs. Default false. */
  readonly forceDestroy?: boolean;
  readonly tags?: Record<string, string>;
}

/** Where CloudTrail writes; the log bucket's lifecycle applies here. */
export const AUDIT_LOG_PREFIX = "AWSLogs/";

/**
 * `budget-sync-audit-<stack>`, kept as it is whenever CloudTrail accepts it; a stack name CloudTrail
 * refuses in a trail's name (two separators in a row, one at the end) gives a name with those
 * collapsed and a hash of the whole name.
 */
export function defaultTrailName(stack: string): string {
  return fitName(NAME_RULES.trail, `budget-sync-audit-${stack}`);
}

/**
 * The guide's "Enable CloudTrail Logging", made useful: a trail of S3 data events for the budget
 * prefix, so every read by SpendFlo and every upload is on record with who, when and from where.
 * The guide's bare `create-trail` records management events only, which say nothing about who
 * read a file, and points at a bucket without the policy CloudTrail needs.
 */
export class AuditTrail extends pulumi.ComponentResource {
  public readonly logBucket: BudgetBucket;
  public readonly trail: aws.cloudtrail.Trail;
  public readonly trailName: string;
  /** The trail's ARN, computed from its name. */
  public readonly trailArn: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:AuditTrail", name, {}, opts);
    const settings = argsOrThrow("AuditTrail", name, checkAuditTrailArgs(args));
    const partition = args.partition ?? "aws";
    const trailName = settings.trailName ?? defaultTrailName(pulumi.getStack());
    this.trailName = trailName;
    // The bucket policy names the trail and the trail needs the policy: with the ARN computed
    // from the fixed name, the policy comes first and the trail waits for it, with no cycle.
    this.trailArn = pulumi.interpolate`arn:${partition}:cloudtrail:${args.region}:${args.accountId}:trail/${trailName}`;

    this.logBucket = new BudgetBucket(
      `${name}-logs`,
      {
        bucketName: args.logBucketName,
        prefix: AUDIT_LOG_PREFIX,
        retentionDays: settings.retentionDays,
        partition,
        accountId: args.accountId,
        policyStatements: pulumi
          .all([args.region, args.accountId])
          .apply(([region, accountId]) =>
            cloudTrailBucketStatements(
              partition,
              args.logBucketName,
              accountId,
              trailArn(partition, region, accountId, trailName),
            ),
          ),
        forceDestroy: args.forceDestroy,
        tags: args.tags,
      },
      { parent: this },
    );

    this.trail = new aws.cloudtrail.Trail(
      name,
      {
        name: trailName,
        s3BucketName: this.logBucket.bucketName,
        enableLogging: true,
        // Digest files prove a log file was not changed or deleted after delivery.
        enableLogFileValidation: true,
        // Management events are the account's main trail's business; a second trail's copy is billed.
        includeGlobalServiceEvents: false,
        isMultiRegionTrail: false,
        advancedEventSelectors: budgetDataEventSelectors(
          partition,
          args.budgetBucketName,
          args.prefix,
        ),
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.logBucket.policy] },
    );

    this.registerOutputs({
      trailArn: this.trailArn,
      logBucketName: this.logBucket.bucketName,
    });
  }
}

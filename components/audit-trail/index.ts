import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, fitName, nameProblem } from "../../lib/aws/names.ts";
import { bucketArn, prefixObjectsArn, type PolicyStatement } from "../../lib/iam/policyDocument.ts";
import { BudgetBucket } from "../budget-bucket/index.ts";

export interface AuditTrailArgs {
  /** The budget bucket whose files the trail watches. */
  readonly budgetBucketName: string;
  /** The budget-file prefix; every read and write under it is recorded. */
  readonly prefix: string;
  /** The trail's own log bucket (created here with BudgetBucket's protections). */
  readonly logBucketName: string;
  /** The region of the trail and its log bucket. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly region: pulumi.Input<string>;
  /** The customer's AWS account id. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition for ARNs. Default `aws`. */
  readonly partition?: string;
  /** Trail name, fixed so its ARN is known before it exists. Default `budget-sync-audit-<stack>`. */
  readonly trailName?: string;
  /** Days the trail's log files are kept. Default 365. */
  readonly retentionDays?: number;
  /** Delete the log bucket even when it holds logs. Default false. */
  readonly forceDestroy?: boolean;
  readonly tags?: Record<string, string>;
}

export const AUDIT_TRAIL_DEFAULTS = {
  retentionDays: 365,
  /** Where CloudTrail writes; the log bucket's lifecycle applies here. */
  logPrefix: "AWSLogs/",
} as const;

/**
 * `budget-sync-audit-<stack>`, kept as it is whenever CloudTrail accepts it; a stack name CloudTrail
 * refuses in a trail's name (two separators in a row, one at the end) gives a name with those
 * collapsed and a hash of the whole name.
 */
export function defaultTrailName(stack: string): string {
  return fitName(NAME_RULES.trail, `budget-sync-audit-${stack}`);
}

/** A trail's ARN from its name: CloudTrail's own format, known before the trail exists. */
export function trailArn(partition: string, region: string, accountId: string, name: string) {
  return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${name}`;
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
    const partition = args.partition ?? "aws";
    const trailName = args.trailName ?? defaultTrailName(pulumi.getStack());
    const problem = nameProblem(NAME_RULES.trail, trailName);
    if (problem) throw new pulumi.RunError(`AuditTrail ${name}: trailName ${problem}`);
    this.trailName = trailName;
    // The bucket policy names the trail and the trail needs the policy: with the ARN computed
    // from the fixed name, the policy comes first and the trail waits for it, with no cycle.
    this.trailArn = pulumi.interpolate`arn:${partition}:cloudtrail:${args.region}:${args.accountId}:trail/${trailName}`;

    this.logBucket = new BudgetBucket(
      `${name}-logs`,
      {
        bucketName: args.logBucketName,
        prefix: AUDIT_TRAIL_DEFAULTS.logPrefix,
        retentionDays: args.retentionDays ?? AUDIT_TRAIL_DEFAULTS.retentionDays,
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

/**
 * Data events (reads and writes) of objects under the budget prefix, and nothing else: with
 * advanced selectors naming only data events, the trail records no management events.
 */
export function budgetDataEventSelectors(partition: string, bucketName: string, prefix: string) {
  return [
    {
      name: "Budget files: every read and write",
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        {
          field: "resources.ARN",
          startsWiths: [prefixObjectsArn(partition, bucketName, prefix).replace(/\*$/, "")],
        },
      ],
    },
  ];
}

/**
 * What CloudTrail needs on its log bucket: read the bucket's ACL, and write under
 * `AWSLogs/<account>/` with `bucket-owner-full-control`; both only for this trail
 * (`aws:SourceArn`), so no other trail can deliver into the bucket.
 */
export function cloudTrailBucketStatements(
  partition: string,
  logBucketName: string,
  accountId: string,
  trail: string,
): PolicyStatement[] {
  const arn = bucketArn(partition, logBucketName);
  return [
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: arn,
      Condition: { StringEquals: { "aws:SourceArn": trail } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${arn}/AWSLogs/${accountId}/*`,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail },
      },
    },
  ];
}

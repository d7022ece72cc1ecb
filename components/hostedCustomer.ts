import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../lib/accessTags.ts";
import {
  customerIdProblems,
  hostedCustomerPrefix,
  hostedCustomerUserName,
  iamTagValueProblems,
} from "../lib/hostedCustomer.ts";
import {
  bucketArn,
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../lib/policyDocument.ts";
import { bucketNameProblems } from "../lib/s3Naming.ts";
import type { SyncSourceConfig } from "../lib/stackOutputs.ts";

/** Tag keys for what the engineer knows of the customer, beside the access and customer tags. */
export const CUSTOMER_NAME_TAG = "spendflo:customer-name";
export const CUSTOMER_CONTACT_TAG = "spendflo:contact";

/** The name of the customer's inline policy on its user. */
export const HOSTED_CUSTOMER_POLICY_NAME = "spendflo-budget-upload";

/**
 * IAM's quota for all inline policies of one user together, in characters, whitespace not
 * counted. A role allows 10,240 and a managed policy 6,144; a user only this.
 */
export const USER_INLINE_POLICY_MAX_CHARS = 2048;

export interface HostedCustomerArgs {
  /** The customer's id, a lowercase slug; its prefix is `customers/<id>/budgets/`. */
  readonly customerId: string;
  /** The shared bucket's name (`spendflo-budget-uploads`); grants are built from it before deployment. */
  readonly bucketName: string;
  /** The bucket's region, for the customer's sync config. */
  readonly region: pulumi.Input<string>;
  /** AWS partition for ARNs (`aws`, `aws-cn`, `aws-us-gov`). Default `aws`. */
  readonly partition?: string;
  /** The customer's display name, tagged on the user. Default: none. */
  readonly displayName?: string;
  /** The customer's contact (an email address), tagged on the user. Default: none. */
  readonly contact?: string;
  /** More tags for the user; the access and customer tags are always set and cannot be overridden. */
  readonly tags?: Record<string, string>;
}

/**
 * One customer of the SpendFlo-provided bucket: an IAM user `spendflo-customer-<id>` that may
 * list `customers/<id>/budgets/`, upload there and read back what it uploaded, and nothing else,
 * with one access key. The grants sit in the user's own inline policy, never in the bucket
 * policy: a bucket policy is capped at 20 KB, which would cap onboarding at a few dozen
 * customers, while identity policies scale with the users (5,000 per account).
 */
export class HostedCustomer extends pulumi.ComponentResource {
  public readonly customerId: string;
  /** `customers/<id>/budgets/` */
  public readonly prefix: string;
  public readonly user: aws.iam.User;
  public readonly accessKey: aws.iam.AccessKey;
  /** `spendflo-customer-<id>` */
  public readonly userName: pulumi.Output<string>;
  public readonly userArn: pulumi.Output<string>;
  public readonly accessKeyId: pulumi.Output<string>;
  /** A Pulumi secret. */
  public readonly secretAccessKey: pulumi.Output<string>;
  /** The guide's Step 5 `sourceConfig` for this customer; a secret (it holds the key). */
  public readonly syncSourceConfig: pulumi.Output<SyncSourceConfig>;

  constructor(name: string, args: HostedCustomerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:HostedCustomer", name, {}, opts);
    const problems = hostedCustomerArgsProblems(args);
    if (problems.length) {
      throw new pulumi.RunError(`HostedCustomer ${name}: ${problems.join("; ")}`);
    }
    const partition = args.partition ?? "aws";
    this.customerId = args.customerId;
    this.prefix = hostedCustomerPrefix(args.customerId);

    this.user = new aws.iam.User(
      name,
      { name: hostedCustomerUserName(args.customerId), tags: hostedCustomerTags(args) },
      { parent: this },
    );
    new aws.iam.UserPolicy(
      `${name}-access`,
      {
        user: this.user.name,
        name: HOSTED_CUSTOMER_POLICY_NAME,
        policy: JSON.stringify(hostedCustomerPolicy(partition, args.bucketName, args.customerId)),
      },
      { parent: this },
    );
    this.accessKey = new aws.iam.AccessKey(
      `${name}-key`,
      { user: this.user.name },
      { parent: this, additionalSecretOutputs: ["secret"] },
    );

    this.userName = this.user.name;
    this.userArn = this.user.arn;
    this.accessKeyId = this.accessKey.id;
    this.secretAccessKey = pulumi.secret(this.accessKey.secret);
    this.syncSourceConfig = pulumi.secret(
      pulumi
        .all([args.region, this.accessKey.id, this.accessKey.secret])
        .apply(([region, accessKeyId, secretAccessKey]) => ({
          bucketName: args.bucketName,
          region,
          prefix: this.prefix,
          accessKeyId,
          secretAccessKey,
        })),
    );

    this.registerOutputs({
      userName: this.userName,
      userArn: this.userArn,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
      syncSourceConfig: this.syncSourceConfig,
    });
  }
}

/** Problems with the arguments, one message each; empty when usable. */
export function hostedCustomerArgsProblems(args: HostedCustomerArgs): string[] {
  const problems: string[] = [];
  for (const p of customerIdProblems(args.customerId)) problems.push(`customerId ${p}`);
  for (const p of bucketNameProblems(args.bucketName)) problems.push(`bucket name ${p}`);
  if (args.displayName !== undefined) {
    for (const p of iamTagValueProblems(args.displayName)) problems.push(`displayName ${p}`);
  }
  if (args.contact !== undefined) {
    for (const p of iamTagValueProblems(args.contact)) problems.push(`contact ${p}`);
  }
  return problems;
}

/**
 * The customer's identity policy. Listing is allowed only with an `s3:prefix` under the
 * customer's own prefix (a request without a prefix lists nothing); objects may be put and got
 * under it, and an unfinished multipart upload there aborted: `budget-sync upload` aborts one when
 * a large file turns out invalid, and without the grant its parts would linger (billed) until the
 * lifecycle's incomplete-upload rule. The trailing `/` after the id keeps `acme` out of
 * `acme-corp`'s prefix. No delete: aborting removes only parts of an upload that never became an
 * object; versioning and the lifecycle decide what disappears, not a leaked key.
 */
export function hostedCustomerStatements(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyStatement[] {
  const prefix = hostedCustomerPrefix(customerId);
  return [
    {
      Sid: "ListOwnPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn(partition, bucket),
      Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
    },
    {
      Sid: "UploadAndReadOwnFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
      Resource: prefixObjectsArn(partition, bucket, prefix),
    },
  ];
}

export function hostedCustomerPolicy(
  partition: string,
  bucket: string,
  customerId: string,
): PolicyDocument {
  return policyDocument(hostedCustomerStatements(partition, bucket, customerId));
}

/** The user's tags: the caller's, then what the policy pack relies on, which always wins. */
export function hostedCustomerTags(
  args: Pick<HostedCustomerArgs, "customerId" | "displayName" | "contact" | "tags">,
): Record<string, string> {
  return {
    ...args.tags,
    ...(args.displayName !== undefined ? { [CUSTOMER_NAME_TAG]: args.displayName } : {}),
    ...(args.contact !== undefined ? { [CUSTOMER_CONTACT_TAG]: args.contact } : {}),
    [ACCESS_TAG]: AccessTagValue.Upload,
    [CUSTOMER_TAG]: args.customerId,
  };
}

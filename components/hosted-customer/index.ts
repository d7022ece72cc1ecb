import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_TAG, AccessTagValue, CUSTOMER_TAG } from "../../lib/iam/accessTags.ts";
import {
  hostedCustomerPrefix,
  hostedCustomerUserName,
  hostedReaderRoleName,
} from "../../lib/spendflo/hostedBucket.ts";
import type { SyncSourceConfig } from "../../lib/spendflo/stackOutputs.ts";
import { userAccessKey, userWithPolicy } from "../shared/accessKeyUser.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import { checkHostedCustomerArgs } from "./args.ts";
import { hostedCustomerPolicy, hostedReaderPolicy, hostedReaderTrustPolicy } from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";

/** Tag keys for what the engineer knows of the customer, beside the access and customer tags. */
export const CUSTOMER_NAME_TAG = "spendflo:customer-name";
export const CUSTOMER_CONTACT_TAG = "spendflo:contact";

/** The name of the customer's inline policy on its user. */
export const HOSTED_CUSTOMER_POLICY_NAME = "spendflo-budget-upload";

/** The name of the inline read policy on the customer's sync role. */
export const HOSTED_READER_POLICY_NAME = "spendflo-budget-read";

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
  /** More tags for the user and role; the access and customer tags are always set and cannot be overridden. */
  readonly tags?: Record<string, string>;
  /**
   * SpendFlo's poller, the one principal that may assume the customer's read-only sync role:
   * a role ARN (`arn:aws:iam::<account>:role/<name>`), which must exist when the role is created.
   */
  readonly pollerRoleArn: string;
  /**
   * The external id the poller presents for this customer (16 to 1,224 characters, unique per
   * customer, a random value): what binds the role to this customer's sync config.
   */
  readonly externalId: string;
}

/**
 * One customer of the SpendFlo-provided bucket: an IAM user `spendflo-customer-<id>` that may
 * list `customers/<id>/budgets/`, upload there and read back what it uploaded, and nothing else,
 * with one access key, which is the customer's alone; and SpendFlo's read-only sync role
 * `spendflo-reader-<id>`, which only the poller may assume, with this customer's external id, and
 * which may list and read that prefix and nothing else. The grants sit in each principal's own
 * inline policy, never in the bucket policy: a bucket policy is capped at 20 KB, which would cap
 * onboarding at a few dozen customers, while identity policies scale with the principals (5,000
 * users and, by default, 1,000 roles per account).
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
  /** SpendFlo's read-only sync role for this customer. */
  public readonly readerRole: aws.iam.Role;
  /** `arn:aws:iam::<account>:role/spendflo-reader-<id>` */
  public readonly readerRoleArn: pulumi.Output<string>;
  /**
   * The guide's Step 5 `sourceConfig` for this customer: the reader role and its external id,
   * never the customer's key.
   */
  public readonly syncSourceConfig: pulumi.Output<
    SyncSourceConfig & { roleArn: string; externalId: string }
  >;

  constructor(name: string, args: HostedCustomerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:HostedCustomer", name, {}, opts);
    argsOrThrow("HostedCustomer", name, checkHostedCustomerArgs(args));
    const partition = args.partition ?? "aws";
    this.customerId = args.customerId;
    this.prefix = hostedCustomerPrefix(args.customerId);

    this.user = userWithPolicy(this, name, {
      userName: hostedCustomerUserName(args.customerId),
      tags: hostedCustomerTags(args),
      policySuffix: "access",
      policyName: HOSTED_CUSTOMER_POLICY_NAME,
      policy: JSON.stringify(hostedCustomerPolicy(partition, args.bucketName, args.customerId)),
    });
    this.accessKey = userAccessKey(this, `${name}-key`, this.user);

    // SpendFlo's sync reads with a principal of its own, never with the customer's key: the key
    // can write, a rotation on the customer's side would break the sync, and one key would be in
    // two parties' hands. Both documents are built from names, so preview judges them whole.
    this.readerRole = new aws.iam.Role(
      `${name}-reader`,
      {
        name: hostedReaderRoleName(args.customerId),
        description: `SpendFlo's read-only sync of ${this.prefix} in ${args.bucketName}`,
        assumeRolePolicy: JSON.stringify(
          hostedReaderTrustPolicy(args.pollerRoleArn, args.externalId),
        ),
        maxSessionDuration: 3600,
        tags: hostedReaderTags(args),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-reader-access`,
      {
        role: this.readerRole.name,
        name: HOSTED_READER_POLICY_NAME,
        policy: JSON.stringify(hostedReaderPolicy(partition, args.bucketName, args.customerId)),
      },
      { parent: this },
    );

    this.userName = this.user.name;
    this.userArn = this.user.arn;
    this.accessKeyId = this.accessKey.id;
    this.secretAccessKey = pulumi.secret(this.accessKey.secret);
    this.readerRoleArn = this.readerRole.arn;
    this.syncSourceConfig = pulumi
      .all([args.region, this.readerRole.arn])
      .apply(([region, roleArn]) => ({
        bucketName: args.bucketName,
        region,
        prefix: this.prefix,
        roleArn,
        externalId: args.externalId,
      }));

    this.registerOutputs({
      userName: this.userName,
      userArn: this.userArn,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
      readerRoleArn: this.readerRoleArn,
      syncSourceConfig: this.syncSourceConfig,
    });
  }
}

/** Problems with the arguments, one message each; empty when usable. */
export function hostedCustomerArgsProblems(args: HostedCustomerArgs): readonly string[] {
  return checkHostedCustomerArgs(args).problems;
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

/**
 * The sync role's tags: the caller's, then what the policy pack relies on: `read-only` (judged by
 * spendflo-read-only and spendflo-scoped) and the customer (judged by hosted-customer-isolation).
 */
export function hostedReaderTags(
  args: Pick<HostedCustomerArgs, "customerId" | "tags">,
): Record<string, string> {
  return {
    ...args.tags,
    [ACCESS_TAG]: AccessTagValue.ReadOnly,
    [CUSTOMER_TAG]: args.customerId,
  };
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_TAG, AccessTagValue } from "../../lib/iam/accessTags.ts";
import { NAME_RULES, fitName } from "../../lib/aws/names.ts";
import { iamPrincipalArn, userAccessKey, userWithPolicy } from "../shared/accessKeyUser.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import type { BudgetLocationArgs } from "../shared/location.ts";
import { checkUploaderAccessArgs } from "./args.ts";
import { ec2TrustPolicy, uploaderPolicy } from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";

/** Who uploads: an IAM user with an access key (FP&A tools, hosts outside AWS) or an EC2 role. */
export type UploaderKind = "iam-user" | "instance-role";

export interface UploaderAccessArgs extends BudgetLocationArgs {
  /** `iam-user` (Option C's FP&A tool, or a cron host outside AWS) or `instance-role` (Option B on EC2). */
  readonly kind: UploaderKind;
  /** Also let it list the prefix (some tools check a file arrived). Default false: write only. */
  readonly allowList?: boolean;
  /** Name of the user or role. Default `budget-uploader-<stack>`. */
  readonly principalName?: string;
  /** Tags (the `spendflo:access = upload` tag is always set). */
  readonly tags?: Record<string, string>;
}

/**
 * The guide's Step 4 Options B and C: a principal for the customer's own exporter (a cron host,
 * or the FP&A tool's S3 destination) that may put budget files under the prefix and nothing
 * else: no read, no delete, no list unless asked. The guide hands these tools the same
 * all-powerful keys it never defines; this is the least they need.
 */
export class UploaderAccess extends pulumi.ComponentResource {
  public readonly kind: UploaderKind;
  public readonly user?: aws.iam.User;
  public readonly accessKey?: aws.iam.AccessKey;
  public readonly role?: aws.iam.Role;
  public readonly instanceProfile?: aws.iam.InstanceProfile;
  /** The user's or role's ARN, computed from its name. */
  public readonly principalArn: pulumi.Output<string>;
  /** The access key id (iam-user). */
  public readonly accessKeyId?: pulumi.Output<string>;
  /** The secret access key, a Pulumi secret (iam-user). */
  public readonly secretAccessKey?: pulumi.Output<string>;

  constructor(name: string, args: UploaderAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:UploaderAccess", name, {}, opts);
    const partition = args.partition ?? "aws";
    const principalName = args.principalName ?? defaultUploaderPrincipalName(pulumi.getStack());
    // The user or role, and the instance profile (128 characters) of the same name.
    const settings = argsOrThrow(
      "UploaderAccess",
      name,
      checkUploaderAccessArgs(args, principalName),
    );
    this.kind = args.kind;
    const tags = { ...args.tags, [ACCESS_TAG]: AccessTagValue.Upload };
    const policy = pulumi.all([args.region, args.accountId]).apply(([region, accountId]) =>
      JSON.stringify(
        uploaderPolicy({
          partition,
          region,
          accountId,
          bucketName: args.bucketName,
          prefix: args.prefix,
          allowList: settings.allowList,
          kmsKey: args.kmsKey ?? { kind: "none" },
        }),
      ),
    );

    if (args.kind === "iam-user") {
      this.user = userWithPolicy(this, name, {
        userName: principalName,
        tags,
        policySuffix: "upload",
        policyName: "budget-upload",
        policy,
      });
      this.accessKey = userAccessKey(this, `${name}-key`, this.user);
      this.accessKeyId = this.accessKey.id;
      this.secretAccessKey = pulumi.secret(this.accessKey.secret);
      this.principalArn = iamPrincipalArn(partition, args.accountId, "user", principalName);
    } else {
      this.role = new aws.iam.Role(
        name,
        {
          name: principalName,
          description:
            "Uploads budget files from an EC2 cron host; may write under one prefix only",
          assumeRolePolicy: JSON.stringify(ec2TrustPolicy()),
          tags,
        },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-upload`,
        { role: this.role.name, name: "budget-upload", policy },
        { parent: this },
      );
      this.instanceProfile = new aws.iam.InstanceProfile(
        `${name}-profile`,
        { name: principalName, role: this.role.name, tags },
        { parent: this },
      );
      this.principalArn = iamPrincipalArn(partition, args.accountId, "role", principalName);
    }

    this.registerOutputs({ principalArn: this.principalArn, accessKeyId: this.accessKeyId });
  }
}

/**
 * `budget-uploader-<stack>`, kept as it is whenever IAM accepts it; past 64 characters, cut and
 * suffixed with a hash of the whole name.
 */
export function defaultUploaderPrincipalName(stack: string): string {
  return fitName(NAME_RULES.iamRole, `budget-uploader-${stack}`);
}

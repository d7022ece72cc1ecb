import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_TAG, AccessTagValue } from "../../lib/iam/accessTags.ts";
import { NAME_RULES, fitName } from "../../lib/aws/names.ts";
import { policyDocument, type PolicyStatement } from "../../lib/iam/policyDocument.ts";
import type { AccessMode, SyncSourceConfig } from "../../lib/spendflo/stackOutputs.ts";
import { iamPrincipalArn, userAccessKey, userWithPolicy } from "../shared/accessKeyUser.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import type { BudgetLocationArgs } from "../shared/location.ts";
import { kmsDecryptStatement } from "../shared/statements.ts";
import { checkSpendfloReaderArgs, type AccessKeySlot } from "./args.ts";
import { crossAccountBucketStatements, readerStatements, trustPolicy } from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";
export type { ReaderKmsKey } from "../shared/location.ts";

/** The bucket's region is the one of `kms:ViaService` and of the sync config. */
export interface SpendfloReaderArgs extends BudgetLocationArgs {
  /** `iam-user` (the guide's Option 2), `cross-account-policy` (its FAQ) or `cross-account-role`. */
  readonly mode: AccessMode;
  /** SpendFlo's AWS account id (12 digits); required for both cross-account modes. */
  readonly spendfloAccountId?: string;
  /** The external id SpendFlo presents when assuming the role; required for `cross-account-role`. */
  readonly externalId?: string;
  /** Name of the IAM user or role. Default `spendflo-budget-sync-<stack>`; a second reader in one account needs its own. */
  readonly principalName?: string;
  /** Access-key slots to keep (iam-user). Default `["key1"]`; both during a rotation. */
  readonly accessKeys?: readonly AccessKeySlot[];
  /** The slot handed to SpendFlo in the sync config. Default: the last of `accessKeys`. */
  readonly activeKey?: AccessKeySlot;
  /** Tags for the user or role (the `spendflo:access` tag is always set). */
  readonly tags?: Record<string, string>;
}

/**
 * SpendFlo's read-only access to the budget prefix: `s3:GetObject` on `<prefix>*` and
 * `s3:ListBucket` only for that prefix, in one of three modes. Nothing else, ever: the guide's
 * "Never grant write or delete permissions".
 */
export class SpendfloReader extends pulumi.ComponentResource {
  public readonly mode: AccessMode;
  /** The IAM user (iam-user mode). */
  public readonly user?: aws.iam.User;
  /** Access keys by slot (iam-user mode). */
  public readonly accessKeys: Partial<Record<AccessKeySlot, aws.iam.AccessKey>> = {};
  /** The role SpendFlo assumes (cross-account-role mode). */
  public readonly role?: aws.iam.Role;
  /** The principal that reads: the user's or role's ARN, or SpendFlo's account root. */
  public readonly principalArn: pulumi.Output<string>;
  /** Statements BudgetBucket must merge into the bucket policy (cross-account-policy). */
  public readonly bucketPolicyStatements: PolicyStatement[];
  /** Statements a created KMS key's policy must carry so the reader can decrypt through S3. */
  public readonly kmsKeyPolicyStatements: pulumi.Output<PolicyStatement[]>;
  /** For a given key in cross-account-policy mode: the statement its owner must add, or undefined. */
  public readonly kmsKeyOwnerStatement: pulumi.Output<PolicyStatement | undefined>;
  /** The guide's Step 5 `sourceConfig`; a secret when it holds the secret access key. */
  public readonly syncSourceConfig: pulumi.Output<SyncSourceConfig>;

  constructor(name: string, args: SpendfloReaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:SpendfloReader", name, {}, opts);
    argsOrThrow("SpendfloReader", name, checkSpendfloReaderArgs(args));
    this.mode = args.mode;
    const partition = args.partition ?? "aws";
    const principalName = args.principalName ?? defaultReaderPrincipalName(pulumi.getStack());
    const kmsKey = args.kmsKey ?? { kind: "none" };
    const tags = { ...args.tags, [ACCESS_TAG]: AccessTagValue.ReadOnly };
    const base = { bucketName: args.bucketName, prefix: args.prefix };
    // Only a key owned by someone else is named in the reader's own policy; a created key
    // names the reader in its key policy instead, from values known before deployment.
    const identityStatements = pulumi
      .output(args.region)
      .apply((region) =>
        readerStatements(
          partition,
          args.bucketName,
          args.prefix,
          kmsKey.kind === "given" ? { arn: kmsKey.arn, region } : undefined,
        ),
      );

    switch (args.mode) {
      case "iam-user": {
        const user = userWithPolicy(this, name, {
          userName: principalName,
          tags,
          policySuffix: "read",
          policyName: "spendflo-budget-read",
          policy: identityStatements.apply((s) => JSON.stringify(policyDocument(s))),
        });
        this.user = user;
        const slots = args.accessKeys ?? ["key1"];
        for (const slot of slots) {
          // The first slot keeps the plain name so a stack that never rotates has no suffix.
          const keyName = slot === "key1" ? `${name}-key` : `${name}-${slot}`;
          this.accessKeys[slot] = userAccessKey(this, keyName, user);
        }
        this.principalArn = iamPrincipalArn(partition, args.accountId, "user", principalName);
        const active = this.accessKeys[args.activeKey ?? slots[slots.length - 1]!]!;
        this.syncSourceConfig = pulumi.secret(
          pulumi.all([args.region, active.id, active.secret]).apply(([region, id, secret]) => ({
            ...base,
            region,
            accessKeyId: id,
            secretAccessKey: secret,
          })),
        );
        break;
      }
      case "cross-account-role": {
        this.role = new aws.iam.Role(
          name,
          {
            name: principalName,
            description: "SpendFlo reads budget files; assumed with an external id",
            assumeRolePolicy: JSON.stringify(
              trustPolicy(partition, args.spendfloAccountId!, args.externalId!),
            ),
            maxSessionDuration: 3600,
            tags,
          },
          { parent: this },
        );
        new aws.iam.RolePolicy(
          `${name}-read`,
          {
            role: this.role.name,
            name: "spendflo-budget-read",
            policy: identityStatements.apply((s) => JSON.stringify(policyDocument(s))),
          },
          { parent: this },
        );
        this.principalArn = iamPrincipalArn(partition, args.accountId, "role", principalName);
        this.syncSourceConfig = pulumi
          .all([args.region, this.principalArn])
          .apply(([region, roleArn]) => ({
            ...base,
            region,
            roleArn,
            externalId: args.externalId!,
          }));
        break;
      }
      case "cross-account-policy": {
        this.principalArn = pulumi.output(`arn:${partition}:iam::${args.spendfloAccountId}:root`);
        this.syncSourceConfig = pulumi.output(args.region).apply((region) => ({ ...base, region }));
        break;
      }
    }

    this.bucketPolicyStatements =
      args.mode === "cross-account-policy"
        ? crossAccountBucketStatements(
            partition,
            args.bucketName,
            args.prefix,
            args.spendfloAccountId!,
          )
        : [];
    const decrypt = pulumi
      .all([this.principalArn, args.region])
      .apply(([principal, region]) => kmsDecryptStatement(principal, "*", region));
    this.kmsKeyPolicyStatements =
      kmsKey.kind === "created" ? decrypt.apply((s) => [s]) : pulumi.output([]);
    this.kmsKeyOwnerStatement =
      kmsKey.kind === "given" && args.mode === "cross-account-policy"
        ? decrypt
        : pulumi.output(undefined);

    this.registerOutputs({
      principalArn: this.principalArn,
      syncSourceConfig: this.syncSourceConfig,
    });
  }
}

/**
 * `spendflo-budget-sync-<stack>`, kept as it is whenever IAM accepts it (renaming the user or role
 * replaces it, and breaks what SpendFlo registered); past 64 characters, cut and suffixed with a
 * hash of the whole name.
 */
export function defaultReaderPrincipalName(stack: string): string {
  return fitName(NAME_RULES.iamUser, `spendflo-budget-sync-${stack}`);
}

/** Problems with the arguments, one message each; empty when usable. */
export function spendfloReaderArgsProblems(args: SpendfloReaderArgs): readonly string[] {
  return checkSpendfloReaderArgs(args).problems;
}

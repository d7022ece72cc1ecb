import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_TAG, AccessTagValue } from "../../lib/iam/accessTags.ts";
import { NAME_RULES, fitName, nameProblem } from "../../lib/aws/names.ts";
import {
  bucketArn,
  policyDocument,
  prefixObjectsArn,
  type PolicyDocument,
  type PolicyStatement,
} from "../../lib/iam/policyDocument.ts";
import type { AccessMode, SyncSourceConfig } from "../../lib/spendflo/stackOutputs.ts";

/** The two access-key slots of the iam-user mode; two let a key rotate without a gap. */
export const ACCESS_KEY_SLOTS = ["key1", "key2"] as const;
export type AccessKeySlot = (typeof ACCESS_KEY_SLOTS)[number];

/** How the bucket is encrypted, as far as a reader is concerned. */
export type ReaderKmsKey =
  /** SSE-S3, or the AWS-managed `aws/s3` key (its key policy already admits the account). */
  | { readonly kind: "none" }
  /** A key this stack creates: the reader's kms:Decrypt goes into its key policy. */
  | { readonly kind: "created" }
  /** A key someone else owns, by ARN. */
  | { readonly kind: "given"; readonly arn: string };

export interface SpendfloReaderArgs {
  /** `iam-user` (the guide's Option 2), `cross-account-policy` (its FAQ) or `cross-account-role`. */
  readonly mode: AccessMode;
  /** The budget bucket's name. Policies are built from names, so a preview can judge them. */
  readonly bucketName: string;
  /** The budget-file prefix SpendFlo may list and read, ending in `/`. */
  readonly prefix: string;
  /** The region of the bucket, for `kms:ViaService` and the sync config. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly region: pulumi.Input<string>;
  /** The customer's AWS account id (the account of the user or role). Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition for ARNs. Default `aws`. */
  readonly partition?: string;
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
  /** The bucket's encryption key, when SSE-KMS. */
  readonly kmsKey?: ReaderKmsKey;
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
    const problems = spendfloReaderArgsProblems(args);
    if (problems.length) {
      throw new pulumi.RunError(`SpendfloReader ${name}: ${problems.join("; ")}`);
    }
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
        this.user = new aws.iam.User(name, { name: principalName, tags }, { parent: this });
        new aws.iam.UserPolicy(
          `${name}-read`,
          {
            user: this.user.name,
            name: "spendflo-budget-read",
            policy: identityStatements.apply((s) => JSON.stringify(policyDocument(s))),
          },
          { parent: this },
        );
        const slots = args.accessKeys ?? ["key1"];
        for (const slot of slots) {
          // The first slot keeps the plain name so a stack that never rotates has no suffix.
          this.accessKeys[slot] = new aws.iam.AccessKey(
            slot === "key1" ? `${name}-key` : `${name}-${slot}`,
            { user: this.user.name },
            { parent: this, additionalSecretOutputs: ["secret"] },
          );
        }
        this.principalArn = pulumi.interpolate`arn:${partition}:iam::${args.accountId}:user/${principalName}`;
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
        this.principalArn = pulumi.interpolate`arn:${partition}:iam::${args.accountId}:role/${principalName}`;
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
export function spendfloReaderArgsProblems(args: SpendfloReaderArgs): string[] {
  const problems: string[] = [];
  if (args.principalName !== undefined) {
    const problem = nameProblem(NAME_RULES.iamUser, args.principalName);
    if (problem) problems.push(`principalName ${problem}`);
  }
  if (args.mode !== "iam-user" && !/^\d{12}$/.test(args.spendfloAccountId ?? "")) {
    problems.push(`mode ${args.mode} needs SpendFlo's AWS account id (12 digits)`);
  }
  if (args.mode === "cross-account-role" && !args.externalId) {
    problems.push("mode cross-account-role needs an external id");
  }
  const slots = args.accessKeys ?? ["key1"];
  if (args.mode === "iam-user") {
    if (slots.length < 1 || slots.length > 2 || new Set(slots).size !== slots.length) {
      problems.push("accessKeys must list one or two distinct slots out of key1, key2");
    }
    if (args.activeKey && !slots.includes(args.activeKey)) {
      problems.push(`activeKey ${args.activeKey} is not one of accessKeys (${slots.join(", ")})`);
    }
  }
  return problems;
}

/**
 * The reader's identity policy: list the prefix, read under it, and decrypt with a given key
 * through S3 only. Exactly the guide's two actions, scoped to the prefix instead of the bucket.
 */
export function readerStatements(
  partition: string,
  bucket: string,
  prefix: string,
  kms?: { arn: string; region: string },
): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: "ListBudgetPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn(partition, bucket),
      Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
    },
    {
      Sid: "ReadBudgetFiles",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: prefixObjectsArn(partition, bucket, prefix),
    },
  ];
  if (kms) statements.push(kmsDecryptStatement(undefined, kms.arn, kms.region));
  return statements;
}

/** The guide's FAQ "Use bucket policy to grant SpendFlo's AWS account read access", scoped. */
export function crossAccountBucketStatements(
  partition: string,
  bucket: string,
  prefix: string,
  spendfloAccountId: string,
): PolicyStatement[] {
  const principal = { AWS: `arn:${partition}:iam::${spendfloAccountId}:root` };
  return readerStatements(partition, bucket, prefix).map((statement) => ({
    ...statement,
    Sid: `SpendFlo${statement.Sid}`,
    Principal: principal,
  }));
}

/** Trust policy of the role: only SpendFlo's account, and only with the agreed external id. */
export function trustPolicy(
  partition: string,
  spendfloAccountId: string,
  externalId: string,
): PolicyDocument {
  return policyDocument([
    {
      Sid: "SpendfloAssumesWithExternalId",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${spendfloAccountId}:root` },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": externalId } },
    },
  ]);
}

/**
 * kms:Decrypt for S3 only: without it a reader cannot open a single SSE-KMS object; with
 * `kms:ViaService` it cannot use the key for anything but reading from S3 in this region.
 * In a key policy, pass `principal` and `Resource: "*"` (the key itself).
 */
export function kmsDecryptStatement(
  principal: string | undefined,
  keyArn: string,
  region: string,
): PolicyStatement {
  return {
    Sid: "DecryptBudgetFilesThroughS3",
    Effect: "Allow",
    ...(principal ? { Principal: { AWS: principal } } : {}),
    Action: "kms:Decrypt",
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
  };
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../../lib/iam/policyDocument.ts";
import { NAME_RULES, fitName } from "../../lib/aws/names.ts";
import { argsOrThrow } from "../shared/componentArgs.ts";
import { checkBudgetBucketArgs } from "./args.ts";
import { bucketPolicy, kmsKeyPolicy, lifecycleRules } from "./documents.ts";

export * from "./args.ts";
export * from "./documents.ts";

/** How budget files are encrypted at rest. */
export type BucketEncryption =
  | { readonly type: "sse-s3" }
  | {
      readonly type: "sse-kms";
      /** An existing key's ARN (or `alias/aws/s3`); absent: the component creates a key. */
      readonly kmsKeyArn?: string;
    };

export interface BudgetBucketArgs {
  /** Globally unique bucket name, checked against S3's naming rules. */
  readonly bucketName: string;
  /** Key prefix of the budget files; the lifecycle rules apply under it. Default `budgets/`. */
  readonly prefix?: string;
  /** Days after upload when a budget file expires. Default 30. */
  readonly retentionDays?: number;
  /** Days after a version becomes noncurrent when it is deleted for good. Default 30. */
  readonly noncurrentRetentionDays?: number;
  /** SSE-S3 (AES256, the default) or SSE-KMS with a given or created key. */
  readonly encryption?: BucketEncryption;
  /** AWS partition for ARNs (`aws`, `aws-cn`, `aws-us-gov`). Default `aws`. */
  readonly partition?: string;
  /** The account that owns the bucket; administers a created KMS key. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly accountId: pulumi.Input<string>;
  /** Extra statements for the bucket's one bucket policy (cross-account readers, CloudTrail). Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly policyStatements?: pulumi.Input<pulumi.Input<PolicyStatement>[]>;
  /** Extra statements for a created KMS key's policy (readers' kms:Decrypt through S3). Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly kmsKeyPolicyStatements?: pulumi.Input<pulumi.Input<PolicyStatement>[]>;
  /** Delete the bucket even when it holds files. Default false: budgets are never lost by accident. Not with `adoptExisting`. */
  readonly forceDestroy?: boolean;
  /** Adopt a bucket that already exists (Pulumi import; tags applied by CLI 3.174+) and keep it, with its protections, on `pulumi destroy` (`keptOnDestroy`). Default false. */
  readonly adoptExisting?: boolean;
  /** Tags for the bucket and the key. */
  readonly tags?: Record<string, string>;
}

/**
 * The budget bucket with the guide's four security practices and what the guide leaves out:
 * encryption, versioning, a lifecycle that really deletes, Block Public Access, bucket-owner
 * ownership and TLS-only access. It owns the bucket's only bucket policy: two BucketPolicy
 * resources on one bucket would overwrite each other, so other components hand it statements.
 */
export class BudgetBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly prefix: string;
  /** The key that encrypts the bucket, when SSE-KMS. */
  public readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** The key the component created, if any. */
  public readonly kmsKey?: aws.kms.Key;
  public readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: BudgetBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("budget-sync:index:BudgetBucket", name, {}, opts);
    const settings = argsOrThrow("BudgetBucket", name, checkBudgetBucketArgs(args));
    const { prefix, encryption } = settings;
    const partition = args.partition ?? "aws";
    this.prefix = prefix;
    const kept = keptOnDestroy(args);
    const keep = (yes: boolean) => (yes ? { retainOnDelete: true } : {});

    this.bucket = new aws.s3.Bucket(
      name,
      {
        bucket: args.bucketName,
        forceDestroy: settings.forceDestroy,
        // An adopted bucket gets its tags too: Pulumi CLI 3.174 and later imports it, then
        // updates what differs, in the same `pulumi up`. With none configured, its own are left.
        tags:
          args.adoptExisting && Object.keys(args.tags ?? {}).length === 0 ? undefined : args.tags,
      },
      args.adoptExisting
        ? { parent: this, import: args.bucketName, ...keep(kept.bucket) }
        : { parent: this },
    );
    const bucketRef = { bucket: this.bucket.id };
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    if (encryption.type === "sse-kms" && !encryption.kmsKeyArn) {
      this.kmsKey = new aws.kms.Key(
        `${name}-key`,
        {
          description: `Encrypts the budget files in s3://${args.bucketName}/${prefix}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi
            .all([args.accountId, args.kmsKeyPolicyStatements ?? []])
            .apply(([accountId, extra]) =>
              JSON.stringify(kmsKeyPolicy(partition, accountId, extra as PolicyStatement[])),
            ),
          tags: args.tags,
        },
        // The files an adopted bucket keeps after destroy stay readable with the key they were
        // written with (see keptOnDestroy).
        { parent: this, ...keep(kept.kmsKey) },
      );
      new aws.kms.Alias(
        `${name}-key-alias`,
        { name: kmsAliasName(args.bucketName), targetKeyId: this.kmsKey.keyId },
        { parent: this },
      );
    }
    this.kmsKeyArn =
      encryption.type === "sse-kms"
        ? (this.kmsKey?.arn ?? pulumi.output(encryption.kmsKeyArn))
        : pulumi.output(undefined);

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        ...bucketRef,
        rules: [
          {
            applyServerSideEncryptionByDefault:
              encryption.type === "sse-kms"
                ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn.apply((arn) => arn!) }
                : { sseAlgorithm: "AES256" },
            // S3 Bucket Keys cut KMS requests (and their cost) by orders of magnitude.
            bucketKeyEnabled: encryption.type === "sse-kms",
            // Nobody uploads budget files with customer-provided keys; refusing SSE-C closes a
            // path where data lands encrypted with a key the owner never sees.
            blockedEncryptionTypes: ["SSE-C"],
          },
        ],
      },
      { parent: this, ...keep(kept.settings) },
    );

    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { ...bucketRef, versioningConfiguration: { status: "Enabled" } },
      { parent: this, ...keep(kept.settings) },
    );

    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        ...bucketRef,
        rules: lifecycleRules(prefix, settings.retentionDays, settings.noncurrentRetentionDays),
      },
      { parent: this, ...keep(kept.settings) },
    );

    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        ...bucketRef,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this, ...keep(kept.settings) },
    );

    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { ...bucketRef, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this, ...keep(kept.settings) },
    );

    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        ...bucketRef,
        policy: pulumi
          .output(args.policyStatements ?? [])
          .apply((extra) =>
            JSON.stringify(bucketPolicy(partition, args.bucketName, extra as PolicyStatement[])),
          ),
      },
      // S3 refuses a policy while the public-access block is being written; order them.
      { parent: this, dependsOn: [publicAccessBlock, ownership], ...keep(kept.policy) },
    );

    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      kmsKeyArn: this.kmsKeyArn,
    });
  }
}

/**
 * `alias/budget-sync/<bucket>`. KMS aliases refuse the dots a bucket name may hold: such a name has
 * them as dashes and ends with a hash of the whole name, so `a.b` and `a-b` never share an alias.
 */
export function kmsAliasName(bucketName: string): string {
  return fitName(NAME_RULES.kmsAlias, `alias/budget-sync/${bucketName}`);
}

/** What `pulumi destroy` leaves in the account, resource by resource. */
export interface KeptOnDestroy {
  /** The bucket, with its files. */
  readonly bucket: boolean;
  /** Encryption, versioning, lifecycle, Block Public Access, ownership controls. */
  readonly settings: boolean;
  /** The bucket policy (TLS only). */
  readonly policy: boolean;
  /** A KMS key the component created. */
  readonly kmsKey: boolean;
}

/**
 * What destroy leaves of an adopted bucket: the bucket, and every protection that grants nothing
 * (Block Public Access, ownership controls, versioning, lifecycle, encryption), so a bucket made
 * by hand is no less safe after the stack is gone than it was with it. A created bucket keeps
 * nothing (destroy deletes it, or fails on its files and keeps only the bucket).
 *
 * - The bucket policy stays only when it is the TLS-only deny alone. S3 keeps one policy per
 *   bucket: with a grant in it (SpendFlo's cross-account read) it cannot be split, and no grant
 *   to SpendFlo may outlive the stack, so destroy deletes it whole.
 * - A key the stack created stays too: the files written with it must stay readable (budgets are
 *   never lost by accident), and the kept encryption setting still names it. Falling back to
 *   AES256 instead would leave those files unreadable once the key's deletion window ends. Its
 *   alias goes, so adopting the bucket again can make it anew.
 */
export function keptOnDestroy(
  args: Pick<BudgetBucketArgs, "adoptExisting" | "policyStatements" | "encryption">,
): KeptOnDestroy {
  const adopted = args.adoptExisting ?? false;
  const extra = args.policyStatements;
  // Only statements known now, and none, make a policy known to grant nothing.
  const tlsOnly = extra === undefined || (Array.isArray(extra) && extra.length === 0);
  const createdKey = args.encryption?.type === "sse-kms" && !args.encryption.kmsKeyArn;
  return {
    bucket: adopted,
    settings: adopted,
    policy: adopted && tlsOnly,
    kmsKey: adopted && createdKey,
  };
}

/** Problems with the arguments, one message each; empty when usable. */
export function budgetBucketArgsProblems(args: BudgetBucketArgs): readonly string[] {
  return checkBudgetBucketArgs(args).problems;
}

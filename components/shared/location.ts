import type * as pulumi from "@pulumi/pulumi";

/**
 * Where a component's resources live: the account, region and partition its policy documents
 * name. Shared by every component that builds ARNs.
 */
export interface AccountArgs {
  /** The region of the component's resources (and of the bucket). Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly region: pulumi.Input<string>;
  /** The customer's AWS account id. Known at preview: feeds a policy document (pass a string, config or an invoke's result, not a new resource's output, or the pack judges the document only during `pulumi up`). */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition for ARNs (`aws`, `aws-cn`, `aws-us-gov`). Default `aws`. */
  readonly partition?: string;
}

/** The budget files a component works on: a bucket and a prefix in it, in an account. */
export interface BudgetLocationArgs extends AccountArgs {
  /** The budget bucket's name. Policies are built from names, so a preview can judge them. */
  readonly bucketName: string;
  /** The budget-file prefix, ending in `/`; every grant is scoped to it. */
  readonly prefix: string;
  /** The bucket's encryption key, when SSE-KMS. Default: none to name. */
  readonly kmsKey?: ReaderKmsKey;
}

/** How the bucket is encrypted, as far as a principal that reads or writes it is concerned. */
export type ReaderKmsKey =
  /** SSE-S3, or the AWS-managed `aws/s3` key (its key policy already admits the account). */
  | { readonly kind: "none" }
  /** A key this stack creates: the reader's kms:Decrypt goes into its key policy. */
  | { readonly kind: "created" }
  /** A key someone else owns, by ARN. */
  | { readonly kind: "given"; readonly arn: string };

/** The partition of the ARNs a component builds, `aws` unless told. */
export function partitionOf(args: Pick<AccountArgs, "partition">): string {
  return args.partition ?? "aws";
}

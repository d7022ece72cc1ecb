import { z } from "zod";
import {
  bucketNameSchema,
  daysSchema,
  flagSchema,
  numberRange,
  prefixSchema,
  tagsSchema,
} from "../shared/schemas.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";

/**
 * A KMS key S3 encrypts with and IAM policies can name: a key's ARN, or the AWS-managed
 * `alias/aws/s3` (as an alias or an alias ARN).
 */
export const kmsKeyArnSchema = z
  .string()
  .regex(
    /^(alias\/aws\/s3|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/aws\/s3))$/,
    'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>) or "alias/aws/s3"; IAM policies cannot name a key by any other alias',
  );

/** How budget files are encrypted at rest. */
export const bucketEncryptionSchema = z.strictObject({
  type: z
    .enum(["sse-s3", "sse-kms"], { error: 'must be "sse-s3" or "sse-kms"' })
    .describe("`sse-s3` (AES256) or `sse-kms`."),
  kmsKeyArn: kmsKeyArnSchema
    .optional()
    .describe(
      "With `sse-kms`, an existing key's ARN (in the bucket's region: S3 refuses a key of another), or `alias/aws/s3`; absent, the stack creates a key.",
    ),
});

/** BudgetBucket's settings: their rules and defaults, one statement for the component and the stack config. */
export const budgetBucketArgsSchema = z
  .object({
    bucketName: bucketNameSchema(
      "is required: the globally unique name of the budget bucket",
    ).describe("The budget bucket's globally unique name, checked against S3's naming rules."),
    prefix: prefixSchema
      .default("budgets/")
      .describe(
        "Where budget files live; must end with `/`; access and lifecycle are scoped to it.",
      ),
    retentionDays: daysSchema.default(30).describe("Days after upload when a budget file expires."),
    noncurrentRetentionDays: daysSchema
      .default(30)
      .describe(
        "Days after a version becomes noncurrent (overwritten or expired) when it is deleted for good.",
      ),
    encryption: bucketEncryptionSchema
      .default({ type: "sse-s3" })
      .describe("SSE-S3 (AES256, the default) or SSE-KMS with a given or created key."),
    forceDestroy: flagSchema
      .default(false)
      .describe(
        "Let `pulumi destroy` delete the bucket even when it holds files. Default false: budgets are never lost by accident.",
      ),
    adoptExisting: flagSchema
      .default(false)
      .describe(
        "Adopt a bucket made by hand (Pulumi import, CLI 3.174+) and keep it and its protections on `pulumi destroy`.",
      ),
    tags: tagsSchema.default({}).describe("Tags for the bucket and the key."),
  })
  .superRefine((args, ctx) => {
    // retainOnDelete wins: destroy forgets an adopted bucket, so forceDestroy would delete nothing.
    if (args.adoptExisting && args.forceDestroy) {
      ctx.addIssue({
        code: "custom",
        path: ["forceDestroy"],
        message:
          "cannot be used with adoptExisting: an adopted bucket is kept on pulumi destroy (retainOnDelete), with its files",
      });
    }
  });

export type BudgetBucketSettings = z.output<typeof budgetBucketArgsSchema>;

const FIELDS = Object.keys(budgetBucketArgsSchema.shape);

/** BudgetBucket's args checked against its schema: its settings with defaults, or its problems. */
export function checkBudgetBucketArgs(args: unknown): CheckedArgs<BudgetBucketSettings> {
  return checkArgs(budgetBucketArgsSchema, FIELDS, args, (field, issue) => {
    if (field === "bucketName") return `bucket name ${issue.message}`;
    if (
      (field === "retentionDays" || field === "noncurrentRetentionDays") &&
      issue.code !== "too_big"
    ) {
      const { min } = numberRange(budgetBucketArgsSchema.shape[field]);
      return `${field} must be a whole number of days, at least ${min}`;
    }
    return undefined;
  });
}

import { z } from "zod";

/**
 * The stack outputs of our program, as `pulumi stack output --json --show-secrets` prints them.
 * One schema for the program, `plan`, `register`, `test-connection` and the tests.
 */

export const ACCESS_MODES = ["iam-user", "cross-account-policy", "cross-account-role"] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/**
 * The `sourceConfig` object of the guide's Step 5 API call (`POST /api/sync/config`): bucket,
 * region and prefix plus the credentials of the access mode (none for `cross-account-policy`,
 * where SpendFlo reads with its own account's credentials).
 */
export const syncSourceConfigSchema = z.strictObject({
  bucketName: z.string().min(3),
  region: z.string().min(1),
  prefix: z.string().min(1),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  roleArn: z.string().min(1).optional(),
  externalId: z.string().min(1).optional(),
});
export type SyncSourceConfig = z.infer<typeof syncSourceConfigSchema>;

const common = {
  bucketName: z.string().min(3),
  bucketArn: z.string().startsWith("arn:"),
  region: z.string().min(1),
  prefix: z.string().min(1),
  kmsKeyArn: z.string().optional(),
  syncSourceConfig: syncSourceConfigSchema,
  // What the optional parts of the stack add (`exporter`, `uploader`, `monitoring`, `audit`, a
  // given KMS key in cross-account-policy mode); nothing reads them, the program states them here.
  kmsKeyPolicyStatementForOwner: z.string().optional(),
  alertsTopicArn: z.string().optional(),
  exporterFunctionName: z.string().optional(),
  uploaderArn: z.string().optional(),
  uploaderAccessKeyId: z.string().optional(),
  uploaderSecretAccessKey: z.string().optional(),
  uploaderInstanceProfile: z.string().optional(),
  auditTrailArn: z.string().optional(),
  auditLogBucketName: z.string().optional(),
};

export const stackOutputsSchema = z.discriminatedUnion("accessMode", [
  z.looseObject({
    ...common,
    accessMode: z.literal("iam-user"),
    readerUserName: z.string(),
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
  }),
  z.looseObject({
    ...common,
    accessMode: z.literal("cross-account-policy"),
    spendfloAccountId: z.string().regex(/^\d{12}$/),
  }),
  z.looseObject({
    ...common,
    accessMode: z.literal("cross-account-role"),
    spendfloAccountId: z.string().regex(/^\d{12}$/),
    roleArn: z.string().startsWith("arn:"),
    externalId: z.string().min(2),
  }),
]);
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/**
 * One hosted customer's block under `customers.<id>` in the hosted stack's outputs: the
 * customer's own upload credentials (`onboarding-kit` hands them over; they are never
 * registered), and SpendFlo's read-only sync role for the customer, whose `syncSourceConfig`
 * (`roleArn`, `externalId`) `register --customer` sends.
 */
export const hostedCustomerOutputsSchema = z.looseObject({
  name: z.string().optional(),
  prefix: z.string().min(1),
  userName: z.string().min(1),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  accessMode: z.literal("cross-account-role"),
  principalArn: z.string().startsWith("arn:"),
  readerRoleArn: z.string().startsWith("arn:"),
  externalId: z.string().min(2),
  syncSourceConfig: syncSourceConfigSchema.extend({
    roleArn: z.string().startsWith("arn:"),
    externalId: z.string().min(2),
  }),
});
export type HostedCustomerOutputs = z.infer<typeof hostedCustomerOutputsSchema>;

/** The hosted stack's outputs (the guide's Option 1); `register --customer ID` reads one block. */
export const hostedStackOutputsSchema = z.looseObject({
  bucketName: z.string().min(3),
  bucketArn: z.string().startsWith("arn:").optional(),
  region: z.string().min(1),
  prefix: z.string().min(1),
  manageBucket: z.boolean(),
  customers: z.record(z.string(), hostedCustomerOutputsSchema),
  /** Who is onboarded where, readable without --show-secrets (`customers` is one secret). */
  customerPrefixes: z.record(z.string(), z.string()).optional(),
  auditTrailArn: z.string().optional(),
  auditLogBucketName: z.string().optional(),
});
export type HostedStackOutputs = z.infer<typeof hostedStackOutputsSchema>;

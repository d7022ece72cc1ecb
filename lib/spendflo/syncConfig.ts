import { z } from "zod";
import { isAwsRegion } from "../aws/regions.ts";
import { EXTERNAL_ID_RULE } from "./externalId.ts";
import { bucketNameProblems, prefixProblems } from "../aws/s3Naming.ts";

/**
 * The contract of SpendFlo's sync-config API, the guide's Step 5 "Via API":
 * `POST <api-url>/api/sync/config` with a bearer API key and this JSON body. Everything is
 * validated before anything is sent, so a typo in a bucket name or region is a usage error
 * here, not a sync that silently finds nothing later. The API answers a JSON object (or 204 No
 * Content); `register` takes any other 2xx (a sign-in page, a proxy) for a failure, not a
 * registration.
 */

/** The API path under the base URL (`https://api.spendflo.com`). */
export const SYNC_CONFIG_PATH = "/api/sync/config";

/** The guide's default: "Sync Frequency: Every 4 hours (default)". */
export const DEFAULT_FREQUENCY = "every_4_hours";

const EVERY_N_HOURS = /^every_([1-9]\d*)_hours$/;

/** Problems with a sync frequency; empty when it is `hourly`, `daily` or `every_<N>_hours`. */
export function frequencyProblems(frequency: string): string[] {
  if (frequency === "hourly" || frequency === "daily") return [];
  const match = EVERY_N_HOURS.exec(frequency);
  if (!match) {
    return [
      `must be "hourly", "daily" or "every_<N>_hours" such as "${DEFAULT_FREQUENCY}" (got "${frequency}")`,
    ];
  }
  const hours = Number(match[1]);
  if (hours === 1) return ['every_1_hours is spelled "hourly"'];
  if (hours === 24) return ['every_24_hours is spelled "daily"'];
  if (hours > 24) return [`every_${hours}_hours is longer than a day: use "daily"`];
  return [];
}

const fromProblems =
  (problemsOf: (value: string) => string[]) =>
  (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    for (const message of problemsOf(value)) ctx.addIssue({ code: "custom", message });
  };

export const frequencySchema = z.string().superRefine(fromProblems(frequencyProblems));

const bucketName = z.string().superRefine(fromProblems(bucketNameProblems));
const region = z.string().refine(isAwsRegion, {
  error: (issue) => `must be an AWS region code such as "us-east-1" (got "${String(issue.input)}")`,
});
const prefix = z.string().superRefine(fromProblems(prefixProblems));

/** The guide's `sourceConfig`: bucket, region, prefix and SpendFlo's read-only access key pair. */
export const keyPairSourceConfigSchema = z.strictObject({
  bucketName,
  region,
  // IAM's AccessKeyId pattern; never a secret, so it may be shown.
  accessKeyId: z
    .string()
    .regex(/^\w{16,128}$/, "must be an AWS access key id (16 to 128 letters and digits, AKIA...)"),
  secretAccessKey: z.string().min(1, "must not be empty"),
  prefix,
});

/**
 * Our extension of the guide's API for the `cross-account-role` mode: no long-lived key; SpendFlo
 * assumes `roleArn` from its own account, passing `externalId` (the confused-deputy guard).
 */
export const roleSourceConfigSchema = z.strictObject({
  bucketName,
  region,
  roleArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
      "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ),
  externalId: z.string().regex(EXTERNAL_ID_RULE.pattern, EXTERNAL_ID_RULE.message),
  prefix,
});

/**
 * The `cross-account-policy` mode (the guide's FAQ): the bucket policy grants SpendFlo's account,
 * which reads with its own credentials, so the source config carries none.
 */
export const accountSourceConfigSchema = z.strictObject({ bucketName, region, prefix });

export type KeyPairSourceConfig = z.infer<typeof keyPairSourceConfigSchema>;
export type RoleSourceConfig = z.infer<typeof roleSourceConfigSchema>;
export type AccountSourceConfig = z.infer<typeof accountSourceConfigSchema>;
export type SourceConfig = KeyPairSourceConfig | RoleSourceConfig | AccountSourceConfig;

/** Which shape a source config claims to be, from the credential fields it carries. */
export function sourceConfigKind(value: unknown): "key-pair" | "role" | "account" {
  const has = (key: string) => value !== null && typeof value === "object" && key in value;
  if (has("accessKeyId") || has("secretAccessKey")) return "key-pair";
  if (has("roleArn") || has("externalId")) return "role";
  return "account";
}

const SCHEMA_OF_KIND = {
  "key-pair": keyPairSourceConfigSchema,
  role: roleSourceConfigSchema,
  account: accountSourceConfigSchema,
} as const;

/**
 * Any of the three source configs. The shape is picked from the credential fields present, so a
 * key pair missing its secret reads "secretAccessKey: required", not three unions' worth of noise.
 */
export const sourceConfigSchema = z.unknown().transform((value, ctx): SourceConfig => {
  const result = SCHEMA_OF_KIND[sourceConfigKind(value)].safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path, input: undefined });
  }
  return z.NEVER;
});

/** The request body of `POST /api/sync/config`, keys in the guide's order. */
export const syncConfigRequestSchema = z.strictObject({
  customerId: z
    .string()
    .min(1, "must not be empty")
    .max(256, "must be at most 256 characters")
    .regex(/^[^\s\p{Cc}]+$/u, "must not contain spaces or control characters"),
  sourceType: z.literal("s3"),
  enabled: z.boolean(),
  frequency: frequencySchema,
  sourceConfig: sourceConfigSchema,
});
export type SyncConfigRequest = z.infer<typeof syncConfigRequestSchema>;

/**
 * The request body, keys in the guide's order (`customerId, sourceType, enabled, frequency,
 * sourceConfig{bucketName, region, accessKeyId, secretAccessKey, prefix}`), unvalidated: parse
 * it with `syncConfigRequestSchema` before sending.
 */
export function buildSyncConfigRequest(input: {
  customerId: string;
  enabled: boolean;
  frequency?: string;
  sourceConfig: Record<string, unknown>;
}): Record<string, unknown> {
  const { bucketName, region, accessKeyId, secretAccessKey, roleArn, externalId, prefix, ...rest } =
    input.sourceConfig;
  const ordered: Record<string, unknown> = { bucketName, region };
  if (accessKeyId !== undefined || secretAccessKey !== undefined)
    Object.assign(ordered, { accessKeyId, secretAccessKey });
  if (roleArn !== undefined || externalId !== undefined)
    Object.assign(ordered, { roleArn, externalId });
  Object.assign(ordered, { prefix }, rest);
  return {
    customerId: input.customerId,
    sourceType: "s3",
    enabled: input.enabled,
    frequency: input.frequency ?? DEFAULT_FREQUENCY,
    sourceConfig: ordered,
  };
}

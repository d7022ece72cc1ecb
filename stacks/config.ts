import { z } from "zod";
import { auditTrailArgsSchema } from "../components/audit-trail/args.ts";
import { budgetBucketArgsSchema } from "../components/budget-bucket/args.ts";
import {
  budgetExporterSettingsShape,
  exporterCrossChecks,
} from "../components/budget-exporter/args.ts";
import { hostedCustomerArgsSchema } from "../components/hosted-customer/args.ts";
import { flagSchema } from "../components/shared/schemas.ts";
import { spendfloReaderArgsSchema } from "../components/spendflo-reader/args.ts";
import { syncMonitoringArgsSchema } from "../components/sync-monitoring/args.ts";
import { uploaderAccessArgsSchema } from "../components/uploader-access/args.ts";
import { HOSTED_PREFIX_ROOT } from "../lib/spendflo/hostedBucket.ts";
import { regionProblem } from "../lib/aws/regions.ts";
import { frequentScheduleWarning } from "../lib/aws/schedule.ts";
import { bucketNameProblems } from "../lib/aws/s3Naming.ts";

/**
 * The stack config, in one place: every key under the project's namespace (`budget-sync:`),
 * composed from the components' args schemas (components/<name>/args.ts), which state each
 * setting's rule, default and range once. Invalid config stops the program before any resource
 * is declared, with one message per problem naming the key.
 */

export const PROJECT = "budget-sync";

/** The AWS-managed S3 key, in any of the forms S3 accepts. */
export function isAwsManagedS3Key(arn: string | undefined): boolean {
  return arn !== undefined && arn.endsWith("alias/aws/s3");
}

const bucket = budgetBucketArgsSchema.shape;
const reader = spendfloReaderArgsSchema.shape;
const exporter = budgetExporterSettingsShape;
const uploader = uploaderAccessArgsSchema.shape;
const monitoring = syncMonitoringArgsSchema.shape;
const audit = auditTrailArgsSchema.shape;
const hosted = hostedCustomerArgsSchema.shape;

/** The hosted stack's customers (the guide's Option 1): one line each, ids unique. */
const hostedCustomers = z
  .array(
    z.strictObject({
      id: hosted.customerId,
      name: hosted.displayName.describe(
        "The customer's display name, tagged on its user and role. Default: none.",
      ),
      contact: hosted.contact,
      externalId: hosted.externalId,
    }),
    { error: "must be a list of customers, each { id, externalId, name?, contact? }" },
  )
  .check(
    z.superRefine(
      (customers, ctx) => {
        if (!Array.isArray(customers)) return;
        const first = new Map<string, number>();
        const firstExternalId = new Map<string, number>();
        customers.forEach((customer, index) => {
          // Read defensively: this runs even when other entries are invalid, so every problem
          // of the list is reported in one pass.
          const entry = customer as { id?: unknown; externalId?: unknown } | null;
          const id = entry?.id;
          if (typeof id === "string") {
            const seen = first.get(id);
            if (seen === undefined) first.set(id, index);
            else {
              ctx.addIssue({
                code: "custom",
                path: [index, "id"],
                message: `"${id}" is listed twice (first as customers.${seen}): one customer, one prefix, one principal`,
              });
            }
          }
          const externalId = entry?.externalId;
          if (typeof externalId === "string") {
            const seen = firstExternalId.get(externalId);
            if (seen === undefined) firstExternalId.set(externalId, index);
            else {
              // Not quoted: it is what keeps another tenant's sync config off this customer.
              ctx.addIssue({
                code: "custom",
                path: [index, "externalId"],
                message: `is the same as customers.${seen}.externalId: each customer needs its own, or one customer's sync config could assume the other's reader`,
              });
            }
          }
        });
      },
      { when: () => true },
    ),
  );

/** `exporter`: the guide's Step 4 Option A, a scheduled Lambda (components/budget-exporter/). */
const exporterConfig = z
  .strictObject({
    source: exporter.source,
    mapping: exporter.mapping,
    schedule: exporter.schedule,
    timezone: exporter.timezone,
    scheduler: exporter.scheduler,
    memoryMb: exporter.memoryMb,
    timeoutSeconds: exporter.timeoutSeconds,
    functionName: exporter.functionName,
    logRetentionDays: exporter.logRetentionDays,
    retryAttempts: exporter.retryAttempts,
  })
  .superRefine(exporterCrossChecks);

/** `uploader`: Options B and C, a write-only principal (components/uploader-access/). */
const uploaderConfig = z.strictObject({
  kind: uploader.kind,
  allowList: uploader.allowList,
  principalName: uploader.principalName,
});

/** `monitoring`: alerts topic and alarms (components/sync-monitoring/). */
const monitoringConfig = z.strictObject({
  emails: monitoring.emails,
  noUploadHours: monitoring.noUploadHours,
  uploadSignal: monitoring.uploadSignal,
});

/** `audit`: CloudTrail data events for the budget prefix (components/audit-trail/). */
const auditConfig = z.strictObject({
  enabled: flagSchema.default(true).describe("Make the trail; false leaves it out."),
  retentionDays: audit.retentionDays,
  logBucketName: audit.logBucketName.optional(),
});

/**
 * A cross-field check runs unless a key it reads is itself invalid (then that key's own message
 * stands, and the check waits for its fix). Any other problem, such as a missing bucketName,
 * does not hide the check's findings until the next run: every problem is told in one pass.
 */
function whenValid(...keys: string[]) {
  return {
    when: (payload: z.core.ParsePayload) =>
      payload.issues.every((issue) => !keys.includes(String(issue.path?.[0]))),
  };
}

export const stackConfigSchema = z
  .strictObject({
    bucketName: bucket.bucketName,
    prefix: bucket.prefix,
    retentionDays: bucket.retentionDays,
    noncurrentRetentionDays: bucket.noncurrentRetentionDays,
    encryption: bucket.encryption,
    access: z
      .strictObject({
        mode: reader.mode.default("iam-user"),
        spendfloAccountId: reader.spendfloAccountId,
        externalId: reader.externalId,
        principalName: reader.principalName,
        accessKeys: reader.accessKeys,
        activeKey: reader.activeKey,
      })
      .default({ mode: "iam-user" })
      .describe("SpendFlo's read-only access to the prefix (components/spendflo-reader/)."),
    forceDestroy: bucket.forceDestroy.describe(
      "Let `pulumi destroy` delete a bucket that still holds files; not with `adoptExistingBucket` (an adopted bucket is kept).",
    ),
    adoptExistingBucket: bucket.adoptExisting,
    tags: bucket.tags.describe(
      "Tags for the bucket, key and principals (keys must not start with `aws:`).",
    ),
    exporter: exporterConfig
      .optional()
      .describe("The guide's Step 4 Option A: a scheduled Lambda that exports budget files."),
    uploader: uploaderConfig
      .optional()
      .describe("Step 4 Options B and C: a write-only principal for your own exporter."),
    monitoring: monitoringConfig
      .optional()
      .describe("An alerts topic, an alarm on the exporter's errors and a no-upload alarm."),
    audit: auditConfig
      .optional()
      .describe("A CloudTrail trail of every read and write under the prefix."),
    customers: hostedCustomers
      .optional()
      .describe(
        "The hosted stack's customers, one `{ id, externalId, name?, contact? }` each; present, it makes the stack a hosted one.",
      ),
    hosted: z
      .strictObject({
        manageBucket: flagSchema
          .default(true)
          .describe(
            "Hosted stack: `true` for the base stack that owns the bucket, `false` for a shard that makes only customers' principals.",
          ),
        pollerRoleArn: hosted.pollerRoleArn.optional(),
      })
      .optional()
      .describe("The hosted stack's own settings (the guide's Option 1)."),
  })
  .superRefine(
    (config, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      // An adopted bucket is retainOnDelete: destroy forgets it and deletes nothing, so forceDestroy
      // would promise a deletion that never happens. A hosted shard refuses both keys on its own.
      if (
        config.forceDestroy &&
        config.adoptExistingBucket &&
        !(isHostedConfig(config) && !hostedSettings(config).manageBucket)
      ) {
        issue(
          ["forceDestroy"],
          "cannot be used with adoptExistingBucket: an adopted bucket is kept on pulumi destroy (retainOnDelete), with its files, so forceDestroy would delete nothing; remove forceDestroy",
        );
      }
    },
    whenValid("forceDestroy", "adoptExistingBucket", "customers", "hosted"),
  )
  .superRefine(
    (config, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      if (
        config.audit?.enabled &&
        !config.audit.logBucketName &&
        // A missing or invalid bucketName has its own message; the derived name would repeat it.
        typeof config.bucketName === "string" &&
        bucketNameProblems(config.bucketName).length === 0
      ) {
        const derived = auditLogBucketName(config);
        if (bucketNameProblems(derived).length) {
          issue(
            ["audit", "logBucketName"],
            `is required here: the default name ${derived} is not a valid bucket name (${bucketNameProblems(derived).join("; ")})`,
          );
        }
      }
    },
    whenValid("audit", "bucketName"),
  )
  .superRefine(
    (config, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      const { access, encryption } = config;
      if (access.mode !== "iam-user" && !access.spendfloAccountId) {
        issue(
          ["access", "spendfloAccountId"],
          `is required in mode ${access.mode}: SpendFlo's 12-digit AWS account id`,
        );
      }
      if (access.mode === "cross-account-role" && !access.externalId) {
        issue(
          ["access", "externalId"],
          "is required in mode cross-account-role: the external id agreed with SpendFlo",
        );
      }
      if (access.mode !== "cross-account-role" && access.externalId) {
        issue(
          ["access", "externalId"],
          `is only used in mode cross-account-role (the mode is ${access.mode})`,
        );
      }
      if (access.mode !== "iam-user") {
        if (access.accessKeys)
          issue(
            ["access", "accessKeys"],
            `is only used in mode iam-user (the mode is ${access.mode})`,
          );
        if (access.activeKey)
          issue(
            ["access", "activeKey"],
            `is only used in mode iam-user (the mode is ${access.mode})`,
          );
      } else if (access.activeKey && !(access.accessKeys ?? ["key1"]).includes(access.activeKey)) {
        issue(
          ["access", "activeKey"],
          `must be one of accessKeys (${(access.accessKeys ?? ["key1"]).join(", ")})`,
        );
      }
      if (encryption.type === "sse-s3" && encryption.kmsKeyArn) {
        issue(["encryption", "kmsKeyArn"], 'is only used with type "sse-kms"');
      }
      // A hosted stack has no `access` (refused from the file): its readers are per customer.
      if (
        !isHostedConfig(config) &&
        access.mode === "cross-account-policy" &&
        isAwsManagedS3Key(encryption.kmsKeyArn)
      ) {
        issue(
          ["encryption", "kmsKeyArn"],
          "the AWS-managed aws/s3 key cannot be shared with another account: omit kmsKeyArn to let the stack create a key, or give a customer-managed key",
        );
      }
    },
    whenValid("access", "encryption", "customers", "hosted"),
  )
  .superRefine(
    checkHostedConfig,
    whenValid(
      "customers",
      "hosted",
      "access",
      "prefix",
      "encryption",
      "exporter",
      "uploader",
      "monitoring",
      "forceDestroy",
      "adoptExistingBucket",
      "audit",
    ),
  );

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** A hosted stack (the guide's Option 1) is one with `customers` or `hosted` in its config. */
export function isHostedConfig(config: StackConfig): boolean {
  return config.customers !== undefined || config.hosted !== undefined;
}

/** The settings only a hosted stack has, with their defaults. */
export function hostedSettings(config: StackConfig) {
  return {
    manageBucket: config.hosted?.manageBucket ?? true,
    customers: config.customers ?? [],
    pollerRoleArn: config.hosted?.pollerRoleArn,
  };
}

function checkHostedConfig(config: StackConfig, ctx: z.RefinementCtx) {
  if (!isHostedConfig(config)) return;
  const issue = (path: string[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  if (config.prefix !== "budgets/" && config.prefix !== HOSTED_PREFIX_ROOT) {
    issue(
      ["prefix"],
      `is not used by a hosted stack: its lifecycle covers ${HOSTED_PREFIX_ROOT} and each customer's prefix is ${HOSTED_PREFIX_ROOT}<id>/budgets/; remove it`,
    );
  }
  if (config.encryption.type === "sse-kms" && !isAwsManagedS3Key(config.encryption.kmsKeyArn)) {
    issue(
      ["encryption"],
      "a hosted stack encrypts with sse-s3 or the AWS-managed key (kmsKeyArn: alias/aws/s3): with any other key every customer would need its own KMS grant",
    );
  }
  // A customer's own stack's features: silently ignoring them would be worse than refusing.
  if (config.exporter) {
    issue(["exporter"], "is not used by a hosted stack: each customer uploads with its own key");
  }
  if (config.uploader) {
    issue(["uploader"], "is not used by a hosted stack: each customer's principal is its uploader");
  }
  if (config.monitoring) {
    issue(
      ["monitoring"],
      "is not used by a hosted stack: its alarms watch one prefix, not one per customer",
    );
  }
  if ((config.customers?.length ?? 0) > 0 && !config.hosted?.pollerRoleArn) {
    issue(
      ["hosted", "pollerRoleArn"],
      "is required with customers: the ARN of SpendFlo's poller role (arn:aws:iam::<account>:role/<name>), the one principal that may assume each customer's read-only sync role",
    );
  }
  if (!hostedSettings(config).manageBucket) {
    for (const key of ["forceDestroy", "adoptExistingBucket", "audit"] as const) {
      if (config[key]) {
        issue(
          [key],
          "is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket",
        );
      }
    }
  }
}

/**
 * What the stack config cannot say alone, checked against the region the stack deploys to
 * (`aws:region`): the region must be a region code, and a given KMS key must live in it (S3
 * encrypts only with a key of the bucket's region). One message per problem, naming the key.
 */
export function deploymentRegionProblems(
  config: Pick<StackConfig, "encryption">,
  region: string,
  namespace = PROJECT,
): string[] {
  const problems: string[] = [];
  const regionIssue = regionProblem(region);
  if (regionIssue?.level === "error") problems.push(`aws:region: ${regionIssue.message}`);
  const keyRegion = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(
    config.encryption.kmsKeyArn ?? "",
  )?.[1];
  if (keyRegion && keyRegion !== region) {
    problems.push(
      `${namespace}:encryption.kmsKeyArn: the key is in ${keyRegion} but the bucket in ${region} (aws:region): S3 encrypts only with a key of the bucket's own region; give a key in ${region}${config.encryption.kmsKeyArn?.includes(":key/mrk-") ? " (a replica of this multi-Region key there has its own ARN)" : ""}`,
    );
  }
  return problems;
}

/**
 * Warnings about the exporter's schedule: one that runs more often than hourly replaces the day's
 * file on each run (config refuses one that can never fire).
 */
export function exporterScheduleWarnings(
  config: Pick<StackConfig, "exporter">,
  namespace = PROJECT,
): string[] {
  const warning = config.exporter ? frequentScheduleWarning(config.exporter.schedule) : undefined;
  return warning ? [`${namespace}:exporter.schedule: ${warning}`] : [];
}

/** Warnings about the config in the account the stack deploys to. */
export function deploymentAccountWarnings(
  config: Pick<StackConfig, "access">,
  accountId: string,
  namespace = PROJECT,
): string[] {
  return config.access.spendfloAccountId === accountId
    ? [
        `${namespace}:access.spendfloAccountId is ${accountId}, the account this stack deploys to: SpendFlo's account id is the one SpendFlo gives you, not yours`,
      ]
    : [];
}

/** The audit log bucket: as configured, or the budget bucket's name plus `-audit-logs`. */
export function auditLogBucketName(config: {
  bucketName: string;
  audit?: { logBucketName?: string };
}): string {
  return config.audit?.logBucketName ?? `${config.bucketName}-audit-logs`;
}

/** Keys whose values are plain strings even when they look like numbers or JSON. */
const STRING_KEYS = new Set(["bucketName", "prefix"]);

/** Thrown for invalid config; the message holds one line per problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/**
 * Parses the raw config of the project's namespace (values as Pulumi stores them: strings,
 * objects as JSON) into a typed config, or throws StackConfigError naming each bad key.
 */
export function parseStackConfig(raw: Record<string, string>, namespace = PROJECT): StackConfig {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    values[key] = STRING_KEYS.has(key) ? value : decodeConfigValue(value);
  }
  const result = stackConfigSchema.safeParse(values);
  // Keys with defaults cannot be told apart once parsed: a shard's bucket-only keys are
  // refused from what the file says.
  const shard = [
    ...hostedAccessProblems(values, namespace),
    ...shardBucketKeyProblems(values, namespace),
  ];
  if (result.success && shard.length === 0) return result.data;
  throw new StackConfigError([
    ...shard,
    ...(result.success ? [] : result.error.issues).map((issue) => {
      if (issue.code === "unrecognized_keys") {
        const where = issue.path.length ? `${namespace}:${issue.path.join(".")}` : namespace;
        return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed: ${allowedKeys(issue.path).join(", ")}`;
      }
      const key = issue.path.length ? `${namespace}:${issue.path.join(".")}` : namespace;
      return `${key}: ${plainMessage(issue)}`;
    }),
  ]);
}

/** Settings of the bucket itself, which a shard (`hosted.manageBucket: false`) never makes. */
const SHARD_REFUSED_KEYS = ["retentionDays", "noncurrentRetentionDays", "encryption"];

/**
 * A hosted stack makes no reader of its own for all of `customers/`: each customer has its own
 * sync role. `access` has a default, so whether the file sets it is read from the file.
 */
function hostedAccessProblems(values: Record<string, unknown>, namespace: string): string[] {
  const hosted = values["customers"] !== undefined || values["hosted"] !== undefined;
  if (!hosted || values["access"] === undefined) return [];
  return [
    `${namespace}:access: is not used by a hosted stack: SpendFlo reads each customer's prefix with that customer's own read-only role (spendflo-reader-<id>), which the poller named in hosted.pollerRoleArn assumes with the customer's externalId; remove access`,
  ];
}

function shardBucketKeyProblems(values: Record<string, unknown>, namespace: string): string[] {
  const hosted = values["hosted"];
  const isShard =
    hosted !== null &&
    typeof hosted === "object" &&
    (hosted as { manageBucket?: unknown }).manageBucket === false;
  if (!isShard) return [];
  return SHARD_REFUSED_KEYS.filter((key) => values[key] !== undefined).map(
    (key) =>
      `${namespace}:${key}: is only used when hosted.manageBucket is true: a shard stack makes customers' principals, never the bucket; set it in the base stack`,
  );
}

const EXPECTED: Record<string, string> = {
  object: "a map of settings (a YAML object)",
  record: "a map of names to values (a YAML object)",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

/** zod's generic type errors in the words of a stack file; our own messages stay as they are. */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== "invalid_type" || !issue.message.startsWith("Invalid input")) {
    return issue.message;
  }
  const received = /received (\w+)/.exec(issue.message)?.[1];
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  return `must be ${expected}${received ? `, not ${received === "string" ? "text" : received}` : ""}`;
}

function decodeConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function allowedKeys(path: PropertyKey[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let schema: any = stackConfigSchema;
  for (const segment of path) {
    while (schema?.def?.innerType) schema = schema.def.innerType;
    schema =
      typeof segment === "number" ? schema?.def?.element : schema?.shape?.[segment as string];
  }
  while (schema?.def?.innerType) schema = schema.def.innerType;
  return Object.keys(schema?.shape ?? {});
}

/** The raw values of one namespace out of all config (`ns:key` → value). */
export function namespaceConfig(
  all: Record<string, string>,
  namespace = PROJECT,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(`${namespace}:`)) values[key.slice(namespace.length + 1)] = value;
  }
  return values;
}

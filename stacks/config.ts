import { z } from "zod";
import {
  BUDGET_EXPORTER_DEFAULTS,
  LOG_RETENTION_DAYS,
  isTimeZone,
  scheduleExpressionProblem,
} from "../components/budget-exporter/index.ts";
import { GUIDE_COLUMNS } from "../components/budget-exporter/lambda/budgetRows.ts";
import { ACCESS_KEY_SLOTS } from "../components/spendflo-reader/index.ts";
import { ACCESS_MODES } from "../lib/spendflo/stackOutputs.ts";
import { EXTERNAL_ID_RULE } from "../lib/spendflo/externalId.ts";
import {
  HOSTED_PREFIX_ROOT,
  customerIdProblems,
  hostedExternalIdProblems,
  iamTagValueProblems,
  pollerRoleArnProblems,
} from "../lib/spendflo/hostedBucket.ts";
import { regionProblem } from "../lib/aws/regions.ts";
import { frequentScheduleWarning } from "../lib/aws/schedule.ts";
import { bucketNameProblems, prefixProblems } from "../lib/aws/s3Naming.ts";

/**
 * The stack config, in one place: every key under the project's namespace (`budget-sync:`),
 * its default and what it allows. Invalid config stops the program before any resource is
 * declared, with one message per problem naming the key.
 */

export const PROJECT = "budget-sync";

/**
 * A 12-digit account id; unquoted in YAML it is a number, accepted when it still has 12 digits.
 * One that began with 0 has lost its leading zeros as a number: it must be quoted.
 */
const accountId = z.preprocess(
  (value) =>
    typeof value === "number" && Number.isInteger(value) && String(value).length === 12
      ? String(value)
      : value,
  z
    .string({
      error: (issue) =>
        typeof issue.input === "number"
          ? `is the YAML number ${String(issue.input)}, not a 12-digit account id: quote the id ("012345678901"), since a number loses its leading zeros`
          : "must be text: a 12-digit AWS account id",
    })
    .regex(/^\d{12}$/, "must be a 12-digit AWS account id"),
);

const days = z
  .number({ error: "must be a number of days" })
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(36500, "must be at most 36500 days");

const kmsKeyArn = z
  .string()
  .regex(
    /^(alias\/aws\/s3|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|key\/mrk-[0-9a-f]{32}|alias\/aws\/s3))$/,
    'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>) or "alias/aws/s3"; IAM policies cannot name a key by any other alias',
  );

/** The AWS-managed S3 key, in any of the forms S3 accepts. */
export function isAwsManagedS3Key(arn: string | undefined): boolean {
  return arn !== undefined && arn.endsWith("alias/aws/s3");
}

/** A tag value IAM accepts (a hosted customer's name or contact). */
const iamTagValue = z.string({ error: "must be text" }).superRefine((value, ctx) => {
  for (const message of iamTagValueProblems(value)) ctx.addIssue({ code: "custom", message });
});

/** The hosted stack's customers (the guide's Option 1): one line each, ids unique. */
const hostedCustomers = z
  .array(
    z.strictObject({
      id: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? "is required: the customer's company id, a lowercase slug (acme-corp)"
              : `must be text: the customer's company id, a lowercase slug (acme-corp), not a ${typeof issue.input}`,
        })
        .superRefine((id, ctx) => {
          for (const message of customerIdProblems(id)) ctx.addIssue({ code: "custom", message });
        }),
      name: iamTagValue.optional(),
      contact: iamTagValue.optional(),
      externalId: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? "is required: the external id SpendFlo's poller presents for this customer, a random value such as the output of `uuidgen`"
              : "must be text: a random value such as the output of `uuidgen`",
        })
        .superRefine((externalId, ctx) => {
          for (const message of hostedExternalIdProblems(externalId))
            ctx.addIssue({ code: "custom", message });
        }),
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

/** `exporter`: the guide's Step 4 Option A, a scheduled Lambda (components/budget-exporter/index.ts). */
const exporterConfig = z
  .strictObject({
    source: z.strictObject({
      type: z.enum(["json", "csv"], { error: 'must be "json" (an array of rows) or "csv"' }),
      url: z
        .string({ error: "is required: the HTTPS address of the FP&A tool's export" })
        .refine(
          (url) => /^https:\/\/[^/@\s]+/.test(url),
          "must be an https:// address without credentials (put a token in tokenParameterName)",
        ),
      rowsPath: z.string().min(1).optional(),
      tokenParameterName: z
        .string()
        .regex(
          /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/,
          "must be an SSM parameter name such as /fpa/api-token (a SecureString you create)",
        )
        .optional(),
      tokenKmsKeyArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, "must be a KMS key ARN")
        .optional(),
      timeoutSeconds: z.number().int().min(1).max(895).optional(),
    }),
    mapping: z
      .partialRecord(
        z.enum(GUIDE_COLUMNS, { error: `columns are ${GUIDE_COLUMNS.join(", ")}` }),
        z.string().min(1),
      )
      .optional(),
    schedule: z
      .string()
      .default(BUDGET_EXPORTER_DEFAULTS.schedule)
      .superRefine((expression, ctx) => {
        const problem = scheduleExpressionProblem(expression);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    timezone: z
      .string()
      .default("UTC")
      .refine(isTimeZone, "must be an IANA time zone such as Europe/Paris"),
    scheduler: z
      .enum(["scheduler", "eventbridge-rule"], {
        error: 'must be "scheduler" or "eventbridge-rule"',
      })
      .default("scheduler"),
    memoryMb: z.number().int().min(128).max(10240).default(256),
    timeoutSeconds: z
      .number()
      .int()
      .min(60, "must be at least 60: the guide's fix for Lambda timeouts")
      .max(900)
      .default(60),
    functionName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,52}$/, "must be 1 to 52 letters, digits, - or _")
      .optional(),
    logRetentionDays: z
      .number()
      .refine(
        (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
      )
      .default(30),
    retryAttempts: z.number().int().min(0).max(2).default(2),
  })
  .superRefine((exporter, ctx) => {
    if (exporter.scheduler === "eventbridge-rule" && exporter.timezone !== "UTC") {
      ctx.addIssue({
        code: "custom",
        path: ["timezone"],
        message: 'needs scheduler "scheduler": EventBridge rules run in UTC only',
      });
    }
    const fetch = exporter.source.timeoutSeconds;
    if (fetch !== undefined && fetch > exporter.timeoutSeconds - 5) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "timeoutSeconds"],
        message: `must be at most ${exporter.timeoutSeconds - 5}: the upload needs time after the fetch`,
      });
    }
  });

/** `uploader`: Options B and C, a write-only principal (components/uploader-access/index.ts). */
const uploaderConfig = z.strictObject({
  kind: z
    .enum(["iam-user", "instance-role"], { error: 'must be "iam-user" or "instance-role"' })
    .default("iam-user"),
  allowList: z.boolean({ error: "must be true or false" }).default(false),
  principalName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, "must be a valid IAM user or role name (1-64 characters)")
    .optional(),
});

/** `monitoring`: alerts topic and alarms (components/sync-monitoring/index.ts). */
const monitoringConfig = z.strictObject({
  emails: z.array(z.email({ error: "must be an email address" })).default([]),
  noUploadHours: z.number().int().min(2).max(168).default(48),
  uploadSignal: z
    .enum(["eventbridge", "request-metrics"], {
      error: 'must be "eventbridge" or "request-metrics"',
    })
    .default("eventbridge"),
});

/** `audit`: CloudTrail data events for the budget prefix (components/audit-trail/index.ts). */
const auditConfig = z.strictObject({
  enabled: z.boolean({ error: "must be true or false" }).default(true),
  retentionDays: days.default(365),
  logBucketName: z
    .string()
    .superRefine((name, ctx) => {
      for (const message of bucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
    })
    .optional(),
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
    bucketName: z
      .string({ error: "is required: the globally unique name of the budget bucket" })
      .superRefine((name, ctx) => {
        for (const message of bucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
      }),
    prefix: z
      .string()
      .default("budgets/")
      .superRefine((prefix, ctx) => {
        for (const message of prefixProblems(prefix)) ctx.addIssue({ code: "custom", message });
      }),
    retentionDays: days.default(30),
    noncurrentRetentionDays: days.default(30),
    encryption: z
      .strictObject({
        type: z.enum(["sse-s3", "sse-kms"], { error: 'must be "sse-s3" or "sse-kms"' }),
        kmsKeyArn: kmsKeyArn.optional(),
      })
      .default({ type: "sse-s3" }),
    access: z
      .strictObject({
        mode: z
          .enum(ACCESS_MODES, { error: `must be one of ${ACCESS_MODES.join(", ")}` })
          .default("iam-user"),
        spendfloAccountId: accountId.optional(),
        externalId: z.string().regex(EXTERNAL_ID_RULE.pattern, EXTERNAL_ID_RULE.message).optional(),
        principalName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/, "must be a valid IAM user or role name (1-64 characters)")
          .optional(),
        accessKeys: z
          .array(z.enum(ACCESS_KEY_SLOTS, { error: 'must be "key1" or "key2"' }))
          .min(1, "must keep at least one key")
          .max(2)
          .refine((slots) => new Set(slots).size === slots.length, "must not list a slot twice")
          .optional(),
        activeKey: z.enum(ACCESS_KEY_SLOTS, { error: 'must be "key1" or "key2"' }).optional(),
      })
      .default({ mode: "iam-user" }),
    forceDestroy: z.boolean({ error: "must be true or false" }).default(false),
    adoptExistingBucket: z.boolean({ error: "must be true or false" }).default(false),
    tags: z
      .record(z.string(), z.string({ error: "tag values must be strings" }))
      .default({})
      .superRefine((tags, ctx) => {
        for (const [key, value] of Object.entries(tags)) {
          const problem = key.toLowerCase().startsWith("aws:")
            ? 'tag keys must not start with "aws:"'
            : key.length < 1 || key.length > 128
              ? "tag keys must be 1 to 128 characters"
              : value.length > 256
                ? "tag values must be at most 256 characters"
                : undefined;
          if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
        }
      }),
    exporter: exporterConfig.optional(),
    uploader: uploaderConfig.optional(),
    monitoring: monitoringConfig.optional(),
    audit: auditConfig.optional(),
    customers: hostedCustomers.optional(),
    hosted: z
      .strictObject({
        manageBucket: z.boolean({ error: "must be true or false" }).default(true),
        pollerRoleArn: z
          .string({ error: "must be text: the ARN of SpendFlo's poller role" })
          .superRefine((arn, ctx) => {
            for (const message of pollerRoleArnProblems(arn))
              ctx.addIssue({ code: "custom", message });
          })
          .optional(),
      })
      .optional(),
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

import { z } from "zod";
import { scheduleProblem } from "../../lib/aws/schedule.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import { bucketNameSchema, defaultOf, numberRange, prefixSchema } from "../shared/schemas.ts";
import { GUIDE_COLUMNS, columnMappingProblems } from "./lambda/budgetRows.ts";

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * Why a schedule expression is not one EventBridge accepts, or can never fire (31 February, a
 * year gone by), or undefined.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  return scheduleProblem(expression);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const IANA_ZONE = "must be an IANA time zone such as Europe/Paris";

/** Where the exporter reads budget rows. */
export const exporterSourceSchema = z.strictObject({
  type: z
    .enum(["json", "csv"], { error: 'must be "json" (an array of rows) or "csv"' })
    .describe("`json` (an HTTPS endpoint answering an array of rows) or `csv` (a CSV export URL)."),
  url: z
    .string({ error: "is required: the HTTPS address of the FP&A tool's export" })
    .refine(
      (url) => /^https:\/\/[^/@\s]+/.test(url),
      "must be an https:// address without credentials (put a token in tokenParameterName)",
    )
    .describe(
      "The `https://` address of the FP&A tool's export. Put no key in it: use `tokenParameterName`.",
    ),
  rowsPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "JSON: dotted path of the rows array inside the answer (`data.rows`). Default: the answer itself.",
    ),
  tokenParameterName: z
    .string()
    .regex(
      /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/,
      "must be an SSM parameter name such as /fpa/api-token (a SecureString you create)",
    )
    .optional()
    .describe(
      "SSM parameter (SecureString) holding a bearer token, sent as `Authorization: Bearer ...` and read at run time. Default: no token.",
    ),
  tokenKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, "must be a KMS key ARN")
    .optional()
    .describe(
      "The customer-managed KMS key of that parameter (adds `kms:Decrypt` via SSM). Default: the AWS-managed `aws/ssm` key.",
    ),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(895)
    .optional()
    .describe(
      "Seconds the source may take before the run fails. Default: the function's timeout less 15 s.",
    ),
});

/** BudgetExporter's settings: their rules and defaults, one statement for the component and the stack config. */
export const budgetExporterSettingsShape = {
  source: exporterSourceSchema.describe("Where the budget rows come from."),
  timeoutSeconds: z
    .number()
    .int()
    .min(60, "must be at least 60: the guide's fix for Lambda timeouts")
    .max(900)
    .default(60)
    .describe(
      "Function timeout in seconds, 60 to 900; 60 s is the guide's own fix for its timeouts.",
    ),
  memoryMb: z.number().int().min(128).max(10240).default(256).describe("Function memory in MB."),
  logRetentionDays: z
    .number()
    .refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
    )
    .default(30)
    .describe(
      "Days the function's logs are kept: the log group is created by the stack, with retention (Lambda's own never expires).",
    ),
  retryAttempts: z
    .number()
    .int()
    .min(0)
    .max(2)
    .default(2)
    .describe("Lambda's retries of a failed run; then the run goes to the alerts topic."),
  maxEventAgeSeconds: z
    .number()
    .int()
    .min(60)
    .max(21600)
    .default(3600)
    .describe("Seconds a scheduled run may wait for a retry."),
  functionName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,52}$/, "must be 1 to 52 letters, digits, - or _")
    .optional()
    .describe(
      "Function name, also of its role, log group and schedule. Default `budget-export-to-s3-<stack>`.",
    ),
  schedule: z
    .string()
    .default("cron(0 2 * * ? *)")
    .superRefine((expression, ctx) => {
      const problem = scheduleExpressionProblem(expression);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(
      "Schedule expression: `cron(...)` (six fields) or `rate(...)`; the default is the guide's 2 AM daily.",
    ),
  timezone: z
    .string()
    .default("UTC")
    .refine(isTimeZone, IANA_ZONE)
    .describe("IANA time zone of the schedule and of the date in the key."),
  scheduler: z
    .enum(["scheduler", "eventbridge-rule"], {
      error: 'must be "scheduler" or "eventbridge-rule"',
    })
    .default("scheduler")
    .describe(
      "`scheduler`: EventBridge Scheduler (AWS's recommended successor; invokes through its own role), or `eventbridge-rule` (the guide's; the `lambda.Permission` is scoped to the rule's ARN).",
    ),
  mapping: z
    .partialRecord(
      z.enum(GUIDE_COLUMNS, { error: `columns are ${GUIDE_COLUMNS.join(", ")}` }),
      z.string().min(1),
    )
    .optional()
    .describe(
      "Source field for each of the guide's columns. Default: fields named like the columns.",
    ),
};

/**
 * The rules across the exporter's settings. Read defensively: a component checks them even when
 * another setting is invalid, so that every problem is told in one pass.
 */
export function exporterCrossChecks(
  exporter: {
    scheduler?: unknown;
    timezone?: unknown;
    timeoutSeconds?: unknown;
    source?: { timeoutSeconds?: unknown };
  },
  ctx: z.RefinementCtx,
): void {
  if (exporter.scheduler === "eventbridge-rule" && exporter.timezone !== "UTC") {
    ctx.addIssue({
      code: "custom",
      path: ["timezone"],
      message: 'needs scheduler "scheduler": EventBridge rules run in UTC only',
    });
  }
  const fetch = exporter.source?.timeoutSeconds;
  const timeout = exporter.timeoutSeconds;
  if (typeof fetch === "number" && typeof timeout === "number" && fetch > timeout - 5) {
    ctx.addIssue({
      code: "custom",
      path: ["source", "timeoutSeconds"],
      message: `must be at most ${timeout - 5}: the upload needs time after the fetch`,
    });
  }
}

export const budgetExporterArgsSchema = z
  .object({
    ...budgetExporterSettingsShape,
    bucketName: bucketNameSchema().describe("The budget bucket's name."),
    prefix: prefixSchema.describe("The budget-file prefix the exporter writes under."),
  })
  .superRefine(exporterCrossChecks, { when: () => true });

export type BudgetExporterSettings = z.output<typeof budgetExporterArgsSchema>;

/** `"0, 1 or 2"` */
function wholeNumbers({ min, max }: { min: number; max: number }): string {
  const all = Array.from({ length: max - min + 1 }, (_, i) => String(min + i));
  return all.length > 1 ? `${all.slice(0, -1).join(", ")} or ${all.at(-1)}` : all.join("");
}

/** Why a source URL cannot be fetched safely, in the component's words. */
function sourceUrlProblems(value: unknown): string[] {
  if (typeof value !== "string") return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`source.url "${value}" is not a URL`];
  }
  const problems: string[] = [];
  if (url.protocol !== "https:") problems.push("source.url must be an https:// address");
  if (url.username || url.password) {
    problems.push("source.url must not carry credentials: put a token in tokenParameterName");
  }
  return problems;
}

/** BudgetExporter's args checked against its schema: its settings with defaults, or its problems. */
export function checkBudgetExporterArgs(args: {
  readonly source?: { readonly url?: unknown };
  readonly mapping?: Record<string, unknown>;
  readonly timeoutSeconds?: number;
}): CheckedArgs<BudgetExporterSettings> {
  const shape = budgetExporterArgsSchema.shape;
  const timeout = args.timeoutSeconds ?? defaultOf(shape.timeoutSeconds);
  const url = sourceUrlProblems(args.source?.url);
  const mapping = columnMappingProblems(args.mapping ?? {});
  const range = (field: "timeoutSeconds" | "memoryMb" | "maxEventAgeSeconds") =>
    `${field} must be a whole number from ${numberRange(shape[field]).min} to ${numberRange(shape[field]).max}`;
  return checkArgs(
    budgetExporterArgsSchema,
    Object.keys(shape),
    args,
    (field, issue, value) => {
      switch (field) {
        case "source.url":
          return url.length ? url : undefined;
        case "source.tokenParameterName":
          return "source.tokenParameterName must be an SSM parameter name such as /fpa/api-token";
        case "source.timeoutSeconds":
          return `source.timeoutSeconds must be from 1 to ${timeout - 5}: the upload needs time after the fetch`;
        case "timeoutSeconds":
          return `${range(field)} (the guide's fix for timeouts is ${defaultOf(shape.timeoutSeconds)})`;
        case "memoryMb":
        case "maxEventAgeSeconds":
          return range(field);
        case "retryAttempts":
          return `retryAttempts must be ${wholeNumbers(numberRange(shape.retryAttempts))}`;
        case "functionName":
          return `functionName ${issue.message} (its scheduler role adds a suffix)`;
        case "timezone":
          return issue.message === IANA_ZONE
            ? `timezone "${String(value)}" is not an IANA time zone`
            : undefined;
      }
      return field.startsWith("mapping") && mapping.length ? mapping : undefined;
    },
    [...url, ...mapping],
  );
}

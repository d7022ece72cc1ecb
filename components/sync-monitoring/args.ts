import { z } from "zod";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import { bucketNameSchema, numberRange, prefixSchema } from "../shared/schemas.ts";

/** SyncMonitoring's settings: their rules and defaults, one statement for the component and the stack config. */
export const syncMonitoringArgsSchema = z.object({
  emails: z
    .array(z.email({ error: "must be an email address" }))
    .default([])
    .describe("Addresses subscribed to the alerts topic (each confirms by email)."),
  noUploadHours: z
    .number()
    .int()
    .min(2)
    // CloudWatch evaluates at most 7 days of hourly periods.
    .max(168)
    .default(48)
    .describe("Hours without a new budget file before the alarm fires."),
  uploadSignal: z
    .enum(["eventbridge", "request-metrics"], {
      error: 'must be "eventbridge" or "request-metrics"',
    })
    .default("eventbridge")
    .describe(
      "How uploads are counted: `eventbridge` (S3 events counted by a rule, no charge) or `request-metrics` (S3 request metrics on the prefix, about $4.80 a month more).",
    ),
  bucketName: bucketNameSchema().describe("The budget bucket's name."),
  prefix: prefixSchema.describe("The budget-file prefix whose uploads are watched."),
});

export type SyncMonitoringSettings = z.output<typeof syncMonitoringArgsSchema>;

/**
 * SyncMonitoring's args checked against its schema: its settings with defaults, or its problems;
 * `alarmNameProblem` is what is wrong with the longest alarm name its name prefix makes.
 */
export function checkSyncMonitoringArgs(
  args: unknown,
  alarmNameProblem?: string,
): CheckedArgs<SyncMonitoringSettings> {
  const { min, max } = numberRange(syncMonitoringArgsSchema.shape.noUploadHours);
  return checkArgs(
    syncMonitoringArgsSchema,
    Object.keys(syncMonitoringArgsSchema.shape),
    args,
    (field, _issue, value) => {
      if (field.startsWith("emails.")) return `"${String(value)}" is not an email address`;
      if (field === "noUploadHours") {
        return `noUploadHours must be a whole number of hours from ${min} to ${max}`;
      }
      return undefined;
    },
    alarmNameProblem ? [`namePrefix makes an alarm name ${alarmNameProblem}`] : [],
  );
}

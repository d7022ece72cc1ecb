import { z } from "zod";
import { NAME_RULES, nameProblem } from "../../lib/aws/names.ts";
import { checkArgs, type CheckedArgs } from "../shared/componentArgs.ts";
import { bucketNameSchema, daysSchema, prefixSchema } from "../shared/schemas.ts";

/** AuditTrail's settings: their rules and defaults, one statement for the component and the stack config. */
export const auditTrailArgsSchema = z.object({
  budgetBucketName: bucketNameSchema().describe("The budget bucket whose files the trail watches."),
  prefix: prefixSchema.describe(
    "The budget-file prefix; every read and write under it is recorded.",
  ),
  logBucketName: bucketNameSchema().describe(
    "The trail's own log bucket, created with the budget bucket's protections. Default: the budget bucket's name plus `-audit-logs`.",
  ),
  trailName: z
    .string()
    .superRefine((name, ctx) => {
      const problem = nameProblem(NAME_RULES.trail, name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .describe(
      "Trail name, fixed so its ARN is known before it exists. Default `budget-sync-audit-<stack>`.",
    ),
  retentionDays: daysSchema.default(365).describe("Days the trail's log files are kept."),
});

export type AuditTrailSettings = z.output<typeof auditTrailArgsSchema>;

/** AuditTrail's args checked against its schema: its settings with defaults, or its problems. */
export function checkAuditTrailArgs(args: unknown): CheckedArgs<AuditTrailSettings> {
  return checkArgs(auditTrailArgsSchema, Object.keys(auditTrailArgsSchema.shape), args);
}

import { z } from "zod";
import { bucketNameProblems, prefixProblems } from "../../lib/aws/s3Naming.ts";

/**
 * Schemas of values several components take: one statement of each rule, in the words the stack
 * config reports (`budget-sync:<key>: <message>`). A component tells a problem as
 * `<field> <message>` unless it words it its own way (see checkArgs).
 */

/** A bucket name S3 accepts; `typeError` is said when the value is missing or not text. */
export function bucketNameSchema(typeError?: string) {
  return z.string(typeError ? { error: typeError } : undefined).superRefine((name, ctx) => {
    for (const message of bucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
  });
}

/** A budget-file prefix: ends with `/`, and nothing S3, IAM or tools would read otherwise. */
export const prefixSchema = z.string().superRefine((prefix, ctx) => {
  for (const message of prefixProblems(prefix)) ctx.addIssue({ code: "custom", message });
});

/** A number of days a lifecycle or log retention accepts. */
export const daysSchema = z
  .number({ error: "must be a number of days" })
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(36500, "must be at most 36500 days");

/** The name of an IAM user or role (the instance profile of a role shares it). */
export const iamPrincipalNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, "must be a valid IAM user or role name (1-64 characters)");

/** A true or false setting. */
export const flagSchema = z.boolean({ error: "must be true or false" });

/** Tags for every resource a component makes, as AWS accepts them. */
export const tagsSchema = z
  .record(z.string(), z.string({ error: "tag values must be strings" }))
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
  });

/** The bounds of a number schema (through a default or optional), for a component's own words. */
export function numberRange(schema: z.ZodType): { min: number; max: number } {
  let inner: z.ZodType = schema;
  while ("innerType" in inner.def) inner = inner.def.innerType as z.ZodType;
  const number = inner as z.ZodNumber;
  return { min: number.minValue ?? -Infinity, max: number.maxValue ?? Infinity };
}

/** The default of a schema with one. */
export function defaultOf<T>(schema: z.ZodDefault<z.ZodType<T>>): T {
  return schema.def.defaultValue as T;
}

/**
 * A 12-digit account id; unquoted in YAML it is a number, accepted when it still has 12 digits.
 * One that began with 0 has lost its leading zeros as a number: it must be quoted.
 */
export const accountIdSchema = z.preprocess(
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

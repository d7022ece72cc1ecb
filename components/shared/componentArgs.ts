import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/**
 * A component's own words for a problem the schema found, or undefined to say
 * `<field> <the schema's message>`. `value` is what the field holds in the args.
 */
export type ArgsWording = (
  field: string,
  issue: z.core.$ZodIssue,
  value: unknown,
) => string | readonly string[] | undefined;

/** The result of checking a component's args against its schema. */
export type CheckedArgs<T> =
  | { readonly ok: true; readonly value: T; readonly problems: readonly [] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks a component's args against its schema, once: the values with their defaults, or one
 * message per problem, `<field> <rule>`, in the order of the schema's fields (a rule across fields
 * is told with the field it names), then `extra` problems the schema cannot state.
 */
export function checkArgs<S extends z.ZodType>(
  schema: S,
  fields: readonly string[],
  args: unknown,
  wording: ArgsWording = () => undefined,
  extra: readonly string[] = [],
): CheckedArgs<z.output<S>> {
  const result = schema.safeParse(args);
  if (result.success && extra.length === 0) {
    return { ok: true, value: result.data, problems: [] };
  }
  const issues = result.success ? [] : result.error.issues;
  const order = (issue: z.core.$ZodIssue) => {
    const at = fields.indexOf(String(issue.path[0]));
    return at === -1 ? fields.length : at;
  };
  const problems: string[] = [];
  for (const issue of [...issues].sort((a, b) => order(a) - order(b))) {
    const field = issue.path.join(".");
    const said = wording(field, issue, valueAt(args, issue.path)) ?? `${field} ${issue.message}`;
    for (const message of typeof said === "string" ? [said] : said) {
      if (!problems.includes(message)) problems.push(message);
    }
  }
  for (const message of extra) if (!problems.includes(message)) problems.push(message);
  return { ok: false, problems };
}

/** The checked values, or a RunError naming the component, each field and its rule. */
export function argsOrThrow<T>(component: string, name: string, checked: CheckedArgs<T>): T {
  if (!checked.ok) {
    throw new pulumi.RunError(`${component} ${name}: ${checked.problems.join("; ")}`);
  }
  return checked.value;
}

function valueAt(args: unknown, path: readonly PropertyKey[]): unknown {
  let node = args;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

import type { z } from "zod";

/** Exit codes shared by every command, as `budget-sync --help` states them. */
export const ExitCode = {
  /** All good. */
  Ok: 0,
  /** A finding: invalid file, policy violation, failed check, an API that refused. */
  Finding: 1,
  /** Bad usage, bad config, unreadable input, or a program that throws. */
  Usage: 2,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: printed as its message alone, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Usage,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad command-line usage: unknown flag, missing argument, invalid value. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = "UsageError";
  }
}

/** Formats zod issues as one line per problem, each naming where it is: `--bucket: ...`. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  describePath: (path: PropertyKey[]) => string,
): string {
  return issues.map((issue) => `${describePath(issue.path)}: ${issue.message}`).join("\n");
}

/**
 * A zod issue about a command-line value in the words of a command line: zod's own messages
 * speak of types ("expected string, received array"), which is not what the user typed.
 */
function optionIssueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    if (/received array/.test(issue.message)) return "is given more than once: give it once";
    if (/received NaN/.test(issue.message)) return "must be a number";
    if (/received boolean/.test(issue.message)) return "needs a value";
    if (/received undefined/.test(issue.message)) return "is required";
  }
  if (issue.code === "too_small" && issue.origin === "string" && Number(issue.minimum) === 1) {
    return "must not be empty";
  }
  return issue.message;
}

/**
 * Parses yargs' argv through a zod schema into typed options; a failure is a UsageError that
 * names each offending flag (or positional argument, by the name in `positionals`), one problem
 * per flag.
 */
export function parseOptions<T>(
  schema: z.ZodType<T>,
  argv: unknown,
  positionals: Record<string, string> = {},
): T {
  const result = schema.safeParse(argv);
  if (!result.success) {
    // One problem per flag: a value that fails its format is not also told it fails the next check.
    const seen = new Set<string>();
    const issues = result.error.issues.filter((issue) => {
      const key = issue.path.map(String).join(".");
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    throw new UsageError(
      issues
        .map((issue) => {
          const key = issue.path.map(String).join(".");
          const where =
            positionals[key] ??
            (key ? `--${issue.path.map((p) => kebab(String(p))).join(".")}` : "options");
          return `${where}: ${optionIssueMessage(issue)}`;
        })
        .join("\n"),
    );
  }
  return result.data;
}

/** yargs' camelCase key as the user typed the flag: `maxAgeHours` → `max-age-hours`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

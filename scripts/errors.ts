import type { z } from "zod";

/** Exit codes shared by every command (DESIGN.md, "The command line"). */
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
 * Parses yargs' argv through a zod schema into typed options; a failure is a UsageError that
 * names each offending flag.
 */
export function parseOptions<T>(schema: z.ZodType<T>, argv: unknown): T {
  const result = schema.safeParse(argv);
  if (!result.success) {
    throw new UsageError(
      formatIssues(result.error.issues, (path) =>
        path.length ? `--${path.map((p) => kebab(String(p))).join(".")}` : "options",
      ),
    );
  }
  return result.data;
}

/** yargs' camelCase key as the user typed the flag: `maxAgeHours` → `max-age-hours`. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

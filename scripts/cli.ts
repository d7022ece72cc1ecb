import yargs, { type CommandModule } from "yargs";
import { createRequire } from "node:module";
import { CliError, ExitCode, UsageError } from "./errors.ts";

/** This package's version, for `budget-sync --version`. */
const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
/**
 * Every command, one file each under scripts/, loaded only when it runs: `validate` need not
 * load Pulumi, the policy pack or the AWS SDK's IAM client (start-up time and memory).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;
export const COMMANDS: Record<string, () => Promise<AnyCommand>> = {
  plan: async () => (await import("./plan.ts")).planCommand,
  review: async () => (await import("./review.ts")).reviewCommand,
  register: async () => (await import("./register.ts")).registerCommand,
  "test-connection": async () => (await import("./testConnection.ts")).testConnectionCommand,
  validate: async () => (await import("./validate.ts")).validateCommand,
  upload: async () => (await import("./upload.ts")).uploadCommand,
  verify: async () => (await import("./verify.ts")).verifyCommand,
  "onboarding-kit": async () => (await import("./onboardingKit.ts")).onboardingKitCommand,
};

/** The commands a run needs: the one named first, or all of them (help, a typo to correct). */
export async function loadCommands(args: readonly string[]): Promise<AnyCommand[]> {
  const named = args.find((a) => !a.startsWith("-"));
  const loaders = named && COMMANDS[named] ? [COMMANDS[named]] : Object.values(COMMANDS);
  return Promise.all(loaders.map((load) => load()));
}

/**
 * Runs the command line and returns the exit code. Commands set `process.exitCode`; errors are
 * printed as their message alone (set BUDGET_SYNC_DEBUG=1 for a stack trace).
 */
export async function main(args: string[]): Promise<number> {
  process.exitCode = ExitCode.Ok;
  const parser = yargs(args)
    .scriptName("budget-sync")
    .usage(
      "$0 <command> [options]\n\nAutomated budget-file exports to SpendFlo through Amazon S3: plan the infrastructure offline, check budget files, upload, verify and register the sync.",
    )
    .epilogue(
      "Exit codes: 0 ok; 1 a finding (invalid file, policy violation, failed check, an API that refused); 2 bad usage, bad config or unreadable input.\nAWS access uses the SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).",
    )
    .strict()
    .demandCommand(1, "Name a command; `budget-sync --help` lists them.")
    .recommendCommands()
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    })
    .help()
    .alias("h", "help")
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  for (const command of await loadCommands(args)) parser.command(command);

  try {
    await parser.parseAsync();
    return Number(process.exitCode ?? ExitCode.Ok);
  } catch (error) {
    const exitCode = reportError(error);
    // A caller that asked for JSON reads stdout: it gets the failure as JSON there too.
    if (args.includes("--json") || args.includes("--json=true")) {
      process.stdout.write(`${JSON.stringify({ error: errorJson(error, exitCode) }, null, 2)}\n`);
    }
    return exitCode;
  }
}

/** A failure as `--json` prints it: its message, the exit code and, from S3, its error code. */
function errorJson(error: unknown, exitCode: number): Record<string, unknown> {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { problem?: { code?: unknown } } | null)?.problem?.code;
  return {
    message: error instanceof CliError ? message : `unexpected error: ${message}`,
    exitCode,
    ...(typeof code === "string" ? { code } : {}),
    ...(error instanceof UsageError ? { usage: true } : {}),
  };
}

function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`budget-sync: ${error.message}\nRun with --help for usage.\n`);
    return error.exitCode;
  }
  if (error instanceof CliError) {
    process.stderr.write(`budget-sync: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`budget-sync: unexpected error: ${message}\n`);
  if (process.env.BUDGET_SYNC_DEBUG && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return ExitCode.Usage;
}

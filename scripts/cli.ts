import yargs, { type CommandModule } from "yargs";
import { CliError, ExitCode, UsageError } from "./errors.ts";
import { onboardingKitCommand } from "./onboardingKit.ts";
import { planCommand } from "./plan.ts";
import { registerCommand } from "./register.ts";
import { testConnectionCommand } from "./testConnection.ts";
import { uploadCommand } from "./upload.ts";
import { validateCommand } from "./validate.ts";
import { verifyCommand } from "./verify.ts";

/** Every command, one file each under scripts/. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  planCommand,
  registerCommand,
  testConnectionCommand,
  validateCommand,
  uploadCommand,
  verifyCommand,
  onboardingKitCommand,
];

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
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  for (const command of commands) parser.command(command);

  try {
    await parser.parseAsync();
    return Number(process.exitCode ?? ExitCode.Ok);
  } catch (error) {
    return reportError(error);
  }
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

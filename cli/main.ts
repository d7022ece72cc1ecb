import yargs, { type CommandModule } from "yargs";
import { createRequire } from "node:module";
import { CliError, ExitCode, UsageError } from "./errors.ts";

/** This package's version, for `budget-sync --version`. */
const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
/**
 * Every command, one file each under cli/commands/, loaded only when it runs: `validate` need not
 * load Pulumi, the policy pack or the AWS SDK's IAM client (start-up time and memory).
 */
export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  plan: async () => (await import("./commands/plan.ts")).planCommand,
  review: async () => (await import("./commands/review.ts")).reviewCommand,
  register: async () => (await import("./commands/register.ts")).registerCommand,
  "test-connection": async () =>
    (await import("./commands/testConnection.ts")).testConnectionCommand,
  validate: async () => (await import("./commands/validate.ts")).validateCommand,
  upload: async () => (await import("./commands/upload.ts")).uploadCommand,
  verify: async () => (await import("./commands/verify.ts")).verifyCommand,
  "onboarding-kit": async () => (await import("./commands/onboardingKit.ts")).onboardingKitCommand,
};

/** The commands a run needs: the one named first, or all of them (help, a typo to correct). */
export async function loadCommands(args: readonly string[]): Promise<CommandModule[]> {
  const named = args.find((a) => !a.startsWith("-"));
  const loaders = named && COMMANDS[named] ? [COMMANDS[named]] : Object.values(COMMANDS);
  return Promise.all(loaders.map((load) => load()));
}

/**
 * Runs the command line and returns the exit code. Commands set `process.exitCode`; errors are
 * printed as their message alone (set BUDGET_SYNC_DEBUG=1 for a stack trace).
 */
export async function main(argsGiven: string[]): Promise<number> {
  process.exitCode = ExitCode.Ok;
  const { args, operands } = protectOperands(argsGiven);
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
  const commands = await loadCommands(args);
  for (const command of commands) parser.command(command);
  // The operands after `--` go back in place of their stand-ins before any command sees them.
  if (operands.size) parser.middleware((argv) => restoreOperands(argv, operands));

  try {
    const named = args.find((a) => !a.startsWith("-"));
    if (named && COMMANDS[named] && commands.length === 1) {
      const unknown = unknownOptions(commands[0]!, args);
      if (unknown.length) {
        // yargs' own words first ("Unknown argument: bogus"), as scripts may match them.
        throw new UsageError(
          `Unknown argument${unknown.length > 1 ? "s" : ""}: ${unknown.map((a) => a.replace(/^--?/, "")).join(", ")} (${unknown.join(", ")} ${unknown.length > 1 ? "are no options" : "is no option"} of ${named}: \`budget-sync ${named} --help\` lists them)`,
        );
      }
    }
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

/**
 * The options a command does not know, as typed. yargs names an unknown option only after it has
 * found the command's arguments, and an unknown option takes the word after it as its value:
 * `validate --bogus file.csv` would be told it names no file, not that --bogus means nothing.
 */
function unknownOptions(command: CommandModule, args: readonly string[]): string[] {
  const scratch = yargs([]);
  if (typeof command.builder === "function") command.builder(scratch);
  else if (command.builder) scratch.options(command.builder);
  const { key, alias } = (
    scratch as unknown as {
      getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
    }
  ).getOptions();
  const known = new Set([...Object.keys(key), ...Object.values(alias).flat(), "help", "h"]);
  const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const isKnown = (name: string) => known.has(name) || known.has(camel(name));
  const unknown: string[] = [];
  for (const arg of args) {
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) continue;
    const name = arg.replace(/^--?/, "").split("=")[0]!;
    if (!isKnown(name) && !(name.startsWith("no-") && isKnown(name.slice(3))))
      unknown.push(arg.split("=")[0]!);
  }
  return unknown;
}

/**
 * Words after `--` are operands even when they start with "-" (a file named -dash.csv), as in
 * every POSIX tool; yargs would set them aside rather than take them as the command's
 * arguments. They stand in as placeholders until yargs has placed them.
 */
function protectOperands(given: readonly string[]): {
  args: string[];
  operands: Map<string, string>;
} {
  const end = given.indexOf("--");
  const operands = new Map<string, string>();
  if (end < 0) return { args: [...given], operands };
  const rest = given.slice(end + 1).map((operand, i) => {
    const placeholder = `budget-sync-operand-${i}-${process.pid}`;
    operands.set(placeholder, operand);
    return placeholder;
  });
  return { args: [...given.slice(0, end), ...rest], operands };
}

function restoreOperands(argv: Record<string, unknown>, operands: Map<string, string>): void {
  const restore = (value: unknown): unknown =>
    typeof value === "string"
      ? (operands.get(value) ?? value)
      : Array.isArray(value)
        ? value.map(restore)
        : value;
  for (const [key, value] of Object.entries(argv)) argv[key] = restore(value);
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

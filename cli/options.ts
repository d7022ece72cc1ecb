/**
 * Command-line options declared once: each flag is its yargs definition (what --help shows, how
 * the words are read) beside the zod rule its value must meet. A command is its flags, its
 * examples and `run(options, io, deps)`: yargs reads the words, the flags' schema checks them,
 * once, and `run` gets typed options.
 */
import type { Argv, CommandModule, Options, PositionalOptions } from "yargs";
import { z } from "zod";
import { bucketNameProblems, prefixProblems } from "../lib/aws/s3Naming.ts";
import { kebab, parseOptions, UsageError, type ExitCodeValue } from "./errors.ts";
import { processIo, type CommandIo } from "./io.ts";

/** One option or positional argument: how yargs reads it, and what its value must be. */
export interface Flag<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly option?: Options;
  /** Set for a positional argument (`<file>` in the command's words). */
  readonly positional?: PositionalOptions;
}

/** A command's flags, keyed by yargs' camelCase names (`dryRun` is `--dry-run`), in help order. */
export type Flags = Record<string, Flag>;

export function flag<S extends z.ZodType>(schema: S, option: Options): Flag<S> {
  return { schema, option };
}

export function positional<S extends z.ZodType>(schema: S, option: PositionalOptions): Flag<S> {
  return { schema, positional: option };
}

/** The zod object of `flags`: what a command's options must be. */
export function flagsSchema<F extends Flags>(flags: F) {
  const shape = {} as { [K in keyof F]: F[K]["schema"] };
  for (const key of Object.keys(flags) as (keyof F)[]) shape[key] = flags[key]!.schema;
  return z.object(shape);
}

/** Declares `flags` on a yargs parser, in their order. */
function declareFlags(yargs: Argv, flags: Flags): Argv {
  let declared = yargs;
  for (const [key, { option, positional: asPositional }] of Object.entries(flags)) {
    declared = asPositional
      ? declared.positional(key, asPositional)
      : declared.option(kebab(key), option ?? {});
  }
  return declared;
}

/** argv with the camelCase key of every kebab-case one (`dry-run` → `dryRun`), as yargs gives it. */
function withCamelKeys(argv: Record<string, unknown>): Record<string, unknown> {
  const camel: Record<string, unknown> = { ...argv };
  for (const [key, value] of Object.entries(argv)) {
    const name = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in camel)) camel[name] = value;
  }
  return camel;
}

/** A command's run: typed options, where it writes, and what it needs from outside (tests swap). */
export type RunCommand<O, D = object> = (
  options: O,
  io?: CommandIo,
  deps?: Partial<D>,
) => Promise<ExitCodeValue | number>;

export interface CommandSpec<O> {
  /** yargs' command string: `upload <file>`. */
  command: string;
  describe: string;
  flags: Flags;
  /** What the options must be: `flagsSchema(flags)`, with any check across flags. */
  schema: z.ZodType<O>;
  /** How a positional argument is named in a message: `{ files: "FILE" }`. */
  positionals?: Record<string, string>;
  /** Examples and epilogue of --help. */
  help?: (yargs: Argv) => Argv;
  run: RunCommand<O>;
}

/** A yargs command whose handler parses argv once and runs the command on this process. */
export interface Command<O> extends CommandModule {
  /**
   * The options argv stands for (its keys as yargs gives them, camelCase or kebab-case); a
   * UsageError names each bad flag.
   */
  parse(argv: Record<string, unknown>): O;
}

export function defineCommand<O>(spec: CommandSpec<O>): Command<O> {
  const parse = (argv: Record<string, unknown>): O =>
    parseOptions(spec.schema, withCamelKeys(argv), spec.positionals);
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (yargs: Argv) => {
      const declared = declareFlags(yargs, spec.flags);
      return spec.help ? spec.help(declared) : declared;
    },
    handler: async (argv) => {
      process.exitCode = await spec.run(parse(argv), processIo);
    },
    parse,
  };
}

// The flags more than one command takes.

/** `--json`. */
export function jsonFlag(describe = "Print the result as JSON") {
  return flag(z.boolean().default(false), { type: "boolean", default: false, describe });
}

/** `--dry-run`. */
export function dryRunFlag(describe: string) {
  return flag(z.boolean().default(false), { type: "boolean", default: false, describe });
}

/** `--sheet`: an XLSX workbook's worksheet. */
export function sheetFlag(describe: string) {
  return flag(z.string().min(1).optional(), { type: "string", describe });
}

/** `--bucket` and `--prefix` of the budget files (`upload`, `verify`). */
export const budgetLocationFlags = {
  bucket: flag(z.string().min(1), {
    type: "string",
    demandOption: true,
    describe: "The budget bucket",
  }),
  prefix: flag(z.string().default("budgets/"), {
    type: "string",
    default: "budgets/",
    describe: "Key prefix the sync reads (ends with /)",
  }),
};

/** Refuses a `--bucket` S3 would not take, or a `--prefix` the sync could not read. */
export function refuseBadLocation(bucket: string, prefix: string): void {
  const bucketProblems = bucketNameProblems(bucket);
  if (bucketProblems.length) throw new UsageError(`--bucket: ${bucketProblems.join("; ")}`);
  const prefixIssues = prefixProblems(prefix);
  if (prefixIssues.length) throw new UsageError(`--prefix: ${prefixIssues.join("; ")}`);
}

/**
 * `--stack-outputs FILE|-`: the JSON of `pulumi stack output --json --show-secrets`.
 * `required` is what the message of a missing one says after "is required: ".
 */
export function stackOutputsFlag(describe: string, required: string): Flag<z.ZodString>;
export function stackOutputsFlag(describe: string): Flag<z.ZodOptional<z.ZodString>>;
export function stackOutputsFlag(describe: string, required?: string) {
  const option: Options = { type: "string", nargs: 1, describe };
  return required === undefined
    ? flag(z.string().min(1).optional(), option)
    : flag(z.string({ error: `is required: ${required}` }), option);
}

/** What `--stack`, `--account-id` and `--policy-config` say in the help of one command. */
export interface PlanTargetHelp {
  stack: string;
  accountId: string;
  policyConfig: string;
}

/** The options that choose what to plan, shared by every command that plans (`plan`, `review`). */
export function planTargetFlags(help: PlanTargetHelp) {
  return {
    stack: flag(
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]+$/, "must be a stack name (letters, digits, _ . -)")
        .optional(),
      { type: "string", describe: help.stack },
    ),
    config: flag(z.string().min(1).optional(), {
      type: "string",
      describe: "Any stack config file (Pulumi.<stack>.yaml) in place of --stack",
    }),
    program: flag(z.string().min(1).optional(), {
      type: "string",
      describe:
        "Any Pulumi TypeScript or JavaScript program (entry file or project directory); default: ours",
    }),
    accountId: flag(
      z
        .string()
        .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
        .optional(),
      { type: "string", describe: help.accountId },
    ),
    policyConfig: flag(z.string().min(1).optional(), {
      type: "string",
      describe: help.policyConfig,
    }),
  };
}

/** `--stack` and `--config` name the same thing: one of them. */
export const oneStackSource: [
  (o: { stack?: string; config?: string }) => boolean,
  { message: string; path: string[] },
] = [
  (o) => !(o.stack && o.config),
  { message: "give --stack or --config, not both", path: ["config"] },
];

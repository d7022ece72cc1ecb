import { z } from "zod";
import { ExitCode, type ExitCodeValue } from "../errors.ts";
import { reportJson, reportText, validateLocalFile } from "../files/budgetReport.ts";
import { processIo, type CommandIo } from "../io.ts";
import { defineCommand, flagsSchema, jsonFlag, positional, sheetFlag } from "../options.ts";

const flags = {
  files: positional(
    z
      .array(z.string().min(1))
      .min(1, "name at least one budget file (a path: reading standard input is not supported)"),
    { describe: "Budget files to check (.csv or .xlsx)", type: "string", array: true },
  ),
  sheet: sheetFlag("XLSX: the worksheet to check (default: the first)"),
  json: jsonFlag(
    'Print {"files":[{file, valid, format, rows, errorCount, errors, warnings}]} (up to 1000 errors per file; errorCount is exact)',
  ),
};
const optionsSchema = flagsSchema(flags);

export type ValidateOptions = z.output<typeof optionsSchema>;

/**
 * Checks budget files against the guide's "File Format Requirements" and prints a report.
 * Returns 0 when every file is valid, 1 when any is invalid, 2 when any cannot be read.
 */
export async function runValidate(
  options: ValidateOptions,
  io: CommandIo = processIo,
): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.Ok;
  const files: Record<string, unknown>[] = [];
  for (const file of options.files) {
    const report = await validateLocalFile(file, { sheet: options.sheet });
    if (report.unreadable) exitCode = ExitCode.Usage;
    else if (!report.valid && exitCode === ExitCode.Ok) exitCode = ExitCode.Finding;
    if (options.json) files.push(reportJson(file, report));
    else io.stdout(reportText(file, report));
  }
  if (options.json) io.stdout(`${JSON.stringify({ files }, null, 2)}\n`);
  return exitCode;
}

export const validateCommand = defineCommand({
  command: "validate <files..>",
  describe: "Check budget files (CSV or XLSX) against the guide's File Format Requirements",
  flags,
  schema: optionsSchema,
  positionals: { files: "FILE" },
  help: (yargs) =>
    yargs
      .example("$0 validate budget_20250205.csv", "Check one file")
      .example("$0 validate exports/*.csv --json", "Check many, for a machine")
      .epilogue(
        'Rules: columns Department, Budget Amount, Fiscal Period (required), Sub Category, Currency (optional); amounts plain non-negative decimals; periods like "FY 2025" or "Q1 2025"; ISO 4217 currencies (empty means USD); no text starting with = + - @ (formula injection); an XLSX formula reads as its saved value, with a warning; no duplicate Department + Sub Category + Fiscal Period.\nExit codes: 0 all valid (warnings allowed); 1 a file is invalid; 2 a file cannot be read (missing, empty, binary, UTF-16, not comma-separated, .xls) or bad usage.',
      ),
  run: runValidate,
});

/**
 * Budget files read from disk and their reports as `validate`, `upload` and `verify` print them.
 */
import { createReadStream, read } from "node:fs";
import { open, stat } from "node:fs/promises";
import {
  budgetFormatFromName,
  sniffBudgetFormat,
  unreadableReport,
  validateBudgetStream,
  type BudgetFileFormat,
  type BudgetFileIssue,
  type BudgetFileReport,
  type ValidateBudgetOptions,
} from "../lib/budgetFile.ts";

/** How many errors (and warnings) the human report prints per file. */
export const HUMAN_ISSUE_LIMIT = 20;

/** Where commands write; tests pass their own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * What a local file is before its bytes are checked: its format, or why it cannot be a budget
 * file (missing, a directory, `.xls`). A name other than .csv/.xlsx is sniffed and warned about.
 */
export async function localBudgetFile(
  file: string,
): Promise<
  { format: BudgetFileFormat; size: number; nameWarning?: string } | { unreadable: string }
> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { unreadable: "no such file" };
    if (code === "EACCES") return { unreadable: "permission denied: the file cannot be read" };
    return { unreadable: `cannot read the file (${code ?? String(error)})` };
  }
  if (info.isDirectory()) return { unreadable: "is a directory, not a budget file" };
  if (!info.isFile()) return { unreadable: "is not a regular file" };
  const byName = budgetFormatFromName(file);
  if ("format" in byName) return { format: byName.format, size: info.size };
  if (/\.xls$/i.test(file)) return { unreadable: `is ${byName.problem}` };
  let head: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      const buffer = Buffer.alloc(4);
      const { bytesRead } = await handle.read(buffer, 0, 4, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { unreadable: `cannot read the file (${(error as NodeJS.ErrnoException).code})` };
  }
  const format = sniffBudgetFormat(head);
  return {
    format,
    size: info.size,
    nameWarning: `is ${byName.problem}; checked as ${format.toUpperCase()}: name it budget_YYYYMMDD.${format}`,
  };
}

/** Validates a file on disk, streaming. Never throws. */
export async function validateLocalFile(
  file: string,
  options: { sheet?: string } = {},
): Promise<BudgetFileReport> {
  const local = await localBudgetFile(file);
  if ("unreadable" in local) {
    const byName = budgetFormatFromName(file);
    return unreadableReport("format" in byName ? byName.format : "csv", local.unreadable);
  }
  const source =
    local.format === "csv"
      ? readChunks(file)
      : createReadStream(file, { highWaterMark: 256 * 1024 });
  const report = await validateBudgetStream(source, {
    format: local.format,
    sheet: options.sheet,
    sizeHint: local.size,
  });
  return withNameWarning(report, local.nameWarning);
}

/** The report with a warning about the file's name first, when there is one. */
export function withNameWarning(
  report: BudgetFileReport,
  nameWarning: string | undefined,
): BudgetFileReport {
  if (nameWarning) {
    report.warnings.unshift({ line: 0, column: "", message: `the file ${nameWarning}` });
    report.warningCount++;
  }
  return report;
}

/**
 * A file's bytes in chunks read into one reused buffer: no garbage per chunk, so a large file
 * does not pile up buffers for the collector. Only for consumers that copy what they keep (the
 * CSV validator does; the XLSX unzipper does not).
 */
export async function* readChunks(file: string, size = 256 * 1024): AsyncGenerator<Buffer> {
  const handle = await open(file, "r");
  try {
    yield* readChunksAt(handle.fd, size);
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of a file already open, from its start, by positional reads: another reader of the
 * same descriptor (another thread, say) does not move this one. With `reuse`, every chunk is
 * read into the same buffer (see `readChunks`); without it each chunk is a buffer of its own.
 */
export async function* readChunksAt(
  fd: number,
  size = 256 * 1024,
  reuse = true,
): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let position = 0;
  for (;;) {
    const bytesRead = await new Promise<number>((resolve, reject) =>
      read(fd, buffer, 0, size, position, (error, n) => (error ? reject(error) : resolve(n))),
    );
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
    if (!reuse) buffer = Buffer.allocUnsafe(size);
  }
}

/**
 * Validates a budget file from a descriptor that stays open (the caller closes it): what
 * `upload` checks while another reader of the same descriptor sends the bytes. Never throws.
 */
export function validateOpenFile(
  fd: number,
  options: ValidateBudgetOptions,
): Promise<BudgetFileReport> {
  // The CSV validator copies what it keeps; the XLSX unzipper keeps the buffers it is given.
  return validateBudgetStream(readChunksAt(fd, 256 * 1024, options.format === "csv"), options);
}

/** The JSON shape of one file's report (`validate --json`, `verify --json`). */
export function reportJson(file: string, report: BudgetFileReport): Record<string, unknown> {
  const errors: BudgetFileIssue[] = report.unreadable
    ? [{ line: 0, column: "", message: report.unreadable }]
    : report.errors;
  return {
    file,
    valid: report.valid,
    format: report.format,
    ...(report.sheet !== undefined ? { sheet: report.sheet } : {}),
    ...(report.unreadable !== undefined ? { unreadable: true } : {}),
    rows: report.rows,
    errorCount: report.unreadable ? 1 : report.errorCount,
    errors,
    warningCount: report.warningCount,
    warnings: report.warnings,
  };
}

function where(issue: BudgetFileIssue, format: BudgetFileFormat): string {
  const parts: string[] = [];
  if (issue.sheet !== undefined) parts.push(`sheet "${issue.sheet}"`);
  if (issue.line > 0) parts.push(`${format === "xlsx" ? "row" : "line"} ${issue.line}`);
  if (issue.column !== "") parts.push(`column "${issue.column}"`);
  return parts.length ? `${parts.join(", ")}: ` : "";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The human report of one file: a verdict line, then the first errors and warnings. */
export function reportText(file: string, report: BudgetFileReport): string {
  if (report.unreadable) return `${file}: unreadable: ${report.unreadable}\n`;
  const what = [
    report.format.toUpperCase(),
    ...(report.sheet !== undefined ? [`sheet "${report.sheet}"`] : []),
    plural(report.rows, "row"),
    ...(report.errorCount > 0 ? [plural(report.errorCount, "error")] : []),
    ...(report.warningCount > 0 ? [plural(report.warningCount, "warning")] : []),
  ].join(", ");
  const lines = [`${file}: ${report.valid ? "valid" : "INVALID"} (${what})`];
  for (const issue of report.errors.slice(0, HUMAN_ISSUE_LIMIT)) {
    lines.push(`  error: ${where(issue, report.format)}${issue.message}`);
  }
  if (report.errorCount > HUMAN_ISSUE_LIMIT) {
    lines.push(
      `  ... and ${plural(report.errorCount - HUMAN_ISSUE_LIMIT, "more error")} (--json lists up to 1000)`,
    );
  }
  for (const issue of report.warnings.slice(0, HUMAN_ISSUE_LIMIT)) {
    lines.push(`  warning: ${where(issue, report.format)}${issue.message}`);
  }
  if (report.warningCount > HUMAN_ISSUE_LIMIT) {
    lines.push(`  ... and ${plural(report.warningCount - HUMAN_ISSUE_LIMIT, "more warning")}`);
  }
  return `${lines.join("\n")}\n`;
}

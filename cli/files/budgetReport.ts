/**
 * Budget files read from disk and their reports as `validate`, `upload` and `verify` print them.
 */
import { createReadStream, fstat, read } from "node:fs";
import { open, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { CsvPart } from "../../lib/budget-file/csv.ts";
import {
  budgetFormatFromName,
  sniffBudgetFormat,
  unreadableReport,
  validateBudgetStream,
  type BudgetFileFormat,
  type BudgetFileIssue,
  type BudgetFileReport,
  type ValidateBudgetOptions,
} from "../../lib/budget-file/budgetFile.ts";
import { runValidationWorker } from "./validationWorkerClient.ts";

/** How many errors (and warnings) the human report prints per file. */
export const HUMAN_ISSUE_LIMIT = 20;

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
  if (/\.xls$/i.test(file)) {
    // Named .xls: an old binary workbook is refused; anything else is what its bytes say.
    if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0)
      return { unreadable: `is ${byName.problem}` };
    return {
      format,
      size: info.size,
      nameWarning: `is named .xls but holds ${format === "xlsx" ? "an XLSX workbook" : "text"}; checked as ${format.toUpperCase()}: name it budget_YYYYMMDD.${format}`,
    };
  }
  // "the file is a .txt file: ...", or "the file has no extension: ...".
  const what = /\.[^./\\]+$/.test(file)
    ? `is ${byName.problem}`
    : "has no extension: SpendFlo reads only .csv and .xlsx budget files";
  return {
    format,
    size: info.size,
    nameWarning: `${what}; checked as ${format.toUpperCase()}: name it budget_YYYYMMDD.${format}`,
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
  let report: BudgetFileReport;
  if (local.format === "csv") {
    let handle;
    try {
      handle = await open(file, "r");
    } catch (error) {
      return unreadableReport(
        "csv",
        `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    try {
      report = await validateOpenFile(handle.fd, { format: "csv", sizeHint: local.size });
    } finally {
      await handle.close();
    }
  } else {
    report = await validateBudgetStream(createReadStream(file, { highWaterMark: 256 * 1024 }), {
      format: local.format,
      sheet: options.sheet,
      sizeHint: local.size,
    });
  }
  if (local.format === "csv" && options.sheet !== undefined) report = withSheetIgnored(report);
  return withNameWarning(report, local.nameWarning);
}

/** The report of a CSV file checked with `--sheet`, with a warning that it was no use. */
export function withSheetIgnored(report: BudgetFileReport): BudgetFileReport {
  if (report.unreadable) return report;
  report.warnings.unshift({
    line: 0,
    column: "",
    message: "--sheet is for XLSX workbooks: a CSV file has no sheets, so it was ignored",
  });
  report.warningCount++;
  return report;
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
 * The bytes of a file already open, from `start` to `end` (default: its end), by positional
 * reads: another reader of the same descriptor (another thread, say) does not move this one.
 * With `reuse`, every chunk is read into the same buffer: no garbage per chunk, so a large file
 * does not pile up buffers for the collector (only for consumers that copy what they keep, as
 * the CSV validator does; the XLSX unzipper does not). Without it each chunk is its own buffer.
 */
export async function* readChunksAt(
  fd: number,
  size = 256 * 1024,
  reuse = true,
  start = 0,
  end = Infinity,
): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let position = start;
  while (position < end) {
    const length = Math.min(size, end - position);
    const bytesRead = await readAt(fd, buffer, length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
    if (!reuse) buffer = Buffer.allocUnsafe(size);
  }
}

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, length, position, (error, n) => (error ? reject(error) : resolve(n))),
  );
}

/** CSV files at least this large are checked in two parts at once, on two threads. */
export const SPLIT_MIN_BYTES = 64 * 1024 * 1024;

export interface OpenFileValidation extends ValidateBudgetOptions {
  /** CSV files this large or larger are checked in two parts on two threads; default 64 MiB. */
  splitMinBytes?: number;
  /**
   * Told how the file was checked: in one pass; in two parts at once; or cut in two, but read on
   * past the cut by the first part (the cut fell inside a quoted value, or the worker failed).
   */
  onPlan?: (plan: "in one pass" | "in two parts" | "read on") => void;
}

/**
 * Validates a budget file from a descriptor that stays open (the caller closes it): what
 * `upload` checks while another reader of the same descriptor sends the bytes. A large CSV file
 * is checked in two parts at once when a second core is there (see `validateCsvInTwo`). Never
 * throws.
 */
export async function validateOpenFile(
  fd: number,
  options: OpenFileValidation,
): Promise<BudgetFileReport> {
  if (options.format === "csv" && availableParallelism() > 1) {
    const size = await new Promise<number>((resolve) =>
      fstat(fd, (error, stats) => resolve(error ? 0 : stats.size)),
    );
    if (size >= (options.splitMinBytes ?? SPLIT_MIN_BYTES)) {
      return validateCsvInTwo(fd, size, options);
    }
  }
  options.onPlan?.("in one pass");
  // The CSV validator copies what it keeps; the XLSX unzipper keeps the buffers it is given.
  return validateBudgetStream(readChunksAt(fd, 256 * 1024, options.format === "csv"), options);
}

/**
 * A large CSV file in two parts at once: a worker thread checks the second half, from the first
 * line break past the middle, while this thread checks the first; if the first half ends there
 * between two records (the break is not inside a quoted value), it takes in the worker's
 * findings, and otherwise reads on by itself. The report is the same as from one pass.
 */
async function validateCsvInTwo(
  fd: number,
  size: number,
  options: OpenFileValidation,
): Promise<BudgetFileReport> {
  const { CsvValidator } = await import("../../lib/budget-file/csv.ts");
  const first = new CsvValidator({
    maxIssues: options.maxIssues,
    sizeHint: size,
    onInvalid: options.onInvalid,
  });
  const cut = await lineStartAfter(fd, Math.floor(size / 2), size);
  const rest = cut === undefined ? undefined : checkRestOnWorker(fd, cut, options);
  await first.read(readChunksAt(fd, 256 * 1024, true, 0, cut));
  if (cut === undefined || first.failed) {
    await rest?.stop();
    options.onPlan?.(cut === undefined ? "in one pass" : "read on");
    return first.finish();
  }
  const part = first.atRecordBoundary ? await rest!.part : undefined;
  if (part !== undefined) {
    first.absorb(part);
    options.onPlan?.("in two parts");
  } else {
    await rest!.stop();
    await first.read(readChunksAt(fd, 256 * 1024, true, cut));
    options.onPlan?.("read on");
  }
  return first.finish();
}

/** Where the first line after `from` starts (past its LF), within a megabyte; else undefined. */
async function lineStartAfter(fd: number, from: number, size: number): Promise<number | undefined> {
  const window = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(0, size - from)));
  const length = await readAt(fd, window, window.length, from).catch(() => 0);
  const at = window.subarray(0, length).indexOf(0x0a);
  return at === -1 || from + at + 1 >= size ? undefined : from + at + 1;
}

/**
 * The check of a file's rest, from `start`, on a worker thread. `part` resolves with its
 * findings, or undefined when it could not give them (the caller then reads on itself).
 */
function checkRestOnWorker(
  fd: number,
  start: number,
  options: ValidateBudgetOptions,
): { part: Promise<CsvPart | undefined>; stop(): Promise<void> } {
  const worker = runValidationWorker({
    budgetSyncValidation: true,
    fd,
    format: "csv",
    maxIssues: options.maxIssues,
    rest: { start },
  });
  if (worker === undefined)
    return { part: Promise.resolve(undefined), stop: () => Promise.resolve() };
  const part = new Promise<CsvPart | undefined>((resolve) => {
    worker.onMessage((message) => {
      if (message.type === "part") resolve(message.part);
    });
    worker.onEnd(() => resolve(undefined));
  });
  return { part, stop: () => worker.stop() };
}

/**
 * The findings of the check of a CSV file's rest, from `start` (a line start) to its end, with
 * lines counted from 1 there; undefined when the file's start holds no header to check it by.
 */
export async function validateCsvRest(
  fd: number,
  start: number,
  options: { maxIssues?: number; plainRows?: boolean },
): Promise<CsvPart | undefined> {
  const { CsvValidator, csvHeaderOf } = await import("../../lib/budget-file/csv.ts");
  const head = Buffer.allocUnsafe(Math.min(start, 64 * 1024));
  const length = await readAt(fd, head, head.length, 0).catch(() => 0);
  const header = csvHeaderOf(head.subarray(0, length));
  if (header === undefined) return undefined;
  const rest = new CsvValidator(options, { header });
  await rest.read(readChunksAt(fd, 256 * 1024, true, start));
  return rest.part();
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

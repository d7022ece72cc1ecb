/**
 * Budget files (the guide's "File Format Requirements"): CSV or XLSX with the columns Department,
 * Budget Amount and Fiscal Period (required), Sub Category and Currency (optional).
 *
 * One entry point for a stream of bytes and one for bytes in memory; both return a report of
 * structured errors and warnings and never throw, whatever the bytes. Used by the command line
 * (`validate`, `upload`, `verify`) and by the exporter Lambda.
 */
import { validateCsvStream } from "./csv.ts";
import type { BudgetFileFormat, BudgetFileReport } from "./report.ts";

export {
  ACCEPTED_PERIODS,
  BUDGET_COLUMNS,
  budgetAmountProblem,
  isFormula,
  normalizeHeader,
  parseFiscalPeriod,
} from "./cellRules.ts";
export { BudgetFileChecker } from "./checker.ts";
export { unreadableReport } from "./report.ts";
export type { BudgetFileFormat, BudgetFileIssue, BudgetFileReport } from "./report.ts";
export { csvHeadProblem } from "./csv.ts";
export { xlsxHeadProblem } from "./xlsx.ts";

/** The Content-Type an upload of each format carries. */
export const BUDGET_CONTENT_TYPES: Record<BudgetFileFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export interface ValidateBudgetOptions {
  format: BudgetFileFormat;
  /** XLSX: the worksheet to check (default: the first in tab order). */
  sheet?: string;
  /**
   * XLSX: `sheet` must be the first sheet in tab order, the one SpendFlo reads; otherwise the
   * file is reported unreadable, with a message saying to move it first.
   */
  requireFirstSheet?: boolean;
  /** Issues kept in full per list (the counts stay exact); default 1000. */
  maxIssues?: number;
  /** The size of the file in bytes when known: sizes the duplicate check once. */
  sizeHint?: number;
  /**
   * Called once, as soon as the file is known to be invalid (its first error, or bytes that are
   * no budget file at all), while the rest is still being read: an upload can stop there.
   */
  onInvalid?: () => void;
}

/**
 * The format a file name says, or why SpendFlo's sync would not pick it up. Only `.csv` and
 * `.xlsx` (any case) are budget files.
 */
export function budgetFormatFromName(
  name: string,
): { format: BudgetFileFormat } | { problem: string } {
  const match = /\.([^./\\]+)$/.exec(name);
  const extension = match?.[1].toLowerCase();
  if (extension === "csv") return { format: "csv" };
  if (extension === "xlsx") return { format: "xlsx" };
  if (extension === "xls") {
    return {
      problem: "an old Excel .xls workbook: open it in Excel and save it as .xlsx or as CSV UTF-8",
    };
  }
  return {
    problem: extension
      ? `a .${extension} file: SpendFlo reads only .csv and .xlsx budget files`
      : "a file without an extension: SpendFlo reads only .csv and .xlsx budget files",
  };
}

/** What the first bytes of a file look like: a zip archive is an XLSX workbook, anything else CSV. */
export function sniffBudgetFormat(head: Uint8Array): BudgetFileFormat {
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
    ? "xlsx"
    : "csv";
}

/**
 * Validates a budget file read as a stream of byte chunks (a file stream, an S3 GetObject body,
 * any async iterable). Reads the source to its end; memory stays bounded by the number of
 * distinct budget keys. Never throws.
 */
export async function validateBudgetStream(
  source: AsyncIterable<Uint8Array>,
  options: ValidateBudgetOptions,
): Promise<BudgetFileReport> {
  if (options.format === "xlsx") {
    const { validateXlsxStream } = await import("./xlsx.ts");
    return validateXlsxStream(source, {
      sheet: options.sheet,
      requireFirstSheet: options.requireFirstSheet,
      maxIssues: options.maxIssues,
      onInvalid: options.onInvalid,
    });
  }
  return validateCsvStream(source, {
    maxIssues: options.maxIssues,
    sizeHint: options.sizeHint,
    onInvalid: options.onInvalid,
  });
}

/** Validates a budget file held in memory (a string is UTF-8 encoded first). Never throws. */
export function validateBudgetData(
  data: string | Uint8Array,
  options: ValidateBudgetOptions,
): Promise<BudgetFileReport> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  async function* once(): AsyncGenerator<Uint8Array> {
    if (bytes.length > 0) yield bytes;
  }
  return validateBudgetStream(once(), options);
}

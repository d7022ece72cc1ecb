/**
 * Budget files as XLSX workbooks, streamed with exceljs' WorkbookReader: one worksheet (the first
 * in tab order unless one is named) is read row by row into the checker. Cells are turned into
 * the text a CSV export would hold; formulas and error cells are reported, not evaluated.
 */
import { Readable } from "node:stream";
import {
  BudgetFileChecker,
  onceOnly,
  unreadableReport,
  type BudgetFileReport,
} from "./budgetFileRules.ts";

export interface XlsxOptions {
  maxIssues?: number;
  /** The worksheet to check; default the first in tab order. */
  sheet?: string;
  /** Called once, as soon as the file is known to be invalid. */
  onInvalid?: () => void;
}

/** Why the start of a file is not an XLSX workbook, or null when it is a zip archive. */
export function xlsxHeadProblem(head: Uint8Array): string | null {
  if (head.length === 0) return "the file is empty";
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return null;
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return "the file is an old Excel .xls workbook (or encrypted): open it in Excel and save it as .xlsx or as CSV UTF-8";
  }
  return "the file is not an XLSX workbook (not a zip archive): if it is CSV text, name it .csv";
}

/** The text of one cell, or null after reporting why it has none. */
type CellReader = (value: unknown, line: number, column: string) => string | null;

function numberText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  return /e/i.test(text)
    ? value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 })
    : text;
}

/** Validates an XLSX budget file streamed as byte chunks. Never throws. */
export async function validateXlsxStream(
  source: AsyncIterable<Uint8Array>,
  options: XlsxOptions = {},
): Promise<BudgetFileReport> {
  const onInvalid = onceOnly(options.onInvalid);
  const unreadable = (message: string): BudgetFileReport => {
    onInvalid();
    return unreadableReport("xlsx", message);
  };

  // Look at the first bytes before handing the stream to the zip reader.
  const iterator = source[Symbol.asyncIterator]();
  let first: Uint8Array = new Uint8Array(0);
  try {
    const pieces: Buffer[] = [];
    let length = 0;
    while (length < 4) {
      const next = await iterator.next();
      if (next.done) break;
      pieces.push(Buffer.from(next.value));
      length += next.value.length;
    }
    first = Buffer.concat(pieces);
  } catch (error) {
    return unreadable(
      `the file could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const problem = xlsxHeadProblem(first);
  if (problem) {
    await drain(iterator);
    return unreadable(problem);
  }

  async function* replay(): AsyncGenerator<Uint8Array> {
    yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }

  let checker: BudgetFileChecker | undefined;
  let checkedSheet: string | undefined;
  const sheetNames: string[] = [];
  try {
    const { default: ExcelJS } = await import("exceljs");
    const input = Readable.from(replay());
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: "emit",
      sharedStrings: "cache",
      hyperlinks: "ignore",
      styles: "ignore",
      entries: "ignore",
    });
    for await (const worksheet of reader) {
      const model = (reader as unknown as { model?: { sheets?: { name: string }[] } }).model;
      const sheet = worksheet as unknown as { name?: string; id?: number } & AsyncIterable<{
        number: number;
        values: unknown;
      }>;
      const name = sheet.name ?? `Sheet${sheet.id ?? sheetNames.length + 1}`;
      sheetNames.push(name);
      const firstInTabOrder = model?.sheets?.[0]?.name;
      const wanted =
        checker === undefined &&
        (options.sheet !== undefined
          ? name === options.sheet
          : firstInTabOrder === undefined || firstInTabOrder === name);
      if (!wanted) {
        // Read past a sheet we do not check: exceljs may be streaming it from a temporary file
        // that it deletes once we move on, and a stream left unread then fails uncaught.
        for await (const row of sheet) void row;
        continue;
      }
      checkedSheet = name;
      const current = new BudgetFileChecker({
        maxIssues: options.maxIssues,
        sheet: name,
        onInvalid,
      });
      checker = current;
      const cell = cellReader(current);
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? (row.values as unknown[]) : [];
        if (!current.hasHeader) {
          const header = [];
          for (let i = 1; i < values.length; i++) header.push(headerText(values[i]));
          while (header.length > 0 && header[header.length - 1] === "") header.pop();
          if (header.some((text) => text.trim() !== "")) current.header(header, row.number);
          continue;
        }
        const cells: (string | null)[] = [];
        for (let i = 1; i < values.length; i++)
          cells.push(cell(values[i], row.number, current.columnName(i - 1)));
        // A workbook row has no fixed width: empty cells past the header are nothing, and
        // missing cells at the end are empty.
        while (cells.length > current.columnCount && cells[cells.length - 1] === "") cells.pop();
        while (cells.length < current.columnCount) cells.push("");
        current.row(cells, row.number);
      }
    }
    const allNames =
      (reader as unknown as { model?: { sheets?: { name: string }[] } }).model?.sheets?.map(
        (s) => s.name,
      ) ?? sheetNames;
    if (checker === undefined) {
      if (options.sheet !== undefined) {
        return unreadable(
          `the workbook has no sheet named "${options.sheet}" (its sheets: ${allNames.join(", ") || "none"})`,
        );
      }
      return unreadable("the workbook has no worksheet");
    }
    if (allNames.length > 1 && options.sheet === undefined) {
      checker.warning(
        1,
        "",
        `the workbook has ${allNames.length} sheets (${allNames.join(", ")}); only the first, "${checkedSheet}", was checked: use --sheet to check another, and keep the budget on the first sheet`,
      );
    }
  } catch (error) {
    await drain(iterator);
    const message = error instanceof Error ? error.message : String(error);
    return unreadable(`the file is not a readable XLSX workbook (${message.slice(0, 200)})`);
  }

  const summary = checker.summary();
  if (!checker.hasHeader)
    return {
      ...unreadable(`the sheet "${checkedSheet}" is empty (no header, no rows)`),
      sheet: checkedSheet,
    };
  return { format: "xlsx", valid: summary.errorCount === 0, sheet: checkedSheet, ...summary };
}

function headerText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return numberText(value);
  if (typeof value === "object" && value !== null) {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join("");
    if (typeof v.text === "string") return v.text;
    if (v.result !== undefined) return headerText(v.result);
  }
  return String(value);
}

function cellReader(checker: BudgetFileChecker): CellReader {
  return (value, line, column) => {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number") return numberText(value);
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === "object") {
      const v = value as {
        richText?: { text: string }[];
        text?: unknown;
        formula?: string;
        sharedFormula?: string;
        error?: string;
      };
      if (typeof v.formula === "string" || typeof v.sharedFormula === "string") {
        checker.error(
          line,
          column,
          `the cell holds a formula (=${String(v.formula ?? v.sharedFormula).slice(0, 40)}): SpendFlo reads values, so paste it as values`,
        );
        return null;
      }
      if (typeof v.error === "string") {
        checker.error(line, column, `the cell holds the spreadsheet error ${v.error}`);
        return null;
      }
      if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join("");
      if (typeof v.text === "string") return v.text;
    }
    return String(value);
  };
}

async function drain(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await iterator.next()).done) return;
  } catch {
    // the source failed; nothing more to read
  }
}

/**
 * Budget files as XLSX workbooks. The file is held in memory (compressed, as stored; at most
 * MAX_XLSX_BYTES) and read through its zip directory, so the order of its entries does not
 * matter; the sheets are listed from xl/workbook.xml in tab order, and the one checked (the
 * first, what SpendFlo reads, unless one is named) is streamed row by row through exceljs'
 * WorkbookReader into the checker, with the parts it needs served first. Cells are turned into
 * the text a CSV export would hold; a formula reads as the value saved with it (with a warning),
 * never evaluated; error cells and formulas saved without a value are errors.
 */
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { BUDGET_COLUMNS, normalizeHeader, type BudgetColumnId } from "./cellRules.ts";
import { BudgetFileChecker } from "./checker.ts";
import { onceOnly, unreadableReport, type BudgetFileReport } from "./report.ts";
import {
  entryBytes,
  orderedEntries,
  zipEntries,
  type PartProblem,
  type ServedPart,
  type ZipEntry,
} from "./xlsxArchive.ts";
import { columnLetters, sheetFormulas, type SheetFormulas } from "./xlsxFormulas.ts";
import { xmlText } from "./xmlText.ts";
import { plainNumber } from "./plainNumber.ts";

/**
 * The largest XLSX file read: a workbook is held in memory while it is checked, because the
 * zip directory that says where each part lies comes at its end. Excel's own limit of 1,048,576
 * rows fits in about 40 MB.
 */
export const MAX_XLSX_BYTES = 200 * 1024 * 1024;

export interface XlsxOptions {
  maxIssues?: number;
  /** The worksheet to check; default the first in tab order. */
  sheet?: string;
  /**
   * The worksheet named by `sheet` must be the first in tab order, the one SpendFlo reads
   * (`verify`, which checks what SpendFlo will read); otherwise the file is reported unreadable.
   */
  requireFirstSheet?: boolean;
  /** Called once, as soon as the file is known to be invalid. */
  onInvalid?: () => void;
}

/** One sheet of a workbook, as xl/workbook.xml lists it. */
export interface WorkbookSheet {
  name: string;
  /** Hidden in Excel (state hidden or veryHidden); SpendFlo reads it all the same. */
  hidden: boolean;
  /** Its part in the archive (xl/worksheets/sheet1.xml), when its relationship names one. */
  part: string | undefined;
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

/** The sheets of a workbook held in memory, in tab order, or why it cannot be read. */
export async function xlsxSheets(
  bytes: Uint8Array,
): Promise<{ sheets: WorkbookSheet[] } | { problem: string }> {
  const head = xlsxHeadProblem(bytes.subarray(0, 4));
  if (head) return { problem: head };
  const entries = zipEntries(bytes);
  if ("problem" in entries) return entries;
  const listed = await workbookSheets(bytes, entries);
  return "problem" in listed ? listed : { sheets: listed.sheets };
}

/** What to tell the user when the sheet to upload or verify is not the one SpendFlo reads. */
export function notFirstSheetMessage(sheet: string, first: string): string {
  return `the sheet "${sheet}" is not the workbook's first sheet: SpendFlo reads only the first sheet ("${first}"), so move "${sheet}" first (drag its tab to the left) and save`;
}

function xmlAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    attributes.set(match[1], xmlText(match[2] ?? match[3]));
  return attributes;
}

/** A relationship's target as a part name: relative to xl/, or absolute from the root. */
function partName(target: string): string {
  const parts: string[] = target.startsWith("/") ? [] : ["xl"];
  for (const piece of target.split("/")) {
    if (piece === "" || piece === ".") continue;
    if (piece === "..") parts.pop();
    else parts.push(piece);
  }
  return parts.join("/");
}

interface WorkbookParts {
  sheets: WorkbookSheet[];
  workbook: ZipEntry;
  relationships: ZipEntry;
}

async function workbookSheets(
  bytes: Uint8Array,
  entries: Map<string, ZipEntry>,
): Promise<WorkbookParts | { problem: string }> {
  const workbook = entries.get("xl/workbook.xml");
  const relationships = entries.get("xl/_rels/workbook.xml.rels");
  if (!workbook || !relationships) {
    return {
      problem:
        "the file is a zip archive but not an Excel workbook (it has no xl/workbook.xml and its relationships): save it from Excel as .xlsx",
    };
  }
  let book: string;
  let rels: string;
  try {
    book = (await entryBytes(bytes, workbook)).toString("utf8");
    rels = (await entryBytes(bytes, relationships)).toString("utf8");
  } catch {
    return {
      problem:
        "the workbook's list of sheets (xl/workbook.xml) is damaged: open the file in Excel and save it again",
    };
  }
  const targets = new Map<string, string>();
  for (const match of rels.matchAll(/<(?:[\w.-]+:)?Relationship\b([^>]*)>/g)) {
    const attributes = xmlAttributes(match[1]);
    const id = attributes.get("Id");
    const target = attributes.get("Target");
    if (id !== undefined && target !== undefined) targets.set(id, partName(target));
  }
  const list =
    /<(?:[\w.-]+:)?sheets\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?sheets>/.exec(book)?.[1] ?? "";
  const sheets: WorkbookSheet[] = [];
  for (const match of list.matchAll(/<(?:[\w.-]+:)?sheet\b([^>]*)>/g)) {
    const attributes = xmlAttributes(match[1]);
    // The relationship id is r:id, whatever the namespace's prefix.
    const id = [...attributes].find(([name]) => /:id$/.test(name))?.[1];
    const state = attributes.get("state");
    sheets.push({
      name: attributes.get("name") ?? "",
      hidden: state === "hidden" || state === "veryHidden",
      part: id === undefined ? undefined : targets.get(id),
    });
  }
  return { sheets, workbook, relationships };
}

/** A part made here rather than read from the file. */
function madePart(name: string, root: string, text: string): ServedPart {
  const bytes = Buffer.from(text, "utf8");
  return {
    bytes,
    name,
    root,
    entry: {
      name,
      method: 0,
      crc: crc32(bytes),
      compressedSize: bytes.length,
      size: bytes.length,
      dataOffset: 0,
    },
  };
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
  const read = await readWorkbookBytes(source);
  if ("problem" in read) return unreadable(read.problem);
  const { bytes } = read;

  const entries = zipEntries(bytes);
  if ("problem" in entries) return unreadable(entries.problem);
  const book = await workbookSheets(bytes, entries);
  if ("problem" in book) return unreadable(book.problem);
  const picked = pickSheet(book.sheets, options);
  if ("problem" in picked) return unreadable(picked.problem);
  const { first, target } = picked;
  const checkedSheet = target.name;
  const damaged = (what: string) =>
    unreadable(
      `the sheet "${checkedSheet}" ${what}: the file is damaged or was not saved completely; open it in Excel and save it again (or export it again)`,
    );
  if (target.part === undefined || !/^xl\/worksheets\/[^/]+\.xml$/.test(target.part)) {
    return unreadable(
      `the sheet "${checkedSheet}" is not a worksheet (a chart or dialog sheet, say): SpendFlo reads the first sheet, so put the budget's worksheet first`,
    );
  }
  const sheetEntry = entries.get(target.part);
  if (sheetEntry === undefined) return damaged("is missing from the file");

  const problems: PartProblem[] = [];
  const partProblem = (): BudgetFileReport => {
    const found = problems[0];
    if (found.part === sheetEntry.name) return damaged(`is ${found.problem}`);
    return unreadable(
      `the workbook's part ${found.part} is ${found.problem}: the file is damaged or was not saved completely; open it in Excel and save it again (or export it again)`,
    );
  };
  const served = servedParts(bytes, book, entries, target.part, sheetEntry);
  const rows = await checkSheetRows(bytes, served, problems, sheetEntry, checkedSheet, {
    maxIssues: options.maxIssues,
    onInvalid,
  });
  if (problems.length > 0) return partProblem();
  // exceljs' XML reader stops at malformed XML; its own words are no help to the user.
  if (rows.xmlDamaged === "workbook") {
    return unreadable(
      "the workbook is damaged (its XML cannot be read): open it in Excel and save it again",
    );
  }
  if (rows.xmlDamaged === "sheet") return damaged("is damaged (its XML cannot be read)");
  const { checker } = rows;
  if (checker === undefined) return damaged("could not be read as a worksheet");
  sheetWarnings(checker, book.sheets, first, target, options);

  const summary = checker.summary();
  if (!checker.hasHeader) {
    const others = book.sheets.map((s) => s.name).filter((name) => name !== checkedSheet);
    const message =
      options.sheet === undefined && others.length > 0
        ? `the sheet "${checkedSheet}" is empty (no header, no rows), and it is the one SpendFlo reads (the first sheet); the workbook's other sheets: ${others.join(", ")}. Move the budget's sheet first (drag its tab to the left) and save; use --sheet NAME to check another sheet meanwhile`
        : `the sheet "${checkedSheet}" is empty (no header, no rows)`;
    return {
      ...unreadable(message),
      sheet: checkedSheet,
      warningCount: summary.warningCount,
      warnings: summary.warnings,
    };
  }
  return { format: "xlsx", valid: summary.errorCount === 0, sheet: checkedSheet, ...summary };
}

/**
 * The whole workbook in memory, after a look at its first bytes (a workbook is a ZIP archive) and
 * within MAX_XLSX_BYTES; or why not.
 */
async function readWorkbookBytes(
  source: AsyncIterable<Uint8Array>,
): Promise<{ bytes: Buffer } | { problem: string }> {
  const readFailure = (error: unknown) => ({
    problem: `the file could not be read to its end${
      typeof (error as NodeJS.ErrnoException)?.code === "string"
        ? ` (${(error as NodeJS.ErrnoException).code})`
        : ""
    }: check that it is complete and try again`,
  });
  // Look at the first bytes before reading the rest.
  const iterator = source[Symbol.asyncIterator]();
  const pieces: Buffer[] = [];
  let length = 0;
  try {
    while (length < 4) {
      const next = await iterator.next();
      if (next.done) break;
      pieces.push(Buffer.from(next.value));
      length += next.value.length;
    }
  } catch (error) {
    return readFailure(error);
  }
  const problem = xlsxHeadProblem(Buffer.concat(pieces));
  if (problem) {
    await drain(iterator);
    return { problem };
  }
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      length += next.value.length;
      if (length > MAX_XLSX_BYTES) {
        await drain(iterator);
        return {
          problem: `the workbook is larger than ${MAX_XLSX_BYTES / 1024 / 1024} MiB, the most read as XLSX (a workbook is held in memory while it is checked): save the budget as CSV UTF-8, which is read as it streams`,
        };
      }
      // A copy: a reader may reuse its buffer for the next chunk.
      pieces.push(Buffer.from(next.value));
    }
  } catch (error) {
    return readFailure(error);
  }
  return { bytes: Buffer.concat(pieces, length) };
}

/** The sheet to check: the first, or the one `--sheet` names (which may have to be the first). */
function pickSheet(
  sheets: WorkbookSheet[],
  options: XlsxOptions,
): { first: WorkbookSheet; target: WorkbookSheet } | { problem: string } {
  if (sheets.length === 0) return { problem: "the workbook has no worksheet" };
  const first = sheets[0];
  if (options.sheet === undefined) return { first, target: first };
  const named = sheets.find((s) => s.name === options.sheet);
  if (!named) {
    return {
      problem: `the workbook has no sheet named "${options.sheet}" (its sheets: ${sheets.map((s) => s.name).join(", ")})`,
    };
  }
  if (options.requireFirstSheet && named !== first)
    return { problem: notFirstSheetMessage(named.name, first.name) };
  return { first, target: named };
}

/** The parts exceljs is given to read: the workbook's, and the one sheet to check. */
function servedParts(
  bytes: Buffer,
  book: WorkbookParts,
  entries: Map<string, ZipEntry>,
  part: string,
  sheetEntry: ZipEntry,
): ServedPart[] {
  const shared = entries.get("xl/sharedStrings.xml");
  const styles = entries.get("xl/styles.xml");
  return [
    { bytes, entry: book.relationships, name: "xl/_rels/workbook.xml.rels", root: "Relationships" },
    { bytes, entry: book.workbook, name: "xl/workbook.xml", root: "workbook" },
    // Without shared strings exceljs would set every worksheet aside in a temporary file, waiting
    // for them: an empty table lets it stream the sheet.
    shared
      ? { bytes, entry: shared, name: "xl/sharedStrings.xml", root: "sst" }
      : madePart(
          "xl/sharedStrings.xml",
          "sst",
          '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>',
        ),
    ...(styles ? [{ bytes, entry: styles, name: "xl/styles.xml", root: "styleSheet" }] : []),
    {
      bytes,
      entry: sheetEntry,
      // exceljs streams only parts named like this; the sheet's name comes from our own list.
      name: /^xl\/worksheets\/sheet\d+\.xml$/.test(part) ? part : "xl/worksheets/sheet1.xml",
      root: "worksheet",
    },
  ];
}

/**
 * Streams the sheet's rows through exceljs into a checker. `xmlDamaged` says which part stopped
 * exceljs' XML reader (a problem of the archive itself is added to `problems`).
 */
async function checkSheetRows(
  bytes: Buffer,
  served: ServedPart[],
  problems: PartProblem[],
  sheetEntry: ZipEntry,
  checkedSheet: string,
  checkerOptions: { maxIssues?: number; onInvalid: () => void },
): Promise<{ checker?: BudgetFileChecker; xmlDamaged?: "workbook" | "sheet" }> {
  let checker: BudgetFileChecker | undefined;
  let reading: "workbook" | "sheet" = "workbook";
  try {
    const { default: ExcelJS } = await import("exceljs");
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(
      Readable.from(orderedEntries(served, problems)),
      {
        worksheets: "emit",
        sharedStrings: "cache",
        hyperlinks: "ignore",
        // Styles tell a date (and a percentage) from a plain number: exceljs then gives Dates.
        styles: "cache",
        entries: "ignore",
      },
    );
    for await (const worksheet of reader) {
      const sheet = worksheet as unknown as AsyncIterable<{
        number: number;
        values: unknown;
        getCell(column: number): { numFmt?: unknown };
      }>;
      if (checker !== undefined) {
        for await (const row of sheet) void row;
        continue;
      }
      reading = "sheet";
      const current = new BudgetFileChecker({ ...checkerOptions, sheet: checkedSheet });
      checker = current;
      let formulas: SheetFormulas | undefined;
      const cell = cellReader(current, () => formulas);
      let kinds: (BudgetColumnId | undefined)[] = [];
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? (row.values as unknown[]) : [];
        if (!current.hasHeader) {
          const header = [];
          for (let i = 1; i < values.length; i++) header.push(headerText(values[i]));
          while (header.length > 0 && header[header.length - 1] === "") header.pop();
          if (header.some((text) => text.trim() !== "")) {
            current.header(header, row.number);
            kinds = header.map((text) => COLUMN_BY_HEADER.get(normalizeHeader(text)));
          }
          continue;
        }
        if (formulas === undefined && values.some(isFormulaCell))
          formulas = await readSheetFormulas(bytes, sheetEntry);
        const cells: (string | null)[] = [];
        for (let i = 1; i < values.length; i++)
          cells.push(cell(values[i], row.number, current.columnName(i - 1), kinds[i - 1], row, i));
        // A workbook row has no fixed width: empty cells past the header are nothing, and
        // missing cells at the end are empty.
        while (cells.length > current.columnCount && cells[cells.length - 1] === "") cells.pop();
        while (cells.length < current.columnCount) cells.push("");
        current.row(cells, row.number);
      }
    }
  } catch {
    return { xmlDamaged: reading };
  }
  return { checker };
}

/** What the user should know about the sheets: others not checked, a hidden first sheet. */
function sheetWarnings(
  checker: BudgetFileChecker,
  sheets: WorkbookSheet[],
  first: WorkbookSheet,
  target: WorkbookSheet,
  options: XlsxOptions,
): void {
  const checkedSheet = target.name;
  if (options.sheet === undefined && sheets.length > 1) {
    checker.warning(
      1,
      "",
      `the workbook has ${sheets.length} sheets (${sheets.map((s) => s.name).join(", ")}); only the first, "${checkedSheet}", was checked: use --sheet to check another, and keep the budget on the first sheet`,
    );
  }
  if (target === first && first.hidden) {
    // Excel opens on a visible sheet, so the user sees another sheet than the one SpendFlo reads.
    checker.warning(
      1,
      "",
      `the first sheet, "${checkedSheet}", is hidden in Excel: SpendFlo reads it all the same (the first sheet in tab order, hidden or not), not the sheet Excel shows; unhide it and move the budget's sheet first, or delete it`,
    );
  } else if (target !== first) {
    checker.warning(
      1,
      "",
      `SpendFlo reads only the first sheet, "${first.name}", not "${checkedSheet}": move "${checkedSheet}" first (drag its tab to the left) and save before uploading`,
    );
  }
}

/**
 * The text of one cell, or null after reporting why it has none. `kind` is the guide's column
 * the cell is in; `row` and `index` find its number format when that matters.
 */
type CellReader = (
  value: unknown,
  line: number,
  column: string,
  kind: BudgetColumnId | undefined,
  row: { getCell(column: number): { numFmt?: unknown } },
  index: number,
) => string | null;

const COLUMN_BY_HEADER = new Map(BUDGET_COLUMNS.map((c) => [normalizeHeader(c.name), c.id]));

function headerText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return plainNumber(value);
  if (typeof value === "object" && value !== null) {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join("");
    if (typeof v.text === "string") return v.text;
    if (v.result !== undefined) return headerText(v.result);
  }
  return String(value);
}

/** A formula cell as exceljs' streaming reader gives it. */
interface FormulaCell {
  formula?: string;
  sharedFormula?: string;
  /** The value Excel saved with the formula (a number, or text); absent when none was saved. */
  result?: unknown;
}

/**
 * Reads cells into text. `formulas` tells what the streaming reader loses about formula cells
 * (the text of a filled-down formula, an error or boolean saved value), once the sheet has one.
 */
function cellReader(
  checker: BudgetFileChecker,
  formulas: () => SheetFormulas | undefined,
): CellReader {
  /**
   * A formula cell reads as its saved value, as pandas or openpyxl (data-only) read it, with a
   * warning that shows both: a program that writes formulas without calculating them saves 0.
   */
  const formulaValue = (
    cell: FormulaCell,
    line: number,
    column: string,
    kind: BudgetColumnId | undefined,
    row: Parameters<CellReader>[4],
    index: number,
  ): string | null => {
    const ref = `${columnLetters(index)}${line}`;
    // exceljs keeps neither a filled-down formula's text nor a saved 0 or "": the XML has both.
    const xml = formulas()?.at(ref);
    const text = xml?.formula || cell.formula || cell.sharedFormula || "";
    const shown = text
      ? `=${text.length > 60 ? `${text.slice(0, 59)}…` : text}`
      : "a filled-down formula";
    const saved =
      xml?.saved ??
      (cell.result === undefined || cell.result === null
        ? undefined
        : typeof cell.result === "number"
          ? Number.isNaN(cell.result)
            ? { type: "error" as const, text: "" }
            : { type: "number" as const, text: plainNumber(cell.result) }
          : { type: "text" as const, text: String(cell.result) });
    // A column the guide does not name is not imported: only its value matters, quietly.
    if (kind === undefined) return saved?.type === "error" ? "" : (saved?.text ?? "");
    if (saved?.type === "error") {
      checker.error(
        line,
        column,
        `the cell holds a formula (${shown}) whose saved value is ${saved.text ? `the error ${saved.text}` : "an error"}: correct the formula in Excel and save, or paste the right value`,
      );
      return null;
    }
    if (saved === undefined) {
      checker.error(
        line,
        column,
        `the cell holds a formula (${shown}) with no saved value: readers take the value a spreadsheet saved with the formula, and this file has none (the program that wrote it did not calculate); open the file in Excel and save it, or paste the column as values`,
      );
      return null;
    }
    checker.warning(
      line,
      column,
      `the cell holds a formula (${shown}); a reader takes its saved value, ${saved.type === "text" ? `"${saved.text}"` : saved.text}: check that it is right (a program that writes formulas without calculating them saves 0 or nothing); paste the column as values to be sure`,
    );
    // A number goes through the number's own checks (a percentage format, say).
    return saved.type === "number"
      ? read(Number(saved.text), line, column, kind, row, index)
      : saved.text;
  };
  const read: CellReader = (value, line, column, kind, row, index) => {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number") {
      if (kind === "budgetAmount") {
        const format = row.getCell(index).numFmt;
        if (typeof format === "string" && format.includes("%")) {
          checker.warning(
            line,
            column,
            `Budget Amount ${plainNumber(value)} is formatted as a percentage (${format}), so Excel shows ${plainNumber(Number((value * 100).toPrecision(12)))}%: SpendFlo reads ${plainNumber(value)}; format the column as a number if that is not the amount`,
            "xlsx-percent-amount",
          );
        }
      }
      return plainNumber(value);
    }
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (value instanceof Date) {
      const date = Number.isNaN(value.getTime()) ? "" : value.toISOString().slice(0, 10);
      if (kind === "fiscalPeriod") {
        checker.error(
          line,
          column,
          `Fiscal Period is a date (${date}), not a fiscal period: write FY 2025 or Q1 2025 as text`,
        );
        return null;
      }
      if (kind === "budgetAmount") {
        checker.error(
          line,
          column,
          `Budget Amount is a date (${date}): the cell is formatted as a date; format it as a number and write the amount, such as 500000`,
        );
        return null;
      }
      return date;
    }
    if (typeof value === "object") {
      const v = value as {
        richText?: { text: string }[];
        text?: unknown;
        error?: string;
      };
      if ("formula" in v || "sharedFormula" in v) {
        return formulaValue(v as FormulaCell, line, column, kind, row, index);
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
  return read;
}

function isFormulaCell(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && ("formula" in value || "sharedFormula" in value)
  );
}

/**
 * The sheet's formula cells as its XML has them, read once the sheet turns out to hold one.
 * A sheet too large to hold as one string (V8's limit) is read without: its filled-down
 * formulas are then named as such, without their text.
 */
async function readSheetFormulas(bytes: Uint8Array, entry: ZipEntry): Promise<SheetFormulas> {
  const none: SheetFormulas = { at: () => undefined };
  if (entry.size > 256 * 1024 * 1024) return none;
  try {
    return sheetFormulas((await entryBytes(bytes, entry)).toString("utf8"));
  } catch {
    return none;
  }
}

async function drain(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await iterator.next()).done) return;
  } catch {
    // the source failed; nothing more to read
  }
}

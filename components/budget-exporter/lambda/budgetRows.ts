/**
 * From source rows to the guide's budget CSV: the column mapping, cell text and CSV quoting. Pure
 * functions, shared by the exporter Lambda and its tests; no AWS, no I/O.
 */
import { plainNumber } from "../../../lib/budget-file/plainNumber.ts";

/** The guide's columns, in the order of its example CSV. */
export const GUIDE_COLUMNS = [
  "Department",
  "Sub Category",
  "Fiscal Period",
  "Budget Amount",
  "Currency",
] as const;
export type GuideColumn = (typeof GUIDE_COLUMNS)[number];

/** The columns every budget file must carry. */
export const REQUIRED_COLUMNS: readonly GuideColumn[] = [
  "Department",
  "Fiscal Period",
  "Budget Amount",
];

/**
 * Which source field feeds each guide column: `{ "Budget Amount": "amount" }`. A JSON source may
 * name a nested field with dots (`budget.amount`). Columns left out are read from a field of the
 * same name as the column.
 */
export type ColumnMapping = Partial<Record<GuideColumn, string>>;

/** A source row: a JSON object, or a CSV record keyed by its header. */
export type SourceRow = Record<string, unknown>;

/** Problems with a mapping, one message each; empty when usable. */
export function columnMappingProblems(mapping: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [column, field] of Object.entries(mapping)) {
    if (!(GUIDE_COLUMNS as readonly string[]).includes(column)) {
      problems.push(
        `mapping names "${column}", which is not one of the guide's columns (${GUIDE_COLUMNS.join(", ")})`,
      );
    } else if (typeof field !== "string" || field.trim() === "") {
      problems.push(`mapping of "${column}" must be the name of a source field`);
    }
  }
  return problems;
}

/** The value at a field of a row; a dotted name walks into nested objects if no key has the dots. */
export function fieldValue(row: SourceRow, field: string): unknown {
  if (Object.hasOwn(row, field)) return row[field];
  if (!field.includes(".")) return undefined;
  let node: unknown = row;
  for (const part of field.split(".")) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A source value as the text of a CSV cell. Numbers never come out in exponent notation. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return plainNumber(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  // An object where a cell belongs is a mapping mistake: show it, and the validator refuses it.
  return JSON.stringify(value);
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface BudgetCsv {
  /** The CSV text: a header line, then one record per source row. */
  text: string;
  /** The guide's columns the file carries, in order. */
  columns: GuideColumn[];
  /** The 1-based CSV line where each source row's record starts (index 0: the first row). */
  rowLines: number[];
}

/**
 * Writes source rows as the guide's CSV. The required columns are always written; Sub Category
 * and Currency only when the mapping names them or some row has them, so a source without a
 * currency yields a file SpendFlo reads as USD (the guide's default) rather than empty cells.
 */
export function toBudgetCsv(rows: readonly SourceRow[], mapping: ColumnMapping = {}): BudgetCsv {
  const fieldOf = (column: GuideColumn) => mapping[column] ?? column;
  const columns = GUIDE_COLUMNS.filter(
    (column) =>
      REQUIRED_COLUMNS.includes(column) ||
      mapping[column] !== undefined ||
      rows.some((row) => fieldValue(row, column) !== undefined),
  );
  const lines = [columns.map(csvField).join(",")];
  const rowLines: number[] = [];
  let line = 2;
  for (const row of rows) {
    rowLines.push(line);
    const record = columns.map((column) => csvField(cellText(fieldValue(row, fieldOf(column)))));
    const text = record.join(",");
    lines.push(text);
    line += 1 + (text.match(/\r\n|\r|\n/g)?.length ?? 0);
  }
  return { text: `${lines.join("\n")}\n`, columns, rowLines };
}

/**
 * Required columns whose source field no row has: a mapping that names the wrong field would
 * otherwise write empty cells, and rows of empty cells read as blank lines.
 */
export function unmappedRequiredColumns(
  rows: readonly SourceRow[],
  mapping: ColumnMapping = {},
): { column: GuideColumn; field: string }[] {
  return REQUIRED_COLUMNS.map((column) => ({ column, field: mapping[column] ?? column })).filter(
    ({ field }) => !rows.some((row) => fieldValue(row, field) !== undefined),
  );
}

/** The source row (1-based) a CSV line belongs to, or undefined for the header. */
export function sourceRowOfLine(rowLines: readonly number[], line: number): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < rowLines.length && rowLines[i]! <= line; i++) found = i + 1;
  return found;
}

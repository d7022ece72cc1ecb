/**
 * The guide's "File Format Requirements", one row at a time: header matching, the cell rules and
 * the duplicate-key check. Format-neutral: the CSV and XLSX readers feed it cells as strings.
 */
import { BudgetKeySet } from "./keySet.ts";
import { plainNumber } from "./plainNumber.ts";

/** One problem in a budget file. `line` is the CSV line or the XLSX row number. */
export interface BudgetFileIssue {
  line: number;
  /** The column as its header is written in the file (or the guide's name when it is missing). */
  column: string;
  message: string;
  /** XLSX only: the worksheet. */
  sheet?: string;
}

/** What the checker found; the readers add `format` and `unreadable`. */
export interface BudgetCheckSummary {
  /** Data rows (blank rows are skipped and not counted). */
  rows: number;
  /** Exact number of errors; `errors` holds at most `maxIssues` of them. */
  errorCount: number;
  errors: BudgetFileIssue[];
  /** Number of distinct warnings (a warning repeated on many rows is reported once, with a count). */
  warningCount: number;
  warnings: BudgetFileIssue[];
}

export type BudgetFileFormat = "csv" | "xlsx";

/** The verdict on one budget file. */
export interface BudgetFileReport extends BudgetCheckSummary {
  format: BudgetFileFormat;
  /** True when the file was read and has a header and no errors (warnings allowed). */
  valid: boolean;
  /** Set when the bytes could not be read as a budget file at all (empty, binary, UTF-16...). */
  unreadable?: string;
  /** XLSX: the worksheet that was checked. */
  sheet?: string;
}

/** A report for a file that could not be read as a budget file. */
export function unreadableReport(format: BudgetFileFormat, message: string): BudgetFileReport {
  return {
    format,
    valid: false,
    unreadable: message,
    rows: 0,
    errorCount: 0,
    errors: [],
    warningCount: 0,
    warnings: [],
  };
}

/** The `onInvalid` callback, told at most once however many problems a file has. */
export function onceOnly(callback: (() => void) | undefined): () => void {
  let told = false;
  return () => {
    if (told) return;
    told = true;
    callback?.();
  };
}

export type BudgetColumnId =
  "department" | "subCategory" | "fiscalPeriod" | "budgetAmount" | "currency";

/** The guide's columns: its own spellings, and whether each is required. */
export const BUDGET_COLUMNS: readonly {
  id: BudgetColumnId;
  name: string;
  guideForms: readonly string[];
  required: boolean;
}[] = [
  { id: "department", name: "Department", guideForms: ["Department"], required: true },
  {
    id: "subCategory",
    name: "Sub Category",
    guideForms: ["Sub Category", "Sub-category"],
    required: false,
  },
  { id: "fiscalPeriod", name: "Fiscal Period", guideForms: ["Fiscal Period"], required: true },
  { id: "budgetAmount", name: "Budget Amount", guideForms: ["Budget Amount"], required: true },
  { id: "currency", name: "Currency", guideForms: ["Currency"], required: false },
];

/** Header text reduced to what matters: case, spaces, `_`, `-` and invisible characters are ignored. */
export function normalizeHeader(text: string): string {
  // Invisible format characters (zero-width spaces, a stray byte-order mark) count as nothing.
  return text.toLowerCase().replace(/[\s_\p{Cf}-]+/gu, "");
}

const COLUMN_BY_NORMAL = new Map(BUDGET_COLUMNS.map((c) => [normalizeHeader(c.name), c]));

/**
 * Headers other tools write for the guide's columns (normalized, a trailing "(USD)" and the like
 * dropped): not taken as those columns, since a guess could be wrong, but named in the message so
 * that the fix is one rename.
 */
const COLUMN_ALIASES: readonly [RegExp, BudgetColumnId][] = [
  [/^(dept|deptname|departmentname|costcent(er|re)|division|businessunit)$/, "department"],
  [/^(subcat|category|subcategoryname|expensecategory|account|glaccount|lineitem)$/, "subCategory"],
  [/^(period|fiscalyear|fy|quarter|fiscalquarter|budgetperiod|timeperiod)$/, "fiscalPeriod"],
  [/^(amount|budget|budgetvalue|plannedamount|planamount|value)$/, "budgetAmount"],
  [/^(ccy|cur|curr|currencycode)$/, "currency"],
];

/** The guide's column another tool's header most likely means, if any (see COLUMN_ALIASES). */
function columnMeant(header: string): (typeof BUDGET_COLUMNS)[number] | undefined {
  const normal = normalizeHeader(header.replace(/\([^)]*\)\s*$/, ""));
  const id = COLUMN_ALIASES.find(([pattern]) => pattern.test(normal))?.[1];
  return BUDGET_COLUMNS.find((column) => column.id === id);
}

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/** The same codes, by three capital letters: 1 at (c0 - 65) * 676 + (c1 - 65) * 26 + (c2 - 65). */
const CURRENCY_TABLE = new Uint8Array(26 * 26 * 26);
for (const code of CURRENCIES) {
  if (/^[A-Z]{3}$/.test(code)) {
    CURRENCY_TABLE[
      (code.charCodeAt(0) - 65) * 676 + (code.charCodeAt(1) - 65) * 26 + (code.charCodeAt(2) - 65)
    ] = 1;
  }
}

/** A UTF-16 code unit `String.prototype.trim` removes (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `isGuidePeriod` for text[start, end). */
function isGuidePeriodAt(text: string, start: number, end: number): boolean {
  if (end - start !== 7 || text.charCodeAt(start + 2) !== 32) return false;
  const a = text.charCodeAt(start);
  const b = text.charCodeAt(start + 1);
  if (!((a === 70 && b === 89) || (a === 81 && b >= 49 && b <= 52))) return false;
  for (let i = start + 3; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `isPlainDecimal` for text[start, end). */
function isPlainDecimalAt(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start) return false;
  if (i === end) return true;
  if (text.charCodeAt(i) !== 46 || i + 1 === end) return false;
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A formula's first character: = + - @. */
function isFormulaChar(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64;
}

/** Most columns a header may have for `plainRow` to take its rows. */
const PLAIN_MAX_COLUMNS = 64;

export const ACCEPTED_PERIODS =
  'write "FY 2025" or "Q1 2025" (also read, with a warning: "FY2025", "Q1 FY2025", "H1 2025")';

const GUIDE_PERIOD = /^(?:FY|Q[1-4]) \d{4}$/;
const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

/** The canonical form of a fiscal period and, when it is not the guide's own form, a warning. */
export function parseFiscalPeriod(
  text: string,
): { period: string; warning?: { kind: string; message: string } } | { error: string } {
  if (GUIDE_PERIOD.test(text)) return { period: text };
  const compact = text.toUpperCase().replace(/\s+/g, " ");
  let match = /^FY ?-?(\d{4})$/.exec(compact);
  if (match) {
    const period = `FY ${match[1]}`;
    return {
      period,
      warning: {
        kind: "period-fy",
        message: `Fiscal Period "${text}" is read as "${period}", the guide's form`,
      },
    };
  }
  match =
    /^(Q[1-4]) ?-?(?:FY ?)?(\d{4})$/.exec(compact) ??
    /^(?:FY ?)?(\d{4}) ?-?(Q[1-4])$/.exec(compact);
  if (match) {
    const [quarter, year] = match[1].startsWith("Q") ? [match[1], match[2]] : [match[2], match[1]];
    const period = `${quarter} ${year}`;
    return {
      period,
      warning: {
        kind: "period-q",
        message: `Fiscal Period "${text}" is read as "${period}", the guide's form`,
      },
    };
  }
  match = /^(H[12]) ?-?(?:FY ?)?(\d{4})$/.exec(compact);
  if (match) {
    const period = `${match[1]} ${match[2]}`;
    return {
      period,
      warning: {
        kind: "period-h",
        message: `Fiscal Period "${text}" is a half year; the guide's forms are "FY 2025" and "Q1 2025": check that SpendFlo is set up for half years`,
      },
    };
  }
  if (text === "") return { error: `Fiscal Period is empty: ${ACCEPTED_PERIODS}` };
  return {
    error: `Fiscal Period "${clip(text)}" is not a period SpendFlo reads: ${ACCEPTED_PERIODS}`,
  };
}

/** Why a Budget Amount is not a plain non-negative decimal, with what to write instead; or null. */
export function budgetAmountProblem(text: string): string | null {
  if (PLAIN_DECIMAL.test(text)) return null;
  if (text === "") return "Budget Amount is empty: write a number such as 500000";
  if (/^-\s*[$€£¥₹]?\s*\d[\d,.\s]*$/.test(text)) {
    return /^-\s*0*(?:\.0*)?$/.test(text)
      ? `Budget Amount "${clip(text)}" has a minus sign: write 0`
      : `Budget Amount "${clip(text)}" is negative: a budget is 0 or more`;
  }
  if (/^\(\s*[$€£¥₹]?\s*\d[\d,.\s]*\)$/.test(text))
    return `Budget Amount "${clip(text)}" is negative (in parentheses, as accounting formats write it): a budget is 0 or more`;
  if (isFormula(text)) return formulaMessage("Budget Amount", text);
  if (/^\d+(?:\.\d+)?[eE][+-]?\d+$/.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) {
      return `Budget Amount "${clip(text)}" is in scientific notation (a spreadsheet's display of a long number): write ${plainNumber(value)}`;
    }
  }
  const bare = text.replace(/^[A-Z]{3}\s*|\s*[A-Z]{3}$/g, "").replace(/[$€£¥₹\s]/g, "");
  if (/^\d{1,3}(?:\.\d{3})+,\d+$/.test(bare)) {
    const plain = bare.replaceAll(".", "").replace(",", ".");
    return `Budget Amount "${clip(text)}" is written with a dot for thousands and a comma for decimals: write ${plain}`;
  }
  if (/^\d{1,3}(?:\.\d{3}){2,}$/.test(bare)) {
    return `Budget Amount "${clip(text)}" is written with dots for thousands: write ${bare.replaceAll(".", "")}`;
  }
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$/.test(bare)) {
    return `Budget Amount "${clip(text)}" must be a plain number: write ${bare.replaceAll(",", "")} (no currency symbol or thousands separator; the currency goes in the Currency column)`;
  }
  if (/^\d+,\d{1,2}$/.test(bare)) {
    return `Budget Amount "${clip(text)}" uses a decimal comma: write ${bare.replace(",", ".")}`;
  }
  if (/^\d+\.$|^\.\d+$/.test(text)) {
    return `Budget Amount "${clip(text)}" must be a plain number: write ${text.startsWith(".") ? `0${text}` : text.slice(0, -1)}`;
  }
  return `Budget Amount "${clip(text)}" is not a number: write a plain decimal such as 500000 or 1200.50`;
}

/** `text.trim()`, without a new string in the common case of printable ASCII at both ends. */
function trimmed(text: string): string {
  const length = text.length;
  if (length === 0) return text;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(length - 1);
  return first > 32 && first < 127 && last > 32 && last < 127 ? text : text.trim();
}

/** `FY 2025` or `Q1 2025` exactly (GUIDE_PERIOD), by hand: it runs once a row. */
function isGuidePeriod(text: string): boolean {
  return isGuidePeriodAt(text, 0, text.length);
}

/** A plain non-negative decimal (PLAIN_DECIMAL), by hand: it runs once a row. */
function isPlainDecimal(text: string): boolean {
  return isPlainDecimalAt(text, 0, text.length);
}

/** A label of a total row, as spreadsheets add under a table: Total, Grand Total, Subtotal... */
const TOTAL_LABEL = /^(?:(?:grand|sub|overall)[ -]?)?totals?(?: budget)?$/i;

/** Whether a Department value is the label of a total row rather than a department. */
export function isTotalLabel(text: string): boolean {
  return text.length >= 5 && text.length <= 14 && TOTAL_LABEL.test(text);
}

/** Whether text from `from` to `to` holds only commas, spaces and tabs: empty CSV fields. */
function onlyEmptyFields(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 44 && c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * Whether the range may hold a total row's label (`isTotalLabel`), from its length and its first
 * and last letters alone: the fast path then leaves the row to `row()`, without a substring.
 */
function mayBeTotalLabel(text: string, from: number, to: number): boolean {
  if (to - from < 5 || to - from > 14) return false;
  const first = text.charCodeAt(from) | 0x20; // ASCII lower case
  const last = text.charCodeAt(to - 1) | 0x20;
  return (
    (first === 116 || first === 103 || first === 115 || first === 111) && // t g s o
    (last === 108 || last === 115 || last === 116) && // l s t
    isTotalLabel(text.slice(from, to))
  );
}

/** A text cell a spreadsheet would run as a formula (CSV injection). */
export function isFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  // = + - @
  return first === 61 || first === 43 || first === 45 || first === 64;
}

function formulaMessage(column: string, text: string): string {
  return `${column} "${clip(text)}" starts with "${text[0]}", which a spreadsheet runs as a formula: remove it or rewrite the value`;
}

/** Names of characters that look like a space, or like nothing, by code point. */
const UNSEEN_NAMES: Record<number, string> = {
  0x09: "a tab",
  0xa0: "a no-break space",
  0x2007: "a figure space",
  0x202f: "a narrow no-break space",
  0x3000: "an ideographic space",
  0x200b: "a zero-width space",
  0x200c: "a zero-width non-joiner",
  0x200d: "a zero-width joiner",
  0x2060: "a word joiner",
  0xfeff: "a byte-order mark",
};

/**
 * What in a header the eye cannot see, for a warning that would otherwise read "Sub Category
 * is read as Sub Category": spaces at either end, and characters that look like a space or
 * like nothing. Empty when there is none.
 */
function unseenCharacters(text: string): string {
  const found = new Set<string>();
  if (/^ | $/.test(text)) found.add("a space at its start or end");
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code === 0x20) continue;
    const name =
      UNSEEN_NAMES[code] ?? (/\s/.test(character) ? "a space of another kind" : undefined);
    if (name) found.add(`${name} (U+${code.toString(16).toUpperCase().padStart(4, "0")})`);
  }
  return found.size ? ` (it has ${[...found].join(", ")}: retype it)` : "";
}

function clip(text: string): string {
  // Control characters would garble a terminal: show them as spaces.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, " ");
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}

export interface BudgetCheckerOptions {
  /** Errors (and warnings) kept in full; the counts stay exact. Default 1000. */
  maxIssues?: number;
  /** XLSX: the worksheet, copied into every issue. */
  sheet?: string;
  /** About how many rows to expect, to size the duplicate check once. */
  expectedRows?: number;
  /** Called once, at the first error: the file is invalid, whatever follows. */
  onInvalid?: () => void;
  /** Let `plainRow` take plain CSV rows (default true; false only to test it against `row()`). */
  plainRows?: boolean;
}

/** What the checker of the second part of a file found (see `BudgetFileChecker.restOf`). */
export interface BudgetCheckerPart {
  rows: number;
  errorCount: number;
  errors: BudgetFileIssue[];
  warningTotal: number;
  /** Each warning, and for a repeated kind, its kind and how many more rows had it. */
  warnings: { issue: BudgetFileIssue; kind?: string; more?: number }[];
  /** With a header that lacks a required column: the part's first line that looks like one. */
  headerCandidate: number;
  /** Kinds of repeated warning the part saw but had no room to list, with their counts. */
  unlistedWarnings: { kind: string; more: number }[];
  /** The rows' keys as the key set collected them (hash high, hash low, line). */
  keys: Int32Array;
}

/**
 * The first `max` issues by line (and, on one line, in the order they came), whatever order they
 * come in: a duplicate is found a little after its row, and the second part of a file checked in
 * two is taken in at the end. A max-heap, so that the usual issue, later than all those kept,
 * is turned away with one comparison.
 */
class FirstIssues {
  private readonly heap: { issue: BudgetFileIssue; order: number }[] = [];
  private count = 0;

  constructor(private readonly max: number) {}

  add(issue: BudgetFileIssue): void {
    const entry = { issue, order: this.count++ };
    const heap = this.heap;
    if (heap.length < this.max) {
      heap.push(entry);
      let at = heap.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!later(heap[at], heap[parent])) break;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
      return;
    }
    if (heap.length === 0 || !later(heap[0], entry)) return;
    heap[0] = entry;
    for (let at = 0; ;) {
      const left = at * 2 + 1;
      const right = left + 1;
      let latest = at;
      if (left < heap.length && later(heap[left], heap[latest])) latest = left;
      if (right < heap.length && later(heap[right], heap[latest])) latest = right;
      if (latest === at) break;
      [heap[at], heap[latest]] = [heap[latest], heap[at]];
      at = latest;
    }
  }

  /** The issues kept, by line. */
  sorted(): BudgetFileIssue[] {
    return [...this.heap].sort((a, b) => (later(a, b) ? 1 : -1)).map((entry) => entry.issue);
  }
}

/** Whether issue entry `a` comes after `b` in the file (by line, then by the order they came). */
function later(
  a: { issue: BudgetFileIssue; order: number },
  b: { issue: BudgetFileIssue; order: number },
): boolean {
  return a.issue.line > b.issue.line || (a.issue.line === b.issue.line && a.order > b.order);
}

/**
 * Checks a budget file row by row. Feed it `header()` once, then `row()` for each data row, then
 * read `summary()`. Memory grows only with the number of distinct budget keys.
 */
export class BudgetFileChecker {
  private readonly maxIssues: number;
  private readonly sheet: string | undefined;
  private readonly errors: FirstIssues;
  private errorCount = 0;
  /** Distinct warnings: a warning of a kind counts once, however many rows have it. */
  private warningTotal = 0;
  private readonly warnings: BudgetFileIssue[] = [];
  /**
   * Every kind of repeated warning seen: its index in `warnings` (-1 when the list was full) and
   * how many more rows had it.
   */
  private readonly warningKinds = new Map<string, { index: number; more: number }>();
  private keys: BudgetKeySet;
  private onInvalid: (() => void) | undefined;
  private readonly plainRowsAllowed: boolean;
  private rows = 0;
  private headerSeen = false;
  private headerLine = 0;
  private names: string[] = [];
  private width = 0;
  private department = -1;
  private subCategory = -1;
  private fiscalPeriod = -1;
  private budgetAmount = -1;
  private currency = -1;
  /** Columns that are none of the guide's. */
  private otherColumns: number[] = [];
  /** Columns with an empty header: their values are ignored, with a warning where there is one. */
  private headerless: number[] = [];
  /** The header's width without the empty cells at its end: a row may stop there. */
  private namedWidth = 0;
  /**
   * The header lacks a required column: rows are counted, not checked (each would only repeat
   * that), except to find a later line that looks like the real header (`headerCandidate`).
   */
  private headerIncomplete = false;
  private headerCandidate = 0;
  /** Checks the rest of a file (`restOf`): a header candidate is kept for `absorb`, not told. */
  private rest = false;
  /** Whether `plainRow` may take rows: a header it can check by position. */
  private plainRows = false;
  /** `plainRow`'s field bounds: start and end of each field, then its trimmed start and end. */
  private readonly bounds = new Int32Array(PLAIN_MAX_COLUMNS * 4);
  /** While set, issues are not recorded (the header of a file's second part: see `restOf`). */
  private muted = false;

  constructor(options: BudgetCheckerOptions = {}) {
    this.maxIssues = options.maxIssues ?? 1000;
    this.errors = new FirstIssues(this.maxIssues);
    this.sheet = options.sheet;
    this.keys = new BudgetKeySet(
      (line, first) =>
        this.error(
          line,
          this.departmentName,
          `duplicate budget: ${this.sheet === undefined ? "line" : "row"} ${first} has the same Department, Sub Category and Fiscal Period (compared ignoring letter case and spaces around the values), so which amount applies is ambiguous`,
        ),
      options.expectedRows,
    );
    this.onInvalid = options.onInvalid;
    this.plainRowsAllowed = options.plainRows ?? true;
  }

  get hasHeader(): boolean {
    return this.headerSeen;
  }

  /** Number of columns in the header. */
  get columnCount(): number {
    return this.width;
  }

  /** The header of a column (0-based), as written in the file. */
  columnName(index: number): string {
    return this.names[index] ?? `column ${index + 1}`;
  }

  /** Records an error at a line and column. */
  error(line: number, column: string, message: string): void {
    if (this.muted) return;
    this.errorCount++;
    if (this.errorCount === 1) this.onInvalid?.();
    this.errors.add(this.issue(line, column, message));
  }

  /** Records a warning; with a `kind`, later warnings of the same kind only add to its count. */
  warning(line: number, column: string, message: string, kind?: string): void {
    if (this.muted) return;
    if (kind !== undefined) {
      const seen = this.warningKinds.get(kind);
      if (seen) {
        seen.more++;
        return;
      }
      const listed = this.warnings.length < this.maxIssues;
      this.warningKinds.set(kind, { index: listed ? this.warnings.length : -1, more: 0 });
    }
    this.warningTotal++;
    if (this.warnings.length < this.maxIssues)
      this.warnings.push(this.issue(line, column, message));
  }

  private issue(line: number, column: string, message: string): BudgetFileIssue {
    return this.sheet === undefined
      ? { line, column, message }
      : { line, column, message, sheet: this.sheet };
  }

  /** The header row (the first non-blank row). */
  header(cells: readonly string[], line: number): void {
    this.headerSeen = true;
    this.headerLine = line;
    this.width = cells.length;
    this.names = cells.map((cell, index) => cell.trim() || `column ${index + 1}`);
    this.headerless = [];
    this.headerIncomplete = false;
    this.headerCandidate = 0;
    this.namedWidth = cells.length;
    while (this.namedWidth > 0 && cells[this.namedWidth - 1].trim() === "") this.namedWidth--;
    const found = new Map<BudgetColumnId, number>();
    cells.forEach((raw, index) => {
      const text = raw.replace(/^\uFEFF/, "");
      const column = COLUMN_BY_NORMAL.get(normalizeHeader(text));
      if (!column) {
        if (text.trim() === "") {
          // Warned about only where a row has a value in it: an export often ends its header
          // with empty cells (",,,") that no row fills.
          this.headerless.push(index);
        } else {
          const meant = columnMeant(text);
          this.warning(
            line,
            text,
            meant
              ? `unknown column "${clip(text)}" is ignored: if it holds the ${meant.name}, name it "${meant.guideForms[0]}"`
              : `unknown column "${clip(text)}" is ignored (the guide's columns: ${BUDGET_COLUMNS.map((c) => c.name).join(", ")})`,
          );
        }
        return;
      }
      if (found.has(column.id)) {
        this.error(
          line,
          text,
          `column ${column.name} appears twice (columns ${found.get(column.id)! + 1} and ${index + 1})`,
        );
        return;
      }
      found.set(column.id, index);
      if (!column.guideForms.includes(text)) {
        this.warning(
          line,
          text,
          `header "${clip(text)}" is read as ${column.name}; the guide writes "${column.guideForms[0]}"${unseenCharacters(text)}`,
        );
      }
    });
    const named = this.names.slice(0, this.namedWidth);
    for (const column of BUDGET_COLUMNS) {
      if (column.required && !found.has(column.id)) {
        this.headerIncomplete = true;
        const meant = cells.find((cell) => columnMeant(cell)?.id === column.id);
        const hint = meant
          ? `: if "${clip(meant.trim())}" holds it, name that column "${column.guideForms[0]}"`
          : named.length === 1
            ? `: if "${clip(named[0])}" is a title above the table, delete the lines above the header`
            : "";
        this.error(
          line,
          column.name,
          `required column ${column.name} is missing (the header has: ${named.join(", ")})${hint}`,
        );
      }
    }
    this.department = found.get("department") ?? -1;
    this.subCategory = found.get("subCategory") ?? -1;
    this.fiscalPeriod = found.get("fiscalPeriod") ?? -1;
    this.budgetAmount = found.get("budgetAmount") ?? -1;
    this.currency = found.get("currency") ?? -1;
    this.otherColumns = [];
    for (let i = 0; i < cells.length; i++) {
      if (![...found.values()].includes(i)) this.otherColumns.push(i);
    }
    this.plainRows =
      this.plainRowsAllowed &&
      this.width <= PLAIN_MAX_COLUMNS &&
      this.department >= 0 &&
      this.fiscalPeriod >= 0 &&
      this.budgetAmount >= 0;
  }

  /**
   * The fast path for the common row: `text` from `start` to `end` is one CSV record with no
   * quote and no CR, as read. When it has as many fields as the header and passes every rule
   * with no error and no warning, it is counted and its key added, with no string made for any
   * of its cells, and `plainRow` returns true. Any other row returns false untouched, for the
   * caller to split and give to `row()`, which gives the same verdict on every row `plainRow`
   * takes (a property test holds them to that). `bytes`, the same text as ASCII bytes when the
   * reader has them, lets the duplicate check hash the key from memory a word at a time.
   */
  plainRow(text: string, start: number, end: number, line: number, bytes?: DataView): boolean {
    if (!this.plainRows) return false;
    const width = this.width;
    const bounds = this.bounds;
    let field = 0;
    let fieldStart = start;
    let fieldsEnd = end;
    for (;;) {
      const comma = text.indexOf(",", fieldStart);
      if (comma === -1 || comma >= end) break;
      if (field + 1 >= width) {
        // Past the header only empty fields may follow (",,,"); anything else is for `row()`.
        if (!onlyEmptyFields(text, comma, end)) return false;
        fieldsEnd = comma;
        break;
      }
      bounds[field * 4] = fieldStart;
      bounds[field * 4 + 1] = comma;
      field++;
      fieldStart = comma + 1;
    }
    if (field + 1 < this.namedWidth) return false;
    bounds[field * 4] = fieldStart;
    bounds[field * 4 + 1] = fieldsEnd;
    // A row may stop before the header's empty cells at its end: those fields are empty.
    for (let f = field + 1; f < width; f++) {
      bounds[f * 4] = fieldsEnd;
      bounds[f * 4 + 1] = fieldsEnd;
    }
    // Trimmed bounds, as String.prototype.trim would cut; a formula anywhere takes the slow path.
    for (let f = 0; f < width; f++) {
      let from = bounds[f * 4];
      let to = bounds[f * 4 + 1];
      while (from < to && isSpace(text.charCodeAt(from))) from++;
      while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
      if (from < to && isFormulaChar(text.charCodeAt(from))) return false;
      bounds[f * 4 + 2] = from;
      bounds[f * 4 + 3] = to;
    }
    for (let k = 0; k < this.headerless.length; k++) {
      const h = this.headerless[k] * 4;
      if (bounds[h + 2] !== bounds[h + 3]) return false; // a value with no header: a warning
    }
    const d = this.department * 4;
    if (bounds[d + 2] === bounds[d + 3]) return false;
    if (mayBeTotalLabel(text, bounds[d + 2], bounds[d + 3])) return false;
    const p = this.fiscalPeriod * 4;
    if (!isGuidePeriodAt(text, bounds[p + 2], bounds[p + 3])) return false;
    const a = this.budgetAmount * 4;
    if (!isPlainDecimalAt(text, bounds[a + 2], bounds[a + 3])) return false;
    if (this.currency >= 0) {
      const from = bounds[this.currency * 4 + 2];
      const to = bounds[this.currency * 4 + 3];
      if (from !== to) {
        if (to - from !== 3) return false;
        const c0 = text.charCodeAt(from) - 65;
        const c1 = text.charCodeAt(from + 1) - 65;
        const c2 = text.charCodeAt(from + 2) - 65;
        if (c0 < 0 || c0 > 25 || c1 < 0 || c1 > 25 || c2 < 0 || c2 > 25) return false;
        if (CURRENCY_TABLE[c0 * 676 + c1 * 26 + c2] !== 1) return false;
      }
    }
    this.rows++;
    const s = this.subCategory * 4;
    if (bytes !== undefined) {
      this.keys.addBytes(
        bytes,
        bounds[d + 2],
        bounds[d + 3],
        s < 0 ? 0 : bounds[s + 2],
        s < 0 ? 0 : bounds[s + 3],
        bounds[p + 2],
        bounds[p + 3],
        line,
      );
    } else {
      this.keys.addRanges(
        text,
        bounds[d + 2],
        bounds[d + 3],
        text,
        s < 0 ? 0 : bounds[s + 2],
        s < 0 ? 0 : bounds[s + 3],
        text,
        bounds[p + 2],
        bounds[p + 3],
        line,
      );
    }
    return true;
  }

  /**
   * One data row. A `null` cell was already reported by the reader (an XLSX formula, say) and is
   * not checked again. Rows whose cells are all empty are skipped.
   */
  row(cells: readonly (string | null)[], line: number): void {
    let blank = true;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      if (cell === null || trimmed(cell) !== "") {
        blank = false;
        break;
      }
    }
    if (blank) return;
    this.rows++;
    if (this.headerIncomplete) {
      this.lookForHeader(cells, line);
      return;
    }
    // Empty cells past the header's named columns are nothing: exports often pad rows (",,,").
    let length = cells.length;
    while (length > this.namedWidth) {
      const cell = cells[length - 1];
      if (cell === null || trimmed(cell) !== "") break;
      length--;
    }
    if (length > this.width || length < this.namedWidth) {
      if (length > this.width && this.sheet !== undefined) {
        // XLSX: cells stay in their columns, so only the value past the header is amiss.
        let extra = this.width;
        while (extra < cells.length - 1 && cells[extra]?.trim() === "") extra++;
        let letters = "";
        for (let n = extra + 1; n > 0; n = Math.floor((n - 1) / 26))
          letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
        this.error(
          line,
          letters,
          `row has a value in column ${letters}, beyond the header's ${this.width} columns: give the column a header or clear it`,
        );
      } else if (length > this.width) {
        // The values are shifted somewhere: checking them by column would only mislead.
        this.error(
          line,
          this.names[this.width - 1] ?? "",
          `row has ${cells.length} fields but the header has ${this.width}: a value holds an unquoted comma (such as "$1,200"): quote it, and write amounts as plain numbers`,
        );
        return;
      } else {
        this.error(
          line,
          this.names[cells.length] ?? "",
          `row has ${cells.length} fields but the header has ${this.namedWidth}`,
        );
      }
    }
    for (let k = 0; k < this.headerless.length; k++) {
      const index = this.headerless[k];
      const cell = index < cells.length ? cells[index] : null;
      if (cell !== null && trimmed(cell) !== "") {
        this.warning(
          line,
          this.names[index],
          `column ${index + 1} has no header: its values are ignored`,
          `headerless:${index}`,
        );
      }
    }

    const department = this.text(cells, this.department, line);
    if (department !== null && isTotalLabel(department)) {
      this.warning(
        line,
        this.departmentName,
        `Department "${clip(department)}" looks like a total row: SpendFlo would import it as a department and count its amount a second time; remove the row`,
        `total:${department.toLowerCase()}`,
      );
    }
    if (
      department === "" &&
      this.department >= 0 &&
      this.department < cells.length &&
      cells[this.department] !== null
    ) {
      this.error(line, this.names[this.department], "Department is empty");
    }
    const subCategory = this.text(cells, this.subCategory, line);

    let period: string | null = null;
    if (
      this.fiscalPeriod >= 0 &&
      this.fiscalPeriod < cells.length &&
      cells[this.fiscalPeriod] !== null
    ) {
      const text = trimmed(cells[this.fiscalPeriod]!);
      if (isGuidePeriod(text)) {
        period = text;
      } else if (isFormula(text)) {
        this.error(line, this.names[this.fiscalPeriod], formulaMessage("Fiscal Period", text));
      } else {
        const parsed = parseFiscalPeriod(text);
        if ("error" in parsed) {
          this.error(line, this.names[this.fiscalPeriod], parsed.error);
        } else {
          period = parsed.period;
          if (parsed.warning) {
            this.warning(
              line,
              this.names[this.fiscalPeriod],
              parsed.warning.message,
              `${parsed.warning.kind}:${text}`,
            );
          }
        }
      }
    }

    if (
      this.budgetAmount >= 0 &&
      this.budgetAmount < cells.length &&
      cells[this.budgetAmount] !== null
    ) {
      const text = trimmed(cells[this.budgetAmount]!);
      if (!isPlainDecimal(text)) {
        this.error(
          line,
          this.names[this.budgetAmount],
          budgetAmountProblem(text) ?? "Budget Amount is not a number",
        );
      }
    }

    if (this.currency >= 0 && this.currency < cells.length && cells[this.currency] !== null) {
      const text = trimmed(cells[this.currency]!);
      if (text !== "" && !CURRENCIES.has(text)) {
        const column = this.names[this.currency];
        if (isFormula(text)) this.error(line, column, formulaMessage("Currency", text));
        else if (CURRENCIES.has(text.toUpperCase())) {
          this.error(
            line,
            column,
            `Currency "${clip(text)}" must be written in capitals: write ${text.toUpperCase()}`,
          );
        } else {
          this.error(
            line,
            column,
            `Currency "${clip(text)}" is not an ISO 4217 code: write a code such as USD, EUR or GBP (empty means USD)`,
          );
        }
      }
    }

    // Columns the guide does not name are still checked for formulas: someone opens this file.
    for (let k = 0; k < this.otherColumns.length; k++) {
      const i = this.otherColumns[k];
      const cell = i < cells.length ? cells[i] : null;
      if (cell !== null && cell.length > 0 && isFormula(cell.trimStart())) {
        this.error(line, this.names[i], formulaMessage(this.names[i], cell.trimStart()));
      }
    }

    if (department && subCategory !== null && period !== null) {
      this.keys.add(department, subCategory, period, line);
    }
  }

  /**
   * Makes this checker one for the rest of a file cut in two at a record boundary: it takes the
   * file's header without reporting on it (that is the first part's to do), and it collects the
   * rows' keys instead of checking them, for the first part's checker to `absorb()` with its
   * `part()`. Its lines count from 1 at the cut.
   */
  restOf(header: readonly string[]): void {
    this.muted = true;
    try {
      this.header(header, 1);
    } finally {
      this.muted = false;
    }
    this.keys.collect();
    this.rest = true;
  }

  /** What a checker made with `restOf()` found, for the first part's checker to `absorb()`. */
  part(): BudgetCheckerPart {
    const kinds = new Map<number, { kind: string; more: number }>();
    const unlisted: { kind: string; more: number }[] = [];
    for (const [kind, { index, more }] of this.warningKinds) {
      if (index >= 0) kinds.set(index, { kind, more });
      else unlisted.push({ kind, more });
    }
    return {
      rows: this.rows,
      errorCount: this.errorCount,
      errors: this.errors.sorted(),
      warningTotal: this.warningTotal,
      warnings: this.warnings.map((issue, index) => ({ issue, ...kinds.get(index) })),
      unlistedWarnings: unlisted,
      headerCandidate: this.headerCandidate,
      keys: this.keys.collectedKeys(),
    };
  }

  /**
   * Takes in what the checker of the rest of this file found (`part()`), its lines moved by
   * `lineOffset`: the rows, errors and warnings as if this checker had read them, and its keys,
   * so that a key repeated across the cut is an error on the later line.
   */
  absorb(part: BudgetCheckerPart, lineOffset: number): void {
    const valid = this.errorCount === 0;
    this.rows += part.rows;
    this.errorCount += part.errorCount;
    for (const issue of part.errors) this.errors.add({ ...issue, line: issue.line + lineOffset });
    let total = part.warningTotal;
    const unlisted = part.unlistedWarnings.map(({ kind, more }) => ({ kind, more: more + 1 }));
    for (const { issue, kind, more = 0 } of part.warnings) {
      const listed = this.warnings.length < this.maxIssues;
      if (kind !== undefined) {
        const seen = this.warningKinds.get(kind);
        if (seen) {
          // One warning of this kind already: the part's rows with it only add to its count.
          seen.more += 1 + more;
          total--;
          continue;
        }
        if (!listed) {
          unlisted.push({ kind, more: more + 1 });
          continue;
        }
        this.warningKinds.set(kind, { index: this.warnings.length, more });
      }
      if (listed) this.warnings.push({ ...issue, line: issue.line + lineOffset });
    }
    // Kinds the part could not list (nor, now, this checker): each counts once, as in one pass.
    for (const { kind, more } of unlisted) {
      const seen = this.warningKinds.get(kind);
      if (seen) {
        seen.more += more;
        total--;
      } else {
        this.warningKinds.set(kind, { index: -1, more: more - 1 });
      }
    }
    this.warningTotal += total;
    if (this.headerCandidate === 0 && part.headerCandidate !== 0) {
      this.headerCandidate = part.headerCandidate + lineOffset;
      this.tellHeaderCandidate();
    }
    if (valid && this.errorCount > 0) this.onInvalid?.();
    this.keys.absorb(part.keys, lineOffset);
  }

  /**
   * With a header that lacks a required column: is this row the real header, below lines such as
   * a report's title? Said once, at the first such row.
   */
  private lookForHeader(cells: readonly (string | null)[], line: number): void {
    if (this.headerCandidate !== 0) return;
    const columns = new Set<BudgetColumnId>();
    for (const cell of cells) {
      if (cell === null) continue;
      const column = COLUMN_BY_NORMAL.get(normalizeHeader(cell.replace(/^\uFEFF/, "")));
      if (column) columns.add(column.id);
    }
    if (!BUDGET_COLUMNS.every((column) => !column.required || columns.has(column.id))) return;
    this.headerCandidate = line;
    if (!this.rest) this.tellHeaderCandidate();
  }

  private tellHeaderCandidate(): void {
    const line = this.headerCandidate;
    const above = line - this.headerLine;
    this.error(
      line,
      "",
      `${this.sheet === undefined ? "line" : "row"} ${line} looks like the table's header: delete the ${above === 1 ? "line" : `${above} lines`} above it (a report title?), so that the header comes first`,
    );
  }

  /** A cell's trimmed text; null when it is a formula (reported here) or was already reported. */
  private text(cells: readonly (string | null)[], index: number, line: number): string | null {
    if (index < 0 || index >= cells.length) return "";
    const cell = cells[index];
    if (cell === null) return null;
    const text = trimmed(cell);
    if (text.length > 0 && isFormula(text)) {
      const name =
        BUDGET_COLUMNS.find((c) => this.isColumn(c.id, index))?.name ?? this.names[index];
      this.error(line, this.names[index], formulaMessage(name, text));
      return null;
    }
    return text;
  }

  private get departmentName(): string {
    return this.names[this.department] ?? "Department";
  }

  private isColumn(id: BudgetColumnId, index: number): boolean {
    return this[id] === index;
  }

  summary(): BudgetCheckSummary {
    this.keys.flush();
    if (this.headerSeen && this.rows === 0 && this.errorCount === 0) {
      this.warning(
        this.headerLine,
        "",
        "the file has a header but no rows: SpendFlo would import nothing",
      );
    }
    const warnings = this.warnings.map((w) => ({ ...w }));
    for (const { index, more } of this.warningKinds.values()) {
      if (index >= 0 && more > 0)
        warnings[index].message += ` (and ${more} more ${more === 1 ? "row" : "rows"} like it)`;
    }
    return {
      rows: this.rows,
      errorCount: this.errorCount,
      errors: this.errors.sorted(),
      warningCount: this.warningTotal,
      warnings,
    };
  }
}

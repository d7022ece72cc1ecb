/**
 * Checks a budget file one row at a time: header matching, the cell rules and the duplicate-key
 * check, with a fast path for the common plain CSV row. Format-neutral: the CSV and XLSX readers
 * feed it cells as strings.
 */
import { BudgetKeySet } from "./keySet.ts";
import {
  BUDGET_COLUMNS,
  COLUMN_BY_NORMAL,
  CURRENCIES,
  CURRENCY_TABLE,
  budgetAmountProblem,
  clip,
  columnMeant,
  formulaMessage,
  isFormula,
  isFormulaChar,
  isGuidePeriod,
  isGuidePeriodAt,
  isPlainDecimal,
  isPlainDecimalAt,
  isSpace,
  isTotalLabel,
  mayBeTotalLabel,
  normalizeHeader,
  onlyEmptyFields,
  parseFiscalPeriod,
  trimmed,
  unseenCharacters,
  type BudgetColumnId,
} from "./cellRules.ts";
import { FirstIssues, type BudgetCheckSummary, type BudgetFileIssue } from "./report.ts";

/** Most columns a header may have for `plainRow` to take its rows. */
const PLAIN_MAX_COLUMNS = 64;

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

/**
 * Checks a budget file row by row. Feed it `header()` once, then `row()` for each data row, then
 * read `summary()`. Memory grows only with the number of distinct budget keys. The two-part
 * protocol (split.ts, `SplitBudgetFileChecker`) extends it: what it reads and merges is protected.
 */
export class BudgetFileChecker {
  protected readonly maxIssues: number;
  private readonly sheet: string | undefined;
  protected readonly errors: FirstIssues;
  protected errorCount = 0;
  /** Distinct warnings: a warning of a kind counts once, however many rows have it. */
  protected warningTotal = 0;
  protected readonly warnings: BudgetFileIssue[] = [];
  /**
   * Every kind of repeated warning seen: its index in `warnings` (-1 when the list was full) and
   * how many more rows had it.
   */
  protected readonly warningKinds = new Map<string, { index: number; more: number }>();
  protected keys: BudgetKeySet;
  protected onInvalid: (() => void) | undefined;
  private readonly plainRowsAllowed: boolean;
  protected rows = 0;
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
  protected headerCandidate = 0;
  /** Checks the rest of a file (split.ts `restOf`): a header candidate is kept for `absorb`, not told. */
  protected rest = false;
  /** Whether `plainRow` may take rows: a header it can check by position. */
  private plainRows = false;
  /** `plainRow`'s field bounds: start and end of each field, then its trimmed start and end. */
  private readonly bounds = new Int32Array(PLAIN_MAX_COLUMNS * 4);
  /** While set, issues are not recorded (the header of a file's second part: see `restOf`). */
  protected muted = false;

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
    if ((length > this.width || length < this.namedWidth) && !this.fieldCount(cells, length, line))
      return;
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

    const period = this.period(cells, line);

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

    this.checkCurrency(cells, line);

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
   * Reports a row with more fields than the header or fewer than its named columns (`length`: the
   * row without the empty cells that pad it); false when its values are shifted, so that checking
   * them by column would only mislead.
   */
  private fieldCount(cells: readonly (string | null)[], length: number, line: number): boolean {
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
      return false;
    } else {
      this.error(
        line,
        this.names[cells.length] ?? "",
        `row has ${cells.length} fields but the header has ${this.namedWidth}`,
      );
    }
    return true;
  }

  /** A row's fiscal period in the guide's form; null when it is missing, wrong or reported. */
  private period(cells: readonly (string | null)[], line: number): string | null {
    if (
      this.fiscalPeriod < 0 ||
      this.fiscalPeriod >= cells.length ||
      cells[this.fiscalPeriod] === null
    ) {
      return null;
    }
    const text = trimmed(cells[this.fiscalPeriod]!);
    if (isGuidePeriod(text)) return text;
    if (isFormula(text)) {
      this.error(line, this.names[this.fiscalPeriod], formulaMessage("Fiscal Period", text));
      return null;
    }
    const parsed = parseFiscalPeriod(text);
    if ("error" in parsed) {
      this.error(line, this.names[this.fiscalPeriod], parsed.error);
      return null;
    }
    if (parsed.warning) {
      this.warning(
        line,
        this.names[this.fiscalPeriod],
        parsed.warning.message,
        `${parsed.warning.kind}:${text}`,
      );
    }
    return parsed.period;
  }

  /** The Currency rule: empty, or an ISO 4217 code in capitals. */
  private checkCurrency(cells: readonly (string | null)[], line: number): void {
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

  protected tellHeaderCandidate(): void {
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

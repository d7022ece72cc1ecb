/**
 * What a check of a budget file reports: its issues (the first `maxIssues` of them kept in file
 * order), the checker's summary and the verdict the CSV and XLSX readers return.
 */

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

/**
 * The first `max` issues by line (and, on one line, in the order they came), whatever order they
 * come in: a duplicate is found a little after its row, and the second part of a file checked in
 * two is taken in at the end. A max-heap, so that the usual issue, later than all those kept,
 * is turned away with one comparison.
 */
export class FirstIssues {
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

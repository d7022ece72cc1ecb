/**
 * The two-thread protocol: a large CSV file is checked in two parts at once, cut at a record
 * boundary. The checker of the second part (`restOf`) collects its findings and keys as a
 * `part()`, which crosses to the first part's thread as a structured clone; the first part's
 * checker takes them in (`absorb`), so that the report is the one a single pass gives.
 */
import { BudgetFileChecker } from "./checker.ts";
import type { BudgetFileIssue } from "./report.ts";

/** What the checker of the second part of a file found (see `SplitBudgetFileChecker.restOf`). */
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

/** A checker that can check either part of a file cut in two, and join the two. */
export class SplitBudgetFileChecker extends BudgetFileChecker {
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
}

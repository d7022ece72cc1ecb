/**
 * The guide's "File Format Requirements" for one header or cell: the columns and their spellings,
 * fiscal periods, amounts, currencies, formulas, total rows; with the by-hand versions of the
 * common cases that the checker's fast path runs on ranges of a line.
 */
import { plainNumber } from "./plainNumber.ts";

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

export const COLUMN_BY_NORMAL = new Map(BUDGET_COLUMNS.map((c) => [normalizeHeader(c.name), c]));

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
export function columnMeant(header: string): (typeof BUDGET_COLUMNS)[number] | undefined {
  const normal = normalizeHeader(header.replace(/\([^)]*\)\s*$/, ""));
  const id = COLUMN_ALIASES.find(([pattern]) => pattern.test(normal))?.[1];
  return BUDGET_COLUMNS.find((column) => column.id === id);
}

export const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/** The same codes, by three capital letters: 1 at (c0 - 65) * 676 + (c1 - 65) * 26 + (c2 - 65). */
export const CURRENCY_TABLE = new Uint8Array(26 * 26 * 26);
for (const code of CURRENCIES) {
  if (/^[A-Z]{3}$/.test(code)) {
    CURRENCY_TABLE[
      (code.charCodeAt(0) - 65) * 676 + (code.charCodeAt(1) - 65) * 26 + (code.charCodeAt(2) - 65)
    ] = 1;
  }
}

/** A UTF-16 code unit `String.prototype.trim` removes (ECMAScript WhiteSpace and LineTerminator). */
export function isSpace(c: number): boolean {
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
export function isGuidePeriodAt(text: string, start: number, end: number): boolean {
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
export function isPlainDecimalAt(text: string, start: number, end: number): boolean {
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
export function isFormulaChar(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64;
}

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
export function trimmed(text: string): string {
  const length = text.length;
  if (length === 0) return text;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(length - 1);
  return first > 32 && first < 127 && last > 32 && last < 127 ? text : text.trim();
}

/** `FY 2025` or `Q1 2025` exactly (GUIDE_PERIOD), by hand: it runs once a row. */
export function isGuidePeriod(text: string): boolean {
  return isGuidePeriodAt(text, 0, text.length);
}

/** A plain non-negative decimal (PLAIN_DECIMAL), by hand: it runs once a row. */
export function isPlainDecimal(text: string): boolean {
  return isPlainDecimalAt(text, 0, text.length);
}

/** A label of a total row, as spreadsheets add under a table: Total, Grand Total, Subtotal... */
const TOTAL_LABEL = /^(?:(?:grand|sub|overall)[ -]?)?totals?(?: budget)?$/i;

/** Whether a Department value is the label of a total row rather than a department. */
export function isTotalLabel(text: string): boolean {
  return text.length >= 5 && text.length <= 14 && TOTAL_LABEL.test(text);
}

/** Whether text from `from` to `to` holds only commas, spaces and tabs: empty CSV fields. */
export function onlyEmptyFields(text: string, from: number, to: number): boolean {
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
export function mayBeTotalLabel(text: string, from: number, to: number): boolean {
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

export function formulaMessage(column: string, text: string): string {
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
export function unseenCharacters(text: string): string {
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

export function clip(text: string): string {
  // Control characters would garble a terminal: show them as spaces.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, " ");
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}

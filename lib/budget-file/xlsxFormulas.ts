/**
 * What a worksheet's XML says about its formula cells that a streaming reader loses: the text of
 * a filled-down (shared) formula, which Excel writes once, on the first cell of the fill, and
 * the type of a formula's saved value (an error such as #DIV/0!, or TRUE/FALSE).
 *
 * Excel writes `<f t="shared" ref="D2:D40" si="0">C2*2</f>` on D2 and only `<f t="shared"
 * si="0"/>` on D3 to D40: each of those holds the same formula moved by its offset from D2
 * (`C3*2` on D3), the way Excel shows it.
 */
import { xmlText } from "./xmlText.ts";

/** A formula cell as the worksheet's XML has it. */
export interface FormulaCellXml {
  /** The formula, a filled-down one moved to this cell; "" when the file does not say. */
  formula: string;
  /**
   * The value saved with the formula, as a reader takes it: a number, text, TRUE/FALSE, or an
   * error (#DIV/0!); undefined when none was saved.
   */
  saved?: { type: "number" | "text" | "boolean" | "error"; text: string };
}

/** The formula cells of one worksheet. */
export interface SheetFormulas {
  /** The formula cell at `ref` (`D3`); undefined when it holds no formula. */
  at(ref: string): FormulaCellXml | undefined;
}

interface SharedFormula {
  text: string;
  /** The cell that carries the text. */
  anchor: { column: number; row: number };
}

const ATTRIBUTE = (name: string) => new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
const SI = ATTRIBUTE("si");
const R = ATTRIBUTE("r");
const T = ATTRIBUTE("t");

function attribute(pattern: RegExp, text: string): string | undefined {
  const match = pattern.exec(text);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** A1 → { column: 1, row: 1 }; undefined for anything else. */
export function cellAddress(ref: string): { column: number; row: number } | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref);
  if (!match) return undefined;
  return { column: columnNumber(match[1]), row: Number(match[2]) };
}

function columnNumber(letters: string): number {
  let n = 0;
  for (const c of letters.toUpperCase()) n = n * 26 + (c.charCodeAt(0) - 64);
  return n;
}

/** 1 → A, 28 → AB. */
export function columnLetters(column: number): string {
  let letters = "";
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * A formula moved from one cell to another, as Excel fills it down or across: relative
 * references shift by the offset, `$`-anchored parts stay, text in quotes, function names and
 * sheet names are left alone.
 */
export function moveFormula(
  formula: string,
  from: { column: number; row: number },
  to: { column: number; row: number },
): string {
  const columns = to.column - from.column;
  const rows = to.row - from.row;
  // String literals ("..."), quoted sheet names ('...'), then references and other words.
  return formula.replace(
    /"(?:[^"]|"")*"|'(?:[^']|'')*'|(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(.!])|[A-Za-z_\\][\w.]*/g,
    (whole, colAnchor?: string, letters?: string, rowAnchor?: string, digits?: string) => {
      if (letters === undefined || digits === undefined) return whole;
      const column = colAnchor ? columnNumber(letters) : columnNumber(letters) + columns;
      const row = rowAnchor ? Number(digits) : Number(digits) + rows;
      if (column < 1 || row < 1) return "#REF!";
      return `${colAnchor}${columnLetters(column)}${rowAnchor}${row}`;
    },
  );
}

/** Reads a worksheet's XML for its formula cells. */
export function sheetFormulas(xml: string): SheetFormulas {
  /** Shared formulas by their si, from the cell that carries the text. */
  const shared = new Map<string, SharedFormula>();
  /** Every formula cell: its own formula text, or the si of the shared one; its saved value. */
  const cells = new Map<string, { text: string; si?: string; saved?: FormulaCellXml["saved"] }>();
  const cellElement = /<((?:[\w.-]+:)?)c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1c>)/y;
  const formulaElement = /<(?:[\w.-]+:)?f\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?f>)/;
  const valueElement =
    /<(?:[\w.-]+:)?v\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?v>|<(?:[\w.-]+:)?v\b[^>]*\/>/;
  const cellStart = /^<(?:[\w.-]+:)?c[\s>]/;
  // Only cells with a formula matter: find each <f>, then read the cell around it.
  const fTag = /<(?:[\w.-]+:)?f[\s>/]/g;
  for (let f = fTag.exec(xml); f; f = fTag.exec(xml)) {
    let start = f.index;
    do start = xml.lastIndexOf("<", start - 1);
    while (start >= 0 && !cellStart.test(xml.slice(start, start + 40)));
    if (start < 0) continue;
    cellElement.lastIndex = start;
    const cell = cellElement.exec(xml);
    if (!cell) continue;
    fTag.lastIndex = Math.max(fTag.lastIndex, start + cell[0].length);
    const ref = attribute(R, cell[2])?.toUpperCase();
    const body = cell[3] ?? "";
    const formula = formulaElement.exec(body);
    if (!ref || !formula) continue;
    const text = xmlText(formula[2] ?? "");
    const si = attribute(SI, formula[1]);
    const isShared = attribute(T, formula[1]) === "shared" && si !== undefined;
    if (isShared && text !== "" && !shared.has(si)) {
      const anchor = cellAddress(ref);
      if (anchor) shared.set(si, { text, anchor });
    }
    const value = valueElement.exec(body);
    const raw = value ? xmlText(value[1] ?? "") : undefined;
    const type = attribute(T, cell[2]);
    let saved: FormulaCellXml["saved"];
    if (raw !== undefined) {
      if (type === "e") saved = { type: "error", text: raw };
      else if (type === "b") saved = { type: "boolean", text: Number(raw) ? "TRUE" : "FALSE" };
      else if (type === "str" || type === "inlineStr" || type === "s")
        saved = { type: "text", text: raw };
      else if (raw.trim() !== "") saved = { type: "number", text: raw.trim() };
    }
    cells.set(ref, { text, ...(isShared && text === "" ? { si } : {}), saved });
  }

  return {
    at(ref) {
      const cell = cells.get(ref.toUpperCase());
      if (!cell) return undefined;
      let formula = cell.text;
      if (cell.si !== undefined) {
        const master = shared.get(cell.si);
        const to = cellAddress(ref);
        formula = master && to ? moveFormula(master.text, master.anchor, to) : "";
      }
      return { formula, ...(cell.saved ? { saved: cell.saved } : {}) };
    },
  };
}

import { describe, expect, it } from "vitest";
import { moveFormula, sheetFormulas } from "../../../lib/budget-file/xlsxFormulas.ts";

const at = (ref: string) => {
  const match = /^([A-Z]+)(\d+)$/.exec(ref)!;
  return { column: match[1].charCodeAt(0) - 64, row: Number(match[2]) };
};

describe("moveFormula: a filled-down formula as Excel shows it in each cell", () => {
  it.each([
    ["C2*2", "D2", "D5", "C5*2"],
    ["C2*$B$1+SUM(C$2:C2)", "D2", "D4", "C4*$B$1+SUM(C$2:C4)"],
    ["$A2+A$2", "B2", "C3", "$A3+B$2"],
    ['IF(C2>0,"A1 text",LOG10(C2))', "D2", "D3", 'IF(C3>0,"A1 text",LOG10(C3))'],
    ["'Rates 2025'!B2*Sheet2!A1", "D2", "D3", "'Rates 2025'!B3*Sheet2!A2"],
    ["A2-1", "B2", "B1", "A1-1"],
    ["A1", "B2", "B1", "#REF!"],
  ])("%s from %s to %s is %s", (formula, from, to, expected) => {
    expect(moveFormula(formula, at(from), at(to))).toBe(expected);
  });
});

describe("sheetFormulas", () => {
  it("reads own, shared and prefixed formula cells with their saved values", () => {
    const xml = [
      '<x:sheetData><x:row r="2">',
      '<x:c r="D2"><x:f t="shared" ref="D2:D3" si="7">C2&amp;"x"</x:f><x:v>1</x:v></x:c>',
      '</x:row><x:row r="3">',
      '<x:c r="D3" t="str"><x:f t="shared" si="7"/><x:v></x:v></x:c>',
      '<x:c r="E3" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>',
      '<x:c r="F3" t="b"><x:f>TRUE()</x:f><x:v>1</x:v></x:c>',
      '<x:c r="G3"><x:f>NOW()</x:f></x:c>',
      '<x:c r="H3"><x:v>5</x:v></x:c>',
      "</x:row></x:sheetData>",
    ].join("");
    const formulas = sheetFormulas(xml);
    expect(formulas.at("D2")).toEqual({ formula: 'C2&"x"', saved: { type: "number", text: "1" } });
    expect(formulas.at("D3")).toEqual({ formula: 'C3&"x"', saved: { type: "text", text: "" } });
    expect(formulas.at("E3")).toEqual({
      formula: "1/0",
      saved: { type: "error", text: "#DIV/0!" },
    });
    expect(formulas.at("F3")).toEqual({
      formula: "TRUE()",
      saved: { type: "boolean", text: "TRUE" },
    });
    expect(formulas.at("G3")).toEqual({ formula: "NOW()" });
    expect(formulas.at("H3")).toBeUndefined();
  });
});

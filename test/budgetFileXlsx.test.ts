import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { validateBudgetData } from "../lib/budgetFile.ts";

type Cell = string | number | { formula: string; result?: number } | null;

/** An XLSX workbook in memory, one entry per sheet. */
async function workbook(sheets: Record<string, Cell[][]>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

const HEADER = ["Department", "Sub Category", "Fiscal Period", "Budget Amount", "Currency"];

describe("XLSX budget files", () => {
  it("takes the guide's example, numbers as numbers", async () => {
    const bytes = await workbook({
      Budget: [
        HEADER,
        ["Engineering", "Software", "FY 2025", 500000, "USD"],
        ["Sales", "Travel", "FY 2025", 75000.5, null],
      ],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report).toMatchObject({
      valid: true,
      format: "xlsx",
      sheet: "Budget",
      rows: 2,
      errorCount: 0,
    });
    expect(report.warnings).toEqual([]);
  });

  it("reports errors with the sheet, the row number and the column", async () => {
    const bytes = await workbook({
      Budget: [
        HEADER,
        ["Engineering", "", "FY 2025", "$1,200", "USD"],
        [null, null, null, null, null],
        ["Ops", "", "2025", -3, "usd"],
      ],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.valid).toBe(false);
    expect(report.rows).toBe(2);
    expect(report.errors.map((e) => [e.sheet, e.line, e.column])).toEqual([
      ["Budget", 2, "Budget Amount"],
      ["Budget", 4, "Fiscal Period"],
      ["Budget", 4, "Budget Amount"],
      ["Budget", 4, "Currency"],
    ]);
    expect(report.errors[2].message).toMatch(/negative/);
  });

  it("refuses formulas: SpendFlo reads values", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", { formula: "SUM(1,2)", result: 3 }, "USD"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.errors[0]).toMatchObject({ line: 2, column: "Budget Amount", sheet: "Budget" });
    expect(report.errors[0].message).toMatch(/holds a formula \(=SUM\(1,2\)\).*paste it as values/);
  });

  it("checks the first sheet and warns when there are several", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", 1, "USD"]],
      Notes: [["anything"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report).toMatchObject({ valid: true, sheet: "Budget" });
    expect(report.warnings[0].message).toMatch(
      /has 2 sheets \(Budget, Notes\); only the first, "Budget", was checked/,
    );
  });

  it("checks the sheet asked for", async () => {
    const bytes = await workbook({
      Cover: [["Budget 2025"]],
      Budget: [HEADER, ["Engineering", "", "FY 2025", 1, "USD"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx", sheet: "Budget" });
    expect(report).toMatchObject({ valid: true, sheet: "Budget", rows: 1 });
    const missing = await validateBudgetData(bytes, { format: "xlsx", sheet: "Nope" });
    expect(missing.unreadable).toBe(
      'the workbook has no sheet named "Nope" (its sheets: Cover, Budget)',
    );
  });

  it("says when an .xlsx file is CSV text or an old .xls", async () => {
    const csv = await validateBudgetData("Department,Budget Amount\n", { format: "xlsx" });
    expect(csv.unreadable).toMatch(/not an XLSX workbook.*name it \.csv/);
    const xls = await validateBudgetData(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]), {
      format: "xlsx",
    });
    expect(xls.unreadable).toMatch(/old Excel \.xls.*save it as \.xlsx/);
  });

  it("says when the sheet is empty", async () => {
    const report = await validateBudgetData(await workbook({ Empty: [] }), { format: "xlsx" });
    expect(report.unreadable).toMatch(/sheet "Empty" is empty/);
  });
});

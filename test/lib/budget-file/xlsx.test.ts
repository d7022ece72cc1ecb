import { describe, expect, it } from "vitest";
import { validateBudgetData } from "../../../lib/budget-file/budgetFile.ts";
import ExcelJS from "exceljs";
import { n, row, s, sheetXml, workbook, type Cell } from "../../helpers/xlsx.ts";
import { unzipFiles, zipFiles, type ZipFile } from "../../helpers/zipRewrite.ts";

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

  it("reads a formula as its saved value, with a warning that shows the formula and the value", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", { formula: "SUM(1,2)", result: 3 }, "USD"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.valid).toBe(true);
    expect(report.warnings).toEqual([
      expect.objectContaining({ line: 2, column: "Budget Amount", sheet: "Budget" }),
    ]);
    expect(report.warnings[0].message).toMatch(
      /holds a formula \(=SUM\(1,2\)\); a reader takes its saved value, 3: /,
    );
  });

  it("shows a saved value of 0, which a program that does not calculate writes", async () => {
    const bytes = await sheetXml(
      [
        row(1, [s("Department"), s("Fiscal Period"), s("Budget Amount")]),
        row(2, [s("Eng"), s("FY 2025"), '<c r="C2"><f>B9*2</f><v>0</v></c>']),
      ].join(""),
    );
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.errors).toEqual([]);
    expect(report.warnings[0].message).toMatch(
      /\(=B9\*2\); a reader takes its saved value, 0:.*saves 0/,
    );
  });

  it("refuses a formula with no saved value: open and save it in Excel, or paste values", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", { formula: "SUM(1,2)" }, "USD"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.valid).toBe(false);
    expect(report.errors[0]).toMatchObject({ line: 2, column: "Budget Amount", sheet: "Budget" });
    expect(report.errors[0].message).toMatch(
      /formula \(=SUM\(1,2\)\) with no saved value.*open the file in Excel and save it, or paste the column as values/,
    );
  });

  it("checks a formula's saved value by the column's rules (text, errors)", async () => {
    const bytes = await sheetXml(
      [
        row(1, [s("Department"), s("Fiscal Period"), s("Budget Amount")]),
        row(2, [s("Eng"), '<c r="B2" t="str"><f>"FY "&amp;2025</f><v>FY 2025</v></c>', n(5)]),
        row(3, [s("Ops"), s("FY 2025"), '<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c>']),
        row(4, [s("HR"), '<c r="B4" t="str"><f>"2025"</f><v>2025</v></c>', n(7)]),
      ].join(""),
    );
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [
        3,
        "Budget Amount",
        "the cell holds a formula (=1/0) whose saved value is the error #DIV/0!: correct the formula in Excel and save, or paste the right value",
      ],
      [4, "Fiscal Period", expect.stringMatching(/^Fiscal Period "2025"/)],
    ]);
    expect(report.warnings[0].message).toMatch(
      /\(="FY "&2025\); a reader takes its saved value, "FY 2025"/,
    );
  });

  it("shows a filled-down (shared) formula's text at each cell, as Excel does", async () => {
    const bytes = await sheetXml(
      [
        row(1, [s("Department"), s("Fiscal Period"), s("Base"), s("Budget Amount")]),
        row(2, [
          s("Eng"),
          s("FY 2025"),
          n(100),
          '<c r="D2"><f t="shared" ref="D2:D4" si="0">C2*$B$1+SUM(C$2:C2)</f><v>200</v></c>',
        ]),
        row(3, [s("Ops"), s("FY 2025"), n(200), '<c r="D3"><f t="shared" si="0"/><v>0</v></c>']),
        row(4, [s("HR"), s("FY 2025"), n(300), '<c r="D4"><f t="shared" si="0"/></c>']),
      ].join(""),
    );
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    const formulaWarnings = report.warnings.filter((w) => w.column === "Budget Amount");
    expect(formulaWarnings.map((w) => w.message.slice(0, w.message.indexOf(": check")))).toEqual([
      "the cell holds a formula (=C2*$B$1+SUM(C$2:C2)); a reader takes its saved value, 200",
      "the cell holds a formula (=C3*$B$1+SUM(C$2:C3)); a reader takes its saved value, 0",
    ]);
    expect(report.errors.map((e) => [e.line, e.message.slice(0, 67)])).toEqual([
      [4, "the cell holds a formula (=C4*$B$1+SUM(C$2:C4)) with no saved value"],
    ]);
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

  it("reads a workbook whatever the order of its zip entries, the same way every run", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", 1, "USD"]],
      Notes: [["anything"]],
    });
    const expected = await validateBudgetData(bytes, { format: "xlsx" });
    expect(expected).toMatchObject({ valid: true, sheet: "Budget", rows: 1 });
    const files = unzipFiles(bytes);
    const rank = (file: ZipFile) =>
      file.name.startsWith("xl/worksheets/") ? 0 : file.name === "xl/sharedStrings.xml" ? 1 : 2;
    // Worksheets first, then the shared strings, then the rest with xl/workbook.xml last: zip
    // tools may write any order.
    const reordered = [...files].sort((a, b) => rank(a) - rank(b));
    reordered.push(
      ...reordered.splice(
        reordered.findIndex((f) => f.name === "xl/workbook.xml"),
        1,
      ),
    );
    for (const method of [0, 8] as const) {
      for (let run = 0; run < 3; run++) {
        const report = await validateBudgetData(zipFiles(reordered, method), { format: "xlsx" });
        expect(report).toEqual(expected);
      }
    }
  });

  it("says a worksheet cut short or damaged is unreadable, not valid or empty", async () => {
    const rows: Cell[][] = [HEADER];
    for (let i = 0; i < 2000; i++) rows.push([`Dept ${i}`, "", "FY 2025", i, "USD"]);
    const files = unzipFiles(await workbook({ Budget: rows }));
    const withSheet = (data: Buffer) =>
      zipFiles(files.map((f) => (f.name === "xl/worksheets/sheet1.xml" ? { ...f, data } : f)));
    const sheet = files.find((f) => f.name === "xl/worksheets/sheet1.xml")!.data;
    for (const share of [0.9, 0.5, 0.999]) {
      const report = await validateBudgetData(
        withSheet(sheet.subarray(0, Math.floor(sheet.length * share))),
        { format: "xlsx" },
      );
      expect(report.unreadable).toMatch(
        /^the sheet "Budget" is cut short \(its XML does not end\): .*save it again/,
      );
    }
    const garbled = Buffer.from(sheet.toString("utf8").replace("<row ", "<<row "));
    const damaged = await validateBudgetData(withSheet(garbled), { format: "xlsx" });
    expect(damaged.unreadable).toMatch(/^the sheet "Budget" is damaged \(its XML cannot be read\)/);
    // The zip itself cut short: its directory is gone.
    const whole = zipFiles(files);
    const cut = await validateBudgetData(whole.subarray(0, whole.length >> 1), { format: "xlsx" });
    expect(cut.unreadable).toMatch(/^the file is cut short or damaged/);
  });

  it("says which other sheets there are when the first sheet is empty", async () => {
    const bytes = await workbook({
      Cover: [],
      Budget: [HEADER, ["Engineering", "", "FY 2025", 1, "USD"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.unreadable).toBe(
      "the sheet \"Cover\" is empty (no header, no rows), and it is the one SpendFlo reads (the first sheet); the workbook's other sheets: Budget. Move the budget's sheet first (drag its tab to the left) and save; use --sheet NAME to check another sheet meanwhile",
    );
    expect(report.warnings[0].message).toMatch(/has 2 sheets \(Cover, Budget\)/);
  });

  it("says when a Fiscal Period or Budget Amount is a date, and when an amount is a percentage", async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("Budget");
    sheet.addRow(HEADER);
    sheet.addRow(["Engineering", "", new Date(Date.UTC(2025, 0, 1)), 100, "USD"]);
    sheet.addRow(["Sales", "", "FY 2025", new Date(Date.UTC(2025, 0, 1)), "USD"]);
    sheet.addRow(["Ops", "", "FY 2025", 0.15, "USD"]).getCell(4).numFmt = "0%";
    sheet.addRow([new Date(Date.UTC(2025, 5, 30)), "", "FY 2026", 5, "USD"]);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [
        2,
        "Fiscal Period",
        "Fiscal Period is a date (2025-01-01), not a fiscal period: write FY 2025 or Q1 2025 as text",
      ],
      [
        3,
        "Budget Amount",
        "Budget Amount is a date (2025-01-01): the cell is formatted as a date; format it as a number and write the amount, such as 500000",
      ],
    ]);
    expect(report.warnings.map((w) => [w.line, w.message])).toEqual([
      [
        4,
        "Budget Amount 0.15 is formatted as a percentage (0%), so Excel shows 15%: SpendFlo reads 0.15; format the column as a number if that is not the amount",
      ],
    ]);
  });

  it("says which column holds a value past the header, with no CSV advice", async () => {
    const bytes = await workbook({
      Budget: [HEADER, ["Engineering", "", "FY 2025", 100, "USD", null, "check with CFO"]],
    });
    const report = await validateBudgetData(bytes, { format: "xlsx" });
    expect(report.errors).toEqual([
      {
        sheet: "Budget",
        line: 2,
        column: "G",
        message:
          "row has a value in column G, beyond the header's 5 columns: give the column a header or clear it",
      },
    ]);
  });

  it("warns when the first sheet, the one SpendFlo reads, is hidden or is not the one checked", async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet("Lookup", { state: "hidden" }).addRow(HEADER);
    book.addWorksheet("Budget").addRows([HEADER, ["Engineering", "", "FY 2025", 1, "USD"]]);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const first = await validateBudgetData(bytes, { format: "xlsx" });
    expect(first.sheet).toBe("Lookup");
    expect(first.warnings.map((w) => w.message)).toContain(
      'the first sheet, "Lookup", is hidden in Excel: SpendFlo reads it all the same (the first sheet in tab order, hidden or not), not the sheet Excel shows; unhide it and move the budget\'s sheet first, or delete it',
    );
    const named = await validateBudgetData(bytes, { format: "xlsx", sheet: "Budget" });
    expect(named).toMatchObject({ valid: true, sheet: "Budget" });
    expect(named.warnings.map((w) => w.message)).toEqual([
      'SpendFlo reads only the first sheet, "Lookup", not "Budget": move "Budget" first (drag its tab to the left) and save before uploading',
    ]);
    const required = await validateBudgetData(bytes, {
      format: "xlsx",
      sheet: "Budget",
      requireFirstSheet: true,
    });
    expect(required.unreadable).toBe(
      'the sheet "Budget" is not the workbook\'s first sheet: SpendFlo reads only the first sheet ("Lookup"), so move "Budget" first (drag its tab to the left) and save',
    );
  });
});

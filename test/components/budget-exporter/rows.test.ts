import { describe, expect, it } from "vitest";
import {
  cellText,
  csvField,
  sourceRowOfLine,
  toBudgetCsv,
  unmappedRequiredColumns,
} from "../../../components/budget-exporter/lambda/budgetRows.ts";
import {
  dateIn,
  describeUrl,
  exporterSettingsFromEnv,
} from "../../../components/budget-exporter/lambda/handler.ts";
import { budgetFileKey } from "../../../lib/aws/s3Naming.ts";
import { validateBudgetData } from "../../../lib/budget-file/budgetFile.ts";

describe("source rows to the guide's CSV", () => {
  it("writes the guide's column order, quoting what needs it, numbers never in exponent form", () => {
    const csv = toBudgetCsv(
      [
        { d: "R&D, Labs", p: "FY 2026", a: 1e21, c: "USD" },
        { d: 'Sales "West"', p: "Q2 2026", a: 12.5, c: "EUR" },
      ],
      { Department: "d", "Fiscal Period": "p", "Budget Amount": "a", Currency: "c" },
    );
    expect(csv.text).toBe(
      "Department,Fiscal Period,Budget Amount,Currency\n" +
        '"R&D, Labs",FY 2026,1000000000000000000000,USD\n' +
        '"Sales ""West""",Q2 2026,12.5,EUR\n',
    );
    expect(csv.columns).toEqual(["Department", "Fiscal Period", "Budget Amount", "Currency"]);
  });

  it("leaves Currency out when the source has none, so SpendFlo reads the guide's USD default", async () => {
    const csv = toBudgetCsv([
      { Department: "Ops", "Fiscal Period": "FY 2026", "Budget Amount": 10 },
    ]);
    expect(csv.text.split("\n")[0]).toBe("Department,Fiscal Period,Budget Amount");
    expect((await validateBudgetData(csv.text, { format: "csv" })).valid).toBe(true);
  });

  it("never lets a spreadsheet formula through: the validator refuses the file", async () => {
    const csv = toBudgetCsv([
      { Department: '=HYPERLINK("http://x")', "Fiscal Period": "FY 2026", "Budget Amount": 1 },
    ]);
    const report = await validateBudgetData(csv.text, { format: "csv" });
    expect(report.valid).toBe(false);
    expect(report.errors[0]!.message).toMatch(/formula/);
  });

  it("maps a validator's line back to the source row, even past a quoted line break", () => {
    const csv = toBudgetCsv([
      { Department: "Two\nlines", "Fiscal Period": "FY 2026", "Budget Amount": 1 },
      { Department: "Ops", "Fiscal Period": "FY 2026", "Budget Amount": 2 },
    ]);
    expect(csv.rowLines).toEqual([2, 4]);
    expect([1, 2, 3, 4].map((line) => sourceRowOfLine(csv.rowLines, line))).toEqual([
      undefined,
      1,
      1,
      2,
    ]);
  });

  it("names the required columns whose field no row has", () => {
    expect(
      unmappedRequiredColumns([{ dept: "x", "Fiscal Period": "FY 2026" }], { Department: "dept" }),
    ).toEqual([{ column: "Budget Amount", field: "Budget Amount" }]);
  });

  it("reads nested fields and prints objects as JSON for the validator to refuse", () => {
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(cellText(null)).toBe("");
    expect(csvField(" padded")).toBe('" padded"');
    const csv = toBudgetCsv(
      [{ org: { name: "Ops" }, "Fiscal Period": "FY 2026", "Budget Amount": 5 }],
      {
        Department: "org.name",
      },
    );
    expect(csv.text).toContain("Ops,FY 2026,5");
  });
});

describe("the run's settings and key", () => {
  it("dates the key in the schedule's time zone", () => {
    const twoAmUtc = new Date("2026-03-05T02:00:00Z");
    expect(budgetFileKey("budgets/", dateIn("UTC", twoAmUtc), "csv")).toBe(
      "budgets/budget_20260305.csv",
    );
    expect(budgetFileKey("budgets/", dateIn("America/New_York", twoAmUtc), "csv")).toBe(
      "budgets/budget_20260304.csv",
    );
  });

  it("shows a source address without its query, which may hold a key", () => {
    expect(describeUrl("https://fpa.example/export.csv?api_key=abc123")).toBe(
      "https://fpa.example/export.csv",
    );
  });

  it("refuses an environment it cannot run with, naming the variable", () => {
    expect(() => exporterSettingsFromEnv({ SOURCE_TYPE: "json", SOURCE_URL: "https://x" })).toThrow(
      "the environment variable BUDGET_BUCKET is not set",
    );
    expect(() =>
      exporterSettingsFromEnv({
        BUDGET_BUCKET: "b",
        SOURCE_TYPE: "json",
        SOURCE_URL: "https://x",
        COLUMN_MAPPING: '{"Dept":"d"}',
      }),
    ).toThrow(/mapping names "Dept"/);
  });
});

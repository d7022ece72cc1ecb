import { describe, expect, it } from "vitest";
import { budgetFileDate, newestBudgetFile } from "../../../lib/budget-file/order.ts";

const at = (iso: string) => new Date(iso);

describe("the newest budget file", () => {
  it("is the latest date in the name, not the latest upload, and says when they disagree", () => {
    const files = [
      { key: "budgets/budget_20261205.csv", lastModified: at("2026-12-05T02:00:00Z") },
      { key: "budgets/budget_20261202.csv", lastModified: at("2026-12-06T09:00:00Z") },
      { key: "budgets/notes.csv", lastModified: at("2026-12-07T09:00:00Z") },
    ];
    expect(newestBudgetFile(files, "budgets/")).toEqual({
      newest: files[0],
      uploadedLast: files[1],
    });
  });

  it("breaks a tie of dates by the upload time, then by the name (csv and xlsx of one day)", () => {
    const csv = { key: "b/budget_20261205.csv", lastModified: at("2026-12-05T02:00:00Z") };
    const xlsx = { key: "b/budget_20261205.xlsx", lastModified: at("2026-12-05T03:00:00Z") };
    expect(newestBudgetFile([xlsx, csv], "b/")).toEqual({ newest: xlsx });
    const sameTime = { ...csv, lastModified: xlsx.lastModified };
    expect(newestBudgetFile([sameTime, xlsx], "b/")).toEqual({ newest: xlsx });
  });

  it("counts only budget_YYYYMMDD files directly under the prefix", () => {
    expect(budgetFileDate("b/budget_20261205.csv", "b/")).toBe("20261205");
    expect(budgetFileDate("b/old/budget_20261205.csv", "b/")).toBeUndefined();
    expect(budgetFileDate("b/Budget_20261205.csv", "b/")).toBeUndefined();
    expect(budgetFileDate("other/budget_20261205.csv", "b/")).toBeUndefined();
    expect(newestBudgetFile([{ key: "b/export.csv" }], "b/")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { BudgetKeySet } from "../lib/budgetKeySet.ts";

describe("the duplicate check's key set", () => {
  it("tells every repeat with its first line, across batches and table growth", () => {
    const told: [number, number][] = [];
    // Sized for far fewer keys than arrive: every partition's table grows several times.
    const keys = new BudgetKeySet((line, first) => told.push([line, first]), 100);
    const distinct = 200_000;
    for (let i = 0; i < distinct; i++) keys.add(`Dept ${i % 977}`, `Sub ${i}`, "FY 2025", i + 2);
    // Repeats, in other letter case, of rows seen long before.
    const repeats = [0, 1, 99_999, 199_999];
    repeats.forEach((i, k) => keys.add(`DEPT ${i % 977}`, `sub ${i}`, "FY 2025", distinct + 2 + k));
    keys.flush();
    expect(keys.size).toBe(distinct);
    expect(told.sort((a, b) => a[0] - b[0])).toEqual(
      repeats.map((i, k) => [distinct + 2 + k, i + 2]),
    );
  });

  it("keeps keys apart that differ only in where the parts split", () => {
    const told: number[] = [];
    const keys = new BudgetKeySet((line) => told.push(line));
    keys.add("ab", "c", "FY 2025", 2);
    keys.add("a", "bc", "FY 2025", 3);
    keys.add("abc", "", "FY 2025", 4);
    keys.flush();
    expect(told).toEqual([]);
    expect(keys.size).toBe(3);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BudgetKeySet } from "../../../lib/budget-file/keySet.ts";

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

  it("takes a key as ASCII bytes in a buffer and as a string for the same key, any case", () => {
    // Printable ASCII parts of every length around the hash's four-character words.
    const part = fc.string({
      unit: fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
      size: "max",
    });
    fc.assert(
      fc.property(fc.tuple(part, part, part), fc.boolean(), ([a, b, c], asBytesFirst) => {
        const told: [number, number][] = [];
        const keys = new BudgetKeySet((line, first) => told.push([line, first]));
        const text = `${a}|${b}|${c}`;
        const buffer = Buffer.from(text, "latin1");
        const bytes = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        const viaBytes = (line: number): void =>
          keys.addBytes(
            bytes,
            0,
            a.length,
            a.length + 1,
            a.length + 1 + b.length,
            a.length + b.length + 2,
            text.length,
            line,
          );
        const viaString = (line: number): void =>
          keys.add(a.toUpperCase(), b.toLowerCase(), c, line);
        if (asBytesFirst) {
          viaBytes(2);
          viaString(3);
        } else {
          viaString(2);
          viaBytes(3);
        }
        // Another key: one character more at the end of one part.
        keys.add(a, b, `${c}x`, 4);
        keys.flush();
        expect(told).toEqual([[3, 2]]);
      }),
      { numRuns: 2000 },
    );
  });

  it("tells apart keys that differ in a character outside ASCII, folds only ASCII case, composes accents", () => {
    const told: [number, number][] = [];
    const keys = new BudgetKeySet((line, first) => told.push([line, first]));
    keys.add("Vertrieb München", "Reisen", "FY 2025", 2);
    keys.add("Vertrieb Munchen", "Reisen", "FY 2025", 3);
    keys.add("VERTRIEB München", "REISEN", "fy 2025", 4);
    keys.add("Vertrieb MÜNCHEN", "Reisen", "FY 2025", 5);
    keys.add("営業", "", "FY 2025", 6);
    keys.add("営業", "", "FY 2025", 7);
    // "Café" with one "é", then with "e" and a combining accent: one key, as it looks.
    keys.add("Caf\u00e9", "", "FY 2025", 8);
    keys.add("Cafe\u0301", "", "FY 2025", 9);
    keys.flush();
    expect(told.sort((x, y) => x[0] - y[0])).toEqual([
      [4, 2],
      [7, 6],
      [9, 8],
    ]);
  });
});

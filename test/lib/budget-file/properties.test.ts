import { parse as parseCsv } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { validateBudgetData, validateBudgetStream } from "../../../lib/budget-file/budgetFile.ts";
import { validateCsvStream } from "../../../lib/budget-file/csv.ts";
import { BudgetFileChecker } from "../../../lib/budget-file/checker.ts";
import { CsvTokenizer } from "../../../lib/budget-file/csvTokenizer.ts";

/** A CSV field, quoted when it must be (RFC 4180). */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const text = fc.string({ unit: "grapheme", maxLength: 12 });
// Department and Sub Category: any text that is no formula and not blank.
const name = text
  .map((s) => s.trim())
  .filter(
    (s) => s.length > 0 && !/^[=+\-@]/.test(s) && !s.includes("\u0000") && !s.includes("\ufffd"),
  );
const period = fc.oneof(
  fc.integer({ min: 1990, max: 2100 }).map((y) => `FY ${y}`),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1990, max: 2100 }))
    .map(([q, y]) => `Q${q} ${y}`),
);
const amount = fc.oneof(
  fc.nat().map(String),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 99 }))
    .map(([a, c]) => `${a}.${String(c).padStart(2, "0")}`),
);
const currency = fc.constantFrom("", "USD", "EUR", "GBP", "INR", "JPY");
const row = fc.record({
  department: name,
  subCategory: fc.option(name, { nil: "" }),
  period,
  amount,
  currency,
});
const budget = fc
  .uniqueArray(row, {
    minLength: 1,
    maxLength: 30,
    selector: (r) => `${r.department.toLowerCase()}|${r.subCategory.toLowerCase()}|${r.period}`,
  })
  .filter((rows) => {
    // Keys compare without regard to ASCII case only, in composed form (NFC); keep the generated
    // keys distinct that way.
    const keys = rows.map((r) =>
      `${r.department}|${r.subCategory}|${r.period}`
        .normalize("NFC")
        .replace(/[A-Z]/g, (c) => c.toLowerCase()),
    );
    return new Set(keys).size === keys.length;
  });

function toCsv(
  rows: {
    department: string;
    subCategory: string;
    period: string;
    amount: string;
    currency: string;
  }[],
  eol = "\n",
): string {
  const lines = ["Department,Sub Category,Fiscal Period,Budget Amount,Currency"];
  for (const r of rows) {
    lines.push([r.department, r.subCategory, r.period, r.amount, r.currency].map(field).join(","));
  }
  return lines.join(eol) + eol;
}

describe("properties", () => {
  it("never throws on arbitrary bytes, and gives a coherent report", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom("csv", "xlsx"),
        async (bytes, format) => {
          const report = await validateBudgetData(bytes, { format: format as "csv" | "xlsx" });
          expect(report.valid).toBe(report.unreadable === undefined && report.errorCount === 0);
          expect(report.errors.length).toBeLessThanOrEqual(report.errorCount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on a broken zip named .xlsx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const zipLike = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), bytes]);
        const report = await validateBudgetData(zipLike, { format: "xlsx" });
        expect(report.valid).toBe(false);
        // Whatever is broken, a plain sentence that says so (never exceljs's own error text).
        expect(report.unreadable).toMatch(
          /not a readable XLSX workbook|no worksheet|cut short or damaged|damaged/,
        );
        expect(report.unreadable).not.toMatch(/undefined|TypeError|Cannot read|FILE_ENDED/);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on arbitrary text shaped like a budget file", async () => {
    const cell = fc.oneof(
      text,
      fc.constantFrom('"', '""', ",", "\r\n", "\n", "=1", "FY 2025", "-5"),
    );
    const line = fc.array(cell, { maxLength: 6 }).map((cells) => cells.join(","));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
        const report = await validateBudgetData(
          `Department,Budget Amount,Fiscal Period\n${lines.join("\n")}`,
          { format: "csv" },
        );
        expect(report.errorCount).toBeGreaterThanOrEqual(report.errors.length);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a valid file valid through a CSV round trip (csv-parse reads it, we write it back)", async () => {
    await fc.assert(
      fc.asyncProperty(budget, fc.constantFrom("\n", "\r\n"), async (rows, eol) => {
        const original = toCsv(rows, eol);
        const first = await validateBudgetData(original, { format: "csv" });
        expect(first.errors).toEqual([]);
        expect(first).toMatchObject({ valid: true, rows: rows.length });
        const records = parseCsv(original, { bom: true }) as string[][];
        const again = records.map((r) => r.map(field).join(",")).join("\n") + "\n";
        const second = await validateBudgetData(again, { format: "csv" });
        expect(second).toMatchObject({ valid: true, rows: rows.length });
      }),
      { numRuns: 200 },
    );
  });

  it("reports every repeated key with the line it repeats, as a plain map would", async () => {
    const small = fc.record({
      department: fc.constantFrom("Eng", "eng", "Sales", "Ops"),
      subCategory: fc.constantFrom("", "Cloud", "CLOUD", "Travel"),
      period: fc.constantFrom("FY 2025", "Q1 2025", "Q2 2026"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(small, { minLength: 1, maxLength: 400 }), async (rows) => {
        const text = toCsv(rows.map((r) => ({ ...r, amount: "1", currency: "" })));
        const expected: string[] = [];
        const firstLine = new Map<string, number>();
        rows.forEach((r, i) => {
          const key = `${r.department}|${r.subCategory}|${r.period}`.toLowerCase();
          const first = firstLine.get(key);
          if (first === undefined) firstLine.set(key, i + 2);
          else expected.push(`${i + 2}<${first}`);
        });
        const report = await validateBudgetData(text, { format: "csv" });
        const got = report.errors.map(
          (e) => `${e.line}<${/line (\d+) has the same/.exec(e.message)?.[1]}`,
        );
        expect(got).toEqual(expected);
        expect(report.errorCount).toBe(expected.length);
      }),
      { numRuns: 200 },
    );
  });

  it("splits records exactly as csv-parse does, however the text is chunked", () => {
    const value = fc.oneof(text, fc.constantFrom('"', "a,b", "x\ny", 'say "hi"', ""));
    const records = fc.array(fc.array(value, { minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(records, fc.integer({ min: 1, max: 7 }), (input, chunk) => {
        const csvText = input.map((r) => r.map(field).join(",")).join("\n") + "\n";
        const expected = parseCsv(csvText, { relax_column_count: true }) as string[][];
        const got: string[][] = [];
        const tokenizer = new CsvTokenizer({
          record: (fields) => got.push(fields),
          problem: (line, message) => {
            throw new Error(`line ${line}: ${message}`);
          },
        });
        for (let i = 0; i < csvText.length; i += chunk) tokenizer.push(csvText.slice(i, i + chunk));
        tokenizer.push("", true);
        expect(got).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("reports the same however a file's bytes are chunked", async () => {
    await fc.assert(
      fc.asyncProperty(budget, fc.integer({ min: 1, max: 50 }), async (rows, size) => {
        const bytes = Buffer.from(toCsv(rows));
        async function* chunks(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        }
        const whole = await validateBudgetData(bytes, { format: "csv" });
        expect(await validateBudgetStream(chunks(), { format: "csv" })).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it("gives the same report with the plain-row fast path as with the full rules, row for row", async () => {
    // Values on both sides of every fast-path check: spaces (ASCII and Unicode) around values,
    // formulas, other forms of periods, amounts and currencies, non-ASCII text, empty cells.
    const pick = (...values: string[]) => fc.constantFrom(...values);
    const names = pick(
      ...["Eng", "eng", " Eng", "Eng ", "\u00a0Eng", "Eng\u3000", "\tEng", "Eng\u180e"],
      ...["=Eng", "+1", "-x", "@x", "", "  ", "Ünï", "営業", "\ufeffEng", "E,ng", 'E"ng'],
      ...["Total", " grand total", "Sales", "Sub-Totals", "Totals x", "Opt"],
    );
    const periods = pick(
      ...["FY 2025", "Q1 2025", "Q4 2026", "FY2025", "q1 2025", " FY 2025", "FY 2025 "],
      ...["H1 2025", "Q5 2025", "FY 20251", "", "=FY", "FY\u00a02025", "Q1 FY2025"],
    );
    const amounts = pick(
      ...["1", "0", "12.50", "1.", ".5", "-1", "$1,200", "1,2", "", " 7 ", "1e5", "=1+1"],
      ...["1.2.3", "٣"],
    );
    const currencies = pick(
      ...["", "USD", "usd", "EUR", "XXX", "US", "USDD", " EUR", "=X", "ÜSD", "AAA", "ZZZ"],
    );
    const others = pick("note", "=cmd", " @x", "", "\u00a0-1");
    const headers = pick(
      "Department,Sub Category,Fiscal Period,Budget Amount,Currency",
      "Fiscal Period,Budget Amount,Department",
      "Department,Notes,Fiscal Period,Budget Amount,Sub Category,Currency",
      "Department,,Fiscal Period,Budget Amount,Currency,,",
    );
    const cellsFor: Record<string, fc.Arbitrary<string>> = {
      Department: names,
      "Sub Category": names,
      "Fiscal Period": periods,
      "Budget Amount": amounts,
      Currency: currencies,
      Notes: others,
      "": pick("", "", " ", "x"),
    };
    const file = headers.chain((header) => {
      const columns = header.split(",");
      const plainRow = fc.tuple(
        // Spaces around a value are no part of its key: these repeat each other.
        fc.constantFrom("Eng", "Sales", "Ops", "\tEng", " eng ", "Eng\u3000", "\u00a0Sales"),
        fc.constantFrom("Cloud", "cloud", "", " Cloud\t"),
        fc.constantFrom("FY 2025", "Q2 2025"),
      );
      const row = fc.oneof(
        { weight: 3, arbitrary: fc.tuple(...columns.map((c) => cellsFor[c])) },
        {
          weight: 3,
          arbitrary: plainRow.map(([d, s, p]) =>
            columns.map(
              (c) =>
                ({
                  Department: d,
                  "Sub Category": s,
                  "Fiscal Period": p,
                  "Budget Amount": "100.5",
                  Currency: "EUR",
                })[c] ?? "",
            ),
          ),
        },
        { weight: 1, arbitrary: fc.array(names, { maxLength: columns.length + 2 }) },
      );
      // Rows as exports pad them (",,"), with or without a stray value past the header.
      const padded = fc
        .tuple(row, pick("", ",", ",,", ", ,", ",,x", ",\t,"))
        .map(([cells, pad]) => (pad === "" ? cells : [...cells, ...pad.slice(1).split(",")]));
      return fc.tuple(
        fc.constant(header),
        fc.array(padded, { maxLength: 40 }),
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 64 }),
      );
    });
    const plainRow = vi.spyOn(BudgetFileChecker.prototype, "plainRow");
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(file, async ([header, rows, eol, size]) => {
        const bytes = Buffer.from(
          [header, ...rows.map((r) => r.map(field).join(","))].join(eol) + eol,
        );
        async function* chunks(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        }
        plainRow.mockClear();
        const fast = await validateCsvStream(chunks(), {});
        taken += plainRow.mock.results.filter((r) => r.value === true).length;
        const full = await validateCsvStream(chunks(), { plainRows: false });
        expect(fast).toEqual(full);
      }),
      { numRuns: 400 },
    );
    plainRow.mockRestore();
    // The fast path did take rows: the comparison above was not of the full rules with itself.
    expect(taken).toBeGreaterThan(300);
  });
});

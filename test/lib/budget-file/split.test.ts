import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CsvValidator, csvHeaderOf, validateCsvStream } from "../../../lib/budget-file/csv.ts";
import { validateOpenFile } from "../../../cli/files/budgetReport.ts";

/** A CSV field, quoted when it must be (RFC 4180). */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The file checked in two parts cut at `cut`, as `validateOpenFile` does it, in one thread. */
async function inTwoParts(bytes: Buffer, cut: number, size: number, maxIssues: number) {
  const first = new CsvValidator({ maxIssues, sizeHint: bytes.length });
  await first.read(chunksOf(bytes.subarray(0, cut), size));
  let absorbed = false;
  if (first.atRecordBoundary) {
    const header = csvHeaderOf(bytes.subarray(0, Math.min(cut, 64 * 1024)));
    if (header !== undefined) {
      const rest = new CsvValidator({ maxIssues }, { header });
      await rest.read(chunksOf(bytes.subarray(cut), size));
      // Through a structured clone, as from a worker thread.
      first.absorb(structuredClone(rest.part()));
      absorbed = true;
    }
  }
  if (!absorbed) await first.read(chunksOf(bytes.subarray(cut), size));
  return { report: first.finish(), absorbed };
}

describe("a CSV file checked in two parts", () => {
  it("gives the report of one pass, wherever the cut falls (inside a quoted value too)", async () => {
    const pick = (...values: string[]) => fc.constantFrom(...values);
    // Repeats across the cut, warnings of one kind on both sides, errors, quoted line breaks.
    const department = pick("Eng", "eng", "Sales", "Ops", "Ünï", "営業", "", "=X", '"Eng\nOps"');
    const sub = pick("", "Cloud", "cloud", "R&D, Labs", "Line\r\nbreak");
    const period = pick(
      ...["FY 2025", "Q1 2025", "FY2025", "Q1 FY2025", "H1 2025", "Q5 2025", ""],
      ...["FY2026", "FY2027", "Q2 FY2025", "H2 2025"],
    );
    const amount = pick("100", "12.50", "$1,200", "", "1.2.3");
    const currency = pick("", "USD", "eur", "XXX");
    const row = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(department, sub, period, amount, currency) },
      { weight: 1, arbitrary: fc.constant(["", "", "", "", ""]) },
      { weight: 1, arbitrary: fc.constant(["Eng", "Cloud", "FY 2025", "1"]) },
      // Under a title line, the real header further down.
      {
        weight: 1,
        arbitrary: fc.constant([
          "Department",
          "Sub Category",
          "Fiscal Period",
          "Budget Amount",
          "X",
        ]),
      },
    );
    const file = fc.tuple(
      pick(
        "Department,Sub Category,Fiscal Period,Budget Amount,Currency",
        "\ufeffdepartment,sub_category,fiscal period,BudgetAmount,Currency",
        "Budget vs. Actual Report",
      ),
      fc.array(row, { minLength: 1, maxLength: 60 }),
      pick("\n", "\r\n"),
      fc.boolean(),
    );
    let absorbed = 0;
    let readOn = 0;
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        pick("1000", "3"),
        async ([header, rows, eol, lastEol], size, cutSeed, issues) => {
          const text =
            [header, ...rows.map((r) => r.map((v) => (v.startsWith('"') ? v : field(v))))]
              .map((r) => (Array.isArray(r) ? r.join(",") : r))
              .join(eol) + (lastEol ? eol : "");
          const bytes = Buffer.from(text);
          // Cut after any line feed, as the split does (past the middle, at the next LF).
          const breaks: number[] = [];
          for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) {
            if (at + 1 < bytes.length) breaks.push(at + 1);
          }
          fc.pre(breaks.length > 0);
          const cut = breaks[cutSeed % breaks.length];
          const maxIssues = Number(issues);
          const whole = await validateCsvStream(chunksOf(bytes, size), { maxIssues });
          const split = await inTwoParts(bytes, cut, size, maxIssues);
          if (split.absorbed) absorbed++;
          else readOn++;
          // The very same report, lists cut at `maxIssues` included.
          expect(split.report).toEqual(whole);
        },
      ),
      { numRuns: 600 },
    );
    // Both ways were taken: the rest's findings absorbed, and reading on past a quoted break.
    expect(absorbed).toBeGreaterThan(200);
    expect(readOn).toBeGreaterThan(20);
  });

  it("reports a repeat across the cut on the later line, naming the first", async () => {
    const lines = ["Department,Sub Category,Fiscal Period,Budget Amount"];
    for (let i = 0; i < 100; i++) lines.push(`Dept ${i},Sub,FY 2025,${i}`);
    lines.push("DEPT 3,sub,FY 2025,7");
    const bytes = Buffer.from(lines.join("\n") + "\n");
    const cut = bytes.indexOf("Dept 50,");
    const { report, absorbed } = await inTwoParts(bytes, cut, 4096, 1000);
    expect(absorbed).toBe(true);
    expect(report.errors).toEqual([
      {
        line: 102,
        column: "Department",
        message:
          "duplicate budget: line 5 has the same Department, Sub Category and Fiscal Period (compared ignoring letter case and spaces around the values), so which amount applies is ambiguous",
      },
    ]);
  });

  it("lists the first errors by line when they are more than it keeps, a repeat across the cut first", async () => {
    const lines = ["Department,Sub Category,Fiscal Period,Budget Amount"];
    for (let i = 0; i < 100; i++) lines.push(`Dept ${i},Sub,FY 2025,${i}`);
    lines.push("DEPT 3,sub,FY 2025,7");
    for (let i = 0; i < 50; i++) lines.push(`Bad ${i},Sub,FY 2025,-5`);
    const bytes = Buffer.from(lines.join("\n") + "\n");
    const cut = bytes.indexOf("Dept 50,");
    const { report, absorbed } = await inTwoParts(bytes, cut, 4096, 5);
    expect(absorbed).toBe(true);
    expect(report).toEqual(await validateCsvStream(chunksOf(bytes, 4096), { maxIssues: 5 }));
    expect(report.errorCount).toBe(51);
    expect(report.errors.map((e) => e.line)).toEqual([102, 103, 104, 105, 106]);
  });
});

describe("validateOpenFile on a large CSV file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "budget-split-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("checks its second half on a worker thread and reports as one pass would", async () => {
    const lines = ["Department,Sub Category,Fiscal Period,Budget Amount,Currency"];
    for (let i = 0; i < 20_000; i++) lines.push(`Dept ${i},Sub ${i % 7},FY 2025,${i}.50,USD`);
    lines.splice(15_000, 0, "Dept 10,Sub 3,FY 2025,1,USD"); // repeats line 12, past the cut
    lines.splice(17_000, 0, "Dept x,Sub,FY2025,1,USD", "Dept y,Sub,Q1 2025,$5,usd");
    const file = path.join(dir, "budget.csv");
    writeFileSync(file, lines.join("\r\n"));
    const handle = await open(file, "r");
    try {
      const plans: string[] = [];
      const split = await validateOpenFile(handle.fd, {
        format: "csv",
        splitMinBytes: 1,
        onPlan: (plan) => plans.push(plan),
      });
      const onePass = await validateOpenFile(handle.fd, {
        format: "csv",
        splitMinBytes: Infinity,
        onPlan: (plan) => plans.push(plan),
      });
      expect(plans).toEqual(["in two parts", "in one pass"]);
      expect(split).toEqual(onePass);
      expect(split.errors.map((e) => e.line)).toEqual([15_001, 17_002, 17_002]);
      expect(split.warnings.map((e) => e.line)).toEqual([17_001]);
    } finally {
      await handle.close();
    }
  });
});

/**
 * `budget-sync validate` as people run it: the real bin in a child process, over files as FP&A
 * tools and Excel save them (formulas with and without their saved values, filled-down formulas).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOOD_CSV } from "../helpers/budgetCsv.ts";
import { runCli } from "../helpers/cli.ts";
import { n, row, s, sheetXml } from "../helpers/xlsx.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "budget-sync-process-validate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const validate = (args: string[]) => runCli(["validate", ...args], { cwd: dir });

describe("budget-sync validate, run as a process", () => {
  it("a valid file: exit 0, one line, nothing on stderr", async () => {
    const path = await file("good.csv", GOOD_CSV);
    const result = await validate([path]);
    expect(result).toEqual({ code: 0, stdout: `${path}: valid (CSV, 2 rows)\n`, stderr: "" });
  });

  it("an invalid file: exit 1 with each error; --json the report", async () => {
    const path = await file(
      "bad.csv",
      "Department,Budget Amount,Fiscal Period\nSales,$1200,FY 2025\nOps,=SUM(A1:A2),FY 2025\n",
    );
    const human = await validate([path]);
    expect(human.code).toBe(1);
    expect(human.stderr).toBe("");
    expect(human.stdout).toContain(`${path}: INVALID (CSV, 2 rows, 2 errors)`);
    // A CSV cell that a spreadsheet would run as a formula is refused (formula injection).
    expect(human.stdout).toContain(
      'error: line 3, column "Budget Amount": Budget Amount "=SUM(A1:A2)" starts with "=", which a spreadsheet runs as a formula',
    );
    const json = await validate([path, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).files[0]).toMatchObject({ valid: false, errorCount: 2 });
  });

  it("an unreadable file: exit 2, a message and no stack trace", async () => {
    const result = await validate([join(dir, "missing.csv")]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("missing.csv: unreadable: no such file");
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("explains each option and the exit codes in --help", async () => {
    const { code, stdout } = await validate(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--sheet\s+XLSX: the worksheet to check/);
    expect(stdout).toMatch(/--json\s+Print/);
    expect(stdout).toMatch(/Exit codes: 0 all valid/);
  });

  it("says a duplicate is found ignoring letter case and spaces around the values", async () => {
    const path = await file(
      "dup.csv",
      "Department,Sub Category,Fiscal Period,Budget Amount\nSales,Travel,FY 2025,100\n sales ,TRAVEL,FY 2025,200\n",
    );
    const result = await validate([path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'error: line 3, column "Department": duplicate budget: line 2 has the same Department, Sub Category and Fiscal Period (compared ignoring letter case and spaces around the values), so which amount applies is ambiguous',
    );
  });

  it("names an unknown option rather than saying no file was given (exit 2)", async () => {
    const path = await file("option.csv", GOOD_CSV);
    const result = await validate(["--bogus", path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "budget-sync: Unknown argument: bogus (--bogus is no option of validate: `budget-sync validate --help` lists them)\nRun with --help for usage.\n",
    );
  });

  it("takes a file named with a leading dash after --", async () => {
    await file("-dash.csv", GOOD_CSV);
    const result = await validate(["--", "-dash.csv"]);
    expect(result).toEqual({ code: 0, stdout: "-dash.csv: valid (CSV, 2 rows)\n", stderr: "" });
  });
});

describe("XLSX formulas, as Excel and FP&A tools save them", () => {
  const header = row(1, [s("Department"), s("Fiscal Period"), s("Base"), s("Budget Amount")]);

  it("a formula with its saved value: valid (exit 0), a warning naming the formula and the value", async () => {
    const path = await file(
      "saved.xlsx",
      await sheetXml(
        header +
          row(2, [s("Eng"), s("FY 2025"), n(100), '<c r="D2"><f>C2*2</f><v>200</v></c>']) +
          row(3, [s("Ops"), s("FY 2025"), n(50), '<c r="D3"><f>C3*2</f><v>0</v></c>']),
      ),
    );
    const result = await validate([path]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'warning: sheet "Budget", row 2, column "Budget Amount": the cell holds a formula (=C2*2); a reader takes its saved value, 200: check that it is right',
    );
    // A program that writes formulas without calculating saves 0: the warning shows it.
    expect(result.stdout).toContain(
      "the cell holds a formula (=C3*2); a reader takes its saved value, 0:",
    );
  });

  it("a formula with no saved value: exit 1, open and save it in Excel or paste values", async () => {
    const path = await file(
      "unsaved.xlsx",
      await sheetXml(
        header + row(2, [s("Eng"), s("FY 2025"), n(100), '<c r="D2"><f>C2*2</f></c>']),
      ),
    );
    const result = await validate([path, "--json"]);
    expect(result.code).toBe(1);
    const [report] = JSON.parse(result.stdout).files;
    expect(report.errors).toEqual([
      expect.objectContaining({
        line: 2,
        column: "Budget Amount",
        message: expect.stringMatching(
          /^the cell holds a formula \(=C2\*2\) with no saved value: .*open the file in Excel and save it, or paste the column as values$/,
        ),
      }),
    ]);
  });

  it("a filled-down (shared) formula shows its text in every cell, not (=)", async () => {
    const path = await file(
      "shared.xlsx",
      await sheetXml(
        header +
          row(2, [
            s("Eng"),
            s("FY 2025"),
            n(100),
            '<c r="D2"><f t="shared" ref="D2:D4" si="0">C2*2</f><v>200</v></c>',
          ]) +
          row(3, [
            s("Ops"),
            s("FY 2025"),
            n(200),
            '<c r="D3"><f t="shared" si="0"/><v>400</v></c>',
          ]) +
          row(4, [s("HR"), s("FY 2025"), n(300), '<c r="D4"><f t="shared" si="0"/></c>']),
      ),
    );
    const result = await validate([path]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("(=)");
    expect(result.stdout).toContain(
      "the cell holds a formula (=C3*2); a reader takes its saved value, 400",
    );
    expect(result.stdout).toContain("the cell holds a formula (=C4*2) with no saved value");
  });
});

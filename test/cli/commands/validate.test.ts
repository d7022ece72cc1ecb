import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runValidate, validateCommand } from "../../../cli/commands/validate.ts";
import { bufferIo } from "../../helpers/io.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "budget-sync-validate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function validate(options: Record<string, unknown>): Promise<{ code: number; out: string }> {
  const io = bufferIo();
  const code = await runValidate(validateCommand.parse(options), io);
  return { code, out: io.all };
}

const GOOD =
  "Department,Sub Category,Fiscal Period,Budget Amount,Currency\nEngineering,Software,FY 2025,500000,USD\n";

describe("budget-sync validate", () => {
  it("exits 0 and says valid for a good file", async () => {
    const { code, out } = await validate({ files: [await file("good.csv", GOOD)] });
    expect(code).toBe(0);
    expect(out).toMatch(/good\.csv: valid \(CSV, 1 row\)/);
  });

  it("exits 1 for an invalid file and prints the first 20 errors, then a count", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `D${i},,FY 2025,$${i},USD`).join("\n");
    const bad = await file(
      "bad.csv",
      `Department,Sub Category,Fiscal Period,Budget Amount,Currency\n${rows}\n`,
    );
    const { code, out } = await validate({ files: [bad] });
    expect(code).toBe(1);
    expect(out).toMatch(/bad\.csv: INVALID \(CSV, 25 rows, 25 errors\)/);
    expect(out.match(/^ {2}error: /gm)).toHaveLength(20);
    expect(out).toContain(
      '  error: line 2, column "Budget Amount": Budget Amount "$0" must be a plain number: write 0',
    );
    expect(out).toContain("... and 5 more errors (--json lists up to 1000)");
  });

  it("exits 2 when a file cannot be read, whatever the others", async () => {
    const good = await file("good2.csv", GOOD);
    const { code, out } = await validate({
      files: [
        good,
        join(dir, "missing.csv"),
        dir,
        await file("old.xls", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])),
        await file("empty.csv", ""),
      ],
    });
    expect(code).toBe(2);
    expect(out).toContain("missing.csv: unreadable: no such file");
    expect(out).toContain(`${dir}: unreadable: is a directory`);
    expect(out).toMatch(
      /old\.xls: unreadable: is an old Excel \.xls workbook: open it in Excel and save it as \.xlsx or as CSV UTF-8/,
    );
    expect(out).toContain("empty.csv: unreadable: the file is empty");
  });

  it("checks a file named .xls by what it holds: CSV text or an XLSX workbook, with a warning", async () => {
    const { code, out } = await validate({ files: [await file("export.xls", GOOD)] });
    expect(code).toBe(0);
    expect(out).toContain(
      "warning: the file is named .xls but holds text; checked as CSV: name it budget_YYYYMMDD.csv",
    );
  });

  it("says a file without an extension has none, and checks what it holds", async () => {
    const { code, out } = await validate({ files: [await file("export", GOOD)] });
    expect(code).toBe(0);
    expect(out).toContain(
      "warning: the file has no extension: SpendFlo reads only .csv and .xlsx budget files; checked as CSV: name it budget_YYYYMMDD.csv",
    );
  });

  it("says --sheet is no use for a CSV file", async () => {
    const { code, out } = await validate({
      files: [await file("sheet.csv", GOOD)],
      sheet: "Budget",
    });
    expect(code).toBe(0);
    expect(out).toContain(
      "warning: --sheet is for XLSX workbooks: a CSV file has no sheets, so it was ignored",
    );
  });

  it("prints the documented JSON shape", async () => {
    const bad = await file(
      "json.csv",
      "Department,Budget Amount,Fiscal Period,Extra\n,1,FY2025,x\n",
    );
    const { code, out } = await validate({ files: [bad, join(dir, "nope.csv")], json: true });
    expect(code).toBe(2);
    const json = JSON.parse(out);
    expect(json.files).toHaveLength(2);
    expect(json.files[0]).toMatchObject({
      file: bad,
      valid: false,
      format: "csv",
      rows: 1,
      errorCount: 1,
      errors: [{ line: 2, column: "Department", message: "Department is empty" }],
    });
    expect(json.files[0].warnings.map((w: { column: string }) => w.column)).toEqual([
      "Extra",
      "Fiscal Period",
    ]);
    expect(json.files[1]).toMatchObject({
      valid: false,
      unreadable: true,
      errors: [{ line: 0, message: "no such file" }],
    });
  });

  it("warns about a name the sync would skip, and still checks the content", async () => {
    const { code, out } = await validate({ files: [await file("budget.txt", GOOD)] });
    expect(code).toBe(0);
    expect(out).toMatch(
      /warning: the file is a \.txt file: SpendFlo reads only \.csv and \.xlsx budget files; checked as CSV/,
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  validateBudgetData,
  validateBudgetStream,
  type BudgetFileReport,
} from "../../../lib/budget-file/budgetFile.ts";

const GUIDE_EXAMPLE = `Department,Sub Category,Fiscal Period,Budget Amount,Currency
Engineering,Software,FY 2025,500000,USD
Sales,Travel,FY 2025,75000,USD
`;

const HEADER = "Department,Sub Category,Fiscal Period,Budget Amount,Currency";

function csv(...rows: string[]): string {
  return `${HEADER}\n${rows.join("\n")}\n`;
}

async function check(text: string | Uint8Array): Promise<BudgetFileReport> {
  return validateBudgetData(text, { format: "csv" });
}

/** The messages of a report's errors (or warnings), each with its line and column. */
function errors(report: BudgetFileReport): string[] {
  return report.errors.map((e) => `${e.line}|${e.column}|${e.message}`);
}
function warnings(report: BudgetFileReport): string[] {
  return report.warnings.map((e) => `${e.line}|${e.column}|${e.message}`);
}

describe("the guide's own example", () => {
  it("is valid with no warnings", async () => {
    const report = await check(GUIDE_EXAMPLE);
    expect(report).toMatchObject({ valid: true, format: "csv", rows: 2, errorCount: 0 });
    expect(report.warnings).toEqual([]);
  });

  it("is valid with a UTF-8 byte-order mark and CRLF line ends", async () => {
    const report = await check(`\uFEFF${GUIDE_EXAMPLE.replaceAll("\n", "\r\n")}`);
    expect(report).toMatchObject({ valid: true, rows: 2 });
    expect(report.warnings).toEqual([]);
  });

  it("is valid with only the required columns, in any order", async () => {
    const report = await check("Fiscal Period,Budget Amount,Department\nQ1 2025,10,Sales\n");
    expect(report).toMatchObject({ valid: true, rows: 1 });
  });
});

describe("headers", () => {
  it.each([
    ["budget_amount", "Budget Amount"],
    ["BudgetAmount", "Budget Amount"],
    ["budget-amount", "Budget Amount"],
    ["BUDGET AMOUNT", "Budget Amount"],
    ["fiscal_period", "Fiscal Period"],
  ])("reads %s as %s, with a warning naming the guide's form", async (form, guide) => {
    const header = HEADER.replace(guide, form);
    const report = await check(`${header}\nEngineering,Software,FY 2025,500000,USD\n`);
    expect(report.valid).toBe(true);
    expect(warnings(report)).toEqual([
      `1|${form}|header "${form}" is read as ${guide}; the guide writes "${guide}"`,
    ]);
  });

  it("names what the eye cannot see in a header: a no-break space, a space at an end", async () => {
    const report = await check(
      "Department,Sub\u00a0Category,Fiscal Period ,Budget Amount\u200b\nEng,Cloud,FY 2025,1\n",
    );
    expect(report.valid).toBe(true);
    expect(report.warnings.map((w) => w.message.replace(/^.*; the guide writes /, ""))).toEqual([
      '"Sub Category" (it has a no-break space (U+00A0): retype it)',
      '"Fiscal Period" (it has a space at its start or end: retype it)',
      '"Budget Amount" (it has a zero-width space (U+200B): retype it)',
    ]);
  });

  it("takes the guide's Sub-category spelling without a warning", async () => {
    const report = await check(
      "Department,Sub-category,Fiscal Period,Budget Amount\nEng,Cloud,FY 2025,1\n",
    );
    expect(report).toMatchObject({ valid: true, warningCount: 0 });
  });

  it("warns about an unknown column and ignores it", async () => {
    const report = await check(`${HEADER},Owner\nEngineering,Software,FY 2025,1,USD,Ana\n`);
    expect(report.valid).toBe(true);
    expect(warnings(report)[0]).toMatch(/^1\|Owner\|unknown column "Owner" is ignored/);
  });

  it("names a missing required column", async () => {
    const report = await check("Department,Fiscal Period\nSales,FY 2025\n");
    expect(report.valid).toBe(false);
    expect(errors(report)).toEqual([
      "1|Budget Amount|required column Budget Amount is missing (the header has: Department, Fiscal Period)",
    ]);
  });

  it("names the column another tool's header most likely is", async () => {
    const report = await check("Dept,Sub Category,Period,Amount (USD)\nEng,Sw,FY 2025,100\n");
    expect(errors(report)).toEqual([
      '1|Department|required column Department is missing (the header has: Dept, Sub Category, Period, Amount (USD)): if "Dept" holds it, name that column "Department"',
      '1|Fiscal Period|required column Fiscal Period is missing (the header has: Dept, Sub Category, Period, Amount (USD)): if "Period" holds it, name that column "Fiscal Period"',
      '1|Budget Amount|required column Budget Amount is missing (the header has: Dept, Sub Category, Period, Amount (USD)): if "Amount (USD)" holds it, name that column "Budget Amount"',
    ]);
    expect(warnings(report)[0]).toBe(
      '1|Dept|unknown column "Dept" is ignored: if it holds the Department, name it "Department"',
    );
  });

  it("finds the header under a report's title lines, and does not fault each row", async () => {
    const report = await check(
      '"Budget vs. Actual Report"\n"Acme Inc"\n\n"Department","Sub Category","Fiscal Period","Budget Amount"\nEng,Sw,FY 2025,100\nOps,,FY 2025,$5\n',
    );
    expect(report.valid).toBe(false);
    expect(errors(report)).toEqual([
      '1|Department|required column Department is missing (the header has: Budget vs. Actual Report): if "Budget vs. Actual Report" is a title above the table, delete the lines above the header',
      '1|Fiscal Period|required column Fiscal Period is missing (the header has: Budget vs. Actual Report): if "Budget vs. Actual Report" is a title above the table, delete the lines above the header',
      '1|Budget Amount|required column Budget Amount is missing (the header has: Budget vs. Actual Report): if "Budget vs. Actual Report" is a title above the table, delete the lines above the header',
      "4||line 4 looks like the table's header: delete the 3 lines above it (a report title?), so that the header comes first",
    ]);
  });

  it("refuses a column given twice", async () => {
    const report = await check(
      "Department,Budget Amount,budget_amount,Fiscal Period\nA,1,2,FY 2025\n",
    );
    expect(errors(report)[0]).toMatch(/column Budget Amount appears twice \(columns 2 and 3\)/);
  });
});

describe("Budget Amount", () => {
  it.each(["0", "500000", "1200.50", "0.01"])("takes %s", async (amount) => {
    expect((await check(csv(`Eng,,FY 2025,${amount},USD`))).valid).toBe(true);
  });

  it.each([
    ['"$1,200"', /"\$1,200" must be a plain number: write 1200 \(no currency symbol/],
    ['"1,200"', /"1,200" must be a plain number: write 1200/],
    ["1.2.3", /"1\.2\.3" is not a number: write a plain decimal such as 500000 or 1200\.50/],
    ["", /Budget Amount is empty: write a number such as 500000/],
    ["-5", /"-5" is negative: a budget is 0 or more/],
    ['"1200,50"', /uses a decimal comma: write 1200\.50/],
    ["USD 300", /must be a plain number: write 300/],
    ["abc", /"abc" is not a number/],
    [
      '"1.200,50"',
      /"1\.200,50" is written with a dot for thousands and a comma for decimals: write 1200\.50/,
    ],
    ["1.200.000", /"1\.200\.000" is written with dots for thousands: write 1200000/],
    ['"-1,200"', /"-1,200" is negative: a budget is 0 or more/],
    ["-0", /"-0" has a minus sign: write 0/],
    [
      "1.5E+06",
      /"1\.5E\+06" is in scientific notation \(a spreadsheet's display of a long number\): write 1500000/,
    ],
    ["(2500)", /"\(2500\)" is negative \(in parentheses, as accounting formats write it\)/],
  ])("rejects %s, saying what to write", async (amount, message) => {
    const report = await check(csv(`Eng,,FY 2025,${amount},USD`));
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ line: 2, column: "Budget Amount" });
    expect(report.errors[0].message).toMatch(message);
  });
});

describe("Currency", () => {
  it.each(["USD", "EUR", "INR", "JPY", ""])("takes %j (empty means USD)", async (currency) => {
    expect((await check(csv(`Eng,,FY 2025,1,${currency}`))).valid).toBe(true);
  });

  it("asks for capitals", async () => {
    const report = await check(csv("Eng,,FY 2025,1,usd"));
    expect(errors(report)).toEqual([
      '2|Currency|Currency "usd" must be written in capitals: write USD',
    ]);
  });

  it.each(["$", "DOLLARS", "XYZ"])("rejects %s as not ISO 4217", async (currency) => {
    const report = await check(csv(`Eng,,FY 2025,1,${currency}`));
    expect(report.errors[0].message).toMatch(/is not an ISO 4217 code: write a code such as USD/);
  });
});

describe("Fiscal Period", () => {
  it.each(["FY 2025", "Q1 2025", "Q4 2030"])("takes the guide's form %s silently", async (p) => {
    const report = await check(csv(`Eng,,${p},1,USD`));
    expect(report).toMatchObject({ valid: true, warningCount: 0 });
  });

  it.each([
    ["FY2025", 'Fiscal Period "FY2025" is read as "FY 2025", the guide\'s form'],
    ["Q1 FY2025", 'Fiscal Period "Q1 FY2025" is read as "Q1 2025", the guide\'s form'],
    ["fy 2025", 'Fiscal Period "fy 2025" is read as "FY 2025", the guide\'s form'],
    ["H1 2025", 'Fiscal Period "H1 2025" is a half year; the guide\'s forms are'],
  ])("takes %s with a warning naming the guide's form", async (period, message) => {
    const report = await check(csv(`Eng,,${period},1,USD`));
    expect(report.valid).toBe(true);
    expect(report.warnings[0]).toMatchObject({ line: 2, column: "Fiscal Period" });
    expect(report.warnings[0].message).toContain(message);
  });

  it.each(["2025", "Q5 2025", "FY25", "", "January 2025"])(
    "rejects %j, listing the accepted forms",
    async (period) => {
      const report = await check(csv(`Eng,,${period},1,USD`));
      expect(report.valid).toBe(false);
      expect(report.errors[0].message).toContain(
        'write "FY 2025" or "Q1 2025" (also read, with a warning: "FY2025", "Q1 FY2025", "H1 2025")',
      );
    },
  );

  it("reports a repeated non-guide form once, with a count", async () => {
    const report = await check(csv("A,,FY2025,1,", "B,,FY2025,1,", "C,,FY2025,1,"));
    expect(report.warningCount).toBe(1);
    expect(report.warnings[0].message).toMatch(/\(and 2 more rows like it\)$/);
  });
});

describe("Department and formulas", () => {
  it("requires a Department", async () => {
    const report = await check(csv(",Software,FY 2025,1,USD"));
    expect(errors(report)).toEqual(["2|Department|Department is empty"]);
  });

  it.each(["=SUM(A1:A9)", "+1", "-cmd", "@import"])(
    "rejects the formula %s in a text cell",
    async (value) => {
      const report = await check(csv(`${value},Software,FY 2025,1,USD`));
      expect(report.valid).toBe(false);
      // The formula alone: the Department is not also called empty.
      expect(report.errorCount).toBe(1);
      expect(report.errors[0].message).toContain(
        `starts with "${value[0]}", which a spreadsheet runs as a formula`,
      );
    },
  );

  it("does not take a formula in Sub Category for an empty one (no false duplicate)", async () => {
    const report = await check(csv("Eng,,FY 2025,1,USD", "Eng,=HYPERLINK(1),FY 2025,2,USD"));
    expect(errors(report)).toEqual([
      '3|Sub Category|Sub Category "=HYPERLINK(1)" starts with "=", which a spreadsheet runs as a formula: remove it or rewrite the value',
    ]);
  });

  it("warns about a total row, once with a count", async () => {
    const report = await check(
      csv(
        "Engineering,Software,FY 2025,500000,USD",
        "Total,,FY 2025,500000,USD",
        "Grand Total,,Q1 2025,1,USD",
        "total,,Q2 2025,1,USD",
        "Totalitarian Studies,,FY 2025,1,USD",
      ),
    );
    expect(report.valid).toBe(true);
    expect(warnings(report)).toEqual([
      '3|Department|Department "Total" looks like a total row: SpendFlo would import it as a department and count its amount a second time; remove the row (and 1 more row like it)',
      '4|Department|Department "Grand Total" looks like a total row: SpendFlo would import it as a department and count its amount a second time; remove the row',
    ]);
  });

  it("checks unknown columns for formulas too", async () => {
    const report = await check(`${HEADER},Note\nEng,,FY 2025,1,USD,=1+2\n`);
    expect(report.errors[0]).toMatchObject({ line: 2, column: "Note" });
  });
});

describe("duplicates", () => {
  it("refuses two rows with the same Department, Sub Category and Fiscal Period", async () => {
    const report = await check(
      csv("Eng,Cloud,FY 2025,1,USD", "Sales,Cloud,FY 2025,1,USD", "eng,cloud,FY2025,2,USD"),
    );
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ line: 4, column: "Department" });
    expect(report.errors[0].message).toContain("line 2 has the same Department, Sub Category");
  });

  it("allows the same Department in another period or sub category", async () => {
    const report = await check(
      csv("Eng,Cloud,FY 2025,1,USD", "Eng,Cloud,Q1 2025,1,USD", "Eng,Travel,FY 2025,1,USD"),
    );
    expect(report.valid).toBe(true);
  });
});

describe("rows and lines", () => {
  it("skips blank lines and counts lines as the file has them", async () => {
    const text = `${HEADER}\n\nEng,,FY 2025,1,USD\n,,,,\n"Multi\nline",,FY 2025,x,USD\nOps,,FY 2025,y,USD\n`;
    const report = await check(text);
    expect(report.rows).toBe(3);
    expect(report.errors.map((e) => e.line)).toEqual([5, 7]);
  });

  it("takes a file with a header and no rows as valid, with a warning", async () => {
    const report = await check(`${HEADER}\n`);
    expect(report).toMatchObject({ valid: true, rows: 0 });
    expect(report.warnings[0].message).toMatch(/header but no rows/);
  });

  it("explains a row with more fields than the header", async () => {
    const report = await check(csv("Eng,,FY 2025,$1,200,USD"));
    expect(report.errors[0].message).toMatch(
      /row has 6 fields but the header has 5.*unquoted comma/,
    );
  });

  it("takes rows padded with empty fields, as spreadsheet exports write them", async () => {
    const padded = await check(
      csv("Engineering,Software,FY 2025,500000,USD,,,", "Sales,, FY 2025,1,, ,"),
    );
    expect(padded).toMatchObject({ valid: true, rows: 2, warningCount: 0 });
    // The header padded, the rows not (or less).
    const header = await check(
      `${HEADER},,,\nEngineering,Software,FY 2025,500000,USD\nSales,,FY 2025,1,USD,\n`,
    );
    expect(header).toMatchObject({ valid: true, rows: 2, warningCount: 0 });
  });

  it("warns once about values in a column with no header, and still checks the row", async () => {
    const report = await check(
      `${HEADER},,\nEng,,FY 2025,1,USD,,note\nOps,,FY 2025,2,USD,,more\nHR,,FY 2025,x,USD\n`,
    );
    expect(errors(report)).toEqual([
      '4|Budget Amount|Budget Amount "x" is not a number: write a plain decimal such as 500000 or 1200.50',
    ]);
    expect(warnings(report)).toEqual([
      "2|column 7|column 7 has no header: its values are ignored (and 1 more row like it)",
    ]);
  });

  it("counts a short row against the header's named columns", async () => {
    const report = await check(`${HEADER},,\nEng,,FY 2025\n`);
    expect(errors(report)).toEqual(["2|Budget Amount|row has 3 fields but the header has 5"]);
  });

  it("reports a stray quote and keeps checking the rows after it", async () => {
    const report = await check(csv('Eng "R&D",,FY 2025,1,USD', "Ops,,FY 2025,bad,USD"));
    expect(report.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(report.errors[0].message).toMatch(/holds a quote but is not quoted/);
  });

  it("reports a quote that is never closed", async () => {
    const report = await check(csv('"Eng,,FY 2025,1,USD', "Ops,,FY 2025,1,USD"));
    expect(report.valid).toBe(false);
    expect(report.errors[0]).toMatchObject({ line: 2 });
    expect(report.errors[0].message).toMatch(/never closed/);
  });

  it("lists the first errors by line, a duplicate found late among them", async () => {
    const rows = ["Eng,Sw,FY 2025,1,USD", "Eng,Sw,FY 2025,2,USD"];
    for (let i = 0; i < 1500; i++) rows.push(`D${i},Sw,FY 2025,-5,USD`);
    const report = await validateBudgetData(csv(...rows), { format: "csv", maxIssues: 10 });
    expect(report.errorCount).toBe(1501);
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(report.errors[0].message).toMatch(/^duplicate budget: line 2 /);
  });

  it("counts a repeated warning once however many distinct warnings came before", async () => {
    const rows: string[] = [];
    for (let i = 0; i < 12; i++) rows.push(`D${i},,FY${2000 + i},1,USD`);
    rows.push("E,,FY2000,1,USD", "F,,FY2011,1,USD");
    const report = await validateBudgetData(csv(...rows), { format: "csv", maxIssues: 5 });
    // 12 distinct forms, 5 listed: FY2000 seen twice (listed, with a count); FY2011 twice (not listed).
    expect(report.warningCount).toBe(12);
    expect(report.warnings).toHaveLength(5);
    expect(report.warnings[0].message).toMatch(/\(and 1 more row like it\)$/);
  });

  it("keeps 1000 errors and counts them all", async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `D${i},,FY 2025,x,USD`);
    const report = await check(csv(...rows));
    expect(report.errors).toHaveLength(1000);
    expect(report.errorCount).toBe(1500);
  });

  it("gives the same report however the bytes are chunked", async () => {
    const text = Buffer.from(
      `\uFEFF${HEADER}\r\n"Eng, ""core""",Café,FY2025,1,EUR\r\nOps,,Q1 2025,2,\r\n"x\r\ny",,FY 2025,bad,USD\r\nOps,,Q1 2025,4,`,
    );
    const whole = await check(text);
    async function* bytes(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < text.length; i++) yield text.subarray(i, i + 1);
    }
    const split = await validateBudgetStream(bytes(), { format: "csv" });
    expect(split).toEqual(whole);
    expect(whole.rows).toBe(4);
    expect(errors(whole).map((e) => e.split("|")[0])).toEqual(["4", "6"]);
  });
});

describe("bytes that are no CSV budget file", () => {
  it("names the line of a NUL byte or of bytes that are not UTF-8, however the file is chunked", async () => {
    const lines = [HEADER];
    for (let i = 0; i < 3000; i++) lines.push(`Caf\u00e9 ${i},Sw,FY 2025,${i},USD`);
    const withNul = [...lines];
    withNul[1499] = "Ops,Sw,FY 2025,1,US\u0000D"; // line 1500
    const latin1 = Buffer.from(lines.join("\n") + "\n");
    const at = latin1.indexOf("Caf\u00e9 2500,"); // line 2502
    latin1[at + 3] = 0xe9; // a lone Windows-1252 "é"
    latin1[at + 4] = 0x20;
    const mac = Buffer.from(lines.join("\r").replace("Caf\u00e9 40,", "Caf\u00e9 40\u0000,"));
    for (const size of [5, 4096, 70_000, 1 << 20]) {
      const stream = async function* (bytes: Buffer) {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      const nul = await validateBudgetStream(stream(Buffer.from(withNul.join("\n"))), {
        format: "csv",
      });
      expect(nul.unreadable, `chunks of ${size}`).toMatch(/NUL bytes\) near line 1500:/);
      const encoding = await validateBudgetStream(stream(latin1), { format: "csv" });
      expect(encoding.unreadable, `chunks of ${size}`).toMatch(/not UTF-8 text \(near line 2502\)/);
      // A valid "é" cut in two by the chunk before the bad byte's is not the bad byte.
      const ascii = [HEADER];
      while (ascii.join("\n").length < 4000) ascii.push(`Ops ${ascii.length},Sw,FY 2025,1,USD`);
      const head = Buffer.from(ascii.join("\n") + "\n");
      const pad = Buffer.from("x".repeat(4095 - head.length));
      const split = Buffer.concat([
        head,
        pad,
        Buffer.from("\u00e9,Sw,FY 2025,1,USD\nBad\xe9,Sw,FY 2025,1,USD\n", "utf8").subarray(0),
      ]);
      split[split.lastIndexOf("Bad") + 3] = 0xe9; // the second "é" as one Windows-1252 byte
      split[split.lastIndexOf("Bad") + 4] = 0x2c;
      const cut = await validateBudgetStream(
        (async function* () {
          yield split.subarray(0, 4096);
          yield split.subarray(4096);
        })(),
        { format: "csv" },
      );
      expect(split[4095]).toBe(0xc3); // the first "é" starts in the first chunk
      expect(cut.unreadable).toMatch(new RegExp(`near line ${ascii.length + 2}\\)`));
      // Lone CRs end lines too (Excel for Mac's "CSV (Macintosh)").
      const cr = await validateBudgetStream(stream(mac), { format: "csv" });
      expect(cr.unreadable, `chunks of ${size}`).toMatch(/near line 42:/);
    }
  });

  it.each([
    ["an empty file", Buffer.alloc(0), /the file is empty/],
    ["only blank lines", Buffer.from("\n\n  \n"), /empty/],
    ["UTF-16 with a BOM", Buffer.from(`\uFEFF${GUIDE_EXAMPLE}`, "utf16le"), /UTF-16/],
    ["UTF-16 without a BOM", Buffer.from(GUIDE_EXAMPLE, "utf16le"), /UTF-16/],
    ["binary", Buffer.from([0x01, 0x02, 0x03, 0x00, 0xff, 0x10]), /binary data/],
    ["a zip (XLSX) file", Buffer.from("PK\u0003\u0004rest"), /XLSX workbook\?.*name it \.xlsx/],
    [
      "an .xls workbook",
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1]),
      /\.xls.*save it as \.xlsx/,
    ],
    [
      "semicolons",
      Buffer.from("Department;Budget Amount;Fiscal Period\nA;1;FY 2025\n"),
      /semicolons/,
    ],
    ["tabs", Buffer.from("Department\tBudget Amount\tFiscal Period\nA\t1\tFY 2025\n"), /tabs/],
    [
      "an HTML report (a tool's 'Excel' export)",
      Buffer.from("\ufeff<html><body><table><tr><td>Department</td></tr></table></body></html>\n"),
      /an HTML page, not a spreadsheet .*export it as CSV UTF-8 or \.xlsx/,
    ],
    [
      "an Excel 2003 XML spreadsheet",
      Buffer.from(
        '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">\n',
      ),
      /Excel 2003 XML spreadsheet.*save it as \.xlsx/,
    ],
    [
      "Windows-1252 text",
      Buffer.concat([
        Buffer.from(`${HEADER}\nCaf`),
        Buffer.from([0xe9]),
        Buffer.from(",,FY 2025,1,\n"),
      ]),
      /not UTF-8 text \(near line 2\)/,
    ],
  ])("says so for %s", async (_what, bytes, message) => {
    const report = await check(bytes);
    expect(report.valid).toBe(false);
    expect(report.unreadable).toMatch(message);
  });
});

/** Budget CSV files for the tests, in the guide's columns. */

export const CSV_HEADER = "Department,Sub Category,Fiscal Period,Budget Amount,Currency";

/** The guide's example rows: a valid file. */
export const GOOD_CSV = `${CSV_HEADER}\nEngineering,Software,FY 2025,500000,USD\nSales,Travel,FY 2025,75000.50,USD\n`;

/**
 * A valid CSV of about `bytes` bytes (distinct departments and periods, so no duplicates),
 * with `badRows` put in at the line numbers given (2 is the first row after the header).
 */
export function csvOfSize(bytes: number, badRows: Record<number, string> = {}): Buffer {
  const lines = [CSV_HEADER];
  let size = CSV_HEADER.length + 1;
  for (let i = 0; size < bytes; i++) {
    const line =
      badRows[lines.length + 1] ??
      `Department ${i % 1000},Sub ${i},FY ${2000 + (i % 50)},${(i % 90000) + 100}.50,USD`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

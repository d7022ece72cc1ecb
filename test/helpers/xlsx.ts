/** XLSX workbooks for the tests: written by exceljs, or with a sheet's XML as Excel writes it. */
import ExcelJS from "exceljs";
import { unzipFiles, zipFiles } from "./zipRewrite.ts";

export type Cell = string | number | { formula: string; result?: number } | null;

/** An XLSX workbook in memory, one entry per sheet. */
export async function workbook(sheets: Record<string, Cell[][]>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A workbook whose first sheet's <sheetData> is `rows`, written as Excel writes cells. */
export async function sheetXml(rows: string): Promise<Buffer> {
  const files = unzipFiles(await workbook({ Budget: [["placeholder"]] }));
  return zipFiles(
    files.map((f) =>
      f.name === "xl/worksheets/sheet1.xml"
        ? {
            ...f,
            data: Buffer.from(
              f.data
                .toString("utf8")
                .replace(/<sheetData>[\s\S]*<\/sheetData>/, `<sheetData>${rows}</sheetData>`),
            ),
          }
        : f,
    ),
  );
}
/** One row of cells, each as XML; `r="@"` becomes the cell's reference. */
export function row(number: number, cells: string[]): string {
  const xml = cells.map((cell, i) =>
    cell.replace('r="@"', `r="${String.fromCharCode(65 + i)}${number}"`),
  );
  return `<row r="${number}">${xml.join("")}</row>`;
}
export const s = (text: string) => `<c r="@" t="inlineStr"><is><t>${text}</t></is></c>`;
export const n = (value: number) => `<c r="@"><v>${value}</v></c>`;

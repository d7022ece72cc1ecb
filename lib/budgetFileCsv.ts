/**
 * Budget files as CSV, streamed: the first bytes are sniffed for what is not comma-separated
 * UTF-8 text (empty, UTF-16, a workbook, binary, semicolons or tabs), then the tokenizer reads the
 * rest chunk by chunk (lib/csvTokenizer.ts) and each record goes straight to the checker. Nothing is kept per row.
 */
import {
  BudgetFileChecker,
  onceOnly,
  type BudgetCheckerOptions,
  type BudgetFileReport,
} from "./budgetFileRules.ts";
import { isAscii } from "node:buffer";
import { CsvTokenizer } from "./csvTokenizer.ts";

/** How much of the file is sniffed before parsing starts. */
const SNIFF_BYTES = 64 * 1024;
/** A record longer than this (characters) is an error, not a reason to buffer the whole file. */
const MAX_RECORD_CHARS = 1024 * 1024;

/** Why the start of a file is not comma-separated UTF-8 text, or null when it looks like one. */
export function csvHeadProblem(head: Uint8Array, complete: boolean): string | null {
  if (head.length === 0) return "the file is empty";
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return 'the file is UTF-16 text: save it as UTF-8 (in Excel: Save As "CSV UTF-8 (Comma delimited)")';
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return "the file is a zip archive (an XLSX workbook?), not CSV text: if it is a workbook, name it .xlsx";
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return "the file is an old Excel .xls workbook: open it in Excel and save it as .xlsx or as CSV UTF-8";
  }
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let nulsEven = 0;
  let nulsOdd = 0;
  for (let i = start; i < head.length; i++) {
    const byte = head[i];
    if (byte === 0) {
      if (i % 2 === 0) nulsEven++;
      else nulsOdd++;
    } else if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) {
      return `the file contains binary data (byte 0x${byte.toString(16).padStart(2, "0")} at offset ${i}): it is not CSV text`;
    }
  }
  const half = (head.length - start) / 2;
  if (half >= 2 && (nulsEven >= half * 0.6 || nulsOdd >= half * 0.6)) {
    return 'the file is UTF-16 text without a byte-order mark: save it as UTF-8 (in Excel: Save As "CSV UTF-8 (Comma delimited)")';
  }
  if (nulsEven + nulsOdd > 0)
    return "the file contains binary data (NUL bytes): it is not CSV text";
  let text = 0;
  while (
    text < head.length &&
    (text < start ||
      head[text] === 0x20 ||
      head[text] === 0x09 ||
      head[text] === 0x0a ||
      head[text] === 0x0d)
  ) {
    text++;
  }
  if (text === head.length) return complete ? "the file is empty (no header, no rows)" : null;
  // The header line: which separator does it use?
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  let quoted = false;
  for (let i = text; i < head.length; i++) {
    const byte = head[i];
    if (byte === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === 0x0a || byte === 0x0d) break;
    else if (byte === 0x2c) commas++;
    else if (byte === 0x3b) semicolons++;
    else if (byte === 0x09) tabs++;
  }
  if (commas === 0 && semicolons > 0 && semicolons >= tabs) {
    return 'the file is separated by semicolons (;), not commas: SpendFlo reads comma-separated files (in Excel: Save As "CSV UTF-8 (Comma delimited)")';
  }
  if (commas === 0 && tabs > 0) {
    return 'the file is separated by tabs, not commas: SpendFlo reads comma-separated files (in Excel: Save As "CSV UTF-8 (Comma delimited)")';
  }
  return null;
}

/** Validates a CSV budget file streamed as byte chunks. Never throws. */
export async function validateCsvStream(
  source: AsyncIterable<Uint8Array>,
  options: BudgetCheckerOptions & { sizeHint?: number } = {},
): Promise<BudgetFileReport> {
  const onInvalid = onceOnly(options.onInvalid);
  let checker = new BudgetFileChecker({
    maxIssues: options.maxIssues,
    onInvalid,
    plainRows: options.plainRows,
  });
  let unreadable: string | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  let sniffed = false;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let decoderIdle = true;
  const tokenizer = new CsvTokenizer(
    {
      record(fields, line) {
        if (checker.hasHeader) checker.row(fields, line);
        else if (fields.some((cell) => cell.trim() !== "")) checker.header(fields, line);
      },
      problem(line, message) {
        checker.error(line, "", message);
      },
      plainRecord(text, start, end, line, bytes) {
        return checker.plainRow(text, start, end, line, bytes);
      },
    },
    MAX_RECORD_CHARS,
  );

  const feed = (chunk: Buffer, final = false): void => {
    if (chunk.indexOf(0) !== -1) {
      unreadable = `the file contains binary data (NUL bytes) near line ${tokenizer.currentLine}: it is not CSV text`;
      return;
    }
    let text: string;
    let bytes: DataView | undefined;
    try {
      // ASCII is UTF-8 as it stands: a native check and a plain copy, far cheaper than decoding.
      // Only while the decoder holds no unfinished character, which a chunk that it decoded
      // and that ended in an ASCII byte guarantees.
      if (decoderIdle && isAscii(chunk)) {
        text = chunk.toString("latin1");
        bytes = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } else {
        text = decoder.decode(chunk, { stream: !final });
        decoderIdle = chunk.length === 0 || chunk[chunk.length - 1] < 0x80;
      }
    } catch {
      // Where is the first bad byte? Decode leniently to find its line.
      const lenient = new TextDecoder("utf-8").decode(chunk);
      const bad = lenient.indexOf("\uFFFD");
      let line = tokenizer.currentLine;
      for (
        let at = lenient.indexOf("\n");
        at !== -1 && at < bad;
        at = lenient.indexOf("\n", at + 1)
      ) {
        line++;
      }
      unreadable = `the file is not UTF-8 text (near line ${line}): save it as UTF-8 (in Excel: Save As "CSV UTF-8 (Comma delimited)")`;
      return;
    }
    tokenizer.push(text, final, bytes);
  };

  try {
    for await (const piece of source) {
      if (unreadable !== undefined) {
        onInvalid();
        continue; // keep draining the source: a tee may depend on it
      }
      const chunk = Buffer.isBuffer(piece)
        ? piece
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      if (!sniffed) {
        head.push(Buffer.from(chunk)); // a copy: the source may reuse its buffer
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES && !Buffer.concat(head).subarray(0, SNIFF_BYTES).includes(0x0a))
          continue;
        const all = Buffer.concat(head);
        head = [];
        sniffed = true;
        const problem = csvHeadProblem(all.subarray(0, SNIFF_BYTES), false);
        if (problem) unreadable = problem;
        else {
          if (options.sizeHint !== undefined && options.sizeHint > all.length) {
            // Size the duplicate check for the whole file from the line length of its start.
            let lines = 0;
            for (let at = all.indexOf(0x0a); at !== -1; at = all.indexOf(0x0a, at + 1)) lines++;
            const expectedRows = Math.ceil((options.sizeHint / all.length) * Math.max(1, lines));
            checker = new BudgetFileChecker({
              maxIssues: options.maxIssues,
              expectedRows,
              onInvalid,
              plainRows: options.plainRows,
            });
          }
          feed(all);
        }
        continue;
      }
      feed(chunk);
    }
    if (unreadable === undefined && !sniffed) {
      const all = Buffer.concat(head);
      sniffed = true;
      const problem = csvHeadProblem(all.subarray(0, SNIFF_BYTES), all.length <= SNIFF_BYTES);
      if (problem) unreadable = problem;
      else feed(all);
    }
    if (unreadable === undefined) feed(Buffer.alloc(0), true);
  } catch (error) {
    unreadable = `the file could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }

  if (unreadable !== undefined) onInvalid();
  const summary = checker.summary();
  if (unreadable === undefined && !checker.hasHeader)
    unreadable = "the file is empty (no header, no rows)";
  if (unreadable !== undefined) {
    return {
      format: "csv",
      valid: false,
      unreadable,
      rows: 0,
      errorCount: 0,
      errors: [],
      warningCount: 0,
      warnings: [],
    };
  }
  return { format: "csv", valid: summary.errorCount === 0, ...summary };
}

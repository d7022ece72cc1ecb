/**
 * Budget files as CSV, streamed: the first bytes are sniffed for what is not comma-separated
 * UTF-8 text (empty, UTF-16, a workbook, binary, semicolons or tabs), then the tokenizer reads the
 * rest chunk by chunk (lib/budget-file/csvTokenizer.ts) and each record goes straight to the checker. Nothing is kept per row.
 */
import type { BudgetCheckerOptions } from "./checker.ts";
import { onceOnly, unreadableReport, type BudgetFileReport } from "./report.ts";
import { SplitBudgetFileChecker, type BudgetCheckerPart } from "./split.ts";
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
  if (nulsEven + nulsOdd > 0) {
    return unreadableMessage({ kind: "nul", line: 1 + lineBreaks(head, 0, head.indexOf(0)) });
  }
  const markup = markupProblem(head, start);
  if (markup) return markup;
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
  const validator = new CsvValidator(options);
  await validator.read(source);
  return validator.finish();
}

/** Why bytes are no budget CSV, found while reading; lines count as the tokenizer counts them. */
type Unreadable =
  | { kind: "nul"; line: number }
  | { kind: "encoding"; line: number }
  | { kind: "other"; message: string };

function unreadableMessage(problem: Unreadable): string {
  switch (problem.kind) {
    case "nul":
      return `the file contains binary data (NUL bytes) near line ${problem.line}: it is not CSV text`;
    case "encoding":
      return `the file is not UTF-8 text (near line ${problem.line}): save it as UTF-8 (in Excel: Save As "CSV UTF-8 (Comma delimited)")`;
    default:
      return problem.message;
  }
}

/** What the validator of the rest of a file cut in two found, for the first part to absorb. */
export interface CsvPart {
  unreadable?: Unreadable;
  checker?: BudgetCheckerPart;
}

/**
 * A CSV budget file checked as it is read: `read()` the bytes (in one or more sources, in order),
 * then `finish()`. The first bytes are sniffed for what is not comma-separated UTF-8 text, then
 * the tokenizer reads the rest chunk by chunk and each record goes straight to the checker.
 *
 * A large file can be checked in two parts at once: the validator of the second part starts at
 * a line break (`restOf`), knowing the header, and gives its findings as a `part()`; the first
 * part's validator, once it has read up to that line break and found it between two records
 * (`atRecordBoundary`), takes them in (`absorb`). When the cut turns out to be inside a quoted
 * value, the first part reads on instead, and the report is the same either way.
 */
export class CsvValidator {
  private readonly onInvalid: () => void;
  private checker: SplitBudgetFileChecker;
  private readonly tokenizer: CsvTokenizer;
  private unreadable: Unreadable | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  private sniffed = false;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private decoderIdle = true;

  constructor(
    private readonly options: BudgetCheckerOptions & { sizeHint?: number } = {},
    /** The header of the file, when this validator reads the rest of it from a record boundary. */
    rest?: { header: readonly string[] },
  ) {
    this.onInvalid = onceOnly(options.onInvalid);
    this.checker = new SplitBudgetFileChecker({
      maxIssues: options.maxIssues,
      onInvalid: this.onInvalid,
      plainRows: options.plainRows,
    });
    this.tokenizer = new CsvTokenizer(
      {
        record: (fields, line) => {
          const checker = this.checker;
          if (checker.hasHeader) checker.row(fields, line);
          else if (fields.some((cell) => cell.trim() !== "")) checker.header(fields, line);
        },
        problem: (line, message) => this.checker.error(line, "", message),
        plainRecord: (text, start, end, line, bytes) =>
          this.checker.plainRow(text, start, end, line, bytes),
      },
      MAX_RECORD_CHARS,
      rest !== undefined,
    );
    if (rest !== undefined) {
      this.sniffed = true;
      this.checker.restOf(rest.header);
    }
  }

  /** Reads a source of byte chunks to its end (not the file's end: see `finish`). */
  async read(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const piece of source) {
        if (this.unreadable !== undefined) {
          this.onInvalid();
          continue; // keep draining the source: a tee may depend on it
        }
        const chunk = Buffer.isBuffer(piece)
          ? piece
          : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        if (!this.sniffed) this.sniff(chunk);
        else this.feed(chunk);
      }
    } catch (error) {
      this.unreadable = {
        kind: "other",
        message: `the file could not be read: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  /**
   * True when everything read so far ends exactly between two records, with nothing found that
   * stops the check: where the rest of the file, checked by itself, can be absorbed.
   */
  get atRecordBoundary(): boolean {
    return (
      this.unreadable === undefined &&
      this.sniffed &&
      this.checker.hasHeader &&
      this.tokenizer.betweenRecords
    );
  }

  /** True once the bytes read are known to be no budget CSV at all: reading on changes nothing. */
  get failed(): boolean {
    return this.unreadable !== undefined;
  }

  /** Takes in the findings of the validator of the rest of the file, read from where this stopped. */
  absorb(part: CsvPart): void {
    const lineOffset = this.tokenizer.nextLine - 1;
    if (part.unreadable !== undefined) {
      this.unreadable =
        part.unreadable.kind === "other"
          ? part.unreadable
          : { ...part.unreadable, line: part.unreadable.line + lineOffset };
    } else if (part.checker !== undefined) {
      this.checker.absorb(part.checker, lineOffset);
    }
  }

  /** What this validator (of the rest of a file) found, for the first part's `absorb()`. */
  part(): CsvPart {
    this.end();
    if (this.unreadable !== undefined) return { unreadable: this.unreadable };
    return { checker: this.checker.part() };
  }

  /** The report, once the whole file has been read. */
  finish(): BudgetFileReport {
    this.end();
    if (this.unreadable !== undefined) this.onInvalid();
    const summary = this.checker.summary();
    let unreadable = this.unreadable && unreadableMessage(this.unreadable);
    if (unreadable === undefined && !this.checker.hasHeader)
      unreadable = "the file is empty (no header, no rows)";
    if (unreadable !== undefined) return unreadableReport("csv", unreadable);
    return { format: "csv", valid: summary.errorCount === 0, ...summary };
  }

  /** The end of the input: a short file is sniffed now, and the last record is read. */
  private end(): void {
    if (this.unreadable === undefined && !this.sniffed) {
      const all = Buffer.concat(this.head);
      this.head = [];
      this.sniffed = true;
      const problem = csvHeadProblem(all.subarray(0, SNIFF_BYTES), all.length <= SNIFF_BYTES);
      if (problem) this.unreadable = { kind: "other", message: problem };
      else this.feed(all);
    }
    if (this.unreadable === undefined) this.feed(Buffer.alloc(0), true);
  }

  /** Collects the file's first bytes until they show what the file is, then reads them. */
  private sniff(chunk: Buffer): void {
    this.head.push(Buffer.from(chunk)); // a copy: the source may reuse its buffer
    this.headBytes += chunk.length;
    if (
      this.headBytes < SNIFF_BYTES &&
      !Buffer.concat(this.head).subarray(0, SNIFF_BYTES).includes(0x0a)
    )
      return;
    const all = Buffer.concat(this.head);
    this.head = [];
    this.sniffed = true;
    const problem = csvHeadProblem(all.subarray(0, SNIFF_BYTES), false);
    if (problem) {
      this.unreadable = { kind: "other", message: problem };
      return;
    }
    const sizeHint = this.options.sizeHint;
    if (sizeHint !== undefined && sizeHint > all.length) {
      // Size the duplicate check for the whole file from the line length of its start.
      let lines = 0;
      for (let at = all.indexOf(0x0a); at !== -1; at = all.indexOf(0x0a, at + 1)) lines++;
      const expectedRows = Math.ceil((sizeHint / all.length) * Math.max(1, lines));
      this.checker = new SplitBudgetFileChecker({
        maxIssues: this.options.maxIssues,
        expectedRows,
        onInvalid: this.onInvalid,
        plainRows: this.options.plainRows,
      });
    }
    this.feed(all);
  }

  private feed(chunk: Buffer, final = false): void {
    const tokenizer = this.tokenizer;
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      this.unreadable = { kind: "nul", line: tokenizer.currentLine + lineBreaks(chunk, 0, nul) };
      return;
    }
    let text: string;
    let bytes: DataView | undefined;
    try {
      // ASCII is UTF-8 as it stands: a native check and a plain copy, far cheaper than decoding.
      // Only while the decoder holds no unfinished character, which a chunk that it decoded
      // and that ended in an ASCII byte guarantees.
      if (this.decoderIdle && isAscii(chunk)) {
        text = chunk.toString("latin1");
        bytes = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } else {
        text = this.decoder.decode(chunk, { stream: !final });
        this.decoderIdle = chunk.length === 0 || chunk[chunk.length - 1] < 0x80;
      }
    } catch {
      // Where is the first bad byte? Past what completes a character the last chunk began.
      let from = 0;
      if (!this.decoderIdle) while (from < 3 && (chunk[from] & 0xc0) === 0x80) from++;
      const bad = firstInvalidUtf8(chunk, from, final);
      this.unreadable = {
        kind: "encoding",
        line: tokenizer.currentLine + lineBreaks(chunk, 0, bad === -1 ? 0 : bad),
      };
      return;
    }
    tokenizer.push(text, final, bytes);
  }
}

/** Why a file that starts as markup is no CSV: an HTML page or an XML spreadsheet named .csv/.xls. */
function markupProblem(head: Uint8Array, start: number): string | null {
  let at = start;
  while (
    at < head.length &&
    (head[at] === 0x20 || head[at] === 0x09 || head[at] === 0x0a || head[at] === 0x0d)
  )
    at++;
  if (head[at] !== 0x3c) return null; // "<"
  const text = Buffer.from(head.subarray(at, at + 4096))
    .toString("latin1")
    .toLowerCase();
  if (text.includes("urn:schemas-microsoft-com:office:spreadsheet")) {
    return "the file is an Excel 2003 XML spreadsheet, not CSV text: open it in Excel and save it as .xlsx or as CSV UTF-8";
  }
  if (/^<(!doctype html|html|table|head|body|meta)\b/.test(text) || text.includes("<html")) {
    return "the file is an HTML page, not a spreadsheet (some tools save a report as HTML named .xls or .csv): export it as CSV UTF-8 or .xlsx";
  }
  if (text.startsWith("<?xml"))
    return "the file is XML, not CSV text: export the budget as CSV UTF-8 or .xlsx";
  return null;
}

/** Line breaks in `bytes` from `from` to `to`, as the tokenizer counts them: LF, CRLF, a lone CR. */
function lineBreaks(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte === 0x0a || (byte === 0x0d && bytes[i + 1] !== 0x0a)) count++;
  }
  return count;
}

/**
 * Where the first byte that is not UTF-8 is (overlong forms, surrogates and code points past
 * U+10FFFF included, as TextDecoder refuses them), from `from`; -1 when there is none. A
 * character cut off by the chunk's end is not counted unless the chunk is the last.
 */
function firstInvalidUtf8(bytes: Uint8Array, from: number, final: boolean): number {
  const length = bytes.length;
  for (let i = from; i < length;) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let size: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [size, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [size, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [size, min] = [4, 0x10000];
    else return i;
    if (i + size > length) {
      for (let k = i + 1; k < length; k++) if ((bytes[k] & 0xc0) !== 0x80) return i;
      return final ? i : -1;
    }
    let code = lead & (0xff >> (size + 1));
    for (let k = 1; k < size; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += size;
  }
  return -1;
}

/**
 * The header of a CSV file from its first bytes (at least up to its first non-blank record),
 * as the validator of the whole file would read it; undefined when those bytes do not hold it
 * (or are no CSV text: then the first part's validator says why).
 */
export function csvHeaderOf(head: Uint8Array): string[] | undefined {
  if (csvHeadProblem(head.subarray(0, SNIFF_BYTES), false) !== null) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(head, {
      stream: true,
    });
  } catch {
    return undefined;
  }
  let header: string[] | undefined;
  const tokenizer = new CsvTokenizer({
    record(fields) {
      if (header === undefined && fields.some((cell) => cell.trim() !== "")) header = fields;
    },
    problem() {},
  });
  tokenizer.push(text, false);
  return header;
}

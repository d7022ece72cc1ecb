/**
 * A streaming RFC 4180 tokenizer: comma-separated fields, `"` quoting with `""` for a quote,
 * records ended by LF, CRLF or a lone CR, quoted fields spanning lines. Text goes in chunk by
 * chunk; each complete record comes out with the line it starts on. Only the unfinished record
 * is kept between chunks.
 *
 * Why not csv-parse: on budget files (short rows, few quotes) this is about twice as fast, and it
 * carries on after a stray quote instead of stopping, so one bad row does not hide the rest.
 */

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export interface CsvRecordSink {
  /** One record: its fields and the line it starts on. */
  record(fields: string[], line: number): void;
  /** A problem in the CSV syntax itself, at a line. */
  problem(line: number, message: string): void;
  /**
   * Optional fast path: offered each record that is one line with no quote and no CR, as
   * `text` from `start` to `end` (its line end excluded), before it is split into strings.
   * When the text came with its bytes (see `push`), `bytes` holds them at the same offsets.
   * Returns true when the sink took it; false sends it to `record()` as usual.
   */
  plainRecord?(
    text: string,
    start: number,
    end: number,
    line: number,
    bytes: DataView | undefined,
  ): boolean;
}

/** After this many records in a row the fast path declined, it rests for PLAIN_REST records. */
const PLAIN_MISSES = 32;
const PLAIN_REST = 1024;

export class CsvTokenizer {
  private pending = "";
  /** Line on which `pending` starts. */
  private line = 1;
  private started = false;
  private stopped = false;
  /** Records in a row that `plainRecord` declined, or while it rests, records left to rest. */
  private plainMisses = 0;
  private plainRest = 0;

  constructor(
    private readonly sink: CsvRecordSink,
    /** A record longer than this (characters) stops the tokenizer: likely an unclosed quote. */
    private readonly maxRecordChars = 1024 * 1024,
    /** The text starts mid-file (at a record boundary): a leading U+FEFF is no byte-order mark. */
    midFile = false,
  ) {
    this.started = midFile;
  }

  /** True when the text so far ended exactly between two records (and nothing stopped it). */
  get betweenRecords(): boolean {
    return !this.stopped && this.pending.length === 0;
  }

  /** The line the next record starts on, when `betweenRecords`. */
  get nextLine(): number {
    return this.line;
  }

  /** The line the tokenizer has reached: the last line of the text fed so far. */
  get currentLine(): number {
    let line = this.line;
    for (let at = this.pending.indexOf("\n"); at !== -1; at = this.pending.indexOf("\n", at + 1)) {
      line++;
    }
    return line;
  }

  /**
   * Feeds text; `final` marks the end of the input. `bytes`, when given, are the same text as
   * one byte per character (ASCII read as Latin-1), handed on to `plainRecord`.
   */
  push(text: string, final = false, bytes?: DataView): void {
    if (this.stopped) return;
    let from = 0;
    if (!this.started && this.pending.length + text.length > 0) {
      this.started = true;
      if (this.pending.length === 0 && text.charCodeAt(0) === 0xfeff) from = 1;
    }
    if (this.pending.length === 0) {
      this.run(text, from, final, bytes);
      return;
    }
    // The record left unfinished by the last text most likely ends on this text's first line:
    // finish it in a string of its own, then read this text where it stands. Joining the two
    // whole would make a string that is slower to read, character by character, to its end.
    const newline = text.indexOf("\n");
    if (newline !== -1) {
      const head = this.pending + text.slice(0, newline + 1);
      this.pending = "";
      this.run(head, 0, final && newline + 1 === text.length);
      if (this.pending.length === 0) {
        if (newline + 1 < text.length || final) this.run(text, newline + 1, final, bytes);
        return;
      }
      // A quoted value goes on past that line: carry on from what is still unfinished.
      text = text.slice(newline + 1);
    }
    this.run(this.pending + text, 0, final);
  }

  /** Tokenizes `buf` from `from`; what is left unfinished becomes `pending`. */
  private run(buf: string, from: number, final: boolean, bytes?: DataView): void {
    if (this.stopped) return;
    const length = buf.length;
    const sink = this.sink;
    let pos = from;
    let line = this.line;
    // Where the unfinished record starts when the text runs out mid-record.
    let keepFrom = -1;

    // Where the next quote and the next CR are (-1: none left), found lazily: most records have
    // neither and take the fast path, split with native string search.
    let nextQuote = -2;
    let nextCr = -2;

    const plain = sink.plainRecord !== undefined;
    records: while (pos < length) {
      const newline = buf.indexOf("\n", pos);
      if (newline !== -1) {
        if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf('"', pos);
        if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf("\r", pos);
        const end = newline > pos && nextCr === newline - 1 ? newline - 1 : newline;
        if ((nextQuote === -1 || nextQuote > newline) && (nextCr === -1 || nextCr >= end)) {
          if (plain) {
            if (this.plainRest > 0) {
              this.plainRest--;
            } else if (sink.plainRecord!(buf, pos, end, line, bytes)) {
              this.plainMisses = 0;
              line++;
              pos = newline + 1;
              continue;
            } else if (++this.plainMisses >= PLAIN_MISSES) {
              this.plainMisses = 0;
              this.plainRest = PLAIN_REST;
            }
          }
          const fields: string[] = [];
          let start = pos;
          for (;;) {
            const comma = buf.indexOf(",", start);
            if (comma === -1 || comma >= end) break;
            fields.push(buf.slice(start, comma));
            start = comma + 1;
          }
          fields.push(buf.slice(start, end));
          sink.record(fields, line);
          line++;
          pos = newline + 1;
          continue;
        }
      }
      const recordStart = pos;
      const recordLine = line;
      const fields: string[] = [];
      for (;;) {
        if (pos < length && buf.charCodeAt(pos) === QUOTE) {
          // A quoted field: up to the quote that is not doubled.
          let value = "";
          let from = pos + 1;
          for (;;) {
            const close = buf.indexOf('"', from);
            if (close === -1 || (close + 1 >= length && !final)) {
              if (!final) {
                keepFrom = recordStart;
                line = recordLine;
                break records;
              }
              sink.problem(
                recordLine,
                "a quoted value is never closed: the rest of the file is inside it",
              );
              this.stopped = true;
              this.pending = "";
              return;
            }
            for (
              let at = buf.indexOf("\n", from);
              at !== -1 && at < close;
              at = buf.indexOf("\n", at + 1)
            ) {
              line++;
            }
            if (close + 1 < length && buf.charCodeAt(close + 1) === QUOTE) {
              value += buf.slice(from, close + 1);
              from = close + 2;
              continue;
            }
            value += buf.slice(from, close);
            pos = close + 1;
            break;
          }
          if (pos < length) {
            const next = buf.charCodeAt(pos);
            if (next !== COMMA && next !== LF && next !== CR) {
              // Stray text after the closing quote, up to the end of the field.
              let end = pos;
              while (end < length) {
                const c = buf.charCodeAt(end);
                if (c === COMMA || c === LF || c === CR) break;
                end++;
              }
              if (end === length && !final) {
                keepFrom = recordStart;
                line = recordLine;
                break records;
              }
              sink.problem(
                line,
                `text after a closing quote (${JSON.stringify(buf.slice(pos, Math.min(end, pos + 20)))}): quote the whole value`,
              );
              value += buf.slice(pos, end);
              pos = end;
            }
          }
          fields.push(value);
        } else {
          let end = pos;
          let quoted = false;
          while (end < length) {
            const c = buf.charCodeAt(end);
            if (c === COMMA || c === LF || c === CR) break;
            if (c === QUOTE) quoted = true;
            end++;
          }
          if (end === length && !final) {
            keepFrom = recordStart;
            line = recordLine;
            break records;
          }
          if (quoted) {
            sink.problem(
              line,
              `a value holds a quote but is not quoted (${JSON.stringify(buf.slice(pos, Math.min(end, pos + 20)))}): write it as "..." with the quote doubled`,
            );
          }
          fields.push(buf.slice(pos, end));
          pos = end;
        }
        // After a field: a comma, a line end (CRLF, LF or a lone CR), or the end of the input.
        if (pos >= length) {
          sink.record(fields, recordLine); // final: the last record has no line end
          break records;
        }
        const c = buf.charCodeAt(pos);
        if (c === COMMA) {
          pos++;
          if (pos >= length && !final) {
            keepFrom = recordStart;
            line = recordLine;
            break records;
          }
          if (pos >= length) {
            fields.push("");
            sink.record(fields, recordLine);
            break records;
          }
          continue;
        }
        if (c === CR) {
          if (pos + 1 >= length && !final) {
            keepFrom = recordStart;
            line = recordLine;
            break records;
          }
          pos += pos + 1 < length && buf.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else {
          pos++;
        }
        line++;
        sink.record(fields, recordLine);
        continue records;
      }
    }
    this.pending = keepFrom === -1 ? "" : buf.slice(keepFrom);
    this.line = line;
    if (this.pending.length > this.maxRecordChars) {
      sink.problem(
        line,
        `a record longer than ${this.maxRecordChars} characters: is a quote never closed?`,
      );
      this.stopped = true;
      this.pending = "";
    }
  }
}

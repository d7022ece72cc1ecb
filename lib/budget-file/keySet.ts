/**
 * The duplicate check's memory: a set of budget keys (Department, Sub Category, Fiscal Period)
 * that keeps a 64-bit hash per key and the line it was first seen on, never the key itself:
 * 12 bytes a slot, about three quarters of the slots used, so a 1,000,000-row file needs
 * about 16 MB however long its names are. Two different keys share a hash with odds of
 * about n²/2⁶⁵ (3·10⁻⁸ for a million keys).
 *
 * Why partitions: one table of a million keys is far larger than the CPU caches, and an insert
 * at a random place in it waits on memory. Keys are therefore first appended to one of 256 small
 * buffers (by the top bits of their hash) and moved into that partition's own table, small
 * enough to stay in cache, a few hundred at a time. A duplicate is thus reported a little later
 * than its row was read (at the latest by `flush()`), always with both lines. (One flat table
 * was measured a third slower on a 3.5-million-key file: `npm run bench -- files`.)
 */

const PARTITIONS = 256;
/** Keys buffered per partition before they are moved into its table. */
const BATCH = 256;

/** A duplicate: `line` repeats the key first seen on `firstLine`. */
export type DuplicateListener = (line: number, firstLine: number) => void;

interface Partition {
  /** Slots of three int32: high hash, low hash, line of the first occurrence (0: empty). */
  table: Int32Array;
  capacity: number;
  count: number;
}

/** The running hash of `addRanges`, two 32-bit halves: module state, so no object per key. */
let hashHigh = 0;
let hashLow = 0;

/**
 * ASCII upper case to lower case in four bytes at once, each below 0x80: a byte gets 0x20 added
 * when it is at least "A" (+0x3f reaches 0x80) and at most "Z" (+0x25 stays below 0x80).
 */
function foldAscii4(word: number): number {
  return word | (((word + 0x3f3f3f3f) & ~(word + 0x25252525) & 0x80808080) >>> 2);
}

/** Upper case ASCII of one UTF-16 code unit to lower case. */
function foldUnit(unit: number): number {
  return unit >= 65 && unit <= 90 ? unit + 32 : unit;
}

/**
 * Mixes one part, a string's code units from `start` to `end`, into the running hash: two
 * 32-bit multiplicative hashes over words of four code units, ASCII upper case folded to lower
 * case, then a word that carries the last units and the part's length (so parts cannot trade
 * characters). Four ASCII units make a word as the same four bytes in memory would, so that
 * `mixBytes` over the same text in a buffer gives the same hash. A part with any other unit is
 * hashed by `mixWideText` instead, in Unicode's composed form.
 */
function mixPart(text: string, start: number, end: number): void {
  const entryHigh = hashHigh;
  const entryLow = hashLow;
  let high = entryHigh;
  let low = entryLow;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) < 0x80) {
      const word = foldAscii4(a | (b << 8) | (c << 16) | (d << 24));
      high = Math.imul(high ^ word, 0x01000193);
      low = Math.imul(low + word, 0x5bd1e995);
      low ^= low >>> 15;
    } else {
      hashHigh = entryHigh;
      hashLow = entryLow;
      mixWideText(text.slice(start, end));
      return;
    }
  }
  let tail = 0;
  if (i < end) {
    const a = text.charCodeAt(i);
    const b = i + 1 < end ? text.charCodeAt(i + 1) : 0;
    const c = i + 2 < end ? text.charCodeAt(i + 2) : 0;
    if ((a | b | c) >= 0x80) {
      hashHigh = entryHigh;
      hashLow = entryLow;
      mixWideText(text.slice(start, end));
      return;
    }
    tail = foldAscii4(a | (b << 8) | (c << 16));
  }
  hashHigh = high;
  hashLow = low;
  mixWord(tail ^ (((end - start) & 31) << 27) ^ 1);
}

/**
 * `mixPart` for a part with a character outside ASCII: hashed in Unicode's composed form (NFC),
 * so that "Café" typed with one "é" and with "e" plus an accent is one key, as it looks; its
 * groups of four code units go in as `mixPart` takes them, the ones with such a character
 * tagged and wider, as nothing ASCII can.
 */
function mixWideText(part: string): void {
  const text = part.normalize("NFC");
  const end = text.length;
  let i = 0;
  for (; i + 3 < end; i += 4) {
    mixGroup(
      text.charCodeAt(i),
      text.charCodeAt(i + 1),
      text.charCodeAt(i + 2),
      text.charCodeAt(i + 3),
    );
  }
  let tail = 0;
  if (i < end) {
    const a = text.charCodeAt(i);
    const b = i + 1 < end ? text.charCodeAt(i + 1) : 0;
    const c = i + 2 < end ? text.charCodeAt(i + 2) : 0;
    if ((a | b | c) < 0x80) tail = foldAscii4(a | (b << 8) | (c << 16));
    else mixGroup(a, b, c, 0);
  }
  mixWord(tail ^ ((end & 31) << 27) ^ 1);
}

/** Four code units: as four ASCII bytes when they are ASCII, else tagged and wider. */
function mixGroup(a: number, b: number, c: number, d: number): void {
  if ((a | b | c | d) < 0x80) {
    mixWord(foldAscii4(a | (b << 8) | (c << 16) | (d << 24)));
  } else {
    mixWord(-1);
    mixWord(foldUnit(a) | (foldUnit(b) << 16));
    mixWord(foldUnit(c) | (foldUnit(d) << 16));
  }
}

/** `mixPart` for ASCII text as bytes in a buffer: the same hash as the same text in a string. */
function mixBytes(bytes: DataView, start: number, end: number): void {
  let high = hashHigh;
  let low = hashLow;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const word = foldAscii4(bytes.getUint32(i, true));
    high = Math.imul(high ^ word, 0x01000193);
    low = Math.imul(low + word, 0x5bd1e995);
    low ^= low >>> 15;
  }
  let tail = 0;
  for (let shift = 0; i < end; i++, shift += 8) tail |= bytes.getUint8(i) << shift;
  hashHigh = high;
  hashLow = low;
  mixWord(foldAscii4(tail) ^ (((end - start) & 31) << 27) ^ 1);
}

/** Mixes one word into the running hash (the loops above do the same inline, for speed). */
function mixWord(word: number): void {
  hashHigh = Math.imul(hashHigh ^ word, 0x01000193);
  const low = Math.imul(hashLow + word, 0x5bd1e995);
  hashLow = low ^ (low >>> 15);
}

/** A slot in [0, capacity) from 32 hash bits, by multiplying rather than dividing. */
function slotOf(bits: number, capacity: number): number {
  return Math.floor((bits >>> 0) * capacity * 2.3283064365386963e-10);
}

export class BudgetKeySet {
  private readonly partitions: Partition[] = [];
  /** Per partition, BATCH pending keys of three int32 (high, low, line). */
  private readonly pending = new Int32Array(PARTITIONS * BATCH * 3);
  private readonly pendingCounts = new Uint16Array(PARTITIONS);
  private count = 0;
  /** After `collect()`: the keys as they came, three int32 each. */
  private collected: Int32Array | undefined;
  private collectedCount = 0;

  /** `expectedKeys` sizes the tables once, so a large file never pays for growing them. */
  constructor(
    private readonly onDuplicate: DuplicateListener,
    expectedKeys = 32768,
  ) {
    // Three quarters full for the keys expected: probing stays short, and no slot is wasted
    // on rounding to a power of two. Capped so a size estimate cannot reserve more than about
    // 100 MB up front; past that the tables grow as keys arrive.
    const perPartition = Math.min(expectedKeys, 6_000_000) / PARTITIONS;
    const capacity = Math.max(64, Math.ceil(perPartition / 0.75 / 64) * 64);
    for (let p = 0; p < PARTITIONS; p++) {
      this.partitions.push({ table: new Int32Array(capacity * 3), capacity, count: 0 });
    }
  }

  /** Number of distinct keys held (after `flush()`, exact). */
  get size(): number {
    return this.count;
  }

  /**
   * Adds the key (department, sub category, period), compared without regard to ASCII case,
   * seen on `line` (1 or more, increasing). A repeat is told to the listener, at the latest
   * when `flush()` is called.
   */
  add(department: string, subCategory: string, period: string, line: number): void {
    this.addRanges(
      department,
      0,
      department.length,
      subCategory,
      0,
      subCategory.length,
      period,
      0,
      period.length,
      line,
    );
  }

  /**
   * `add()` for parts given as ranges [start, end) of strings, so that a caller holding a whole
   * line of text needs no substring per part. The same key hashes the same either way.
   */
  addRanges(
    a: string,
    aStart: number,
    aEnd: number,
    b: string,
    bStart: number,
    bEnd: number,
    c: string,
    cStart: number,
    cEnd: number,
    line: number,
  ): void {
    hashHigh = 0x811c9dc5 | 0;
    hashLow = 0x9747b28c | 0;
    mixPart(a, aStart, aEnd);
    mixPart(b, bStart, bEnd);
    mixPart(c, cStart, cEnd);
    this.enqueue(line);
  }

  /**
   * `addRanges()` for parts that are ASCII bytes of one buffer (a chunk of a file as read), so
   * that no string is read at all. The same key hashes the same either way.
   */
  addBytes(
    bytes: DataView,
    aStart: number,
    aEnd: number,
    bStart: number,
    bEnd: number,
    cStart: number,
    cEnd: number,
    line: number,
  ): void {
    hashHigh = 0x811c9dc5 | 0;
    hashLow = 0x9747b28c | 0;
    mixBytes(bytes, aStart, aEnd);
    mixBytes(bytes, bStart, bEnd);
    mixBytes(bytes, cStart, cEnd);
    this.enqueue(line);
  }

  /** Finishes the running hash and queues it, with its line, for its partition's table. */
  private enqueue(line: number): void {
    let high = hashHigh;
    let low = hashLow;
    high = Math.imul(high ^ (high >>> 16), 0x85ebca6b);
    high ^= high >>> 13;
    low = Math.imul(low ^ (low >>> 15), 0xc2b2ae35);
    low ^= low >>> 16;
    if (this.collected !== undefined) this.keep(high, low, line);
    else this.queue(high, low, line);
  }

  private queue(high: number, low: number, line: number): void {
    const partition = high >>> 24;
    const n = this.pendingCounts[partition];
    const at = (partition * BATCH + n) * 3;
    this.pending[at] = high;
    this.pending[at + 1] = low;
    this.pending[at + 2] = Math.max(1, line);
    this.pendingCounts[partition] = n + 1;
    if (n + 1 === BATCH) this.drain(partition);
  }

  /**
   * From now on, keeps every key as it comes instead of checking it: the set of the second part
   * of a file checked in two, whose keys the first part's set takes in (`absorb`) once that part
   * is done, so that a repeat is told exactly as if the file had been read in one go.
   */
  collect(): void {
    this.collected ??= new Int32Array(3 * 65536);
  }

  private keep(high: number, low: number, line: number): void {
    let collected = this.collected!;
    const at = this.collectedCount * 3;
    if (at + 3 > collected.length) {
      const larger = new Int32Array(collected.length * 2);
      larger.set(collected);
      this.collected = collected = larger;
    }
    collected[at] = high;
    collected[at + 1] = low;
    collected[at + 2] = line;
    this.collectedCount++;
  }

  /**
   * The keys kept since `collect()`: hash high, hash low, line, grouped by partition and in the
   * order they came within each, so that `absorb()` fills one partition's table at a time.
   */
  collectedKeys(): Int32Array {
    const collected = this.collected ?? new Int32Array(0);
    const count = this.collectedCount;
    const starts = new Int32Array(PARTITIONS + 1);
    for (let k = 0; k < count; k++) starts[(collected[k * 3] >>> 24) + 1]++;
    for (let p = 0; p < PARTITIONS; p++) starts[p + 1] += starts[p];
    const sorted = new Int32Array(count * 3);
    for (let k = 0; k < count; k++) {
      const at = starts[collected[k * 3] >>> 24]++ * 3;
      sorted[at] = collected[k * 3];
      sorted[at + 1] = collected[k * 3 + 1];
      sorted[at + 2] = collected[k * 3 + 2];
    }
    return sorted;
  }

  /**
   * Adds keys another set collected (`collectedKeys()`), their lines moved by `lineOffset`, after
   * every key of this set: a key of both is a repeat on the other set's line.
   */
  absorb(keys: Int32Array, lineOffset: number): void {
    this.flush();
    for (let at = 0; at + 2 < keys.length; at += 3) {
      const high = keys[at];
      const line = keys[at + 2] + lineOffset;
      const first = this.insert(high >>> 24, high, keys[at + 1], line);
      if (first !== 0) this.onDuplicate(line, first);
    }
  }

  /** Moves every pending key into its table: every duplicate so far has been told. */
  flush(): void {
    for (let p = 0; p < PARTITIONS; p++) {
      if (this.pendingCounts[p] > 0) this.drain(p);
    }
  }

  private drain(partition: number): void {
    const count = this.pendingCounts[partition];
    const base = partition * BATCH * 3;
    const pending = this.pending;
    for (let k = 0; k < count; k++) {
      const at = base + k * 3;
      const first = this.insert(partition, pending[at], pending[at + 1], pending[at + 2]);
      if (first !== 0) this.onDuplicate(pending[at + 2], first);
    }
    this.pendingCounts[partition] = 0;
  }

  private insert(index: number, high: number, low: number, line: number): number {
    const partition = this.partitions[index];
    const table = partition.table;
    const capacity = partition.capacity;
    let slot = slotOf(low, capacity);
    for (;;) {
      const at = slot * 3;
      const seen = table[at + 2];
      if (seen === 0) {
        table[at] = high;
        table[at + 1] = low;
        table[at + 2] = line;
        this.count++;
        if (++partition.count > capacity * 0.75) this.grow(partition);
        return 0;
      }
      if (table[at] === high && table[at + 1] === low) return seen;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  private grow(partition: Partition): void {
    const old = partition.table;
    const capacity = partition.capacity * 2;
    const table = new Int32Array(capacity * 3);
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === 0) continue;
      let slot = slotOf(old[at + 1], capacity);
      while (table[slot * 3 + 2] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      table[slot * 3] = old[at];
      table[slot * 3 + 1] = old[at + 1];
      table[slot * 3 + 2] = old[at + 2];
    }
    partition.table = table;
    partition.capacity = capacity;
  }
}

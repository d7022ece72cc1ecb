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
 * Mixes one part into the running hash: two 32-bit multiplicative hashes over its UTF-16 code
 * units, two at a time, ASCII upper case folded to lower case, and a separator after the part.
 */
function mixPart(text: string, start: number, end: number): void {
  let high = hashHigh;
  let low = hashLow;
  let i = start;
  for (; i + 1 < end; i += 2) {
    let a = text.charCodeAt(i);
    let b = text.charCodeAt(i + 1);
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    const word = a | (b << 16);
    high = Math.imul(high ^ word, 0x01000193);
    low = Math.imul(low + word, 0x5bd1e995);
    low ^= low >>> 15;
  }
  // The separator carries an odd part's last code unit; an even part's differs in its top.
  let last = i < end ? text.charCodeAt(i) : 0;
  if (last >= 65 && last <= 90) last += 32;
  const word = i < end ? last | 0xffff0000 : 0xfffe0000;
  high = Math.imul(high ^ word, 0x01000193);
  low = Math.imul(low + word, 0x5bd1e995);
  low ^= low >>> 15;
  hashHigh = high;
  hashLow = low;
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
    let high = hashHigh;
    let low = hashLow;
    high = Math.imul(high ^ (high >>> 16), 0x85ebca6b);
    high ^= high >>> 13;
    low = Math.imul(low ^ (low >>> 15), 0xc2b2ae35);
    low ^= low >>> 16;

    const partition = high >>> 24;
    const n = this.pendingCounts[partition];
    const at = (partition * BATCH + n) * 3;
    this.pending[at] = high;
    this.pending[at + 1] = low;
    this.pending[at + 2] = Math.max(1, line);
    this.pendingCounts[partition] = n + 1;
    if (n + 1 === BATCH) this.drain(partition);
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

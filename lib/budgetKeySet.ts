/**
 * A set of budget keys (Department, Sub Category, Fiscal Period) that keeps a 64-bit hash per
 * key and the line it was first seen on, never the key itself: 12 bytes a slot, at most three
 * quarters of the slots used, so a 1,000,000-row file needs about 25 MB however long its names are. Two
 * different keys share a hash with odds of about n²/2⁶⁵ (3·10⁻⁸ for a million keys).
 */
export class BudgetKeySet {
  /** Slots of three int32: high hash, low hash, line of the first occurrence (0: empty). */
  private table: Int32Array;
  private capacity: number;
  private count = 0;

  /** `expectedKeys` sizes the table once, so a large file never pays for growing it. */
  constructor(expectedKeys = 32768) {
    // A power of two at most three quarters full: probing stays short and a mask finds the
    // slot. Capped
    // so a size estimate cannot reserve more than about 100 MB up front; past that the table
    // grows as keys arrive.
    let capacity = 1024;
    while (capacity * 0.75 < Math.min(expectedKeys, 6_000_000)) capacity *= 2;
    this.capacity = capacity;
    this.table = new Int32Array(capacity * 3);
  }

  /** Number of distinct keys held. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds the key (department, sub category, period), compared without regard to ASCII case,
   * seen on `line` (1 or more). Returns 0 when the key is new, else the line it was first seen on.
   */
  add(department: string, subCategory: string, period: string, line: number): number {
    // Two 32-bit multiplicative hashes over the UTF-16 code units, ASCII upper case folded to
    // lower case, a separator between the parts; mixed at the end.
    let high = 0x811c9dc5 | 0;
    let low = 0x9747b28c | 0;
    for (let p = 0; p < 3; p++) {
      const part = p === 0 ? department : p === 1 ? subCategory : period;
      for (let i = 0; i < part.length; i++) {
        let code = part.charCodeAt(i);
        if (code >= 65 && code <= 90) code += 32;
        high = Math.imul(high ^ code, 0x01000193);
        low = Math.imul(low + code, 0x5bd1e995);
      }
      high = Math.imul(high ^ 0xffff, 0x01000193);
      low = Math.imul((low ^ (low >>> 15)) + 0xffff, 0x5bd1e995);
    }
    high = Math.imul(high ^ (high >>> 16), 0x85ebca6b);
    high ^= high >>> 13;
    low = Math.imul(low ^ (low >>> 15), 0xc2b2ae35);
    low ^= low >>> 16;
    return this.insert(high, low, Math.max(1, line));
  }

  private insert(high: number, low: number, line: number): number {
    const table = this.table;
    const mask = this.capacity - 1;
    let slot = low & mask;
    for (;;) {
      const at = slot * 3;
      const seen = table[at + 2];
      if (seen === 0) {
        table[at] = high;
        table[at + 1] = low;
        table[at + 2] = line;
        this.count++;
        if (this.count > this.capacity * 0.75) this.grow();
        return 0;
      }
      if (table[at] === high && table[at + 1] === low) return seen;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.capacity *= 2;
    this.table = new Int32Array(this.capacity * 3);
    this.count = 0;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] !== 0) this.insert(old[at], old[at + 1], old[at + 2]);
    }
  }
}

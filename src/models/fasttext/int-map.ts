/**
 * An open-addressing map from int keys (>= 0) to int values (>= 0), each key next to its value
 * so a lookup touches one cache line. For the n-gram buckets a pruned model kept: a `Map` costs
 * several times more per lookup, and an array over all buckets (2 million for lid.176) 8 MB.
 */
export class IntMap {
  private readonly entries: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(size: number) {
    let bits = 4;
    while (1 << bits < size * 2) bits++;
    this.entries = new Int32Array(2 << bits).fill(-1);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /** Fibonacci hashing: the top bits of key × 2^32/φ. */
  private slot(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  set(key: number, value: number): void {
    const e = this.entries;
    let s = this.slot(key);
    while (e[2 * s] !== -1 && e[2 * s] !== key) s = (s + 1) & this.mask;
    e[2 * s] = key;
    e[2 * s + 1] = value;
  }

  /** Its table, for a kernel that probes it the same way: (key, value) pairs, -1 empty; slot = key × 2^32/φ >>> shift, then linear. */
  get layout(): { entries: Int32Array; mask: number; shift: number } {
    return { entries: this.entries, mask: this.mask, shift: this.shift };
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const e = this.entries;
    let s = this.slot(key);
    for (;;) {
      const k = e[2 * s];
      if (k === key) return e[2 * s + 1];
      if (k === -1) return -1;
      s = (s + 1) & this.mask;
    }
  }
}

/**
 * Each word's summed input rows (rounded to float32) and row count, by the word's text, so a word
 * seen before costs one probe instead of a dictionary lookup and its ~15 hashed n-gram rows.
 *
 * One record per slot, direct-mapped by the word's key: [length | rows << 16, `extras` ints (word
 * n-gram models keep the word's hash parts here), the sums (a Float32Array view of the same
 * memory), the word's UTF-16 units two per int]. A probe reads one contiguous record (two cache
 * lines at 16 dimensions) and no string: with sums, counts and text in separate arrays every word
 * cost several cache misses, which was most of the model's time. Words are compared in full and a
 * word always contributes its rounded sum, so what happens to be cached never changes a result.
 * Memory is fixed: about 128 bytes a slot at 16 dimensions (32 MB for the 262,144 slots of
 * hidden-vector.ts).
 */

/** Longest word cached (UTF-16 units); longer words are summed each time (they rarely repeat). */
export const maxCachedWord = 30;

export class WordSumCache {
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  private readonly sumsAt: number;
  private readonly unitsAt: number;
  private readonly record: number;
  private readonly mask: number;

  /** `slots` (a power of two) records of `dim` sums and `extras` ints. */
  constructor(private readonly dim: number, private readonly extras: number, slots: number) {
    this.sumsAt = 1 + extras;
    this.unitsAt = this.sumsAt + dim;
    this.record = this.unitsAt + maxCachedWord / 2;
    this.mask = slots - 1;
    this.ints = new Int32Array(slots * this.record);
    this.floats = new Float32Array(this.ints.buffer);
  }

  /** Where the record of `text[start, end)` (key `key`) starts, or -1 when it is not cached. */
  find(text: string, start: number, end: number, key: number): number {
    const at = (key & this.mask) * this.record;
    const len = end - start;
    const ints = this.ints;
    if ((ints[at] & 0xffff) !== len || len === 0) return -1;
    for (let i = start, u = at + this.unitsAt; i < end; i += 2, u++) {
      const pair = ints[u];
      if ((pair & 0xffff) !== text.charCodeAt(i)) return -1;
      if (i + 1 < end && pair >>> 16 !== text.charCodeAt(i + 1)) return -1;
    }
    return at;
  }

  /** Stores a word's sums (rounded to float32 here) and row count; returns its record. */
  store(text: string, start: number, end: number, key: number, sums: Float64Array, rows: number): number {
    const at = (key & this.mask) * this.record;
    const len = end - start;
    const ints = this.ints;
    ints[at] = len | (rows << 16);
    for (let d = 0; d < this.dim; d++) this.floats[at + this.sumsAt + d] = sums[d];
    for (let i = start, u = at + this.unitsAt; i < end; i += 2, u++) ints[u] = text.charCodeAt(i) | ((i + 1 < end ? text.charCodeAt(i + 1) : 0) << 16);
    return at;
  }

  rows(at: number): number {
    return this.ints[at] >>> 16;
  }

  /** Extra int `k` of a record. */
  extra(at: number, k: number): number {
    return this.ints[at + 1 + k];
  }

  setExtra(at: number, k: number, value: number): void {
    this.ints[at + 1 + k] = value;
  }

  /**
   * Adds a record's sums to `hidden`. Unrolled by four: the loop's own overhead was about half
   * the cost of a word (each dimension still gets its additions in the same order).
   */
  addTo(hidden: Float64Array, at: number): void {
    const floats = this.floats;
    const dim = this.dim;
    const f = at + this.sumsAt;
    let d = 0;
    for (; d + 4 <= dim; d += 4) {
      hidden[d] += floats[f + d];
      hidden[d + 1] += floats[f + d + 1];
      hidden[d + 2] += floats[f + d + 2];
      hidden[d + 3] += floats[f + d + 3];
    }
    for (; d < dim; d++) hidden[d] += floats[f + d];
  }
}

/**
 * Each word's summed input rows (rounded to float32, as fastText sums them) and row count, by the
 * word's text, so a word seen before costs one probe instead of its ~15 hashed n-gram lookups.
 *
 * One record per slot, direct-mapped by the word's hash: [length | rows << 16, the sums (a
 * Float32Array view of the same memory), the word's UTF-16 units two per int]. A probe reads one
 * contiguous record (two cache lines for lid.176's 16 dimensions) and no string: with the sums,
 * the row count and the text in separate arrays, every word cost several cache misses, which
 * was most of the model's time. Words are compared in full, so what is cached never changes a
 * result. Memory is fixed: 128 bytes a slot (8 MB for lid.176's 65,536).
 */

/** Longest word cached (UTF-16 units); longer words are summed each time (they rarely repeat). */
export const MAX_CACHED_WORD = 30;

export class WordSumCache {
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  private readonly record: number;
  private readonly unitsAt: number;
  private readonly mask: number;

  /** A cache of `slots` words (a power of two). */
  constructor(private readonly dim: number, slots: number) {
    this.unitsAt = 1 + dim;
    this.record = this.unitsAt + MAX_CACHED_WORD / 2;
    this.mask = slots - 1;
    this.ints = new Int32Array(slots * this.record);
    this.floats = new Float32Array(this.ints.buffer);
  }

  /** Where the record of `text[start:end]` (hash `hash`) starts, or -1 when it is not cached. */
  find(text: string, start: number, end: number, hash: number): number {
    const at = (hash & this.mask) * this.record;
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

  /** Stores a word's sums (rounded to float32) and row count; returns its record. */
  store(text: string, start: number, end: number, hash: number, sums: Float64Array, rows: number): number {
    const at = (hash & this.mask) * this.record;
    const len = end - start;
    const ints = this.ints;
    ints[at] = len | (rows << 16);
    for (let d = 0; d < this.dim; d++) this.floats[at + 1 + d] = sums[d];
    for (let i = start, u = at + this.unitsAt; i < end; i += 2, u++) ints[u] = text.charCodeAt(i) | ((i + 1 < end ? text.charCodeAt(i + 1) : 0) << 16);
    return at;
  }

  /** The row count of a record. */
  rows(at: number): number {
    return this.ints[at] >>> 16;
  }

  /**
   * Adds a record's sums to `hidden`. Unrolled by four: the loop's own overhead was about half
   * the cost of a word (each dimension still gets its additions in the same order).
   */
  addTo(hidden: Float64Array, at: number): void {
    const floats = this.floats;
    const dim = this.dim;
    const f = at + 1;
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

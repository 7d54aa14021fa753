/**
 * Each word's summed input rows (rounded to float32) and row count, by the word's text, so a word
 * seen before costs one probe instead of a dictionary lookup and its ~15 hashed n-gram rows.
 *
 * One record per slot: [length | rows << 16, `extras` ints (word n-gram models keep the word's
 * hash parts here), the sums (a Float32Array view of the same memory), the word's UTF-16 units two
 * per int]. A probe reads contiguous records (two cache lines each at 16 dimensions) and no
 * string: with sums, counts and text in separate arrays every word cost several cache misses,
 * which was most of the model's time. Words are compared in full and a word always contributes its
 * rounded sum, so what happens to be cached never changes a result. Memory is fixed: about 128
 * bytes a slot at 16 dimensions (32 MB for the 262,144 slots of hidden-vector.ts).
 *
 * Two-way set associative: a word's key picks a set of two adjacent slots, and a new word
 * replaces the one of the two used less recently. Direct-mapped, a frequent word lost its slot to
 * any rarer word with the same key bits: on Reuters, repeated, 2.1 % of words were summed again
 * each round; with two ways, 0.56 %.
 */

/** Longest word cached (UTF-16 units); longer words are summed each time (they rarely repeat). */
export const maxCachedWord = 30;
/** Ints in a record: [length | rows << 16, extras, sums, the word's units two per int]. */
const recordInts = (dim: number, extras: number): number => 1 + extras + dim + maxCachedWord / 2;
/** Ints in a 64-byte cache line. */
const lineInts = 16;

export class WordSumCache {
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  private readonly sumsAt: number;
  private readonly unitsAt: number;
  private readonly record: number;
  /** Sets - 1 (sets are pairs of slots). */
  private readonly mask: number;
  /** Per set: the way (0 or 1) used last. */
  private readonly recent: Uint8Array;
  /**
   * Per slot: the key of the word in it (1 MB for 262,144 slots, so it stays in the CPU's cache
   * while the records do not): a probe reads only the record that may hold the word.
   */
  private readonly tags: Int32Array;
  /** See `warm`. */
  private sink = 0;
  /** Byte offsets of the records, tags and recent ways in the memory, and the set mask. */
  readonly layout: { records: number; tags: number; recent: number; mask: number };

  /**
   * `slots` (a power of two, at least 2) records of `dim` sums and `extras` ints; in `memory` from
   * byte `offset` on (records, then tags, then the recent ways: `byteLength` bytes, zeroed), e.g.
   * a WebAssembly memory that a kernel reads, else in arrays of its own.
   */
  constructor(private readonly dim: number, private readonly extras: number, slots: number, memory?: { buffer: ArrayBuffer; offset: number }) {
    this.sumsAt = 1 + extras;
    this.unitsAt = this.sumsAt + dim;
    this.record = recordInts(dim, extras);
    this.mask = slots / 2 - 1;
    const buffer = memory?.buffer ?? new ArrayBuffer(WordSumCache.byteLength(dim, extras, slots));
    const offset = memory?.offset ?? 0;
    this.layout = { records: offset, tags: offset + slots * this.record * 4, recent: offset + slots * (this.record + 1) * 4, mask: this.mask };
    this.ints = new Int32Array(buffer, offset, slots * this.record);
    this.floats = new Float32Array(buffer, offset, slots * this.record);
    this.tags = new Int32Array(buffer, this.layout.tags, slots);
    this.recent = new Uint8Array(buffer, this.layout.recent, slots / 2);
  }

  /** Bytes a cache takes. */
  static byteLength(dim: number, extras: number, slots: number): number {
    // Per slot: its record and its tag (int32s); per set of two: its recent way (a byte).
    return slots * (recordInts(dim, extras) + 1) * 4 + slots / 2;
  }

  /** Where the record of `text[start, end)` (key `key`) starts, or -1 when it is not cached. */
  find(text: string, start: number, end: number, key: number): number {
    const set = key & this.mask;
    for (let way = 0; way < 2; way++) {
      const slot = 2 * set + way;
      if (this.tags[slot] !== key || !this.holds(slot * this.record, text, start, end)) continue;
      if (this.recent[set] !== way) this.recent[set] = way;
      return slot * this.record;
    }
    return -1;
  }

  /** Whether the record at `at` is that of `text[start, end)`. */
  private holds(at: number, text: string, start: number, end: number): boolean {
    const len = end - start;
    const ints = this.ints;
    if ((ints[at] & 0xffff) !== len || len === 0) return false;
    for (let i = start, u = at + this.unitsAt; i < end; i += 2, u++) {
      const pair = ints[u];
      if ((pair & 0xffff) !== text.charCodeAt(i)) return false;
      if (i + 1 < end && pair >>> 16 !== text.charCodeAt(i + 1)) return false;
    }
    return true;
  }

  /**
   * Reads the record each key's tag points to (both its cache lines), so that `find` then finds
   * it in the CPU's caches: the reads do not depend on each other, so the memory system serves
   * them together. (What was read is kept in `sink` so that the compiler cannot drop the reads.)
   */
  warm(keys: Int32Array, count: number): void {
    const ints = this.ints;
    const tags = this.tags;
    const mask = this.mask;
    const record = this.record;
    let x = 0;
    for (let k = 0; k < count; k++) {
      const key = keys[k];
      const slot = 2 * (key & mask);
      const at = (tags[slot + 1] === key ? slot + 1 : slot) * record;
      x ^= ints[at] ^ ints[at + lineInts];
    }
    this.sink ^= x;
  }

  /** Stores a word's sums (rounded to float32 here) and row count; returns its record. */
  store(text: string, start: number, end: number, key: number, sums: Float64Array, rows: number): number {
    const set = key & this.mask;
    const way = this.recent[set] ^ 1;
    this.recent[set] = way;
    this.tags[2 * set + way] = key;
    const at = (2 * set + way) * this.record;
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

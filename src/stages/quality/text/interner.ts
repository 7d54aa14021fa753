/**
 * Open-addressing hash tables over typed arrays, reused across documents: one maps spans of the
 * text to small integer ids (word types), the other maps pairs of ids to ids (n-gram classes).
 * Both avoid allocating a string or an object per word, which dominates the cost otherwise.
 *
 * A table's arrays only grow. Each reset uses (and clears) the first power-of-two slots that
 * suit the expected number of keys, so a small document after a huge one neither reallocates nor
 * clears the huge table.
 */
import { HASH_SEED, sameSpan } from './span-hash.js';

export class SpanInterner {
  private slots = new Int32Array(1 << 12);
  private mask = 0;
  size = 0;
  private starts: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private lengths: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private hashes: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private text = '';

  reset(text: string, expected: number): void {
    this.text = text;
    this.size = 0;
    this.useSlots(tableSize(expected));
  }

  /** The id of `text[start:end]`, whose `spanHash` is `h`; a new one (= previous size) when first seen. */
  internHashed(start: number, end: number, h: number): number {
    const text = this.text;
    const len = end - start;
    let slot = h & this.mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === h && this.lengths[id] === len && sameSpan(text, this.starts[id], start, len)) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    if (id === this.starts.length) this.growEntries();
    this.starts[id] = start;
    this.lengths[id] = len;
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return id;
  }

  /** Clears the first `n` slots for use (growing the array when needed). */
  private useSlots(n: number): void {
    if (this.slots.length < n) this.slots = new Int32Array(n);
    else this.slots.fill(0, 0, n);
    this.mask = n - 1;
  }

  private growEntries(): void {
    const n = this.starts.length * 2;
    this.starts = grow(this.starts, n);
    this.lengths = grow(this.lengths, n);
    this.hashes = grow(this.hashes, n);
  }

  private rehash(): void {
    this.useSlots(2 * (this.mask + 1));
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}

/** Pairs of ids → ids. Each slot is [a, b, id + 1] (0: empty), one cache line for a probe. */
export class PairInterner {
  private table = new Int32Array(3 << 12);
  private mask = 0;
  private used = 0;

  reset(expected: number): void {
    this.useSlots(tableSize(expected));
    this.used = 0;
  }

  /** The id stored for (a, b), or stores `fresh` and returns it. */
  getOrAdd(a: number, b: number, fresh: number): number {
    const t = this.table;
    let slot = (Math.imul(a ^ HASH_SEED, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    slot = (slot ^ (slot >>> 16)) & this.mask;
    for (;;) {
      const at = 3 * slot;
      const v = t[at + 2];
      if (v === 0) {
        t[at] = a;
        t[at + 1] = b;
        t[at + 2] = fresh + 1;
        if (++this.used * 2 > this.mask + 1) this.rehash();
        return fresh;
      }
      if (t[at] === a && t[at + 1] === b) return v - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  private useSlots(n: number): void {
    if (this.table.length < 3 * n) this.table = new Int32Array(3 * n);
    else this.table.fill(0, 0, 3 * n);
    this.mask = n - 1;
  }

  private rehash(): void {
    const old = this.table.slice(0, 3 * (this.mask + 1));
    this.useSlots(2 * (this.mask + 1));
    this.used = 0;
    for (let at = 0; at < old.length; at += 3) if (old[at + 2] !== 0) this.getOrAdd(old[at], old[at + 1], old[at + 2] - 1);
  }
}

export function grow(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(array.subarray(0, Math.min(array.length, size)));
  return next;
}

/**
 * Slots for `expected` keys: a power of two at least twice as many (at least 16: a table is
 * cleared, or its slots first touched, per document, and most documents need few).
 */
export function tableSize(expected: number): number {
  let want = 16;
  while (want < expected * 2) want *= 2;
  return want;
}

/**
 * Open-addressing hash tables over typed arrays, reused across documents: one maps spans of the
 * text to small integer ids (word types), the other maps pairs of ids to ids (n-gram classes).
 * Both avoid allocating a string or an object per word, which dominates the cost otherwise.
 */

import crypto from 'node:crypto';

/** A per-process random seed (see analysis.ts `HASH_SEED`). */
const SEED = (crypto.getRandomValues(new Uint32Array(1))[0] | 1) ^ 0x811c9dc5;

export class SpanInterner {
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  size = 0;
  private starts: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private lengths: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private hashes: Int32Array<ArrayBuffer> = new Int32Array(1 << 11);
  private text = '';

  reset(text: string, expected: number): void {
    this.text = text;
    this.size = 0;
    const cap = tableSize(expected, this.slots.length);
    if (cap !== this.slots.length) {
      this.slots = new Int32Array(cap);
      this.mask = cap - 1;
    } else this.slots.fill(0);
  }

  /** The id of `text[start:end]`, a new one (= previous size) when first seen. */
  intern(start: number, end: number): number {
    const text = this.text;
    let h = SEED ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return this.internHashed(start, end, h ^ (h >>> 15));
  }

  /** `intern` with the span's hash already computed (any hash, as long as equal spans agree). */
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
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private growEntries(): void {
    const n = this.starts.length * 2;
    this.starts = grow(this.starts, n);
    this.lengths = grow(this.lengths, n);
    this.hashes = grow(this.hashes, n);
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}

function sameSpan(text: string, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let k = 0; k < len; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

export class PairInterner {
  private keysA = new Int32Array(1 << 12);
  private keysB = new Int32Array(1 << 12);
  private values = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private used = 0;

  reset(expected: number): void {
    const cap = tableSize(expected, this.values.length);
    if (cap !== this.values.length) {
      this.keysA = new Int32Array(cap);
      this.keysB = new Int32Array(cap);
      this.values = new Int32Array(cap);
      this.mask = cap - 1;
    } else this.values.fill(0);
    this.used = 0;
  }

  /** The id stored for (a, b), or stores `fresh` and returns it. */
  getOrAdd(a: number, b: number, fresh: number): number {
    let slot = (Math.imul(a ^ SEED, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    slot = (slot ^ (slot >>> 16)) & this.mask;
    for (;;) {
      const v = this.values[slot];
      if (v === 0) break;
      if (this.keysA[slot] === a && this.keysB[slot] === b) return v - 1;
      slot = (slot + 1) & this.mask;
    }
    this.keysA[slot] = a;
    this.keysB[slot] = b;
    this.values[slot] = fresh + 1;
    if (++this.used * 2 > this.values.length) this.rehash();
    return fresh;
  }

  private rehash(): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.values;
    const cap = oldV.length * 2;
    this.keysA = new Int32Array(cap);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.used = 0;
    for (let s = 0; s < oldV.length; s++) if (oldV[s] !== 0) this.getOrAdd(oldA[s], oldB[s], oldV[s] - 1);
  }
}

export function grow(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(array.subarray(0, Math.min(array.length, size)));
  return next;
}

/**
 * The table size for `expected` keys: the current one when it fits and is not far too big (so a
 * huge document does not make every later reset slow), else the next power of two.
 */
function tableSize(expected: number, current: number): number {
  let want = 1 << 8;
  while (want < expected * 2) want *= 2;
  return current >= want && current <= want * 8 ? current : want;
}

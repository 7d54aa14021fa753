/**
 * A fixed set of strings looked up by spans of a text, without slicing the span: the tokenizer's
 * exceptions, its matcher's first tokens and the stop words. A span is hashed (or its hash comes
 * from the token buffer), probed in a typed-array table and compared in full.
 */
import { spanHash } from './span-hash.js';

export class StringTable {
  /** The strings, indexed by the id `find` returns. */
  readonly strings: readonly string[];
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;
  /** Longest string (UTF-16 units): longer spans are rejected without hashing. */
  readonly maxLength: number;
  /**
   * A bit per low 16 bits of the strings' hashes (bit `h & 7` of byte `(h >>> 3) & 8191`): most
   * spans that are not in the table fail this one test.
   */
  readonly bits = new Uint8Array(8192);

  constructor(strings: Iterable<string>) {
    this.strings = [...new Set(strings)];
    let cap = 16;
    while (cap < this.strings.length * 4) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.hashes = new Int32Array(this.strings.length);
    let maxLength = 0;
    this.strings.forEach((s, id) => {
      const h = spanHash(s, 0, s.length);
      this.hashes[id] = h;
      let slot = h & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
      this.bits[(h >>> 3) & 8191] |= 1 << (h & 7);
      maxLength = Math.max(maxLength, s.length);
    });
    this.maxLength = maxLength;
  }

  get size(): number {
    return this.strings.length;
  }

  /**
   * The table as [hash, 1] pairs per slot ([0, 0] for an empty one; a slot is `hash & (pairs - 1)`,
   * then the next ones): for a WebAssembly kernel that tells the strings' hashes from others
   * exactly, where `bits` only rules most out.
   */
  hashSlots(): Int32Array<ArrayBuffer> {
    const pairs = new Int32Array(2 * this.slots.length);
    this.slots.forEach((entry, slot) => {
      if (entry === 0) return;
      pairs[2 * slot] = this.hashes[entry - 1];
      pairs[2 * slot + 1] = 1;
    });
    return pairs;
  }

  /** The `spanHash` of string `id`. */
  hashOf(id: number): number {
    return this.hashes[id];
  }

  /** The id of the string equal to `text[start:end]`, or -1. */
  find(text: string, start: number, end: number): number {
    if (end - start > this.maxLength) return -1;
    return this.findHashed(text, start, end, spanHash(text, start, end));
  }

  /** `find` with the span's `spanHash` already known. */
  findHashed(text: string, start: number, end: number, hash: number): number {
    if ((this.bits[(hash >>> 3) & 8191] & (1 << (hash & 7))) === 0) return -1;
    const len = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] !== hash) continue;
      const s = this.strings[id];
      if (s.length === len && sameAt(text, start, s)) return id;
    }
  }
}

/** Whether `word` occurs in `text` at `start` (an inlined loop: `startsWith` calls out of line). */
export function sameAt(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

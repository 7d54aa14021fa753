/**
 * datatrove's `find_duplicates`: which pieces of a text (paragraphs, lines) repeat an earlier,
 * equal piece, and how many characters those repeats hold.
 *
 * Most pieces of real text are unique, and hashing every character of every piece would cost a
 * full pass over the text. So a first pass counts a cheap key per piece (its length and three of
 * its units): a piece whose key nobody else has cannot repeat or be repeated. Only pieces that
 * share a key are hashed in full and interned, in their original order, so the first occurrence
 * is still the one that is not counted. Crafted text can make every key equal; then every piece
 * is hashed once, which is still linear.
 */
import { codePointLength } from './python-text.js';
import { SpanInterner, tableSize } from './interner.js';
import { HASH_SEED, spanHash } from './span-hash.js';

export interface Duplicates {
  /** Pieces that repeat an earlier one. */
  elements: number;
  /** Their characters (code points). */
  chars: number;
}

export class DuplicateFinder {
  private keys = new Int32Array(1024);
  private slotKeys = new Int32Array(2048);
  private slotCounts = new Int32Array(2048);
  private mask = 0;
  private readonly interner = new SpanInterner();

  /** Looks at the pieces `[spans[2k], spans[2k+1])` for k < `count`. */
  find(text: string, spans: Int32Array, count: number, surrogates: boolean): Duplicates {
    const found = { elements: 0, chars: 0 };
    if (count < 2) return found;
    this.countKeys(text, spans, count);
    const interner = this.interner;
    let internerReady = false;
    for (let k = 0; k < count; k++) {
      if (this.keyCount(this.keys[k]) < 2) continue;
      if (!internerReady) {
        interner.reset(text, count);
        internerReady = true;
      }
      const s = spans[2 * k];
      const e = spans[2 * k + 1];
      const before = interner.size;
      interner.internHashed(s, e, spanHash(text, s, e));
      if (interner.size === before) {
        found.elements++;
        found.chars += surrogates ? codePointLength(text, s, e) : e - s;
      }
    }
    return found;
  }

  /** Fills `keys` and counts them in an open-addressing table. */
  private countKeys(text: string, spans: Int32Array, count: number): void {
    if (this.keys.length < count) this.keys = new Int32Array(Math.max(count, this.keys.length * 2));
    const cap = tableSize(count);
    if (this.slotKeys.length < cap) {
      this.slotKeys = new Int32Array(cap);
      this.slotCounts = new Int32Array(cap);
    } else this.slotCounts.fill(0, 0, cap);
    this.mask = cap - 1;
    const keys = this.keys;
    for (let k = 0; k < count; k++) {
      const key = cheapKey(text, spans[2 * k], spans[2 * k + 1]);
      keys[k] = key;
      this.addKey(key);
    }
  }

  private addKey(key: number): void {
    const mask = this.mask;
    for (let slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      const n = this.slotCounts[slot];
      if (n === 0) {
        this.slotKeys[slot] = key;
        this.slotCounts[slot] = 1;
        return;
      }
      if (this.slotKeys[slot] === key) {
        this.slotCounts[slot] = n + 1;
        return;
      }
    }
  }

  private keyCount(key: number): number {
    const mask = this.mask;
    for (let slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      if (this.slotCounts[slot] === 0) return 0;
      if (this.slotKeys[slot] === key) return this.slotCounts[slot];
    }
  }
}

/** Equal pieces have equal keys: the length and the first, middle and last units, mixed with the seed. */
function cheapKey(text: string, s: number, e: number): number {
  const len = e - s;
  if (len === 0) return HASH_SEED;
  let h = Math.imul(HASH_SEED ^ len, 0x9e3779b1);
  h = Math.imul(h ^ text.charCodeAt(s), 0x85ebca6b);
  h = Math.imul(h ^ text.charCodeAt(s + (len >> 1)), 0xc2b2ae35);
  h = Math.imul(h ^ text.charCodeAt(e - 1), 0x27d4eb2f);
  return h ^ (h >>> 16);
}

const mix = (key: number): number => {
  const h = Math.imul(key ^ (key >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 13);
};

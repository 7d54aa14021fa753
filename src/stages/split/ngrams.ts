/**
 * Word n-grams for contamination checks, hashed to 64 bits in one pass over the text, with the
 * character offsets of every n-gram in the original text (so a match maps back to a span).
 *
 * Normalisation (tokenizer version 1), the lm-evaluation-harness "janitor" rule (lowercase, delete
 * punctuation, split on whitespace) extended to Unicode:
 * - whitespace and control characters separate words;
 * - letters and digits (`\p{L}`, `\p{N}`) are word characters, folded by NFKD, lowercase and
 *   diacritic removal (`É` → `e` in NFC and NFD alike, fullwidth `Ａ` → `a`, `ﬁ` → `fi`, `²` → `2`);
 * - everything else (punctuation, symbols, combining marks, format characters such as zero-width
 *   spaces) is deleted without separating: `don't` → `dont`, `16-3-4` → `1634`, `a_b(c)` → `abc`.
 *   Deleting rather than splitting makes `farmer’s` and `farmer's` the same word.
 * Scripts written without spaces (Chinese, Japanese) become one long "word" per run of text, so
 * this detects contamination in space-separated text only; the benchmarks here are English and code.
 *
 * Hashing: each word gets two 32-bit hashes (FNV-1a style and a second multiply-add lane, both
 * finalised with murmur3's fmix32); an n-gram is a polynomial rolling hash of its words' hashes in
 * each lane mod 2^32 (odd bases, so one differing word always changes the hash), finalised again.
 * Everything is `Math.imul` arithmetic: bit-identical on any machine and thread.
 */
import { fmix32 } from './hash.js';

/** Bumped whenever the normalisation or the hash changes: indexes record it and refuse a mismatch. */
export const TOKENIZER_VERSION = 1;
export const MIN_N = 8;
export const MAX_N = 50;

const SEP = 0;
const WORD = 1;
const STRIP = 2;
const HIGH = 3;
/** A word character that folds to several units (`ﬁ` → `fi`), looked up in MULTI_FOLD. */
const MULTI = 4;

/** Class of every UTF-16 code unit, and its folded (lowercase, no diacritic) form for word units. */
const CLASS = new Uint8Array(65536);
const FOLD = new Uint16Array(65536);
const MULTI_FOLD = new Map<number, string>();

const isLetterOrDigit = /^[\p{L}\p{N}]$/u;
const isSeparator = /^[\s\p{Cc}]$/u;
const notLetterOrDigit = /[^\p{L}\p{N}]/gu;

/** Compatibility-decompose, lowercase, keep letters and digits: the folded form of one character. */
const foldChar = (s: string): string => s.normalize('NFKD').toLowerCase().normalize('NFKD').replace(notLetterOrDigit, '');

let tablesBuilt = false;

/** Built on first use (about 0.1 s): the registry imports this module in every worker. */
function buildTables(): void {
  tablesBuilt = true;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdbff) {
      CLASS[c] = HIGH;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      CLASS[c] = STRIP; // a low surrogate on its own
      continue;
    }
    const s = String.fromCharCode(c);
    if (isSeparator.test(s)) CLASS[c] = SEP;
    else if (isLetterOrDigit.test(s)) {
      const f = foldChar(s);
      if (f.length === 0) CLASS[c] = STRIP;
      else if (f.length === 1) {
        CLASS[c] = WORD;
        FOLD[c] = f.charCodeAt(0);
      } else {
        CLASS[c] = MULTI;
        MULTI_FOLD.set(c, f);
      }
    } else CLASS[c] = STRIP;
  }
}

/** Characters outside the BMP: folded string, or '' when deleted (emoji and other symbols). */
const astral = new Map<number, string>();
function foldAstral(cp: number): string {
  let f = astral.get(cp);
  if (f === undefined) {
    const s = String.fromCodePoint(cp);
    f = /^[\p{L}\p{N}]$/u.test(s) ? foldChar(s) : '';
    astral.set(cp, f);
  }
  return f;
}

// Odd multipliers for the rolling hash (one differing word changes the sum: odd => invertible mod 2^32).
const B1 = 0x2f0b3c5d | 1;
const B2 = 0x6c8e9cf5 | 1;
const WORD_SEED1 = 0x811c9dc5 | 0;
const WORD_SEED2 = 0x1b873593 | 0;

function powMod32(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r;
}

/** The n-grams of one text: hashes and [start, end) offsets in the original text, in text order. */
export class NgramBuffer {
  hi = new Uint32Array(1024);
  lo = new Uint32Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** Number of n-grams (windows). */
  length = 0;
  /** Number of words. */
  words = 0;

  grow(): void {
    const size = this.hi.length * 2;
    const copy = <T extends Uint32Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.hi = copy(this.hi);
    this.lo = copy(this.lo);
    this.start = copy(this.start);
    this.end = copy(this.end);
  }

  /** Drop buffers grown by one huge document, so a worker does not keep them forever. */
  shrink(max = 1 << 16): void {
    if (this.hi.length <= max) return;
    this.hi = new Uint32Array(1024);
    this.lo = new Uint32Array(1024);
    this.start = new Int32Array(1024);
    this.end = new Int32Array(1024);
  }
}

const ring1 = new Int32Array(MAX_N);
const ring2 = new Int32Array(MAX_N);
const ringStart = new Int32Array(MAX_N);

export function checkN(n: number): void {
  if (!Number.isInteger(n) || n < MIN_N || n > MAX_N) throw new RangeError(`n-gram size must be a whole number from ${MIN_N} to ${MAX_N}, got ${n}`);
}

/**
 * Fills `out` with the n-grams of `text` and returns their number. One pass, constant work per
 * character (table lookups and two multiplications), no regular expressions and no allocation
 * beyond `out` growing: linear time on any input.
 */
export function hashNgrams(text: string, n: number, out: NgramBuffer): number {
  checkN(n);
  if (!tablesBuilt) buildTables();
  const P1 = powMod32(B1, n - 1);
  const P2 = powMod32(B2, n - 1);
  const len = text.length;
  let m = 0;
  let words = 0;
  let p = 0; // ring position of the oldest word in the window
  let H1 = 0;
  let H2 = 0;
  let inWord = false;
  let w1 = 0;
  let w2 = 0;
  let wStart = 0;
  let wEnd = 0;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? text.charCodeAt(i) : 32;
    const cls = CLASS[c];
    if (cls === WORD) {
      const f = FOLD[c];
      if (!inWord) {
        inWord = true;
        w1 = WORD_SEED1;
        w2 = WORD_SEED2;
        wStart = i;
      }
      w1 = Math.imul(w1 ^ f, 0x01000193);
      w2 = Math.imul(w2 + f, 0x5bd1e995) ^ (w2 >>> 15);
      wEnd = i + 1;
      continue;
    }
    if (cls === SEP) {
      if (!inWord) continue;
      inWord = false;
      const fw1 = fmix32(w1) | 0;
      const fw2 = fmix32(w2 ^ 0x27d4eb2f) | 0;
      if (words >= n) {
        H1 = (H1 - Math.imul(ring1[p], P1)) | 0;
        H2 = (H2 - Math.imul(ring2[p], P2)) | 0;
      }
      H1 = (Math.imul(H1, B1) + fw1) | 0;
      H2 = (Math.imul(H2, B2) + fw2) | 0;
      ring1[p] = fw1;
      ring2[p] = fw2;
      ringStart[p] = wStart;
      p = p + 1 === n ? 0 : p + 1;
      words++;
      if (words >= n) {
        if (m === out.hi.length) out.grow();
        out.hi[m] = fmix32(H1 ^ 0x3c6ef372);
        out.lo[m] = fmix32(H2 ^ 0xa54ff53a);
        out.start[m] = ringStart[p];
        out.end[m] = wEnd;
        m++;
      }
      continue;
    }
    // Rare cases: a character folding to several units, or a surrogate pair.
    let f = '';
    const first = i;
    if (cls === MULTI) f = MULTI_FOLD.get(c)!;
    else if (cls === HIGH && i + 1 < len) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        f = foldAstral(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
      }
    }
    // Empty: STRIP, a lone surrogate or a deleted astral symbol; the current word continues.
    if (f.length === 0) continue;
    if (!inWord) {
      inWord = true;
      w1 = WORD_SEED1;
      w2 = WORD_SEED2;
      wStart = first;
    }
    for (let k = 0; k < f.length; k++) {
      const u = f.charCodeAt(k);
      w1 = Math.imul(w1 ^ u, 0x01000193);
      w2 = Math.imul(w2 + u, 0x5bd1e995) ^ (w2 >>> 15);
    }
    wEnd = i + 1;
  }
  out.length = m;
  out.words = words;
  return m;
}

/** The normalised words of a text (slow path: reports, tests, evaluation). */
export function normalizedWords(text: string): string[] {
  if (!tablesBuilt) buildTables();
  const words: string[] = [];
  let word = '';
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const cls = CLASS[c];
    if (cls === WORD) word += String.fromCharCode(FOLD[c]);
    else if (cls === MULTI) word += MULTI_FOLD.get(c)!;
    else if (cls === SEP) {
      if (word) words.push(word);
      word = '';
    } else if (cls === HIGH && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        word += foldAstral(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
      }
    }
  }
  return words;
}

/** The normalised text of a span: its words joined by single spaces. */
export const normalizedSpan = (text: string): string => normalizedWords(text).join(' ');

/** Number of words under this tokenizer. */
export const countWords = (text: string): number => normalizedWords(text).length;

/**
 * The dedup tokenizer: turns a text into the 32-bit hashes of its normalised words (for word
 * shingles) and a 64-bit hash of its normalised text (for exact dedup), in one pass.
 *
 * The specification is the reference path: `normalizeText(text)` (normalize.ts) split on spaces.
 * The fast path gets the same result without building the normalised string: ASCII characters go
 * through a lookup table; a whitespace-delimited chunk that holds any non-ASCII character is
 * normalised by the reference code on its own. That is exact, because every normalisation step
 * is local to such a chunk: NFD and mark stripping are per character (canonical reordering only
 * moves marks, which are stripped), digit and punctuation mapping are per character, and the one
 * context-sensitive case mapping in `toLowerCase` (Greek final sigma) looks only across
 * case-ignorable characters, which whitespace is not (except U+FEFF, which therefore does not
 * end a chunk). test/stages/dedup/tokenize.test.ts checks
 * the two paths against each other on hostile input.
 *
 * Hashes work on UTF-16 code units with `Math.imul`: no floating point, no BigInt, the same bits
 * in every thread and process. Changing anything here that changes a hash means a new
 * TOKENIZER_VERSION, which signature files record (mixing versions is an error).
 */
import { type Normalization, normalizeText } from './normalize.js';
import { fmix32 } from './prng.js';

/** Version 1: normalizeText semantics of normalize.ts, two FNV-1a-shaped lanes per token below. */
export const TOKENIZER_VERSION = 1;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const LANE2_OFFSET = 0x3c6ef372 | 0;
/** MurmurHash2's multiplier: the second lane is FNV-1a-shaped with another odd constant. */
const LANE2_PRIME = 0x5bd1e995 | 0;
const SEPARATOR = -1;

/** JavaScript's `\s` outside ASCII (ECMA-262 WhiteSpace and LineTerminator). */
export function isNonAsciiSpace(c: number): boolean {
  return isChunkSpace(c) || c === 0xfeff;
}

/**
 * Whitespace that ends a chunk: all of `\s` but U+FEFF, which is also case-ignorable (category
 * Cf), so final-sigma casing looks across it and it cannot bound a chunk.
 */
function isChunkSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** What each ASCII code becomes after normalisation: a code, or SEPARATOR (space or punctuation). */
function asciiTable(options: Normalization): Int32Array {
  const table = new Int32Array(128);
  for (let c = 0; c < 128; c++) {
    let m = c;
    const ch = String.fromCharCode(c);
    if (/\s/.test(ch)) m = SEPARATOR;
    else if (options.punctuation_to_space && /[\p{P}\p{S}]/u.test(ch)) m = SEPARATOR;
    else if (options.digits_to_zero && c >= 48 && c <= 57) m = 48;
    else if (options.lowercase && c >= 65 && c <= 90) m = c + 32;
    table[c] = m;
  }
  return table;
}

/**
 * Reusable per thread: `run(text)` fills `tokens[0..count)` and the exact-hash lanes. Not
 * reentrant (its buffers are reused from call to call).
 */
export class Tokenizer {
  tokens = new Int32Array(1024);
  count = 0;
  /** The 64-bit hash of the normalised text, as two 32-bit lanes. */
  exactHi = 0;
  exactLo = 0;
  private readonly table: Int32Array;
  private e1 = 0;
  private e2 = 0;

  constructor(private readonly options: Normalization) {
    this.table = asciiTable(options);
  }

  run(text: string): void {
    this.count = 0;
    this.e1 = 0x6a09e667 | 0;
    this.e2 = 0xbb67ae85 | 0;
    const table = this.table;
    const n = text.length;
    let t1 = FNV_OFFSET;
    let t2 = LANE2_OFFSET;
    let len = 0;
    // Where the current whitespace-delimited chunk started, and the state then (for the fallback).
    let chunkStart = 0;
    let chunkCount = 0;
    let chunkE1 = this.e1;
    let chunkE2 = this.e2;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const m = table[c];
        if (m !== SEPARATOR) {
          t1 = Math.imul(t1 ^ m, FNV_PRIME);
          t2 = Math.imul(t2 ^ m, LANE2_PRIME);
          len++;
        } else {
          if (len > 0) {
            this.emit(t1, t2, len);
            t1 = FNV_OFFSET;
            t2 = LANE2_OFFSET;
            len = 0;
          }
          if (c === 32 || (c >= 9 && c <= 13)) {
            chunkStart = i + 1;
            chunkCount = this.count;
            chunkE1 = this.e1;
            chunkE2 = this.e2;
          }
        }
        i++;
        continue;
      }
      if (isChunkSpace(c)) {
        if (len > 0) {
          this.emit(t1, t2, len);
          t1 = FNV_OFFSET;
          t2 = LANE2_OFFSET;
          len = 0;
        }
        i++;
        chunkStart = i;
        chunkCount = this.count;
        chunkE1 = this.e1;
        chunkE2 = this.e2;
        continue;
      }
      // A chunk with non-ASCII text: undo what the fast path did with it, normalise it whole.
      this.count = chunkCount;
      this.e1 = chunkE1;
      this.e2 = chunkE2;
      t1 = FNV_OFFSET;
      t2 = LANE2_OFFSET;
      len = 0;
      let end = i + 1;
      while (end < n) {
        const d = text.charCodeAt(end);
        if (d < 128 ? d === 32 || (d >= 9 && d <= 13) : isChunkSpace(d)) break;
        end++;
      }
      this.emitNormalized(normalizeText(text.slice(chunkStart, end), this.options));
      i = end;
      chunkStart = end;
      chunkCount = this.count;
      chunkE1 = this.e1;
      chunkE2 = this.e2;
    }
    if (len > 0) this.emit(t1, t2, len);
    this.finishExact();
  }

  /**
   * The reference path, for tests and for `collapse_whitespace: false` (where the normalised text
   * keeps its whitespace runs, so only it can give the exact hash).
   */
  runReference(text: string): void {
    this.count = 0;
    this.e1 = 0x6a09e667 | 0;
    this.e2 = 0xbb67ae85 | 0;
    const normalized = normalizeText(text, this.options);
    if (normalized !== '') {
      for (const token of normalized.split(' ')) this.emitToken(token, true);
    }
    this.finishExact();
  }

  /** Tokens of an already normalised chunk (single spaces between tokens, no outer spaces). */
  private emitNormalized(normalized: string): void {
    if (normalized === '') return;
    for (const token of normalized.split(/\s+/u)) if (token !== '') this.emitToken(token, false);
  }

  /** `keepEmpty`: with whitespace kept, empty tokens stand for extra spaces in the exact hash. */
  private emitToken(token: string, keepEmpty: boolean): void {
    if (token === '' && !keepEmpty) return;
    let t1 = FNV_OFFSET;
    let t2 = LANE2_OFFSET;
    for (let j = 0; j < token.length; j++) {
      const m = token.charCodeAt(j);
      t1 = Math.imul(t1 ^ m, FNV_PRIME);
      t2 = Math.imul(t2 ^ m, LANE2_PRIME);
    }
    if (token === '') this.foldExact(0, 0);
    else this.emit(t1, t2, token.length);
  }

  /**
   * A token's hash is its first lane with the length folded in; the shingle hash mixes tokens
   * further, so no finaliser is spent per token. The exact hash folds both lanes (64 bits).
   */
  private emit(t1: number, t2: number, len: number): void {
    const h1 = t1 ^ Math.imul(len, 0x9e3779b1);
    if (this.count === this.tokens.length) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.tokens[this.count++] = h1;
    this.foldExact(h1, t2 + len);
  }

  private foldExact(h1: number, h2: number): void {
    let e1 = this.e1 ^ h1;
    e1 = Math.imul((e1 << 13) | (e1 >>> 19), 0x85ebca6b) + 0x7f4a7c15;
    this.e1 = e1 | 0;
    let e2 = this.e2 ^ h2;
    e2 = Math.imul((e2 << 17) | (e2 >>> 15), 0xcc9e2d51) + 0x165667b1;
    this.e2 = e2 | 0;
  }

  private finishExact(): void {
    this.exactHi = fmix32(this.e1 ^ this.count) >>> 0;
    this.exactLo = fmix32(this.e2 + Math.imul(this.count, 0x27d4eb2f)) >>> 0;
  }
}

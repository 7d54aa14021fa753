/**
 * MinHash signatures (Broder, "On the resemblance and containment of documents", 1997) with
 * typed arrays and 32-bit integer arithmetic only.
 *
 * Shingles are word n-grams of the normalised text (tokenize.ts), or character n-grams for text
 * without spaces. Each shingle is a 32-bit hash x; permutation i maps it to (a_i * x + b_i) mod
 * 2^32 with a_i odd (a bijection), a_i and b_i drawn from SplitMix32 seeded by `seed`. The
 * signature keeps the minimum per permutation. Everything is `Math.imul`, `+` and shifts on int32,
 * so a signature is the same bits in any thread, process or machine. Minima are taken on
 * `v ^ 0x80000000` as signed int32, which orders like unsigned `v`.
 *
 * Two kernels compute the minima, with identical results (tested): WebAssembly SIMD
 * (minhash-kernel.wat: sixteen permutations per pass over the shingles, about 5x the JavaScript
 * one), used wherever the runtime validates it, and JavaScript (four permutations per pass), the
 * fallback and the tests' reference. Shingles are hashed straight into the wasm memory.
 */
import { type Normalization, normalizeText } from './normalize.js';
import { fmix32, splitMix32 } from './prng.js';
import { Tokenizer } from './tokenize.js';
import { MINHASH_KERNEL_WASM } from './minhash-kernel.js';
import { type WasmMemory, WasmKernel, growTo } from '../../core/wasm.js';

/** Version 1: the permutation family, shingle hashing and band-key hashing below. */
export const MINHASH_ALGORITHM_VERSION = 1;

export interface ShingleOptions {
  type: 'words' | 'chars';
  size: number;
}

export interface MinHashOptions {
  seed: number;
  bands: number;
  rows: number;
  shingle: ShingleOptions;
  normalize: Normalization;
}

const SIGN = 0x80000000 | 0;

export interface Signed {
  /** No shingles at all (an empty or punctuation-only text): the document joins no LSH bucket. */
  empty: boolean;
  exactHi: number;
  exactLo: number;
  /** Shingles hashed (with repeats). */
  shingles: number;
}

export type MinHashKernel = 'wasm' | 'js';

interface KernelExports {
  memory: WasmMemory;
  minimise(sh: number, n: number, a: number, b: number, out: number, groups: number): void;
}

/** The SIMD kernel, compiled once per thread. */
const minhashKernel = new WasmKernel<KernelExports>(MINHASH_KERNEL_WASM);

/** The best kernel this runtime has. */
export const defaultKernel = (): MinHashKernel => (minhashKernel.available ? 'wasm' : 'js');

export class MinHasher {
  readonly permutations: number;
  readonly kernel: MinHashKernel;
  private a: Int32Array;
  private b: Int32Array;
  private readonly tokenizer: Tokenizer;
  private shingleHashes: Int32Array;
  private shingleCount = 0;
  /** Code points of the text, for character shingles. */
  private points = new Int32Array(1024);
  private readonly exactFromReference: boolean;
  /** wasm kernel: its exports, and byte offsets of a, b, the minima and the shingles in its memory. */
  private readonly wasm: KernelExports | null = null;
  private readonly at = { a: 0, b: 0, out: 0, shingles: 0 };
  private minima: Int32Array | null = null;

  constructor(
    readonly options: MinHashOptions,
    kernel: MinHashKernel = defaultKernel(),
  ) {
    this.permutations = options.bands * options.rows;
    const k = this.permutations;
    const exports = kernel === 'wasm' ? minhashKernel.instantiate() : null;
    if (kernel === 'wasm' && !exports) throw new Error('this runtime has no WebAssembly SIMD: use the js MinHash kernel');
    this.kernel = kernel;
    if (exports) {
      this.wasm = exports;
      // Layout: a, b, minima (each k int32, 16-byte aligned), then the shingles.
      const slot = (k * 4 + 15) & ~15;
      this.at = { a: 0, b: slot, out: 2 * slot, shingles: 3 * slot };
      this.shingleHashes = this.wasmShingles(1024);
      const memory = new Int32Array(exports.memory.buffer);
      this.a = memory.subarray(0, k);
      this.b = memory.subarray(this.at.b / 4, this.at.b / 4 + k);
    } else {
      this.shingleHashes = new Int32Array(1024);
      this.a = new Int32Array(k);
      this.b = new Int32Array(k);
    }
    const next = splitMix32(options.seed);
    for (let i = 0; i < k; i++) {
      this.a[i] = next() | 1;
      this.b[i] = next() ^ SIGN; // pre-flipped: the kernel compares signed
    }
    this.tokenizer = new Tokenizer(options.normalize);
    this.exactFromReference = !options.normalize.collapse_whitespace;
  }

  /** A view of room for `n` shingles in the wasm memory, growing it first if needed. */
  private wasmShingles(n: number): Int32Array {
    const memory = this.wasm!.memory;
    const need = this.at.shingles + n * 4;
    // Growing detaches the old views: a and b are re-read from the memory, whose bytes stay.
    growTo(memory, need);
    const all = new Int32Array(memory.buffer);
    const k = this.permutations;
    this.a = all.subarray(0, k);
    this.b = all.subarray(this.at.b / 4, this.at.b / 4 + k);
    this.minima = all.subarray(this.at.out / 4, this.at.out / 4 + k);
    return all.subarray(this.at.shingles / 4, this.at.shingles / 4 + (memory.buffer.byteLength - this.at.shingles) / 4);
  }

  /** Just the 64-bit exact hash of the normalised text; `empty` when it has no words. */
  exact(text: string): { hi: number; lo: number; empty: boolean } {
    const tok = this.tokenizer;
    tok.run(text);
    const empty = tok.count === 0;
    if (this.exactFromReference) tok.runReference(text);
    return { hi: tok.exactHi, lo: tok.exactLo, empty };
  }

  /** Fills `out` (length = permutations) with the signature of `text`. */
  sign(text: string, out: Uint32Array): Signed {
    const tok = this.tokenizer;
    let exactHi: number;
    let exactLo: number;
    if (this.options.shingle.type === 'words') {
      if (this.exactFromReference) {
        tok.runReference(text);
        exactHi = tok.exactHi;
        exactLo = tok.exactLo;
      }
      tok.run(text);
      if (!this.exactFromReference) {
        exactHi = tok.exactHi;
        exactLo = tok.exactLo;
      }
      this.wordShingles(tok.tokens, tok.count, this.options.shingle.size);
    } else {
      tok.runReference(text);
      exactHi = tok.exactHi;
      exactLo = tok.exactLo;
      this.charShingles(this.normalizedForChars(text), this.options.shingle.size);
    }
    const empty = this.shingleCount === 0;
    if (empty) out.fill(0xffffffff);
    else this.minimise(out);
    return { empty, exactHi: exactHi!, exactLo: exactLo!, shingles: this.shingleCount };
  }

  /** The distinct shingle hashes of the last `sign` call, sorted (for exact Jaccard). */
  shingleSet(): Uint32Array {
    const set = new Uint32Array(this.shingleHashes.buffer, this.shingleHashes.byteOffset, this.shingleCount).slice().sort();
    let w = 0;
    for (let r = 0; r < set.length; r++) if (r === 0 || set[r] !== set[r - 1]) set[w++] = set[r];
    return set.slice(0, w);
  }

  private normalizedForChars(text: string): string {
    // The reference normalisation, with whitespace collapsed so spacing never changes shingles.
    return normalizeForChars(text, this.options.normalize);
  }

  private reserve(n: number): Int32Array {
    if (this.shingleHashes.length < n) {
      const size = Math.max(n, this.shingleHashes.length * 2);
      this.shingleHashes = this.wasm ? this.wasmShingles(size) : new Int32Array(size);
    }
    return this.shingleHashes;
  }

  /**
   * Word n-grams: a text with fewer than n words is one shingle of all its words (so a short text
   * still has a signature), as datatrove's and text-dedup's n-gram helpers do.
   */
  private wordShingles(tokens: Int32Array, count: number, n: number): void {
    this.hashNgrams(tokens, count, n, 0x2545f491);
  }

  /** Character n-grams over code points (a surrogate pair is one character). */
  private charShingles(text: string, n: number): void {
    let count = 0;
    for (const ch of text) {
      if (count === this.points.length) {
        const grown = new Int32Array(2 * count);
        grown.set(this.points);
        this.points = grown;
      }
      this.points[count++] = ch.codePointAt(0)!;
    }
    this.hashNgrams(this.points, count, n, 0x1b873593);
  }

  /** The shingle hashes of `items[0..count)` taken n at a time (all of them when fewer than n). */
  private hashNgrams(items: Int32Array, count: number, n: number, seed: number): void {
    if (count === 0) {
      this.shingleCount = 0;
      return;
    }
    const width = Math.min(n, count);
    const total = count - width + 1;
    const out = this.reserve(total);
    for (let i = 0; i < total; i++) {
      let h = seed ^ width;
      for (let j = 0; j < width; j++) h = Math.imul(((h << 13) | (h >>> 19)) ^ items[i + j], 0x9e3779b1);
      out[i] = fmix32(h);
    }
    this.shingleCount = total;
  }

  private minimise(out: Uint32Array): void {
    if (this.wasm) {
      const k = this.permutations;
      const groups = k >> 2;
      this.wasm.minimise(this.at.shingles, this.shingleCount, this.at.a, this.at.b, this.at.out, groups);
      out.set(this.minima!.subarray(0, 4 * groups));
      if (4 * groups < k) this.minimiseJs(out, 4 * groups);
      return;
    }
    this.minimiseJs(out, 0);
  }

  /** The JavaScript kernel, for permutations `from` … k-1. */
  private minimiseJs(out: Uint32Array, from: number): void {
    const sh = this.shingleHashes;
    const S = this.shingleCount;
    const a = this.a;
    const b = this.b;
    const k = this.permutations;
    let p = from;
    for (; p + 4 <= k; p += 4) {
      const a0 = a[p], a1 = a[p + 1], a2 = a[p + 2], a3 = a[p + 3];
      const b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3];
      let m0 = 0x7fffffff, m1 = 0x7fffffff, m2 = 0x7fffffff, m3 = 0x7fffffff;
      for (let s = 0; s < S; s++) {
        const x = sh[s];
        let v = (Math.imul(a0, x) + b0) | 0;
        if (v < m0) m0 = v;
        v = (Math.imul(a1, x) + b1) | 0;
        if (v < m1) m1 = v;
        v = (Math.imul(a2, x) + b2) | 0;
        if (v < m2) m2 = v;
        v = (Math.imul(a3, x) + b3) | 0;
        if (v < m3) m3 = v;
      }
      out[p] = m0 ^ SIGN;
      out[p + 1] = m1 ^ SIGN;
      out[p + 2] = m2 ^ SIGN;
      out[p + 3] = m3 ^ SIGN;
    }
    for (; p < k; p++) {
      const ap = a[p], bp = b[p];
      let m = 0x7fffffff;
      for (let s = 0; s < S; s++) {
        const v = (Math.imul(ap, sh[s]) + bp) | 0;
        if (v < m) m = v;
      }
      out[p] = m ^ SIGN;
    }
  }
}


function normalizeForChars(text: string, options: Normalization): string {
  return normalizeText(text, { ...options, collapse_whitespace: true });
}

/**
 * LSH band keys: band j hashes rows j*r .. j*r+r-1 of the signature into two 32-bit words. Docs
 * that agree on all r rows of a band share its key. `out` gets (hi, lo) per band.
 */
export function bandKeys(signature: Uint32Array, bands: number, rows: number, out: Uint32Array): void {
  for (let j = 0; j < bands; j++) {
    let h1 = 0x243f6a88 ^ j;
    let h2 = 0x13198a2e ^ Math.imul(j, 0x9e3779b1);
    const base = j * rows;
    for (let r = 0; r < rows; r++) {
      const v = signature[base + r] | 0;
      h1 = Math.imul(((h1 << 13) | (h1 >>> 19)) ^ v, 0x85ebca6b);
      h2 = Math.imul(((h2 << 11) | (h2 >>> 21)) ^ v, 0xc2b2ae35) + 0x7f4a7c15;
    }
    out[2 * j] = fmix32(h1 ^ rows) >>> 0;
    out[2 * j + 1] = fmix32(h2 ^ Math.imul(rows, 0x27d4eb2f)) >>> 0;
  }
}

/**
 * What is stored of a signature: the top 16 bits of each minimum (b-bit minwise hashing, Li &
 * König, WWW 2010). Band keys are made from the full 32 bits before this, in the worker. Two
 * different minima agree in their top 16 bits with probability 2^-16, so the estimate gains a bias
 * of at most (1 - J) / 65536 (under 2e-5), below the 4-decimal precision it is reported with;
 * it halves the spool and memory a signature takes.
 */
export function storedSignature(signature: Uint32Array, out: Uint16Array): void {
  for (let i = 0; i < out.length; i++) out[i] = signature[i] >>> 16;
}

/** Agreeing positions of two stored (16-bit) signatures. */
export function agreement16(x: Uint16Array, y: Uint16Array): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
  return same;
}

/** Signature positions where two signatures agree: the MinHash estimate of Jaccard is this / length. */
export function agreement(x: Uint32Array, y: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
  return same;
}

/** Exact Jaccard of two sorted sets of distinct 32-bit shingle hashes. */
export function exactJaccard(x: Uint32Array, y: Uint32Array): number {
  if (x.length === 0 && y.length === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < x.length && j < y.length) {
    const a = x[i];
    const b = y[j];
    if (a === b) {
      inter++;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return inter / (x.length + y.length - inter);
}

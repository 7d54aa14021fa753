/**
 * The hidden vector of one line (`Model::computeHidden` over `Dictionary::getLine`): the mean of
 * the input rows of its tokens (each token's own row and character n-grams), of its word n-gram
 * buckets, and of the end-of-line word `</s>` that fastText appends.
 *
 * A token always contributes the same rows. With character n-grams that is ~15 hashed lookups,
 * so their sum is computed once per distinct word, rounded to float32 (fastText accumulates in
 * float32) and cached (`word-sum-cache.ts`): most tokens then cost one probe. Without them a word
 * is one row, added straight from the float32 rows (the rounded sum of one row is that row, so
 * both ways give the same numbers; the cache would only add memory traffic). Word n-grams depend
 * on neighbours and are added row by row.
 *
 * For language ID (16 dimensions, character n-grams, no word n-grams) the loop over a text's words
 * runs in WebAssembly (word-scan.wat, the cache in its memory, and for a pruned quantised model
 * like lid.176 the tables that sum a word not cached): 1.8-1.9x the JavaScript loop,
 * which stays for other models, texts over 2^21 units, runtimes without WebAssembly SIMD, and as
 * the reference the kernel is tested against (identical probabilities, bit for bit).
 */
import type { Dictionary } from './dictionary.js';
import { eos, isLabel, spanKey } from './dictionary.js';
import { bigramBucket, fnvOffset, fnvPrime, leftPart, ngramBucket, rightPart, wrapPart } from './hashing.js';
import { type Matrix, denseRows } from './matrix.js';
import type { FastTextArgs } from './model-file.js';
import { WordSumCache, maxCachedWord } from './word-sum-cache.js';
import { WORD_SCAN_KERNEL_WASM } from './word-scan-kernel.js';
import { type WasmMemory, WasmKernel, growTo, layOut } from '../../core/wasm.js';

/**
 * Words a model keeps sums of (32 MB at 16 dimensions): a frequent word loses its slot less often
 * in a larger table; on Reuters, 2^18 slots made language ID 23 % faster than 2^16 (when the
 * cache was still direct-mapped).
 */
const cacheSlots = 1 << 18;
/** Largest quantised input decoded to float32 rows for a model without character n-grams (64 MB). */
const maxDecodedValues = 16 * 1024 * 1024;
const eosKey = spanKey(eos, 0, eos.length);
/** Tokens `addText` finds before it looks any up: their cache records (16 KB at 16 dimensions) stay in the CPU's L1 cache. */
const blockTokens = 128;

/** Which code runs `addText`'s loop: word-scan.wat where it can (the default), or JavaScript. */
export type WordLoop = 'wasm' | 'js';

interface WordScanExports {
  memory: WasmMemory;
  init(records: number, tags: number, recent: number, mask: number, hidden: number, block: number, state: number, text: number): void;
  initModel(
    dict: number, dictMask: number, wordAt: number, units: number, nwords: number, kept: number, keptMap: number, keptMask: number, keptShift: number,
    codes: number, norms: number, centroids: number, bytes: number, sums: number, minn: number, maxn: number, bucket: number, rowList: number,
  ): void;
  run(): number;
}

/**
 * The tables word-scan.wat reads to sum a word that is not in the cache (`Dictionary.addTokenRows`
 * for a pruned, product-quantised model of 16 dimensions in sub-spaces of two, as lid.176.ftz),
 * copied into its memory: about 2 MB for lid.176. Undefined for other models (JavaScript sums).
 */
function kernelModel(dict: Dictionary, input: Matrix): { bytes: number; copyTo(exports: WordScanExports, buffer: ArrayBuffer, at: number): void } | undefined {
  const pruned = dict.prunedTables();
  const pq = input.quantised?.();
  // maxn <= 7: a word's rows (its own, and n-grams of up to 7 of its at most 32 code points) fit the row list.
  if (!pruned || !pq || pq.nsubq !== 8 || pq.dsub !== 2 || pq.lastdsub !== 2 || pruned.maxn === 0 || pruned.maxn > 7) return undefined;
  const { table, words, kept, keptRows, minn, maxn, bucket } = pruned;
  const map = keptRows.layout;
  const units = words.reduce((n, w) => n + w.length, 0);
  const sizes = {
    dict: 4 * table.length,
    wordAt: 8 * words.length,
    units: 2 * units,
    kept: kept.length,
    keptMap: 4 * map.entries.length,
    codes: pq.codes.length,
    norms: 4 * pq.norms.length,
    centroids: 4 * pq.centroids.length,
    // '<' + up to 30 units as UTF-8 (3 bytes each) + '>', and 16 float64 sums.
    bytes: 128,
    sums: 128,
    rowList: 4 * 256,
  };
  return {
    bytes: layOut(0, sizes).end,
    copyTo(exports, buffer, start) {
      const { at } = layOut(start, sizes);
      new Int32Array(buffer, at.dict, table.length).set(table);
      const wordAt = new Int32Array(buffer, at.wordAt, 2 * words.length);
      const unitView = new Uint16Array(buffer, at.units, units);
      let u = 0;
      words.forEach((w, id) => {
        wordAt[2 * id] = u;
        wordAt[2 * id + 1] = w.length;
        for (let k = 0; k < w.length; k++) unitView[u++] = w.charCodeAt(k);
      });
      new Uint8Array(buffer, at.kept, kept.length).set(kept);
      new Int32Array(buffer, at.keptMap, map.entries.length).set(map.entries);
      new Uint8Array(buffer, at.codes, pq.codes.length).set(pq.codes);
      new Float32Array(buffer, at.norms, pq.norms.length).set(pq.norms);
      new Float32Array(buffer, at.centroids, pq.centroids.length).set(pq.centroids);
      exports.initModel(at.dict, table.length - 1, at.wordAt, at.units, words.length, at.kept, at.keptMap, map.mask, map.shift, at.codes, at.norms, at.centroids, at.bytes, at.sums, minn, maxn, bucket, at.rowList);
    },
  };
}

const wordScanKernel = new WasmKernel<WordScanExports>(WORD_SCAN_KERNEL_WASM);

/** The word loop in WebAssembly: its exports, its state (int32s, see word-scan.wat) and its text. */
interface WordScan {
  exports: WordScanExports;
  state: Int32Array;
  text: Buffer;
}

/** Longest text word-scan.wat takes (UTF-16 units: 4 MB of its memory); longer texts go through the JavaScript loop. */
export const kernelTextUnits = 1 << 21;

/** fastText's word separators (`Dictionary::readWord`). No unit above the space is one: one comparison for almost every unit. */
const isSeparator = (c: number): boolean => c <= 0x20 && (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x00);

export class HiddenVector {
  /** The sum of rows so far; the mean after `finish`. */
  readonly values: Float64Array;
  /** word-scan.wat, when it runs `addText` (16 dimensions, character n-grams, no word n-grams). */
  private readonly scan: WordScan | null = null;
  /** Rows added (fastText divides by this). */
  rows = 0;
  /** Tokens seen, `</s>` not counted. */
  tokens = 0;

  private readonly dim: number;
  /** Models without character n-grams: the input rows as float32; else null, and words go through `cache`. */
  private readonly wordRows: Float32Array | null;
  private readonly cache: WordSumCache | null;
  /** One word's sums when not cached. */
  private readonly scratch: Float64Array;
  private readonly wordNgrams: number;
  private readonly bucket: number;
  private readonly wrap: number;
  /** Hashes of the last `wordNgrams - 1` words, oldest first, and how many there are. */
  private readonly recent: Uint32Array;
  private recentCount = 0;
  /** `leftPart` of the previous word (bigram models). */
  private prevLeft = 0;
  /** One block of `addText`'s tokens: where each starts and ends, and its key. */
  private readonly block = { starts: new Int32Array(blockTokens), ends: new Int32Array(blockTokens), keys: new Int32Array(blockTokens) };

  constructor(private readonly dict: Dictionary, private readonly input: Matrix, args: FastTextArgs, loop: WordLoop = 'wasm') {
    this.dim = args.dim;
    this.scratch = new Float64Array(args.dim);
    this.wordNgrams = args.bucket > 0 ? args.wordNgrams : 1;
    this.bucket = args.bucket;
    this.wrap = this.wordNgrams > 1 ? wrapPart(args.bucket) : 0;
    this.recent = new Uint32Array(Math.max(1, this.wordNgrams - 1));
    this.wordRows = args.maxn === 0 || args.bucket === 0 ? denseRows(input, maxDecodedValues) : null;
    const exports = !this.wordRows && this.wordNgrams === 1 && args.dim === 16 && loop === 'wasm' ? wordScanKernel.instantiate() : null;
    if (exports) {
      // The kernel's memory: the cache, the hidden vector, its block and state, the text, the model's tables.
      const model = kernelModel(dict, input);
      const { at, end } = layOut(0, {
        cache: WordSumCache.byteLength(args.dim, 0, cacheSlots),
        hidden: 8 * args.dim,
        block: 3 * 4 * blockTokens,
        state: 64,
        text: 2 * kernelTextUnits,
        model: model?.bytes ?? 0,
      });
      growTo(exports.memory, end);
      const buffer = exports.memory.buffer;
      this.cache = new WordSumCache(args.dim, 0, cacheSlots, { buffer, offset: at.cache });
      const { records, tags, recent, mask } = this.cache.layout;
      exports.init(records, tags, recent, mask, at.hidden, at.block, at.state, at.text);
      // Words not in the cache are summed in the kernel too, when it can read the model's tables.
      model?.copyTo(exports, buffer, at.model);
      this.values = new Float64Array(buffer, at.hidden, args.dim);
      this.scan = { exports, state: new Int32Array(buffer, at.state, 16), text: Buffer.from(buffer, at.text, 2 * kernelTextUnits) };
    } else {
      this.values = new Float64Array(args.dim);
      // Word n-gram models cache each word's hash, leftPart and rightPart with its sum.
      this.cache = this.wordRows ? null : new WordSumCache(args.dim, this.wordNgrams > 1 ? 3 : 0, cacheSlots);
    }
  }

  /** Which code runs `addText`. */
  get loop(): WordLoop {
    return this.scan ? 'wasm' : 'js';
  }

  reset(): void {
    this.values.fill(0);
    this.rows = 0;
    this.tokens = 0;
    this.recentCount = 0;
  }

  /**
   * The tokens of `text` split on fastText's separators (`Dictionary::readWord`: space, \t \n \v
   * \f \r, NUL). This loop is most of language ID's time. Tokens go in blocks: first each one's
   * end and key (hashed in the pass that finds its end), then the cache slots of the whole block
   * are read once (`WordSumCache.warm`: the table is far larger than the CPU's caches, and
   * independent reads wait for memory together instead of one after another: this was a fifth of
   * the quality stage's time), then the tokens are added in order: a cached word (the common
   * case) here with the counters in locals, everything else through `addToken`. word-scan.wat
   * does the same steps (`scanText`).
   */
  addText(text: string): void {
    if (this.scan && text.length <= kernelTextUnits) return this.scanText(this.scan, text);
    const cache = this.wordNgrams === 1 ? this.cache : null;
    const values = this.values;
    const { starts, ends, keys } = this.block;
    const n = text.length;
    let rows = 0;
    let tokens = 0;
    let i = 0;
    while (i < n) {
      let count = 0;
      while (count < blockTokens) {
        while (i < n && isSeparator(text.charCodeAt(i))) i++;
        if (i >= n) break;
        const start = i;
        let h = fnvOffset;
        for (; i < n; i++) {
          const c = text.charCodeAt(i);
          if (isSeparator(c)) break;
          h = Math.imul(h ^ c, fnvPrime);
        }
        starts[count] = start;
        ends[count] = i;
        keys[count++] = h ^ (h >>> 15);
      }
      if (cache) cache.warm(keys, count);
      for (let k = 0; k < count; k++) {
        const start = starts[k];
        const end = ends[k];
        // 95 = '_': maybe a label, which `addToken` skips.
        const at = cache && end - start <= maxCachedWord && text.charCodeAt(start) !== 95 ? cache.find(text, start, end, keys[k]) : -1;
        if (at < 0) {
          this.addToken(text, start, end, keys[k]);
          continue;
        }
        tokens++;
        rows += cache!.rows(at);
        cache!.addTo(values, at);
      }
    }
    this.rows += rows;
    this.tokens += tokens;
  }

  /**
   * `addText` in word-scan.wat: the text is copied into its memory (as UTF-16 units, by Node's
   * native encoder), and each token the kernel stops at (longer than 30 units, maybe a label,
   * `</s>` spelled out, or any word not cached when the kernel lacks the model's tables) is added
   * here, in its place in the order.
   */
  private scanText(scan: WordScan, text: string): void {
    scan.text.write(text, 0, 'utf16le');
    const state = scan.state;
    state.fill(0, 0, 6);
    state[0] = text.length;
    while (scan.exports.run() !== 0) {
      const start = state[6];
      const end = state[7];
      // A word the kernel looked up in the cache and did not find: summed (and cached) without a
      // second probe. Longer words and possible labels are never looked up: the general path.
      if (end - start <= maxCachedWord && text.charCodeAt(start) !== 95) {
        this.tokens++;
        this.addUncached(text, start, end, state[8]);
      } else this.addToken(text, start, end, state[8]);
    }
    this.rows += state[4];
    this.tokens += state[5];
  }

  /** A token given as `text[start, end)`. */
  addSpan(text: string, start: number, end: number): void {
    this.addToken(text, start, end, spanKey(text, start, end));
  }

  /** A token given as `text[start, end)` whose `spanKey` the caller computed while finding it. */
  addToken(text: string, start: number, end: number, key: number): void {
    this.tokens++;
    if (isLabel(text, start, end)) return;
    if (this.wordRows) this.addWordRow(text, start, end, key);
    else this.addCachedWord(text, start, end, key);
  }

  /** Appends `</s>` and takes the mean. */
  finish(): void {
    if (this.wordRows) this.addWordRow(eos, 0, eos.length, eosKey);
    else this.addCachedWord(eos, 0, eos.length, eosKey);
    if (this.rows === 0) return;
    const inv = 1 / this.rows;
    for (let d = 0; d < this.dim; d++) this.values[d] *= inv;
  }

  /** Kept small so that it inlines into the tokenizer loops; the rare cases are methods of their own. */
  private addCachedWord(text: string, start: number, end: number, key: number): void {
    const cache = this.cache!;
    const at = end - start <= maxCachedWord ? cache.find(text, start, end, key) : -1;
    if (at < 0) return this.addUncached(text, start, end, key);
    this.rows += cache.rows(at);
    cache.addTo(this.values, at);
    if (this.wordNgrams > 1) this.addWordNgrams(cache.extra(at, 0) >>> 0, cache.extra(at, 1), cache.extra(at, 2));
  }

  /** A word of a model without character n-grams: its row, if known. */
  private addWordRow(text: string, start: number, end: number, key: number): void {
    const id = this.dict.find(text, start, end, key);
    if (id >= 0) {
      const rows = this.wordRows!;
      const values = this.values;
      const dim = this.dim;
      const base = id * dim;
      for (let d = 0; d < dim; d++) values[d] += rows[base + d];
      this.rows++;
    }
    if (this.wordNgrams > 1) this.addWordNgramsOf(id, text, start, end);
  }

  private addWordNgramsOf(id: number, text: string, start: number, end: number): void {
    const h = id >= 0 ? this.dict.wordHashes[id] : this.dict.hashOf(text, start, end);
    this.addWordNgrams(h, leftPart(h, this.bucket), rightPart(h, this.bucket));
  }

  /** A word not in the cache: summed, then cached unless too long. */
  private addUncached(text: string, start: number, end: number, key: number): void {
    const cache = this.cache!;
    const sums = this.scratch;
    sums.fill(0);
    const rows = this.dict.addTokenRows(text, start, end, key, this.input, sums);
    for (let d = 0; d < this.dim; d++) sums[d] = Math.fround(sums[d]);
    const h = this.dict.hash;
    const left = this.wordNgrams > 1 ? leftPart(h, this.bucket) : 0;
    const right = this.wordNgrams > 1 ? rightPart(h, this.bucket) : 0;
    if (end - start <= maxCachedWord) {
      const at = cache.store(text, start, end, key, sums, rows);
      if (this.wordNgrams > 1) {
        cache.setExtra(at, 0, h);
        cache.setExtra(at, 1, left);
        cache.setExtra(at, 2, right);
      }
    }
    this.rows += rows;
    for (let d = 0; d < this.dim; d++) this.values[d] += sums[d];
    if (this.wordNgrams > 1) this.addWordNgrams(h, left, right);
  }

  private addRow(row: number): void {
    if (row < 0) return;
    this.input.addRow(this.values, row);
    this.rows++;
  }

  /** The word n-grams that end with this word (`addWordNgrams`, emitted as each word arrives). */
  private addWordNgrams(hash: number, left: number, right: number): void {
    const recent = this.recent;
    if (this.wordNgrams === 2) {
      if (this.recentCount > 0) this.addRow(this.dict.bucketRow(bigramBucket(recent[0], this.prevLeft, hash, right, this.bucket, this.wrap)));
      recent[0] = hash;
      this.prevLeft = left;
      this.recentCount = 1;
      return;
    }
    // Three or more: every n-gram of 2..n words ending here.
    const have = this.recentCount;
    const window = new Uint32Array(have + 1);
    window.set(recent.subarray(0, have));
    window[have] = hash;
    for (let from = have - 1; from >= 0; from--) this.addRow(this.dict.bucketRow(ngramBucket(window, from, have, this.bucket)));
    if (have < this.wordNgrams - 1) {
      recent[have] = hash;
      this.recentCount = have + 1;
    } else {
      recent.copyWithin(0, 1);
      recent[this.wordNgrams - 2] = hash;
    }
  }
}

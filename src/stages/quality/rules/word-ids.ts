/**
 * word-ids.wat, set up in the tokenizer kernel's memory: Gopher repetition's word ids and n-gram
 * classes, and Gopher quality's word statistics, for texts whose tokens that memory holds, with the
 * same results as the JavaScript code in gopher-repetition.ts and gopher-quality.ts (tested
 * against it). Its arrays are views of that memory, sized for the longest text the tokenizer
 * kernel takes.
 */
import { WasmKernel, layOut } from '../../../core/wasm.js';
import type { KernelScratch } from '../tokenizer/spacy-english.js';
import type { TokenBuffer } from '../tokenizer/token-buffer.js';
import { HASH_SEED } from '../text/span-hash.js';
import { tableSize } from '../text/interner.js';
import { WORD_IDS_KERNEL_WASM } from './word-ids-kernel.js';

interface WordIdsExports {
  intern(text: number, starts: number, ends: number, hashes: number, lengths: number, n: number, slots: number, mask: number, slotBytes: number, words: number, counts: number, cum: number, active: number, activeClass: number): number;
  advance(n: number, activeCount: number, seed: number, table: number, mask: number, tableBytes: number, words: number, counts: number, active: number, activeClass: number, cand: number, candClass: number): number;
  stats(text: number, starts: number, ends: number, hashes: number, lengths: number, flags: number, n: number, stop: number, pending: number, out: number): void;
  wordSerial: { value: number };
  pairSerial: { value: number };
}

/** Stop words the kernel can look for: at most 32, each at most 28 units (one 64-byte record). */
export const KERNEL_STOP_WORDS = { count: 32, length: 28 };

const wordIdsKernel = new WasmKernel<WordIdsExports>(WORD_IDS_KERNEL_WASM);

/** Its regions: the word and pair tables (16-byte slots), then int32 arrays of one per token (`cum` one more). */
const regions = (tokens: number) => ({
  slots: 16 * tableSize(tokens),
  pairs: 16 * tableSize(tokens),
  words: 4 * tokens,
  classCounts: 4 * tokens,
  active: 4 * tokens,
  activeClass: 4 * tokens,
  cand: 4 * tokens,
  candClass: 4 * tokens,
  cum: 4 * (tokens + 1),
  pending: 0x10000,
  stop: 4 + 64 * KERNEL_STOP_WORDS.count,
  out: 16,
});

export class WordIdsKernel {
  readonly words: Int32Array<ArrayBuffer>;
  readonly cum: Int32Array<ArrayBuffer>;
  readonly active: Int32Array<ArrayBuffer>;
  readonly activeClass: Int32Array<ArrayBuffer>;
  readonly classCounts: Int32Array<ArrayBuffer>;
  private readonly at: Record<keyof ReturnType<typeof regions>, number>;
  private readonly out: Int32Array<ArrayBuffer>;
  /** Bytes of each table (every slot a call may have used; zeroed when the serials start again). */
  private readonly tableBytes: number;
  /** The stop words in the memory now (their hashes, by which they are found). */
  private stopWords: readonly string[] | undefined;

  /** Bytes it needs for texts of up to `tokens` tokens. */
  static bytes(tokens: number): number {
    return layOut(0, regions(tokens)).end;
  }

  /** In `scratch` (see SpacyEnglishTokenizer.attach), or undefined where WebAssembly is not available. */
  static create(scratch: KernelScratch, tokens: number): WordIdsKernel | undefined {
    const exports = wordIdsKernel.instantiate({ env: { memory: scratch.memory } });
    return exports ? new WordIdsKernel(exports, scratch, tokens) : undefined;
  }

  private constructor(private readonly exports: WordIdsExports, scratch: KernelScratch, readonly tokens: number) {
    const buffer = scratch.memory.buffer;
    const { at } = layOut(scratch.at, regions(tokens));
    this.at = at;
    const view = (start: number, length = tokens): Int32Array<ArrayBuffer> => new Int32Array(buffer, start, length);
    this.words = view(at.words);
    this.cum = view(at.cum, tokens + 1);
    this.active = view(at.active);
    this.activeClass = view(at.activeClass);
    this.classCounts = view(at.classCounts);
    this.out = view(at.out, 4);
    this.tableBytes = regions(tokens).slots;
  }

  /**
   * Word ids of `toks` (in the tokenizer kernel's storage, over the text at byte `textAt`), their
   * counts and length sums, and the positions whose word repeats; returns how many those are.
   */
  intern(toks: TokenBuffer, textAt: number): number {
    const n = toks.count;
    const at = this.at;
    return this.exports.intern(textAt, toks.starts.byteOffset, toks.ends.byteOffset, toks.hashes.byteOffset, toks.lengths.byteOffset, n, at.slots, tableSize(n) - 1, this.tableBytes, at.words, at.classCounts, at.cum, at.active, at.activeClass);
  }

  /**
   * Gopher quality's word statistics of `toks` (as `intern`): [words, their summed lengths, tokens
   * with a letter, distinct stop words]. `stopWords` (at most KERNEL_STOP_WORDS) with their hashes.
   */
  stats(toks: TokenBuffer, textAt: number, stopWords: readonly string[], hashes: readonly number[]): Int32Array {
    const at = this.at;
    if (stopWords !== this.stopWords) {
      const buffer = this.out.buffer;
      const pending = new Uint8Array(buffer, at.pending, 0x10000).fill(0);
      const view = new DataView(buffer, at.stop, 4 + 64 * KERNEL_STOP_WORDS.count);
      view.setInt32(0, stopWords.length, true);
      stopWords.forEach((word, k) => {
        pending[hashes[k] & 0xffff]++;
        view.setInt32(4 + 64 * k, hashes[k], true);
        view.setInt32(8 + 64 * k, word.length, true);
        for (let i = 0; i < word.length; i++) view.setUint16(12 + 64 * k + 2 * i, word.charCodeAt(i), true);
      });
      this.stopWords = stopWords;
    }
    this.exports.stats(textAt, toks.starts.byteOffset, toks.ends.byteOffset, toks.hashes.byteOffset, toks.lengths.byteOffset, toks.flags.byteOffset, toks.count, at.stop, at.pending, at.out);
    return this.out;
  }

  /**
   * Where the tables' serial numbers stand (see word-ids.wat): they only grow, and the tables are
   * zeroed when they would pass 2^31, after some ten million documents. Setting them lets a test
   * reach that point.
   */
  get serials(): { word: number; pair: number } {
    return { word: this.exports.wordSerial.value, pair: this.exports.pairSerial.value };
  }

  set serials(to: { word: number; pair: number }) {
    this.exports.wordSerial.value = to.word;
    this.exports.pairSerial.value = to.pair;
  }

  /** NgramLevels.advance to level `n`: returns how many positions stay active. */
  advance(n: number, activeCount: number): number {
    const at = this.at;
    return this.exports.advance(n, activeCount, HASH_SEED, at.pairs, tableSize(activeCount) - 1, this.tableBytes, at.words, at.classCounts, at.active, at.activeClass, at.cand, at.candClass);
  }
}

/**
 * word-ids.wat, set up in the tokenizer kernel's memory: Gopher repetition's word ids and n-gram
 * classes for texts whose tokens that memory holds, with the same results as the JavaScript code
 * in gopher-repetition.ts (tested against it). Its arrays are views of that memory, sized for the
 * longest text the tokenizer kernel takes.
 */
import { WasmKernel } from '../../../core/wasm.js';
import type { KernelScratch } from '../tokenizer/spacy-english.js';
import type { TokenBuffer } from '../tokenizer/token-buffer.js';
import { HASH_SEED } from '../text/span-hash.js';
import { tableSize } from '../text/interner.js';
import { WORD_IDS_KERNEL_WASM } from './word-ids-kernel.js';

interface WordIdsExports {
  intern(text: number, starts: number, ends: number, hashes: number, lengths: number, n: number, slots: number, mask: number, first: number, words: number, counts: number, cum: number, active: number, activeClass: number): number;
  advance(n: number, count: number, activeCount: number, seed: number, table: number, mask: number, words: number, counts: number, active: number, activeClass: number, cand: number, candClass: number): number;
}

const wordIdsKernel = new WasmKernel<WordIdsExports>(WORD_IDS_KERNEL_WASM);

/** The arrays, in order after the two tables (int32 each, `tokens` long; `cum` one more). */
const ARRAYS = ['first', 'words', 'classCounts', 'active', 'activeClass', 'cand', 'candClass', 'cum'] as const;

export class WordIdsKernel {
  readonly words: Int32Array<ArrayBuffer>;
  readonly cum: Int32Array<ArrayBuffer>;
  readonly active: Int32Array<ArrayBuffer>;
  readonly activeClass: Int32Array<ArrayBuffer>;
  readonly classCounts: Int32Array<ArrayBuffer>;
  private readonly at: Record<(typeof ARRAYS)[number] | 'slots' | 'pairs', number>;

  /** Bytes it needs for texts of up to `tokens` tokens. */
  static bytes(tokens: number): number {
    return 16 * tableSize(tokens) + 4 * (ARRAYS.length * tokens + 1);
  }

  /** In `scratch` (see SpacyEnglishTokenizer.attach), or undefined where WebAssembly is not available. */
  static create(scratch: KernelScratch, tokens: number): WordIdsKernel | undefined {
    const exports = wordIdsKernel.instantiate({ env: { memory: scratch.memory } });
    return exports ? new WordIdsKernel(exports, scratch, tokens) : undefined;
  }

  private constructor(private readonly exports: WordIdsExports, scratch: KernelScratch, readonly tokens: number) {
    const buffer = scratch.memory.buffer;
    const table = tableSize(tokens);
    const slots = scratch.at;
    const pairs = slots + 4 * table;
    let next = pairs + 12 * table;
    const at = { slots, pairs } as Record<(typeof ARRAYS)[number] | 'slots' | 'pairs', number>;
    for (const name of ARRAYS) {
      at[name] = next;
      next += 4 * tokens;
    }
    this.at = at;
    const view = (name: (typeof ARRAYS)[number], length = tokens): Int32Array<ArrayBuffer> => new Int32Array(buffer, at[name], length);
    this.words = view('words');
    this.cum = view('cum', tokens + 1);
    this.active = view('active');
    this.activeClass = view('activeClass');
    this.classCounts = view('classCounts');
  }

  /**
   * Word ids of `toks` (in the tokenizer kernel's storage, over the text at byte `textAt`), their
   * counts and length sums, and the positions whose word repeats; returns how many those are.
   */
  intern(toks: TokenBuffer, textAt: number): number {
    const region = toks.storage!.region;
    const cap = toks.storage!.capacity;
    const n = toks.count;
    const table = tableSize(n);
    const at = this.at;
    return this.exports.intern(textAt, region, region + 4 * cap, region + 8 * cap, region + 12 * cap, n, at.slots, table - 1, at.first, at.words, at.classCounts, at.cum, at.active, at.activeClass);
  }

  /** NgramLevels.advance to level `n`: returns how many positions stay active. */
  advance(n: number, count: number, activeCount: number): number {
    const at = this.at;
    return this.exports.advance(n, count, activeCount, HASH_SEED, at.pairs, tableSize(activeCount) - 1, at.words, at.classCounts, at.active, at.activeClass, at.cand, at.candClass);
  }
}

/**
 * Gopher quality rules (Rae et al. 2021, appendix A; datatrove `GopherQualityFilter`), checked in
 * datatrove's order. "Words" are the tokenizer's tokens, punctuation included; the word count
 * and the mean word length leave out tokens made only of punctuation (datatrove's
 * PUNCTUATION_SET), while the ratios divide by all tokens, as datatrove does.
 */
import type { TextAnalysis } from '../analysis.js';
import type { GopherQualityConfig } from '../config.js';
import { type Outcome, safeRatio } from '../outcome.js';
import { isSpaceUnit } from '../text/python-text.js';
import { StringTable } from '../text/string-table.js';
import { TOKEN_ALPHA, TOKEN_WORD } from '../tokenizer/token-buffer.js';
import { KERNEL_STOP_WORDS } from './word-ids.js';

export interface WordStats {
  /** All tokens. */
  tokens: number;
  /** Tokens with a character outside datatrove's punctuation set. */
  words: number;
  /** Sum of those words' lengths in code points. */
  wordChars: number;
  /** Tokens with an alphabetic character. */
  alphaTokens: number;
  /** Distinct stop words among the tokens. */
  stopWords: number;
}

/**
 * The stop words, found by the tokens' hashes, so tokens are never sliced just to be looked up.
 * A word found once is not looked for again: a count per low 16 bits of the hashes of the words
 * not found yet lets every later "the" or "of" pass with one byte read (compared in full, the
 * frequent stop words were most of this family's own time).
 */
export class StopWords {
  private readonly table: StringTable;
  /** Per `hash & 0xffff`: how many words not found yet in this text have it. */
  private readonly pending = new Uint8Array(0x10000);
  private readonly found: Int32Array;

  /** The words and their hashes for word-ids.wat's `stats`, when it can look for them all. */
  readonly forKernel: { words: readonly string[]; hashes: readonly number[] } | undefined;

  constructor(words: string[]) {
    this.table = new StringTable(words);
    for (let id = 0; id < this.table.size; id++) this.pending[this.table.hashOf(id) & 0xffff]++;
    this.found = new Int32Array(this.table.size);
    const { strings } = this.table;
    const fits = strings.length <= KERNEL_STOP_WORDS.count && strings.every((w) => w.length <= KERNEL_STOP_WORDS.length);
    this.forKernel = fits ? { words: strings, hashes: strings.map((_, id) => this.table.hashOf(id)) } : undefined;
  }

  /** How many distinct stop words the tokens hold. */
  countIn(a: TextAnalysis): number {
    const toks = a.tokens;
    const { hashes, starts, ends } = toks;
    const table = this.table;
    const pending = this.pending;
    const size = table.size;
    let distinct = 0;
    for (let t = 0; t < toks.count && distinct < size; t++) {
      const h = hashes[t];
      if (pending[h & 0xffff] === 0) continue;
      const id = table.findHashed(a.text, starts[t], ends[t], h);
      if (id < 0 || this.isFound(id, distinct)) continue;
      this.found[distinct++] = id;
      pending[h & 0xffff]--;
    }
    for (let k = 0; k < distinct; k++) pending[table.hashOf(this.found[k]) & 0xffff]++;
    return distinct;
  }

  /** Whether `id` is among the first `distinct` words found (another word with the same low hash bits may be pending). */
  private isFound(id: number, distinct: number): boolean {
    for (let k = 0; k < distinct; k++) if (this.found[k] === id) return true;
    return false;
  }
}

export function wordStats(a: TextAnalysis, stopWords: StopWords): WordStats {
  const toks = a.tokens;
  // In WebAssembly when the tokenizer kernel holds the tokens.
  const kernel = a.workspace.wordIds;
  const forKernel = stopWords.forKernel;
  const textAt = kernel && forKernel ? a.kernelTextAt() : -1;
  if (textAt >= 0) {
    const [words, wordChars, alphaTokens, stop] = kernel!.stats(toks, textAt, forKernel!.words, forKernel!.hashes);
    return { tokens: toks.count, words, wordChars, alphaTokens, stopWords: stop };
  }
  const { lengths, flags } = toks;
  let words = 0;
  let wordChars = 0;
  let alphaTokens = 0;
  for (let t = 0; t < toks.count; t++) {
    const f = flags[t];
    if (f & TOKEN_WORD) {
      words++;
      wordChars += lengths[t];
    }
    if (f & TOKEN_ALPHA) alphaTokens++;
  }
  return { tokens: toks.count, words, wordChars, alphaTokens, stopWords: stopWords.countIn(a) };
}

/** Python `text.count(needle)`: non-overlapping occurrences. */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Lines that start with a bullet and lines that end with an ellipsis, after `strip()`. */
function lineShapes(a: TextAnalysis): { lines: number; bullets: number; ellipses: number } {
  const text = a.text;
  const { spans, count: lines } = a.lines;
  let bullets = 0;
  let ellipses = 0;
  for (let k = 0; k < 2 * lines; k += 2) {
    let s = spans[k];
    let e = spans[k + 1];
    while (s < e && isSpaceUnit(text.charCodeAt(s))) s++;
    while (e > s && isSpaceUnit(text.charCodeAt(e - 1))) e--;
    if (s < e) {
      const first = text.charCodeAt(s);
      if (first === 0x2022 || first === 0x2d) bullets++;
      const last = text.charCodeAt(e - 1);
      if (last === 0x2026 || (e - s >= 3 && last === 0x2e && text.charCodeAt(e - 2) === 0x2e && text.charCodeAt(e - 3) === 0x2e)) ellipses++;
    }
  }
  return { lines, bullets, ellipses };
}

export class GopherQuality {
  private readonly stopWords: StopWords;

  constructor(private readonly cfg: GopherQualityConfig) {
    this.stopWords = new StopWords(cfg.stop_words);
  }

  run(a: TextAnalysis, out: Outcome): void {
    const cfg = this.cfg;
    const st = wordStats(a, this.stopWords);
    out.signal('words', st.words);
    if (out.check(cfg.min_words !== null && st.words < cfg.min_words, 'too_few_words', st.words, cfg.min_words)) return;
    if (out.check(cfg.max_words !== null && st.words > cfg.max_words, 'too_many_words', st.words, cfg.max_words)) return;

    // numpy's mean of an empty list is NaN, which passes both comparisons.
    const mean = st.words === 0 ? NaN : st.wordChars / st.words;
    out.signal('mean_word_length', Number.isNaN(mean) ? null : mean);
    if (out.check(cfg.min_mean_word_length !== null && mean < cfg.min_mean_word_length, 'mean_word_length_too_short', mean, cfg.min_mean_word_length)) return;
    if (out.check(cfg.max_mean_word_length !== null && mean > cfg.max_mean_word_length, 'mean_word_length_too_long', mean, cfg.max_mean_word_length)) return;

    const text = a.text;
    const hashRatio = safeRatio(countOccurrences(text, '#'), st.tokens);
    out.signal('hash_ratio', hashRatio);
    if (out.check(cfg.max_hash_ratio !== null && hashRatio > cfg.max_hash_ratio, 'too_many_hashes', hashRatio, cfg.max_hash_ratio)) return;
    const ellipsisRatio = safeRatio(countOccurrences(text, '...') + countOccurrences(text, '…'), st.tokens);
    out.signal('ellipsis_ratio', ellipsisRatio);
    if (out.check(cfg.max_ellipsis_ratio !== null && ellipsisRatio > cfg.max_ellipsis_ratio, 'too_many_ellipses', ellipsisRatio, cfg.max_ellipsis_ratio)) return;

    const shapes = lineShapes(a);
    const bulletRatio = safeRatio(shapes.bullets, shapes.lines);
    out.signal('bullet_lines_ratio', bulletRatio);
    if (out.check(cfg.max_bullet_lines_ratio !== null && bulletRatio > cfg.max_bullet_lines_ratio, 'too_many_bullet_lines', bulletRatio, cfg.max_bullet_lines_ratio)) return;
    const endEllipsisRatio = safeRatio(shapes.ellipses, shapes.lines);
    out.signal('ellipsis_lines_ratio', endEllipsisRatio);
    if (out.check(cfg.max_ellipsis_lines_ratio !== null && endEllipsisRatio > cfg.max_ellipsis_lines_ratio, 'too_many_ellipsis_lines', endEllipsisRatio, cfg.max_ellipsis_lines_ratio)) return;

    const alphaRatio = safeRatio(st.alphaTokens, st.tokens);
    out.signal('alpha_words_ratio', alphaRatio);
    if (out.check(cfg.min_alpha_words_ratio !== null && alphaRatio < cfg.min_alpha_words_ratio, 'too_few_alphabetic_words', alphaRatio, cfg.min_alpha_words_ratio)) return;

    out.signal('stop_words', st.stopWords);
    out.check(cfg.min_stop_words !== null && st.stopWords < cfg.min_stop_words, 'too_few_stop_words', st.stopWords, cfg.min_stop_words);
  }
}

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

/** The stop words, found by the tokens' hashes, so tokens are never sliced just to be looked up. */
export class StopWords {
  private readonly table: StringTable;
  private readonly found: Uint8Array;

  constructor(words: string[]) {
    this.table = new StringTable(words);
    this.found = new Uint8Array(this.table.size);
  }

  /** How many distinct stop words the tokens hold. */
  countIn(a: TextAnalysis): number {
    const toks = a.tokens;
    const { hashes, starts, ends } = toks;
    const size = this.table.size;
    this.found.fill(0);
    let distinct = 0;
    for (let t = 0; t < toks.count && distinct < size; t++) {
      const id = this.table.findHashed(a.text, starts[t], ends[t], hashes[t]);
      if (id >= 0 && this.found[id] === 0) {
        this.found[id] = 1;
        distinct++;
      }
    }
    return distinct;
  }
}

export function wordStats(a: TextAnalysis, stopWords: StopWords): WordStats {
  const toks = a.tokens;
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

/**
 * Gopher quality rules (Rae et al. 2021, appendix A; datatrove `GopherQualityFilter`), checked in
 * datatrove's order. "Words" are the tokenizer's tokens, punctuation included; the word count
 * and the mean word length leave out tokens made only of punctuation (datatrove's
 * PUNCTUATION_SET), while the ratios divide by all tokens, as datatrove does.
 */
import { type TextAnalysis, WORD_ALPHA, WORD_NOT_SYMBOL, spanHash } from '../analysis.js';
import type { GopherQualityConfig } from '../config.js';
import { type Outcome, safeRatio } from '../outcome.js';
import { PY_SPACE } from '../text/python-text.js';

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

/** Stop words by their span hash, so tokens are never sliced just to be looked up. */
export class StopWords {
  private readonly byHash = new Map<number, string[]>();
  readonly size: number;

  constructor(words: string[]) {
    const unique = [...new Set(words)];
    this.size = unique.length;
    for (const w of unique) {
      const h = spanHash(w, 0, w.length);
      const list = this.byHash.get(h);
      if (list) list.push(w);
      else this.byHash.set(h, [w]);
    }
  }

  /** The stop word equal to `text[s:e]` (whose hash is `h`), if any. */
  match(text: string, s: number, e: number, h: number): string | undefined {
    const list = this.byHash.get(h);
    if (!list) return undefined;
    for (const w of list) if (w.length === e - s && text.startsWith(w, s)) return w;
    return undefined;
  }
}

export function wordStats(a: TextAnalysis, stopWords: StopWords): WordStats {
  const toks = a.tokens;
  const { hashes, lengths, flags } = a.facts;
  let words = 0;
  let wordChars = 0;
  let alphaTokens = 0;
  const found = new Set<string>();
  for (let t = 0; t < toks.count; t++) {
    const f = flags[t];
    if (f & WORD_NOT_SYMBOL) {
      words++;
      wordChars += lengths[t];
    }
    if (f & WORD_ALPHA) alphaTokens++;
    if (found.size < stopWords.size) {
      const w = stopWords.match(a.text, toks.starts[t], toks.ends[t], hashes[t]);
      if (w !== undefined) found.add(w);
    }
  }
  return { tokens: toks.count, words, wordChars, alphaTokens, stopWords: found.size };
}

/** Python `text.count(needle)`: non-overlapping occurrences. */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function lineShapes(a: TextAnalysis): { lines: number; bullets: number; ellipses: number } {
  const text = a.text;
  const spans = a.lines;
  const lines = spans.length / 2;
  let bullets = 0;
  let ellipses = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const start = spans[k];
    const end = spans[k + 1];
    let s = start;
    while (s < end && PY_SPACE.has(text.charCodeAt(s))) s++;
    let e = end;
    while (e > s && PY_SPACE.has(text.charCodeAt(e - 1))) e--;
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

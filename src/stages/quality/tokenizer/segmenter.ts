/**
 * Words for scripts that do not separate words with spaces (Chinese, Japanese, Thai, Lao, Khmer,
 * Burmese), where datatrove uses a language-specific segmenter: here ICU's word break rules
 * through `Intl.Segmenter`. Every non-whitespace segment is a token (punctuation too, as with
 * spaCy), so the quality rules see the same kind of token list.
 */
import { isSpaceUnit } from '../text/python-text.js';
import type { TokenBuffer } from './token-buffer.js';

/** Languages whose words are found with `Intl.Segmenter` (ISO 639-1 codes, as fastText labels them). */
export const SEGMENTED_LANGUAGES: ReadonlySet<string> = new Set(['zh', 'ja', 'th', 'lo', 'km', 'my', 'bo', 'dz', 'wuu', 'yue']);

export class SegmenterTokenizer {
  private readonly segmenter: Intl.Segmenter;

  constructor(language: string) {
    this.segmenter = new Intl.Segmenter(language, { granularity: 'word' });
  }

  tokenize(text: string, out: TokenBuffer, start = 0, end = text.length): void {
    const slice = start === 0 && end === text.length ? text : text.slice(start, end);
    let wsBefore = 0;
    const first = out.count;
    for (const { segment, index } of this.segmenter.segment(slice)) {
      let s = 0;
      let e = segment.length;
      while (s < e && isSpaceUnit(segment.charCodeAt(s))) s++;
      while (e > s && isSpaceUnit(segment.charCodeAt(e - 1))) e--;
      if (s === e) {
        // Whitespace: a run other than one space is a token to the sentencizer, as in spaCy.
        if (segment !== ' ') wsBefore = 1;
        continue;
      }
      out.push(start + index + s, start + index + e, wsBefore);
      wsBefore = 0;
    }
    out.describe(text, first);
  }
}

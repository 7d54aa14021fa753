/**
 * Sentence counting as spaCy's rule-based `sentencizer` does it (the splitter datatrove pairs
 * with its spaCy word tokenizer): a sentence ends after a token that is one of the sentence-final
 * characters, at the next token that is neither punctuation nor such a character. Whitespace
 * tokens count as such a next token. datatrove then drops sentences that are only whitespace.
 */
import { CodeSet, codePointAt, unitLength } from '../text/code-set.js';
import { PUNCT_CATEGORY } from '../text/python-text.js';
import type { TokenBuffer } from './spacy-english.js';

/** `Sentencizer.default_punct_chars` (spaCy 3.8). */
export const SENTENCE_FINAL = CodeSet.fromChars([
  '!', '.', '?', '։', '؟', '۔', '܀', '܁', '܂', '߹', '।', '॥', '၊', '။', '።', '፧', '፨', '᙮', '᜵', '᜶', '᠃', '᠉', '᥄',
  '᥅', '᪨', '᪩', '᪪', '᪫', '᭚', '᭛', '᭞', '᭟', '᰻', '᰼', '᱾', '᱿', '‼', '‽', '⁇', '⁈', '⁉', '⸮', '⸼', '꓿', '꘎', '꘏', '꛳',
  '꛷', '꡶', '꡷', '꣎', '꣏', '꤯', '꧈', '꧉', '꩝', '꩞', '꩟', '꫰', '꫱', '꯫', '﹒', '﹖', '﹗', '！', '．', '？', '𐩖', '𐩗',
  '𑁇', '𑁈', '𑂾', '𑂿', '𑃀', '𑃁', '𑅁', '𑅂', '𑅃', '𑇅', '𑇆', '𑇍', '𑇞', '𑇟', '𑈸', '𑈹', '𑈻', '𑈼', '𑊩', '𑑋', '𑑌', '𑗂',
  '𑗃', '𑗉', '𑗊', '𑗋', '𑗌', '𑗍', '𑗎', '𑗏', '𑗐', '𑗑', '𑗒', '𑗓', '𑗔', '𑗕', '𑗖', '𑗗', '𑙁', '𑙂', '𑜼', '𑜽', '𑜾', '𑩂',
  '𑩃', '𑪛', '𑪜', '𑱁', '𑱂', '𖩮', '𖩯', '𖫵', '𖬷', '𖬸', '𖭄', '𛲟', '𝪈', '｡', '。',
]);

const KIND_OTHER = 0;
const KIND_PUNCT = 1;
const KIND_FINAL = 2;

/** Per BMP unit: the kind of a one-unit token (a sentence-final character wins over punctuation). */
const UNIT_KIND = new Uint8Array(0x10000);
/** Per BMP unit: 1 when its category is punctuation. */
const UNIT_PUNCT = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  UNIT_PUNCT[c] = PUNCT_CATEGORY.has(c) ? 1 : 0;
  UNIT_KIND[c] = SENTENCE_FINAL.has(c) ? KIND_FINAL : UNIT_PUNCT[c] ? KIND_PUNCT : KIND_OTHER;
}

/** Whether a token is one sentence-final character, punctuation only, or anything else. */
function tokenKind(text: string, start: number, end: number): number {
  const c = text.charCodeAt(start);
  if (end - start === 1) return UNIT_KIND[c];
  const cp = codePointAt(text, start);
  const width = unitLength(cp);
  if (start + width === end && SENTENCE_FINAL.has(cp)) return KIND_FINAL;
  for (let i = start; i < end; ) {
    const u = text.charCodeAt(i);
    if (u < 0xd800 || u > 0xdfff) {
      if (UNIT_PUNCT[u] === 0) return KIND_OTHER;
      i++;
      continue;
    }
    const x = codePointAt(text, i);
    if (!PUNCT_CATEGORY.has(x)) return KIND_OTHER;
    i += unitLength(x);
  }
  return KIND_PUNCT;
}

/** Sentences among tokens `[from, to)` of `text`, which must not start or end with whitespace. */
export function countSentences(text: string, tokens: TokenBuffer, from: number, to: number): number {
  return to <= from ? 0 : walkSentences(text, tokens, from, to, null);
}

/** The first token of each sentence among tokens `[from, to)`. */
export function sentenceStarts(text: string, tokens: TokenBuffer, from: number, to: number): number[] {
  const starts: number[] = [];
  if (to > from) walkSentences(text, tokens, from, to, starts);
  return starts;
}

/**
 * A sentence that starts at a whitespace token starts, in the spans we return, at the next token
 * (datatrove strips sentence texts anyway).
 */
function walkSentences(text: string, tokens: TokenBuffer, from: number, to: number, starts: number[] | null): number {
  let sentences = 1;
  starts?.push(from);
  let seenFinal = false;
  for (let t = from; t < to; t++) {
    if (t > from && tokens.wsBefore[t] && seenFinal) {
      sentences++;
      starts?.push(t);
      seenFinal = false;
    }
    const start = tokens.starts[t];
    const end = tokens.ends[t];
    const c = text.charCodeAt(start);
    // Letters and digits are the common case and are never punctuation.
    const kind = c < 0x80 && ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a || (c >= 0x30 && c <= 0x39)) ? KIND_OTHER : tokenKind(text, start, end);
    if (seenFinal && kind === KIND_OTHER) {
      sentences++;
      starts?.push(t);
      seenFinal = false;
    } else if (kind === KIND_FINAL) seenFinal = true;
  }
  return sentences;
}

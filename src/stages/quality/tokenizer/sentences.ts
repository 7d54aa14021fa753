/**
 * Sentence counting as spaCy's rule-based `sentencizer` does it (the splitter datatrove pairs
 * with its spaCy word tokenizer): a sentence ends after a token that is one of the sentence-final
 * characters, at the next token that is neither punctuation nor such a character. Whitespace
 * tokens count as such a next token. datatrove then drops sentences that are only whitespace.
 * What each token is (TOKEN_FINAL, TOKEN_PUNCT) was found when it was tokenized.
 */
import { TOKEN_FINAL, TOKEN_PUNCT, type TokenBuffer } from './token-buffer.js';

/** Sentences among tokens `[from, to)`, which must not start or end with whitespace. */
export function countSentences(tokens: TokenBuffer, from: number, to: number): number {
  return to <= from ? 0 : walkSentences(tokens, from, to, null);
}

/** The first token of each sentence among tokens `[from, to)`. */
export function sentenceStarts(tokens: TokenBuffer, from: number, to: number): number[] {
  const starts: number[] = [];
  if (to > from) walkSentences(tokens, from, to, starts);
  return starts;
}

/**
 * A sentence that starts at a whitespace token starts, in the spans we return, at the next token
 * (datatrove strips sentence texts anyway).
 */
function walkSentences(tokens: TokenBuffer, from: number, to: number, starts: number[] | null): number {
  let sentences = 1;
  starts?.push(from);
  // 1 after a sentence-final token until the sentence ends. Written with arithmetic, not
  // branches: whether a token ends a sentence cannot be predicted.
  let seenFinal = 0;
  const { flags, wsBefore } = tokens;
  for (let t = from; t < to; t++) {
    // kind: 0 (a word), TOKEN_PUNCT or TOKEN_FINAL (never both).
    const kind = flags[t] & (TOKEN_FINAL | TOKEN_PUNCT);
    // A new sentence starts here after a final token: at whitespace, or at a word. (Not at the
    // first token: nothing is seen before it.)
    const start = seenFinal & (wsBefore[t] | ((kind - 1) >>> 31));
    if (starts !== null && start) starts.push(t);
    sentences += start;
    seenFinal = (kind === TOKEN_FINAL ? 1 : 0) | (seenFinal & (start ^ 1));
  }
  return sentences;
}

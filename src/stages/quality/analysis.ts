/**
 * What the rule families measure about one text, computed once and shared: the word tokens (the
 * most expensive step, used by Gopher quality, Gopher repetition, FineWeb and C4), one pass over
 * the tokens' characters (hash, length, punctuation and letter flags), and the code-point
 * length. Buffers live in `Workspace`, one per worker, and are reused from document to document.
 */
import crypto from 'node:crypto';
import { CodeSet } from './text/code-set.js';
import { PairInterner, SpanInterner } from './text/interner.js';
import { PY_ALPHA, codePointLength, forEachLine, hasSurrogates } from './text/python-text.js';
import { SegmenterTokenizer, SEGMENTED_LANGUAGES } from './tokenizer/segmenter.js';
import { SpacyEnglishTokenizer, TokenBuffer } from './tokenizer/spacy-english.js';

export interface WordTokenizer {
  tokenize(text: string, out: TokenBuffer, start?: number, end?: number): void;
}

/** datatrove's `PUNCTUATION` (utils/text.py): ASCII and CJK punctuation plus C0/C1 controls. */
export const DATATROVE_PUNCTUATION = CodeSet.fromChars([..."!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"]);
for (const [lo, hi] of [[0, 9], [11, 13], [13, 32], [127, 160]]) DATATROVE_PUNCTUATION.addRange(lo, hi - 1);

const CHAR_PUNCT = 1;
const CHAR_ALPHA = 2;
const CHAR = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) CHAR[c] = (DATATROVE_PUNCTUATION.has(c) ? CHAR_PUNCT : 0) | (PY_ALPHA.has(c) ? CHAR_ALPHA : 0);

/** Word flag: the token has a character outside datatrove's punctuation set (it is a "word"). */
export const WORD_NOT_SYMBOL = 1;
/** Word flag: the token has an alphabetic character (`str.isalpha`). */
export const WORD_ALPHA = 2;

/**
 * A per-process random seed for span hashes: outputs never depend on hash values (equal spans
 * are compared in full), and a seed nobody knows keeps crafted colliding words from making the
 * interners' probe chains long.
 */
export const HASH_SEED = (crypto.getRandomValues(new Uint32Array(1))[0] | 1) ^ 0x811c9dc5;

/** The hash the word pass and the interner agree on (FNV-1a over UTF-16 units, seeded). */
export function spanHash(text: string, start: number, end: number): number {
  let h = HASH_SEED ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/** Per-token facts, indexed like the token buffer. */
export class WordFacts {
  count = 0;
  hashes = new Int32Array(1024);
  /** Length in code points. */
  lengths = new Int32Array(1024);
  flags = new Uint8Array(1024);

  ensure(n: number): void {
    if (this.hashes.length >= n) return;
    const size = Math.max(n, this.hashes.length * 2);
    this.hashes = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.flags = new Uint8Array(size);
  }
}

/** Per-worker tools and scratch buffers. Not shared between threads. */
export class Workspace {
  readonly spacy = new SpacyEnglishTokenizer();
  private readonly segmenters = new Map<string, SegmenterTokenizer>();
  private readonly buffers = [new TokenBuffer(), new TokenBuffer()];
  private nextBuffer = 0;
  /** Scratch tokens for single lines (C4's edited lines). */
  readonly lineTokens = new TokenBuffer();
  readonly words = new SpanInterner();
  readonly spans = new SpanInterner();
  readonly pairs = new PairInterner();
  readonly facts = new WordFacts();

  /** The word tokenizer for a language code (`auto` mode), or spaCy's English rules. */
  tokenizerFor(language: string | undefined): WordTokenizer {
    const base = language?.split(/[-_]/)[0];
    if (!base || !SEGMENTED_LANGUAGES.has(base)) return this.spacy;
    let seg = this.segmenters.get(base);
    if (!seg) this.segmenters.set(base, (seg = new SegmenterTokenizer(base)));
    return seg;
  }

  /** A token buffer for a new text; the one before the previous is recycled. */
  takeBuffer(): TokenBuffer {
    const buf = this.buffers[this.nextBuffer];
    this.nextBuffer ^= 1;
    buf.reset();
    return buf;
  }
}

/** `text.split("\n")` pieces: [start, end) pairs with the FNV hash of each piece. */
export interface Segments {
  spans: Int32Array;
  hashes: Int32Array;
  count: number;
}

export class TextAnalysis {
  private tokenBuffer: TokenBuffer | undefined;
  private factsReady = false;
  private cpLength = -1;
  private lineSpans: number[] | undefined;
  private segmentCache: Segments | undefined;
  readonly surrogates: boolean;

  constructor(
    readonly text: string,
    readonly tokenizer: WordTokenizer,
    readonly workspace: Workspace,
    /** Tokens already known (C4 builds the edited text's tokens from the lines it kept). */
    tokens?: TokenBuffer,
  ) {
    this.surrogates = hasSurrogates(text);
    this.tokenBuffer = tokens;
  }

  /** Python `len(text)`. */
  get length(): number {
    if (this.cpLength < 0) this.cpLength = this.surrogates ? codePointLength(this.text, 0, this.text.length) : this.text.length;
    return this.cpLength;
  }

  /** The word tokens of the whole text (datatrove's `word_tokenize`, whitespace tokens dropped). */
  get tokens(): TokenBuffer {
    if (!this.tokenBuffer) {
      this.tokenBuffer = this.workspace.takeBuffer();
      this.tokenizer.tokenize(this.text, this.tokenBuffer);
    }
    return this.tokenBuffer;
  }

  /** Python `len(text[start:end])`. */
  spanLength(start: number, end: number): number {
    return this.surrogates ? codePointLength(this.text, start, end) : end - start;
  }

  /** `text.splitlines()` as [start, end) pairs (Gopher quality and C4 both need them). */
  get lines(): number[] {
    if (!this.lineSpans) {
      const spans: number[] = [];
      forEachLine(this.text, (s, e) => spans.push(s, e));
      this.lineSpans = spans;
    }
    return this.lineSpans;
  }

  /** `text.split("\n")` with each piece's hash, computed in one pass (Gopher and FineWeb lines). */
  get segments(): Segments {
    if (this.segmentCache) return this.segmentCache;
    const text = this.text;
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    const spans = new Int32Array(2 * n);
    const hashes = new Int32Array(n);
    let start = 0;
    for (let k = 0; k < n; k++) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      spans[2 * k] = start;
      spans[2 * k + 1] = end;
      hashes[k] = spanHash(text, start, end);
      start = end + 1;
    }
    return (this.segmentCache = { spans, hashes, count: n });
  }

  /** Hash, code-point length and flags of every token, from one pass over their characters. */
  get facts(): WordFacts {
    const facts = this.workspace.facts;
    if (this.factsReady) return facts;
    const { text } = this;
    const toks = this.tokens;
    const n = toks.count;
    facts.ensure(n);
    const { hashes, lengths, flags } = facts;
    for (let t = 0; t < n; t++) {
      const s = toks.starts[t];
      const e = toks.ends[t];
      let h = HASH_SEED ^ (e - s);
      let punctOnly = CHAR_PUNCT;
      let alpha = 0;
      let astral = 0;
      for (let i = s; i < e; i++) {
        const c = text.charCodeAt(i);
        h = Math.imul(h ^ c, 0x01000193);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < e) {
          const d = text.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            // An astral character: never in the punctuation set; a letter per PY_ALPHA.
            h = Math.imul(h ^ d, 0x01000193);
            i++;
            astral++;
            punctOnly = 0;
            if (PY_ALPHA.has(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000)) alpha = CHAR_ALPHA;
            continue;
          }
        }
        const f = CHAR[c];
        punctOnly &= f;
        alpha |= f & CHAR_ALPHA;
      }
      hashes[t] = h ^ (h >>> 15);
      lengths[t] = e - s - astral;
      flags[t] = (punctOnly ? 0 : WORD_NOT_SYMBOL) | (alpha ? WORD_ALPHA : 0);
    }
    facts.count = n;
    this.factsReady = true;
    return facts;
  }
}

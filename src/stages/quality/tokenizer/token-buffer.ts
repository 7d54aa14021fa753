/**
 * The token stream every rule family shares: each token's span, whether whitespace came before it
 * (for the sentencizer), and what the families ask about it, computed once while tokenizing:
 * its `spanHash`, its length in code points and flags (a word or only punctuation, alphabetic,
 * its kind for sentence splitting). Buffers are typed arrays, reused across documents.
 */
import { CodeSet, codePointAt, unitLength } from '../text/code-set.js';
import { PUNCT_CATEGORY, PY_ALPHA } from '../text/python-text.js';
import { HASH_PRIME, HASH_SEED, finishHash } from '../text/span-hash.js';

/** Flag: the token has a character outside datatrove's punctuation set (Gopher counts it as a word). */
export const TOKEN_WORD = 1;
/** Flag: the token has an alphabetic character (`str.isalpha`). */
export const TOKEN_ALPHA = 2;
/** Flag: to the sentencizer the token is punctuation only (Unicode category P). */
export const TOKEN_PUNCT = 4;
/** Flag: the token is one sentence-final character (it may end a sentence). */
export const TOKEN_FINAL = 8;

/** datatrove's `PUNCTUATION` (utils/text.py): ASCII and CJK punctuation plus C0/C1 controls. */
export const DATATROVE_PUNCTUATION = CodeSet.fromChars([..."!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"]);
for (const [lo, hi] of [[0, 9], [11, 13], [13, 32], [127, 160]]) DATATROVE_PUNCTUATION.addRange(lo, hi - 1);

/** `Sentencizer.default_punct_chars` (spaCy 3.8). */
export const SENTENCE_FINAL = CodeSet.fromChars([
  '!', '.', '?', '։', '؟', '۔', '܀', '܁', '܂', '߹', '।', '॥', '၊', '။', '።', '፧', '፨', '᙮', '᜵', '᜶', '᠃', '᠉', '᥄',
  '᥅', '᪨', '᪩', '᪪', '᪫', '᭚', '᭛', '᭞', '᭟', '᰻', '᰼', '᱾', '᱿', '‼', '‽', '⁇', '⁈', '⁉', '⸮', '⸼', '꓿', '꘎', '꘏', '꛳',
  '꛷', '꡶', '꡷', '꣎', '꣏', '꤯', '꧈', '꧉', '꩝', '꩞', '꩟', '꫰', '꫱', '꯫', '﹒', '﹖', '﹗', '！', '．', '？', '𐩖', '𐩗',
  '𑁇', '𑁈', '𑂾', '𑂿', '𑃀', '𑃁', '𑅁', '𑅂', '𑅃', '𑇅', '𑇆', '𑇍', '𑇞', '𑇟', '𑈸', '𑈹', '𑈻', '𑈼', '𑊩', '𑑋', '𑑌', '𑗂',
  '𑗃', '𑗉', '𑗊', '𑗋', '𑗌', '𑗍', '𑗎', '𑗏', '𑗐', '𑗑', '𑗒', '𑗓', '𑗔', '𑗕', '𑗖', '𑗗', '𑙁', '𑙂', '𑜼', '𑜽', '𑜾', '𑩂',
  '𑩃', '𑪛', '𑪜', '𑱁', '𑱂', '𖩮', '𖩯', '𖫵', '𖬷', '𖬸', '𖭄', '𛲟', '𝪈', '｡', '。',
]);

// Per BMP unit: datatrove punctuation, alphabetic, category P, sentence-final.
const U_DT_PUNCT = 1;
const U_ALPHA = 2;
const U_P = 4;
const U_FINAL = 8;
const UNIT = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  UNIT[c] = (DATATROVE_PUNCTUATION.has(c) ? U_DT_PUNCT : 0) | (PY_ALPHA.has(c) ? U_ALPHA : 0) | (PUNCT_CATEGORY.has(c) ? U_P : 0) | (SENTENCE_FINAL.has(c) ? U_FINAL : 0);
}

/** The flags of a token made of ASCII letters only, and of ASCII digits only. */
export const LETTERS_FLAGS = TOKEN_WORD | TOKEN_ALPHA;
export const DIGITS_FLAGS = TOKEN_WORD;

/**
 * Arrays in a WebAssembly memory that chunk-scan.wat writes a text's tokens into (see
 * SpacyEnglishTokenizer.attach): `region` is where they start in that memory, and `capacity` the
 * longest text they take (a text has no more tokens, chunks or newlines than units).
 */
export interface TokenStorage {
  /** The kernel's state these arrays belong to (only that kernel writes them). */
  owner: object;
  region: number;
  capacity: number;
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  hashes: Int32Array<ArrayBuffer>;
  lengths: Int32Array<ArrayBuffer>;
  chunkStarts: Int32Array<ArrayBuffer>;
  chunkEnds: Int32Array<ArrayBuffer>;
  newlines: Int32Array<ArrayBuffer>;
  newlineTokens: Int32Array<ArrayBuffer>;
  newlineChunks: Int32Array<ArrayBuffer>;
  wsBefore: Uint8Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
}

export class TokenBuffer {
  count = 0;
  starts: Int32Array;
  ends: Int32Array;
  /** 1 when a whitespace token (a run other than a single space) comes right before this token. */
  wsBefore: Uint8Array;
  /** `spanHash` of the token's text. */
  hashes: Int32Array;
  /** Length in code points (Python `len`). */
  lengths: Int32Array;
  /** TOKEN_* flags. */
  flags: Uint8Array;
  /**
   * The whitespace-separated chunks the tokens came from (Python's `str.split()` words), when the
   * tokenizer records them (-1: it did not).
   */
  chunkCount = -1;
  chunkStarts = new Int32Array(256);
  chunkEnds = new Int32Array(256);
  /**
   * Where the text's `\n` characters are, when the tokenizer records them while it skips
   * whitespace (-1: it did not); the lines and paragraphs come from them without another scan.
   */
  newlineCount = -1;
  newlines = new Int32Array(256);
  /** Per newline, the tokens and the chunks before it: a line's tokens and words without a search. */
  newlineTokens = new Int32Array(256);
  newlineChunks = new Int32Array(256);
  /** The longest chunk's length in UTF-16 units, when chunks are recorded. */
  longestChunk = 0;
  /** Whether the text has line breaks of `str.splitlines()` other than `\n` (when `newlineCount >= 0`). */
  otherBreaks = false;

  constructor(capacity = 1024) {
    const n = Math.max(capacity, 1);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.wsBefore = new Uint8Array(n);
    this.hashes = new Int32Array(n);
    this.lengths = new Int32Array(n);
    this.flags = new Uint8Array(n);
  }

  /** Arrays in a kernel's memory this buffer uses, when it has them. */
  storage: TokenStorage | undefined;

  reset(): void {
    this.count = 0;
    this.chunkCount = -1;
    this.newlineCount = -1;
    this.longestChunk = 0;
    this.otherBreaks = false;
    // A text longer than the storage took arrays of its own (`grow`): back to the storage.
    if (this.storage && !this.inStorageArrays(this.storage)) this.useStorage(this.storage);
  }

  /** Whether every array is the storage's (tokens, chunks and newlines grow separately). */
  private inStorageArrays(s: TokenStorage): boolean {
    return this.starts === s.starts && this.chunkStarts === s.chunkStarts && this.newlines === s.newlines;
  }

  /** Keeps tokens in `storage`'s arrays from now on (the buffer must be empty). */
  useStorage(storage: TokenStorage): void {
    this.storage = storage;
    ({ starts: this.starts, ends: this.ends, hashes: this.hashes, lengths: this.lengths, wsBefore: this.wsBefore, flags: this.flags } = storage);
    ({ chunkStarts: this.chunkStarts, chunkEnds: this.chunkEnds, newlines: this.newlines, newlineTokens: this.newlineTokens, newlineChunks: this.newlineChunks } = storage);
  }

  /** Whether the kernel can write the tokens of a text of `length` units here: the buffer is empty and in its storage. */
  inStorage(length: number): boolean {
    const s = this.storage;
    return s !== undefined && this.count === 0 && length <= s.capacity && this.inStorageArrays(s);
  }

  /** Notes a line break (a `splitlines` one) at `i`. */
  lineBreak(i: number, c: number): void {
    if (c !== 0x0a) {
      this.otherBreaks = true;
      return;
    }
    if (this.newlineCount === this.newlines.length) {
      const n = this.newlineCount * 2;
      this.newlines = grown(this.newlines, n);
      this.newlineTokens = grown(this.newlineTokens, n);
      this.newlineChunks = grown(this.newlineChunks, n);
    }
    this.newlineTokens[this.newlineCount] = this.count;
    this.newlineChunks[this.newlineCount] = this.chunkCount;
    this.newlines[this.newlineCount++] = i;
  }

  /** The tokens (not the chunks) in a buffer of their own, just big enough. */
  copy(): TokenBuffer {
    const out = new TokenBuffer(this.count);
    for (let t = 0; t < this.count; t++) out.pushFrom(this, t, 0, this.wsBefore[t]);
    return out;
  }

  pushChunk(start: number, end: number): void {
    if (this.chunkCount === this.chunkStarts.length) {
      const n = this.chunkStarts.length * 2;
      this.chunkStarts = grown(this.chunkStarts, n);
      this.chunkEnds = grown(this.chunkEnds, n);
    }
    this.chunkStarts[this.chunkCount] = start;
    this.chunkEnds[this.chunkCount++] = end;
    if (end - start > this.longestChunk) this.longestChunk = end - start;
  }

  /** Appends a token whose facts `describe` fills in later. */
  push(start: number, end: number, wsBefore: number): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.wsBefore[i] = wsBefore;
  }

  /** Appends a token with its facts already known. */
  pushDescribed(start: number, end: number, wsBefore: number, hash: number, length: number, flags: number): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.wsBefore[i] = wsBefore;
    this.hashes[i] = hash;
    this.lengths[i] = length;
    this.flags[i] = flags;
  }

  /** Appends token `t` of `from` moved by `shift` (its facts do not depend on where it is). */
  pushFrom(from: TokenBuffer, t: number, shift: number, wsBefore: number): void {
    this.pushDescribed(from.starts[t] + shift, from.ends[t] + shift, wsBefore, from.hashes[t], from.lengths[t], from.flags[t]);
  }

  /** Computes the facts of tokens `[from, count)` from their characters in `text`. */
  describe(text: string, from: number): void {
    for (let t = from; t < this.count; t++) this.describeOne(text, t);
  }

  private describeOne(text: string, t: number): void {
    const s = this.starts[t];
    const e = this.ends[t];
    let h = HASH_SEED;
    // Every unit datatrove punctuation / category P so far; any unit alphabetic.
    let dtPunct = U_DT_PUNCT;
    let alpha = 0;
    let astral = 0;
    for (let i = s; i < e; i++) {
      const c = text.charCodeAt(i);
      h = Math.imul(h ^ c, HASH_PRIME);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < e) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          // An astral character: never in datatrove's punctuation set; a letter per PY_ALPHA.
          h = Math.imul(h ^ d, HASH_PRIME);
          i++;
          astral++;
          dtPunct = 0;
          if (PY_ALPHA.has(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000)) alpha = U_ALPHA;
          continue;
        }
      }
      const u = UNIT[c];
      dtPunct &= u;
      alpha |= u & U_ALPHA;
    }
    this.hashes[t] = finishHash(h, e - s);
    this.lengths[t] = e - s - astral;
    this.flags[t] = (dtPunct ? 0 : TOKEN_WORD) | (alpha ? TOKEN_ALPHA : 0) | sentenceKind(text, s, e);
  }

  private grow(): void {
    const n = this.starts.length * 2;
    this.starts = grown(this.starts, n);
    this.ends = grown(this.ends, n);
    this.hashes = grown(this.hashes, n);
    this.lengths = grown(this.lengths, n);
    const ws = new Uint8Array(n);
    ws.set(this.wsBefore);
    this.wsBefore = ws;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
  }
}

function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * What the sentencizer sees in a token: one sentence-final character (TOKEN_FINAL), only
 * punctuation (TOKEN_PUNCT), or anything else (0). A sentence-final character wins over
 * punctuation. Letters and digits, the common case, are never punctuation.
 */
function sentenceKind(text: string, start: number, end: number): number {
  const c = text.charCodeAt(start);
  if (c < 0x80 && (((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x30 && c <= 0x39))) return 0;
  if (end - start === 1) {
    const u = UNIT[c];
    return u & U_FINAL ? TOKEN_FINAL : u & U_P ? TOKEN_PUNCT : 0;
  }
  const cp = codePointAt(text, start);
  const width = unitLength(cp);
  if (start + width === end && SENTENCE_FINAL.has(cp)) return TOKEN_FINAL;
  for (let i = start; i < end; ) {
    const u = text.charCodeAt(i);
    if (u < 0xd800 || u > 0xdfff) {
      if ((UNIT[u] & U_P) === 0) return 0;
      i++;
      continue;
    }
    const x = codePointAt(text, i);
    if (!PUNCT_CATEGORY.has(x)) return 0;
    i += unitLength(x);
  }
  return TOKEN_PUNCT;
}

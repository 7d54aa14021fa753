/**
 * A word tokenizer that follows spaCy's English tokenizer (`spacy.blank("en")`, spaCy 3.8), which
 * datatrove's quality filters count words and sentences with. Written from spaCy's published
 * rules, not its code:
 *
 * 1. Split on whitespace (Python's `str.isspace`). A run of whitespace is dropped when it is one
 *    space; otherwise it is a whitespace token (datatrove strips those from word lists, but the
 *    sentencizer sees them, so `wsBefore` records them).
 * 2. Each non-whitespace chunk: a tokenizer exception ("don't", "Mr.", ":)") applies whole;
 *    otherwise prefixes and suffixes are peeled off one at a time (stopping early when what is left
 *    is an exception), then the rest is one token if it is a URL, else it is split at infixes.
 * 3. Exceptions that contain punctuation are matched again over the finished tokens of a chunk
 *    ("Mr.Smith" → "Mr", ".", "Smith" → "Mr.", "Smith").
 *
 * Tokens are spans of the input (start/end offsets), never copies, and every step is linear in
 * the chunk length: the special-case lookup only runs on short strings, suffix search looks at a
 * bounded tail, and the URL pattern only runs on strings that could be URLs.
 *
 * Speed: one pass over the text finds the chunks, hashes them, notes the line breaks, and tells
 * chunks of only ASCII letters or only digits (most of them: one token each, facts known at
 * once) from the rest. The rest go through the rules above, and their tokens are kept by chunk
 * text (`chunk-cache.ts`), so a chunk like "said." costs the rules once. Every token leaves with
 * the facts the rule families need (`token-buffer.ts`). For whole texts that pass and the cache
 * replays run in WebAssembly (chunk-scan.wat), writing into token buffers kept in its memory
 * (`attach`); so do the commonest chunks that need a rule but only one outcome of it ("said.",
 * "Reuters,", "1,250.5"; see the kernel); only chunks that need the rules or an exception come
 * back here. The JavaScript loop stays for parts of texts, texts over `KERNEL_TEXT_UNITS`,
 * runtimes without WebAssembly and as the reference the kernel is tested against.
 *
 * Known deviations from spaCy: its token cache (a string seen earlier is tokenized as it was then,
 * which only differs in contrived cases), special-case matches across whitespace, and URLs longer
 * than `MAX_URL_LENGTH` or with more than `MAX_URL_MARKS` '@' and ':' (split like other text).
 */
import { hasBit, setBit } from '../text/bits.js';
import { CodeSet, codePointAt, codePointBefore, unitLength } from '../text/code-set.js';
import { LINE_BREAK, PY_SPACE } from '../text/python-text.js';
import { HASH_PRIME, HASH_SEED, finishHash } from '../text/span-hash.js';
import { StringTable } from '../text/string-table.js';
import { CHUNK_CACHE_BYTES, ChunkCache, MAX_CACHED_CHUNK } from './chunk-cache.js';
import { ALPHA, ALPHA_LOWER, ALPHA_UPPER, ICONS, LIST_CURRENCY, LIST_HYPHENS, LIST_PUNCT, LIST_QUOTES, LIST_UNITS, QUOTES, SUFFIX_DOT_AFTER } from './en-classes.js';
import { type Exceptions, englishTokenizerExceptions } from './en-exceptions.js';
import { DIGITS_FLAGS, LETTERS_FLAGS, TokenBuffer, type TokenStorage } from './token-buffer.js';
import { CHUNK_SCAN_KERNEL_WASM } from './chunk-scan-kernel.js';
import { type WasmMemory, WasmKernel, growTo, layOut } from '../../../core/wasm.js';

// Per-UTF-16-unit flags for the BMP; astral code points go through the CodeSets.
const F_ALPHA = 1;
const F_LOWER = 2;
const F_UPPER = 4;
const F_QUOTE = 8;
const F_ICON = 16;
const F_PREFIX = 32;
const F_SUFFIX = 64;
const F_SUFFIX_DOT = 128;
const F_SPACE = 256;

const PREFIX_SINGLES = CodeSet.fromChars(['§', '%', '=', '—', '–', ...LIST_PUNCT, '…', ...LIST_QUOTES, ...LIST_CURRENCY.filter((c) => c.length === 1)]);
const SUFFIX_SINGLES = CodeSet.fromChars([...LIST_PUNCT, '…', ...LIST_QUOTES, '—', '–']);

const FLAGS = new Uint16Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  let f = 0;
  if (ALPHA.has(c)) f |= F_ALPHA;
  if (ALPHA_LOWER.has(c)) f |= F_LOWER;
  if (ALPHA_UPPER.has(c)) f |= F_UPPER;
  if (QUOTES.has(c)) f |= F_QUOTE;
  if (ICONS.has(c)) f |= F_ICON;
  if (PREFIX_SINGLES.has(c) || ICONS.has(c)) f |= F_PREFIX;
  if (SUFFIX_SINGLES.has(c) || ICONS.has(c)) f |= F_SUFFIX;
  if (SUFFIX_DOT_AFTER.has(c)) f |= F_SUFFIX_DOT;
  if (PY_SPACE.has(c)) f |= F_SPACE;
  FLAGS[c] = f;
}

/** The flags of a code point (astral ones looked up in the sets). */
function flagsOf(cp: number): number {
  if (cp < 0x10000) return cp < 0 ? 0 : FLAGS[cp];
  let f = 0;
  if (ALPHA.has(cp)) f |= F_ALPHA;
  if (ALPHA_LOWER.has(cp)) f |= F_LOWER;
  if (ALPHA_UPPER.has(cp)) f |= F_UPPER;
  if (ICONS.has(cp)) f |= F_ICON | F_PREFIX | F_SUFFIX;
  if (SUFFIX_DOT_AFTER.has(cp)) f |= F_SUFFIX_DOT;
  return f;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAsciiLetter = (c: number): boolean => ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

// Per UTF-16 unit, for the scan that splits text into chunks: Python whitespace, ASCII letter,
// ASCII digit, line break. Chunks of only letters or only digits (most of them) need no affix
// rules. Line breaks are whitespace; the scan records them for the line-based rules.
const SCAN_SPACE = 1;
const SCAN_LETTER = 2;
const SCAN_DIGIT = 4;
const SCAN_BREAK = 8;
/** Only for chunk-scan.wat, which tokenizes numbers like "1,250.5" itself. */
const SCAN_NUMBER = 16;
const SCAN = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  SCAN[c] = (FLAGS[c] & F_SPACE ? SCAN_SPACE : 0) | (isAsciiLetter(c) ? SCAN_LETTER : 0) | (isDigit(c) ? SCAN_DIGIT : 0) | (LINE_BREAK.has(c) ? SCAN_BREAK : 0) |
    (isDigit(c) || c === 0x2c || c === 0x2e ? SCAN_NUMBER : 0);
}

interface ChunkScanExports {
  memory: WasmMemory;
  init(scan: number, bits: number, state: number, text: number, capacity: number, seed: number, chunkCache: number, exceptions: number, exceptionsMask: number, marks: number): void;
  run(): number;
}

const chunkScanKernel = new WasmKernel<ChunkScanExports>(CHUNK_SCAN_KERNEL_WASM);

/** chunk-scan.wat, set up for one tokenizer: its exports, state (int32s) and text. */
interface ChunkScan {
  exports: ChunkScanExports;
  state: Int32Array;
  text: Buffer;
  /** Where the text is in the memory, and which text is there now. */
  textAt: number;
  placed: string | undefined;
}

/** Room in chunk-scan.wat's memory that `attach` keeps for other kernels (they import the memory), from byte `at` on. */
export interface KernelScratch {
  memory: WasmMemory;
  at: number;
}

/**
 * Longest text chunk-scan.wat tokenizes (UTF-16 units); longer ones go through the JavaScript
 * loop. Each token buffer's storage takes REGION_BYTES_PER_UNIT bytes per unit (5 MB).
 */
export const KERNEL_TEXT_UNITS = 1 << 17;
/** A token buffer's storage per unit of text: nine int32 arrays and two byte arrays (chunk-scan.wat). */
const REGION_BYTES_PER_UNIT = 9 * 4 + 2;

/** Which code runs the tokenizer's main loop: chunk-scan.wat where it can (the default), or JavaScript. */
export type TokenizerLoop = 'wasm' | 'js';

/** Longer strings are never tested against the URL pattern (keeps hostile input linear). */
export const MAX_URL_LENGTH = 2048;
/** Strings with more '@' and ':' together are never tested against the URL pattern either. */
export const MAX_URL_MARKS = 8;

/**
 * spaCy's URL_MATCH (after the Diego Perini / mathiasbynens URL pattern, with spaCy's changes).
 * Python's `\w`, `\d` and `\S` are Unicode-aware; so are the classes used here.
 */
function urlPattern(): RegExp {
  const lowerClass = classSource(ALPHA_LOWER);
  const host = String.raw`[A-Za-z0-9\u00a1-\uffff]`;
  const hostInner = String.raw`[A-Za-z0-9\u00a1-\uffff_\-]`;
  const d = String.raw`\p{Nd}`;
  return new RegExp(
    '^' +
      String.raw`(?:[\p{L}\p{N}_+\-.]{2,}:\/\/)?` +
      String.raw`(?:\S+(?::\S*)?@)?` +
      '(?:' +
      `(?!(?:10|127)(?:\\.${d}{1,3}){3})` +
      `(?!(?:169\\.254|192\\.168)(?:\\.${d}{1,3}){2})` +
      `(?!172\\.(?:1[6-9]|2${d}|3[0-1])(?:\\.${d}{1,3}){2})` +
      `(?:[1-9]${d}?|1${d}${d}|2[01]${d}|22[0-3])` +
      `(?:\\.(?:1?${d}{1,2}|2[0-4]${d}|25[0-5])){2}` +
      `(?:\\.(?:[1-9]${d}?|1${d}${d}|2[0-4]${d}|25[0-4]))` +
      '|' +
      `(?:(?:${host}${hostInner}{0,62})?${host}\\.)+` +
      `(?:[${lowerClass}]{2,63})` +
      ')' +
      `(?::${d}{2,5})?` +
      String.raw`(?:[\/?#]\S*)?` +
      '$',
    'u',
  );
}

/** A CodeSet as a `u`-mode regex class body. */
function classSource(set: CodeSet): string {
  const parts: string[] = [];
  const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
  let start = -1;
  for (let cp = 0; cp <= 0x32000; cp++) {
    const inside = set.has(cp);
    if (inside && start < 0) start = cp;
    if (!inside && start >= 0) {
      parts.push(start === cp - 1 ? hex(start) : `${hex(start)}-${hex(cp - 1)}`);
      start = -1;
    }
  }
  return parts.join('');
}

/** A special case re-matched over finished tokens: the token texts it is split into without it. */
interface MatcherPattern {
  tokens: string[];
  /** Lengths (UTF-16 units) of the pieces the exception becomes. */
  pieces: number[];
}

export class SpacyEnglishTokenizer {
  /** The exceptions, and by the same id the lengths of the pieces each is split into. */
  private readonly specials: StringTable;
  private readonly specialPieces: number[][];
  /** Quick rejection: a bit per hash of (length, first unit, last unit) of the exceptions. */
  private readonly specialShapes = new Uint8Array(8192);
  private readonly unitsByLast = new Map<number, string[]>();
  private readonly currencyByLast = new Map<number, string[]>();
  private readonly url = urlPattern();
  /** Patterns of the special matcher, by the id of their first token's text in `matcherFirst`. */
  private readonly matcherFirst: StringTable;
  private readonly matcher: MatcherPattern[][];
  /** Quick rejection for the matcher: a bit per shape hash of the patterns' first tokens. */
  private readonly matcherShapes = new Uint8Array(8192);

  // Scratch for one chunk: [start, end] pairs and their counts.
  private prefixes = new Int32Array(64);
  private suffixes = new Int32Array(64);
  private infixes = new Int32Array(64);
  private chunkTokens: number[] = [];
  private cache = new ChunkCache();
  private scan: ChunkScan | null = null;

  constructor(exceptions: Exceptions = englishTokenizerExceptions(), private readonly loop: TokenizerLoop = 'wasm') {
    this.specials = new StringTable(exceptions.keys());
    this.specialPieces = this.specials.strings.map((key) => exceptions.get(key)!.map((p) => p.length));
    for (const key of this.specials.strings) setBit(this.specialShapes, shapeHash(key.length, key.charCodeAt(0), key.charCodeAt(key.length - 1)));
    for (const unit of LIST_UNITS) pushTo(this.unitsByLast, unit.charCodeAt(unit.length - 1), unit);
    for (const cur of LIST_CURRENCY) pushTo(this.currencyByLast, cur.charCodeAt(cur.length - 1), cur);
    // spaCy re-matches only exceptions that its affix or infix rules would otherwise split.
    const byFirst = new Map<string, MatcherPattern[]>();
    for (const [key, pieces] of exceptions) {
      if (/\s/.test(key)) continue;
      const tokens = this.tokenizeChunkText(key, false);
      if (tokens.length < 2) continue;
      pushTo(byFirst, tokens[0], { tokens, pieces: pieces.map((p) => p.length) });
      const t0 = tokens[0];
      setBit(this.matcherShapes, shapeHash(t0.length, t0.charCodeAt(0), t0.charCodeAt(t0.length - 1)));
    }
    this.matcherFirst = new StringTable(byFirst.keys());
    this.matcher = this.matcherFirst.strings.map((first) => byFirst.get(first)!);
  }

  /**
   * Gives `buffers` storage in chunk-scan.wat's memory, so that the kernel writes whole texts'
   * tokens straight into them; without WebAssembly (or with the `js` loop) they keep their own.
   */
  attach(buffers: TokenBuffer[], scratchBytes = 0): KernelScratch | undefined {
    if (this.loop !== 'wasm' || this.scan || buffers.length === 0) return undefined;
    const exports = chunkScanKernel.instantiate();
    if (!exports) return undefined;
    const cap = KERNEL_TEXT_UNITS;
    // Layout (see chunk-scan.wat): scan table, exception bits and hashes, state, chunk cache, text,
    // a region per buffer (REGION_BYTES_PER_UNIT bytes per unit of text), then the other kernels' scratch.
    const exceptionHashes = this.specials.hashSlots();
    const { at, end } = layOut(0, {
      scan: 0x10000,
      bits: 8192,
      exceptions: exceptionHashes.byteLength,
      marks: 256,
      state: 64,
      cache: CHUNK_CACHE_BYTES,
      // The text and a space after it (the kernel's chunk loop stops there without a bounds check).
      text: 2 * cap + 2,
      regions: buffers.length * REGION_BYTES_PER_UNIT * cap,
      scratch: scratchBytes,
    });
    growTo(exports.memory, end);
    const buffer = exports.memory.buffer;
    const scanTable = new Uint8Array(buffer, at.scan, 0x10000);
    scanTable.set(SCAN);
    new Uint8Array(buffer, at.bits, 8192).set(this.specials.bits);
    new Int32Array(buffer, at.exceptions, exceptionHashes.length).set(exceptionHashes);
    // The chunk cache moves into the kernel's memory (it is still empty: nothing was tokenized yet).
    this.cache = new ChunkCache({ buffer, offset: at.cache });
    // The facts of one-unit tokens (the marks the kernel splits off itself), and of 's and 'S.
    const marks = new Uint8Array(buffer, at.marks, 256);
    const probe = new TokenBuffer(2);
    const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
    for (const [slot, token] of [...ascii.entries(), [128, "'s"], [129, "'S"]] as [number, string][]) {
      probe.reset();
      probe.push(0, token.length, 0);
      probe.describe(token, 0);
      marks[slot] = probe.flags[0];
    }
    exports.init(at.scan, at.bits, at.state, at.text, cap, HASH_SEED, at.cache, at.exceptions, exceptionHashes.length / 2 - 1, at.marks);
    const scan: ChunkScan = { exports, state: new Int32Array(buffer, at.state, 16), text: Buffer.from(buffer, at.text, 2 * cap + 2), textAt: at.text, placed: undefined };
    this.scan = scan;
    buffers.forEach((buf, k) => {
      const region = at.regions + k * REGION_BYTES_PER_UNIT * cap;
      const ints = (i: number): Int32Array<ArrayBuffer> => new Int32Array(buffer, region + 4 * i * cap, cap);
      const storage: TokenStorage = {
        owner: scan,
        region,
        capacity: cap,
        starts: ints(0),
        ends: ints(1),
        hashes: ints(2),
        lengths: ints(3),
        chunkStarts: ints(4),
        chunkEnds: ints(5),
        newlines: ints(6),
        newlineTokens: ints(7),
        newlineChunks: ints(8),
        wsBefore: new Uint8Array(buffer, region + 36 * cap, cap),
        flags: new Uint8Array(buffer, region + 37 * cap, cap),
      };
      buf.reset();
      buf.useStorage(storage);
    });
    return { memory: exports.memory, at: at.scratch };
  }

  /**
   * Where `text` is in the kernel's memory (as UTF-16 units), copying it there unless it is the
   * text there now; -1 without a kernel or when it is too long.
   */
  placeText(text: string): number {
    const scan = this.scan;
    if (!scan || text.length > KERNEL_TEXT_UNITS) return -1;
    if (scan.placed !== text) {
      scan.text.write(text, 0, 'utf16le');
      scan.text.writeUInt16LE(0x20, 2 * text.length);
      scan.placed = text;
    }
    return scan.textAt;
  }

  /** Tokenizes `text[start:end]` into `out` (appending), with each token's facts. */
  tokenize(text: string, out: TokenBuffer, start = 0, end = text.length): void {
    if (this.scan && start === 0 && end === text.length && out.storage?.owner === this.scan && out.inStorage(end)) return this.tokenizeInKernel(this.scan, text, out, out.storage);
    let wsBefore = 0;
    if (out.chunkCount < 0) out.chunkCount = 0;
    if (out.newlineCount < 0) out.newlineCount = 0;
    // Leading whitespace is always a token of its own.
    let i = this.skipSpace(text, start, end, out);
    if (i > start) wsBefore = 1;
    while (i < end) {
      const chunkStart = i;
      // One pass finds the chunk's end, whether it is only letters or only digits, and its
      // hash (the token's, when the chunk is one token).
      let kinds = SCAN_LETTER | SCAN_DIGIT;
      let h = HASH_SEED;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        const f = SCAN[c];
        if (f & SCAN_SPACE) break;
        kinds &= f;
        h = Math.imul(h ^ c, HASH_PRIME);
      }
      out.pushChunk(chunkStart, i);
      const len = i - chunkStart;
      if (kinds & SCAN_DIGIT) out.pushDescribed(chunkStart, i, wsBefore, finishHash(h, len), len, DIGITS_FLAGS);
      else if (kinds & SCAN_LETTER) this.tokenizeLetters(text, chunkStart, i, finishHash(h, len), out, wsBefore);
      else this.tokenizeChunk(text, chunkStart, i, finishHash(h, len), out, wsBefore);
      if (i >= end) break;
      // A whitespace run: one leading space is the previous token's trailing space.
      const runStart = i;
      i = this.skipSpace(text, i, end, out);
      wsBefore = i - runStart > 1 || text.charCodeAt(runStart) !== 0x20 ? 1 : 0;
    }
  }

  /**
   * `tokenize` of a whole text with chunk-scan.wat: the text is copied into its memory, and the
   * chunks it stops at (those that need the exceptions, the cache or the rules) are tokenized here,
   * into the same arrays, in their place in the order.
   */
  private tokenizeInKernel(scan: ChunkScan, text: string, out: TokenBuffer, storage: TokenStorage): void {
    this.placeText(text);
    const state = scan.state;
    state.fill(0);
    state[0] = text.length;
    state[12] = storage.region;
    while (scan.exports.run() !== 0) {
      out.count = state[3];
      if (state[8] === 1) this.tokenizeLetters(text, state[9], state[10], state[11], out, state[2]);
      else this.tokenizeChunk(text, state[9], state[10], state[11], out, state[2]);
      state[3] = out.count;
    }
    out.count = state[3];
    out.chunkCount = state[4];
    out.newlineCount = state[5];
    out.longestChunk = state[15];
    out.otherBreaks = state[6] !== 0;
  }

  /** The end of the whitespace run at `i`, noting its line breaks in `out`. */
  private skipSpace(text: string, i: number, end: number, out: TokenBuffer): number {
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      const f = SCAN[c];
      if ((f & SCAN_SPACE) === 0) break;
      if (f & SCAN_BREAK) out.lineBreak(i, c);
    }
    return i;
  }

  /** The token texts of one whitespace-free string (for tests and the matcher's patterns). */
  tokenizeChunkText(chunk: string, withSpecials = true): string[] {
    const out = new TokenBuffer(16);
    if (withSpecials) this.tokenize(chunk, out);
    else this.splitChunk(chunk, 0, chunk.length, false, out, 0);
    const tokens: string[] = [];
    for (let k = 0; k < out.count; k++) tokens.push(chunk.slice(out.starts[k], out.ends[k]));
    return tokens;
  }

  /** A chunk of ASCII letters only: no affix, infix or URL can apply; only an exception ("cannot", "dont"). */
  private tokenizeLetters(text: string, a: number, b: number, hash: number, out: TokenBuffer, wsBefore: number): void {
    const special = this.specials.findHashed(text, a, b, hash);
    if (special < 0) out.pushDescribed(a, b, wsBefore, hash, b - a, LETTERS_FLAGS);
    else {
      const first = out.count;
      this.pushSpecial(special, a, out, wsBefore);
      out.describe(text, first);
    }
  }

  /** Any other chunk: the full rules, then each token's facts; or the same tokens as last time. */
  private tokenizeChunk(text: string, a: number, b: number, hash: number, out: TokenBuffer, wsBefore: number): void {
    const cacheable = b - a <= MAX_CACHED_CHUNK;
    if (cacheable && this.cache.replay(text, a, b, hash, out, wsBefore)) return;
    const first = out.count;
    this.splitChunk(text, a, b, true, out, wsBefore);
    if (out.count - first >= 2) this.applyMatcher(text, first, out);
    out.describe(text, first);
    if (cacheable) this.cache.store(text, a, b, hash, out, first);
  }

  /** spaCy's `_tokenize`: exceptions, affixes, URL, infixes. */
  private splitChunk(text: string, a: number, b: number, withSpecials: boolean, out: TokenBuffer, wsBefore: number): void {
    if (withSpecials) {
      const special = this.special(text, a, b);
      if (special >= 0) {
        this.pushSpecial(special, a, out, wsBefore);
        return;
      }
    }
    let ws = wsBefore;
    let nPre = 0;
    let nSuf = 0;
    let lastSize = 0;
    let first = true;
    while (b > a && b - a !== lastSize) {
      // The whole chunk was already checked above.
      if (withSpecials && !first && this.special(text, a, b) >= 0) break;
      first = false;
      lastSize = b - a;
      const pre = this.findPrefix(text, a, b);
      if (pre !== 0 && withSpecials && b - (a + pre) > 0 && this.special(text, a + pre, b) >= 0) {
        nPre = this.pushPair('prefixes', nPre, a, a + pre);
        a += pre;
        break;
      }
      const suf = this.findSuffix(text, a + pre, b);
      if (suf !== 0 && withSpecials && b - suf - a > 0 && this.special(text, a, b - suf) >= 0) {
        nSuf = this.pushPair('suffixes', nSuf, b - suf, b);
        b -= suf;
        break;
      }
      if (pre !== 0 && suf !== 0 && pre + suf <= b - a) {
        nPre = this.pushPair('prefixes', nPre, a, a + pre);
        nSuf = this.pushPair('suffixes', nSuf, b - suf, b);
        a += pre;
        b -= suf;
      } else if (pre !== 0) {
        nPre = this.pushPair('prefixes', nPre, a, a + pre);
        a += pre;
      } else if (suf !== 0) {
        nSuf = this.pushPair('suffixes', nSuf, b - suf, b);
        b -= suf;
      }
    }
    const prefixes = this.prefixes;
    for (let k = 0; k < nPre; k += 2) {
      out.push(prefixes[k], prefixes[k + 1], ws);
      ws = 0;
    }
    if (b > a) {
      const special = withSpecials ? this.special(text, a, b) : -1;
      if (special >= 0) {
        this.pushSpecial(special, a, out, ws);
        ws = 0;
      } else if (this.isUrl(text, a, b)) {
        out.push(a, b, ws);
        ws = 0;
      } else {
        const nInf = this.findInfixes(text, a, b);
        const infixes = this.infixes;
        let start = a;
        for (let k = 0; k < nInf; k += 2) {
          const is = infixes[k];
          const ie = infixes[k + 1];
          // An infix at the very start is not split off.
          if (is === a) continue;
          if (is !== start) {
            out.push(start, is, ws);
            ws = 0;
          }
          if (is !== ie) {
            out.push(is, ie, ws);
            ws = 0;
          }
          start = ie;
        }
        if (start < b) {
          out.push(start, b, ws);
          ws = 0;
        }
      }
    }
    const suffixes = this.suffixes;
    for (let k = nSuf - 2; k >= 0; k -= 2) {
      out.push(suffixes[k], suffixes[k + 1], ws);
      ws = 0;
    }
  }

  /** Appends a [start, end] pair to a scratch array (growing it); returns the new count. */
  private pushPair(which: 'prefixes' | 'suffixes' | 'infixes', n: number, start: number, end: number): number {
    let arr = this[which];
    if (n + 2 > arr.length) {
      const bigger = new Int32Array(arr.length * 2);
      bigger.set(arr);
      this[which] = arr = bigger;
    }
    arr[n] = start;
    arr[n + 1] = end;
    return n + 2;
  }

  /** Whether `text[a:b]` could be an exception, from its length and end units alone. */
  private mayBeSpecial(text: string, a: number, b: number): boolean {
    const len = b - a;
    if (len > this.specials.maxLength || len === 0) return false;
    return hasBit(this.specialShapes, shapeHash(len, text.charCodeAt(a), text.charCodeAt(b - 1)));
  }

  /** The id of the exception `text[a:b]`, or -1. */
  private special(text: string, a: number, b: number): number {
    return this.mayBeSpecial(text, a, b) ? this.specials.find(text, a, b) : -1;
  }

  private pushSpecial(special: number, a: number, out: TokenBuffer, wsBefore: number): void {
    let s = a;
    let ws = wsBefore;
    for (const len of this.specialPieces[special]) {
      out.push(s, s + len, ws);
      ws = 0;
      s += len;
    }
  }

  /** Length of the prefix at `a` (0: none). The first matching alternative wins, as in `re`. */
  private findPrefix(text: string, a: number, b: number): number {
    const c = text.charCodeAt(a);
    if (c === 0x2b) return a + 1 < b && isDigit(text.charCodeAt(a + 1)) ? 0 : 1; // \+(?![0-9])
    if (c === 0x2e) {
      let k = a;
      while (k < b && text.charCodeAt(k) === 0x2e) k++;
      return k - a >= 2 ? k - a : 0;
    }
    if (c === 0x55 && b - a >= 3 && text.charCodeAt(a + 1) === 0x53 && text.charCodeAt(a + 2) === 0x24) return 3; // US$
    if ((c === 0x43 || c === 0x41) && b - a >= 2 && text.charCodeAt(a + 1) === 0x24) return 2; // C$ A$
    if (c < 0xd800 || c > 0xdfff) return FLAGS[c] & F_PREFIX ? 1 : 0;
    const cp = codePointAt(text, a);
    return cp > 0xffff && a + 2 <= b && flagsOf(cp) & F_PREFIX ? 2 : 0;
  }

  /**
   * Length of the suffix ending at `b`. Python's `re.search` returns the leftmost match and every
   * alternative is anchored at the end, so the longest matching alternative wins.
   */
  private findSuffix(text: string, a: number, b: number): number {
    if (b <= a) return 0;
    let best = 0;
    const last = text.charCodeAt(b - 1);
    if (last === 0x2e) {
      let k = b;
      while (k > a && text.charCodeAt(k - 1) === 0x2e) k--;
      if (b - k >= 2) best = b - k; // \.\.+
      else {
        const p1 = codePointBefore(text, b - 1, a);
        const p1f = flagsOf(p1);
        if (p1f & F_SUFFIX_DOT) best = 1;
        else if (p1 >= 0) {
          const p2 = codePointBefore(text, b - 1 - unitLength(p1), a);
          if ((p1f & F_UPPER) && (flagsOf(p2) & F_UPPER)) best = 1; // (?<=[au][au])\.
          else if (p2 === 0xb0 && 'FfCcKk'.includes(String.fromCharCode(p1))) best = 1; // (?<=°[FfCcKk])\.
        }
      }
    }
    if (b - a >= 2 && last === 0x2026 && text.charCodeAt(b - 2) === 0x2026) best = Math.max(best, 2); // ……
    if (b - a >= 2 && (last === 0x73 || last === 0x53)) {
      const q = text.charCodeAt(b - 2);
      if (q === 0x27 || q === 0x2019) best = Math.max(best, 2); // 's 'S ’s ’S
    }
    if (last === 0x2b && b - 2 >= a && isDigit(text.charCodeAt(b - 2))) best = Math.max(best, 1);
    best = Math.max(best, this.afterDigit(text, a, b, this.currencyByLast.get(last)));
    best = Math.max(best, this.afterDigit(text, a, b, this.unitsByLast.get(last)));
    if (best === 0) {
      if (last < 0xd800 || last > 0xdfff) best = FLAGS[last] & F_SUFFIX ? 1 : 0;
      else {
        const cp = codePointBefore(text, b, a);
        if (cp > 0xffff && flagsOf(cp) & F_SUFFIX) best = 2;
      }
    }
    return best;
  }

  /** The longest of `candidates` that ends the string right after a digit 0-9. */
  private afterDigit(text: string, a: number, b: number, candidates: string[] | undefined): number {
    if (!candidates) return 0;
    let best = 0;
    for (const cand of candidates) {
      const p = b - cand.length;
      if (p - 1 < a || cand.length <= best) continue;
      if (!isDigit(text.charCodeAt(p - 1))) continue;
      if (text.startsWith(cand, p)) best = cand.length;
    }
    return best;
  }

  private isUrl(text: string, a: number, b: number): boolean {
    if (b - a > MAX_URL_LENGTH || b - a < 4) return false;
    // Both an IP address and a host name need a dot (looked for inside the chunk only). Each
    // '@' and ':' is a place the pattern's user-info part backtracks to; real URLs have a few,
    // so strings with many are not tried (that keeps the pattern linear on crafted input).
    let dot = false;
    let marks = 0;
    for (let i = a; i < b; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x2e) dot = true;
      else if (c === 0x40 || c === 0x3a) marks++;
    }
    return dot && marks <= MAX_URL_MARKS && this.url.test(text.slice(a, b));
  }

  /** Infix matches in `[a, b)` as [start, end] pairs in `this.infixes`, left to right without overlap; returns the count. */
  private findInfixes(text: string, a: number, b: number): number {
    let n = 0;
    let i = a;
    while (i < b) {
      const c = text.charCodeAt(i);
      // Letters and digits never start an infix: skip them quickly.
      if (c < 0x80 && ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a || isDigit(c))) {
        i++;
        continue;
      }
      const len = this.infixAt(text, a, b, i, c);
      if (len > 0) {
        n = this.pushPair('infixes', n, i, i + len);
        i += len;
      } else i++;
    }
    return n;
  }

  private infixAt(text: string, a: number, b: number, i: number, c: number): number {
    if (c === 0x2e && i + 1 < b && text.charCodeAt(i + 1) === 0x2e) {
      let k = i;
      while (k < b && text.charCodeAt(k) === 0x2e) k++;
      return k - i;
    }
    if (c === 0x2026) return 1;
    const cp = c >= 0xd800 && c <= 0xdbff ? codePointAt(text, i) : c;
    const width = unitLength(cp);
    if (i + width > b) return 0;
    if (flagsOf(cp) & F_ICON) return width;
    const prev = codePointBefore(text, i, a);
    const prevF = flagsOf(prev);
    const prevDigit = prev >= 0x30 && prev <= 0x39;
    const next = i + 1 < b ? codePointAt(text, i + 1) : -1;
    // (?<=[0-9])[+\-\*^](?=[0-9-])
    if (prevDigit && (c === 0x2b || c === 0x2d || c === 0x2a || c === 0x5e) && next >= 0 && (isDigit(next) || next === 0x2d)) return 1;
    // (?<=[{al}{q}])\.(?=[{au}{q}])
    if (c === 0x2e && prevF & (F_LOWER | F_QUOTE) && next >= 0 && flagsOf(next) & (F_UPPER | F_QUOTE)) return 1;
    // (?<=[{a}]),(?=[{a}])
    if (c === 0x2c && prevF & F_ALPHA && next >= 0 && flagsOf(next) & F_ALPHA) return 1;
    if (!(prevF & F_ALPHA) && !prevDigit) return 0;
    // (?<=[{a}0-9])(?:{hyphens})(?=[{a}]), alternatives in order.
    for (const h of LIST_HYPHENS) {
      if (!text.startsWith(h, i) || i + h.length >= b) continue;
      if (flagsOf(codePointAt(text, i + h.length)) & F_ALPHA) return h.length;
    }
    // (?<=[{a}0-9])[:<>=/](?=[{a}])
    if ((c === 0x3a || c === 0x3c || c === 0x3e || c === 0x3d || c === 0x2f) && next >= 0 && flagsOf(next) & F_ALPHA) return 1;
    return 0;
  }

  /**
   * spaCy's final pass: exceptions that affix or infix rules split apart are matched over the
   * chunk's tokens and re-joined (longest match first, then leftmost; overlapping ones lose).
   */
  private applyMatcher(text: string, first: number, out: TokenBuffer): void {
    const n = out.count - first;
    let matches: { start: number; end: number; pieces: number[] }[] | undefined;
    for (let t = 0; t < n - 1; t++) {
      const s = out.starts[first + t];
      const e = out.ends[first + t];
      if (!hasBit(this.matcherShapes, shapeHash(e - s, text.charCodeAt(s), text.charCodeAt(e - 1)))) continue;
      const id = this.matcherFirst.find(text, s, e);
      if (id < 0) continue;
      for (const p of this.matcher[id]) {
        if (t + p.tokens.length > n) continue;
        let ok = true;
        for (let k = 1; k < p.tokens.length && ok; k++) {
          const ts = out.starts[first + t + k];
          const te = out.ends[first + t + k];
          ok = te - ts === p.tokens[k].length && text.startsWith(p.tokens[k], ts);
        }
        if (ok) (matches ??= []).push({ start: t, end: t + p.tokens.length, pieces: p.pieces });
      }
    }
    if (!matches) return;
    matches.sort((x, y) => (x.end - x.start) - (y.end - y.start) || y.start - x.start);
    const seen = new Set<number>();
    const kept: typeof matches = [];
    for (let m = matches.length - 1; m >= 0; m--) {
      const span = matches[m];
      if (!seen.has(span.start) && !seen.has(span.end - 1)) kept.push(span);
      for (let t = span.start; t < span.end; t++) seen.add(t);
    }
    kept.sort((x, y) => x.start - y.start);
    const tokens = this.chunkTokens;
    tokens.length = 0;
    let t = 0;
    for (const span of kept) {
      for (; t < span.start; t++) tokens.push(out.starts[first + t], out.ends[first + t], out.wsBefore[first + t]);
      let s = out.starts[first + span.start];
      let ws = out.wsBefore[first + span.start];
      for (const len of span.pieces) {
        tokens.push(s, s + len, ws);
        ws = 0;
        s += len;
      }
      t = span.end;
    }
    for (; t < n; t++) tokens.push(out.starts[first + t], out.ends[first + t], out.wsBefore[first + t]);
    out.count = first;
    for (let k = 0; k < tokens.length; k += 3) out.push(tokens[k], tokens[k + 1], tokens[k + 2]);
  }
}

/** A 16-bit hash of a string's length and first and last UTF-16 units. */
function shapeHash(len: number, first: number, last: number): number {
  return (Math.imul(first ^ (len << 16), 0x9e3779b1) ^ Math.imul(last, 0x85ebca6b)) >>> 16;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

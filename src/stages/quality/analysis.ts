/**
 * What the rule families measure about one text, computed once and shared: the token stream
 * (the most expensive step; each token comes with its hash, length and flags, see
 * `tokenizer/token-buffer.ts`), the lines of `str.splitlines()`, the pieces of `split("\n")` and
 * the length in code points. Each is computed on first use. Buffers and tables live in
 * `Workspace`, one per worker, and are reused from document to document.
 */
import { layOut } from '../../core/wasm.js';
import { TextSearchKernel } from './rules/text-search.js';
import { WordIdsKernel } from './rules/word-ids.js';
import { DuplicateFinder, type Duplicates } from './text/duplicates.js';
import { PairInterner, SpanInterner } from './text/interner.js';
import { codePointLength, forEachLine, hasSurrogates } from './text/python-text.js';
import { SpanList } from './text/span-list.js';
import { SEGMENTED_LANGUAGES, SegmenterTokenizer } from './tokenizer/segmenter.js';
import { KERNEL_TEXT_UNITS, SpacyEnglishTokenizer, type TokenizerLoop } from './tokenizer/spacy-english.js';
import { TokenBuffer } from './tokenizer/token-buffer.js';

export interface WordTokenizer {
  /** Appends the tokens of `text[start:end]` to `out`, with their facts. */
  tokenize(text: string, out: TokenBuffer, start?: number, end?: number): void;
}

/** Per-worker tools and scratch buffers. Not shared between threads. */
export class Workspace {
  readonly spacy: SpacyEnglishTokenizer;
  private readonly segmenters = new Map<string, SegmenterTokenizer>();
  private readonly buffers = [new TokenBuffer(), new TokenBuffer()];
  private nextBuffer = 0;
  /** Scratch tokens for single lines (C4's edited lines). */
  readonly lineTokens = new TokenBuffer();
  readonly words = new SpanInterner();
  readonly pairs = new PairInterner();
  readonly duplicates = new DuplicateFinder();
  /** Span lists of the two most recent analyses (a document's text and C4's edit of it). */
  private readonly analysisSpans = [[new SpanList(), new SpanList()], [new SpanList(), new SpanList()]];
  private nextSpans = 0;
  /** Span lists a family fills and reads within one call (paragraphs, lines). */
  readonly paragraphs = new SpanList();
  readonly pieces = new SpanList();

  /** Gopher repetition's word ids and Gopher quality's word statistics in WebAssembly, for texts the tokenizer kernel tokenized. */
  readonly wordIds: WordIdsKernel | undefined;
  /** C4's searches (bad words, phrases) in WebAssembly, over texts in the tokenizer kernel's memory. */
  readonly textSearch: TextSearchKernel | undefined;

  /** `loop`: `js` keeps every step in JavaScript (the reference the kernels are tested against). */
  constructor(loop: TokenizerLoop = 'wasm') {
    this.spacy = new SpacyEnglishTokenizer(undefined, loop);
    // Whole texts are tokenized straight into these buffers by the tokenizer's kernel, and their
    // word ids computed and C4's searches run in the same memory.
    const kernels = { wordIds: WordIdsKernel.bytes(KERNEL_TEXT_UNITS), textSearch: TextSearchKernel.bytes() };
    const scratch = this.spacy.attach(this.buffers, layOut(0, kernels).end);
    const at = scratch && layOut(scratch.at, kernels).at;
    this.wordIds = scratch && at ? WordIdsKernel.create({ memory: scratch.memory, at: at.wordIds }, KERNEL_TEXT_UNITS) : undefined;
    this.textSearch = scratch && at ? TextSearchKernel.create({ memory: scratch.memory, at: at.textSearch }) : undefined;
  }

  /** The word tokenizer for a language code (`auto` mode): a segmenter for scripts without spaces, else spaCy's English rules. */
  tokenizerFor(language: string | undefined): WordTokenizer {
    if (language === undefined) return this.spacy;
    const base = /[-_]/.test(language) ? language.split(/[-_]/)[0] : language;
    if (!SEGMENTED_LANGUAGES.has(base)) return this.spacy;
    let tokenizer = this.segmenters.get(base);
    if (!tokenizer) this.segmenters.set(base, (tokenizer = new SegmenterTokenizer(base)));
    return tokenizer;
  }

  /** Span lists for a new analysis: [segments, lines]. */
  takeSpans(): SpanList[] {
    const lists = this.analysisSpans[this.nextSpans];
    this.nextSpans ^= 1;
    return lists;
  }

  /** A token buffer for a new text: not `keep` (a buffer still being read), else the older of the two. */
  takeBuffer(keep?: TokenBuffer): TokenBuffer {
    if (this.buffers[this.nextBuffer] === keep) this.nextBuffer ^= 1;
    const buf = this.buffers[this.nextBuffer];
    this.nextBuffer ^= 1;
    buf.reset();
    return buf;
  }
}

/**
 * A text made of lines of another text (`str.splitlines()` lines: no line breaks in them) joined
 * with `\n`: C4's kept lines. Searches that look inside lines (bad words) can run over the other
 * text's copy in the tokenizer kernel's memory.
 */
export interface JoinedLines {
  /** The text the lines are spans of. */
  readonly source: string;
  /** Whether `source` has surrogates (without, the lines have none either). */
  readonly sourceSurrogates: boolean;
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Line `k`'s own text when it is not its span (a citation was cut from it). */
  replaced(k: number): string | undefined;
  /** How many lines have their own text (`replaced`); with none, the text's `\n` pieces are the spans. */
  readonly replacedCount: number;
}

/** Tokens known without tokenizing (C4 builds the edited text's tokens from the lines it kept), built only if asked for. */
export interface KnownTokens {
  count: number;
  build(): TokenBuffer;
}

/** Line breaks of `str.splitlines()` other than `\n`: without them, its lines are the pieces of `split("\n")`. */
const OTHER_LINE_BREAKS = /[\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

export class TextAnalysis {
  private tokenBuffer: TokenBuffer | undefined;
  private cpLength = -1;
  private lowered: string | undefined;
  private linesReady = false;
  private readonly segmentList: SpanList;
  private readonly lineList: SpanList;
  readonly surrogates: boolean;

  constructor(
    readonly text: string,
    readonly tokenizer: WordTokenizer,
    readonly workspace: Workspace,
    private readonly known?: KnownTokens,
    /** The lines this text joins, when it is C4's edit of another text. */
    readonly joined?: JoinedLines,
  ) {
    this.surrogates = joined !== undefined && !joined.sourceSurrogates ? false : hasSurrogates(text);
    [this.segmentList, this.lineList] = workspace.takeSpans();
  }

  /** The text lowercased (`toLowerCase`, close to Python's `str.lower`), made once for the families that ask. */
  get lower(): string {
    return (this.lowered ??= this.text.toLowerCase());
  }

  /** Python `len(text)`. */
  get length(): number {
    if (this.cpLength < 0) this.cpLength = this.surrogates ? codePointLength(this.text, 0, this.text.length) : this.text.length;
    return this.cpLength;
  }

  /** The word tokens of the whole text (datatrove's `word_tokenize`, whitespace tokens dropped), with their facts. */
  get tokens(): TokenBuffer {
    if (!this.tokenBuffer) {
      if (this.known) this.tokenBuffer = this.known.build();
      else {
        this.tokenBuffer = this.workspace.takeBuffer();
        this.tokenizer.tokenize(this.text, this.tokenBuffer);
      }
    }
    return this.tokenBuffer;
  }

  /** How many tokens there are (without building tokens that are known). */
  get tokenCount(): number {
    return this.tokenBuffer?.count ?? this.known?.count ?? this.tokens.count;
  }

  /**
   * Where the text is in the tokenizer kernel's memory (copied there if another text is), when
   * its tokens are in that memory too, so word-ids.wat can read both; else -1.
   */
  kernelTextAt(): number {
    const toks = this.tokens;
    const storage = toks.storage;
    return storage && toks.starts === storage.starts ? this.workspace.spacy.placeText(this.text) : -1;
  }

  /** Python `len(text[start:end])`; `of`: the text C4's edit joined lines of (see `joined`), whose spans they are. */
  spanLength(start: number, end: number, of = this.text): number {
    return this.surrogates ? codePointLength(of, start, end) : end - start;
  }

  /** `text.split("\n")`. */
  get segments(): SpanList {
    if (!this.linesReady) this.splitLines();
    return this.segmentList;
  }

  /** `text.splitlines()` (Gopher quality and C4 both need them). */
  get lines(): SpanList {
    if (!this.linesReady) this.splitLines();
    return this.lineList;
  }

  /**
   * Splits at the text's `\n`s, found by the tokenizer when it records them (tokenizing is needed
   * anyway by every family that asks), else by a scan; `splitlines()` gives the same pieces
   * unless other line breaks occur.
   */
  private splitLines(): void {
    const text = this.text;
    const segments = this.segmentList.reset();
    const toks = this.known && !this.tokenBuffer ? undefined : this.tokens;
    let otherBreaks: boolean;
    let start = 0;
    if (toks && toks.newlineCount >= 0) {
      for (let k = 0; k < toks.newlineCount; k++) {
        segments.push(start, toks.newlines[k]);
        start = toks.newlines[k] + 1;
      }
      otherBreaks = toks.otherBreaks;
    } else {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        segments.push(start, i);
        start = i + 1;
      }
      // C4's edit joins lines that have no breaks with "\n".
      otherBreaks = this.joined === undefined && OTHER_LINE_BREAKS.test(text);
    }
    segments.push(start, text.length);
    if (!otherBreaks) {
      // Less the empty piece after a final newline (or of an empty text).
      const n = segments.count;
      this.lineList.copyFrom(segments, segments.spans[2 * n - 1] === segments.spans[2 * n - 2] ? n - 1 : n);
    } else {
      const lines = this.lineList.reset();
      forEachLine(text, (s, e) => lines.push(s, e));
    }
    this.linesReady = true;
  }

  /** The spans of `list` that repeat an earlier one (spans of `of`, as in `spanLength`). */
  findDuplicates(list: SpanList, of = this.text): Duplicates {
    return this.workspace.duplicates.find(of, list.spans, list.count, this.surrogates);
  }
}

/**
 * C4's line-level cleaning and document rules (Raffel et al. 2020, section 2.2; datatrove
 * `C4QualityFilter`, after TFDS `c4_utils.py`). Lines come from `str.splitlines()`, are stripped,
 * lose Wikipedia citation markers, and are dropped for a too-long word, no terminal punctuation,
 * too few words, "javascript" or a cookie/privacy/terms phrase. A kept line with "lorem ipsum"
 * or `{` removes the document, as do fewer than `min_sentences` sentences in the kept lines. A
 * kept document's text is its kept lines joined with `\n`; dropped lines are counted.
 *
 * Lines are spans of the text, never copies, except lines a citation was cut from. Words per
 * line are the tokenizer's whitespace chunks, and sentences are counted with spaCy's sentencizer
 * rules on the shared word tokens (a line's tokens are the ones inside it), re-tokenizing only
 * lines a citation was cut from. The kept lines' tokens become the edited text's tokens, so later
 * families need not tokenize again; when every line is kept as it was, the text is not rebuilt.
 * Phrases are looked up once in the whole text, not per line.
 */
import type { JoinedLines, KnownTokens, TextAnalysis } from '../analysis.js';
import type { C4Config } from '../config.js';
import type { Outcome } from '../outcome.js';
import { codePointLength, isSpaceUnit, stripRange } from '../text/python-text.js';
import { countSentences, sentenceStarts } from '../tokenizer/sentences.js';
import type { TokenBuffer } from '../tokenizer/token-buffer.js';

const CITATION = /\[\p{Nd}*\]|\[edit\]|\[citation needed\]/gu;
const POLICY = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];
/**
 * Every phrase in one alternation. Matches do not overlap, but no two phrases can overlap in a
 * way that hides one (their letters differ where they would), so each line still sees its phrases.
 */
const PHRASES = new RegExp(['lorem ipsum', 'javascript', ...POLICY].join('|'), 'gi');
/** Every phrase contains one of these (every cookie phrase contains "cookie"). */
const PHRASE_CHECK = ['cookie', 'javascript', 'privacy policy', 'terms of use', 'lorem ipsum'];

/**
 * Whether a phrase may occur in the lowercased text (most texts have none; then no match is
 * collected): searched in the tokenizer kernel's copy of the text, lowercasing as it reads, else
 * with substring searches on the lowercased text (they skip ahead by the phrase's length, where
 * the case-insensitive regex looked at every character).
 */
function mayHavePhrase(a: TextAnalysis): boolean {
  const kernel = a.workspace.textSearch;
  const textAt = kernel ? a.workspace.spacy.placeText(a.text) : -1;
  if (textAt >= 0) return kernel!.contains(PHRASE_CHECK, textAt, 0, a.text.length);
  const lower = a.lower;
  return PHRASE_CHECK.some((p) => lower.includes(p));
}

/** The line counters, in the order `judge` can first meet them. */
const COUNTERS = [
  'c4_lines',
  'c4_lines_dropped_too_long_word',
  'c4_lines_dropped_no_terminal_punct',
  'c4_lines_dropped_too_few_words',
  'c4_lines_dropped_javascript',
  'c4_lines_dropped_policy',
  'c4_lines_kept',
] as const;
const LINES = 0;
const TOO_LONG_WORD = 1;
const NO_TERMINAL_PUNCT = 2;
const TOO_FEW_WORDS = 3;
const JAVASCRIPT = 4;
const POLICY_LINE = 5;
const KEPT = 6;

/**
 * Line counts of one document, added to the outcome at the end in the order they were first
 * counted (the order the manifest lists them in), at one addition per counter, not per line.
 */
class LineTally {
  private readonly counts = new Int32Array(COUNTERS.length);
  private readonly order: number[] = [];

  reset(): void {
    this.counts.fill(0);
    this.order.length = 0;
  }

  add(counter: number): void {
    if (this.counts[counter]++ === 0) this.order.push(counter);
  }

  flush(out: Outcome): void {
    for (const c of this.order) out.count(COUNTERS[c], this.counts[c]);
  }
}

/** `str.endswith((".", "?", "!", '"', "'"))` and not `str.endswith("...")`, on `line[s:e]`. */
function endsWithTerminal(line: string, s: number, e: number): boolean {
  const n = e - s;
  if (n === 0) return false;
  const c = line.charCodeAt(e - 1);
  if (c === 0x3f || c === 0x21 || c === 0x22 || c === 0x27) return true;
  if (c !== 0x2e) return false;
  return !(n >= 3 && line.charCodeAt(e - 2) === 0x2e && line.charCodeAt(e - 3) === 0x2e);
}

/** Where a phrase occurs; lines ask in increasing order. */
class PhraseHits {
  readonly positions: number[] = [];
  private cursor = 0;

  /** Whether an occurrence lies inside `[s, e)`; calls must come with non-decreasing `s`. */
  within(s: number, e: number): boolean {
    const p = this.positions;
    while (this.cursor < p.length && p[this.cursor] < s) this.cursor += 2;
    return this.cursor < p.length && p[this.cursor + 1] <= e;
  }
}

/** The next occurrence of a character at or after a position; asked with non-decreasing positions. */
class CharCursor {
  private next = -1;

  constructor(private readonly text: string, private readonly char: string) {}

  /** Whether the character occurs in `[s, e)`. */
  within(s: number, e: number): boolean {
    if (this.next < s) {
      const i = this.text.indexOf(this.char, s);
      this.next = i < 0 ? Infinity : i;
    }
    return this.next < e;
  }
}

export interface C4Result {
  text: string;
  /** Tokens of `text`, built from the kept lines' tokens when asked for. */
  tokens?: KnownTokens;
  /** The lines `text` joins (valid until the next document). */
  lines?: JoinedLines;
}

/** A kept line that a citation was cut from: its new text and, judging lines, its own tokens. */
interface EditedLine {
  line: string;
  tokens?: TokenBuffer;
}

/** The kept lines of one document, reused across documents. */
class KeptLines implements JoinedLines {
  source = '';
  sourceSurrogates = false;
  count = 0;
  /** The stripped line in the text. */
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  /** The line's tokens `[from, to)` in the text's tokens (unused for edited lines). */
  from = new Int32Array(256);
  to = new Int32Array(256);
  /** Lines that were edited, by their index here. */
  readonly edited = new Map<number, EditedLine>();

  reset(source: string, sourceSurrogates: boolean): void {
    this.source = source;
    this.sourceSurrogates = sourceSurrogates;
    this.count = 0;
    // Map.clear() allocates a new table even when the map is empty.
    if (this.edited.size > 0) this.edited.clear();
  }

  push(start: number, end: number, from: number, to: number, edited?: EditedLine): void {
    if (this.count === this.starts.length) {
      const n = this.count * 2;
      for (const key of ['starts', 'ends', 'from', 'to'] as const) {
        const a = new Int32Array(n);
        a.set(this[key]);
        this[key] = a;
      }
    }
    const k = this.count++;
    this.starts[k] = start;
    this.ends[k] = end;
    this.from[k] = from;
    this.to[k] = to;
    if (edited) this.edited.set(k, edited);
  }

  /** Line `k`'s text. */
  line(text: string, k: number): string {
    return this.replaced(k) ?? text.slice(this.starts[k], this.ends[k]);
  }

  replaced(k: number): string | undefined {
    return this.editedAt(k)?.line;
  }

  get replacedCount(): number {
    return this.edited.size;
  }

  /** Line `k`'s edit, if it was edited (most documents have none: then no map look-up per line). */
  editedAt(k: number): EditedLine | undefined {
    return this.edited.size === 0 ? undefined : this.edited.get(k);
  }
}

export class C4Quality {
  private readonly tally = new LineTally();
  private readonly kept = new KeptLines();

  constructor(private readonly cfg: C4Config) {}

  /** Returns the kept text (and its tokens), or undefined when a failure was recorded. */
  run(a: TextAnalysis, out: Outcome): C4Result | undefined {
    this.tally.reset();
    this.kept.reset(a.text, a.surrogates);
    const sentences = this.judgeLines(a, out);
    this.tally.flush(out);
    if (sentences === undefined) return undefined;

    const cfg = this.cfg;
    const kept = this.kept;
    out.signal('sentences', sentences);
    out.signal('lines_kept', kept.count);
    if (out.check(cfg.min_sentences !== null && sentences < cfg.min_sentences, 'too_few_sentences', sentences, cfg.min_sentences)) return undefined;
    // A failure recorded in signals mode, or signals mode at all: the text is not edited.
    if (out.failed || out.measureAll) return undefined;

    const text = a.text;
    if (cfg.split_paragraph && this.keptAsIs(a)) return { text };
    const joined = this.joinKept(text, cfg.split_paragraph ? '\n' : ' ');
    const [js, je] = stripRange(joined, 0, joined.length);
    const result = js === 0 && je === joined.length ? joined : joined.slice(js, je);
    if (!cfg.split_paragraph || result === text) return { text: result };
    return { text: result, tokens: { count: this.keptTokenCount(), build: () => this.keptTokens(a, js) }, lines: this.kept };
  }

  /**
   * The kept lines joined with `separator`. Lines that follow each other in the text with just
   * the separator between them are sliced out together, which is the same string.
   */
  private joinKept(text: string, separator: string): string {
    const kept = this.kept;
    const sep = separator.charCodeAt(0);
    const pieces: string[] = [];
    for (let k = 0; k < kept.count; ) {
      if (kept.editedAt(k)) {
        pieces.push(kept.line(text, k++));
        continue;
      }
      let last = k;
      while (last + 1 < kept.count && !kept.editedAt(last + 1) && kept.starts[last + 1] === kept.ends[last] + 1 && text.charCodeAt(kept.ends[last]) === sep) last++;
      pieces.push(text.slice(kept.starts[k], kept.ends[last]));
      k = last + 1;
    }
    return pieces.join(separator);
  }

  /**
   * Judges each line (or sentence); returns the sentences of the kept lines, or undefined when
   * the document stopped at a failure. One loop over the spans, its state in locals (a closure
   * per line kept it in a heap context, read and written at every chunk).
   */
  private judgeLines(a: TextAnalysis, out: Outcome): number | undefined {
    const cfg = this.cfg;
    const text = a.text;
    const tokens = a.tokens;
    const tally = this.tally;
    const kept = this.kept;
    const perLine = cfg.split_paragraph;
    const max = cfg.max_word_length;
    const byChunks = tokens.chunkCount >= 0 && perLine;
    const { chunkStarts: cs, chunkEnds: ce, chunkCount } = tokens;
    // Line k is piece k of split("\n") (no other line breaks) and no word is too long: its words
    // and tokens are those between newlines k-1 and k, counted by the tokenizer.
    const { newlineTokens: nt, newlineChunks: nc, newlineCount } = tokens;
    const counted = byChunks && newlineCount >= 0 && !tokens.otherBreaks && (max === null || tokens.longestChunk <= max);
    let sentences = 0;
    let cursor = 0;
    let chunk = 0;
    let loremSeen = false;
    let curlySeen = false;

    // The phrases are found in one case-insensitive pass over the whole text, and a line asks
    // whether one lies inside it. That equals Python's `phrase in line.lower()` unless
    // lowercasing could turn a non-ASCII character into a phrase letter: the Kelvin sign
    // becomes "k". Such texts (and lines a citation was cut from) are lowercased line by line.
    const lorem = new PhraseHits();
    const javascript = new PhraseHits();
    const policy = new PhraseHits();
    const aligned = !text.includes('\u212a');
    if (aligned && (cfg.filter_lorem_ipsum || cfg.filter_javascript || cfg.filter_policy) && mayHavePhrase(a)) {
      for (const m of text.matchAll(PHRASES)) {
        const p = m[0].toLowerCase();
        (p === 'lorem ipsum' ? lorem : p === 'javascript' ? javascript : policy).positions.push(m.index, m.index + p.length);
      }
    }
    const curly = new CharCursor(text, '{');
    const bracket = new CharCursor(text, '[');

    const { spans, count } = perLine ? a.lines : sentenceSpans(text, tokens);
    for (let k = 0; k < count; k++) {
      let s = spans[2 * k];
      let e = spans[2 * k + 1];
      while (s < e && isSpaceUnit(text.charCodeAt(s))) s++;
      while (e > s && isSpaceUnit(text.charCodeAt(e - 1))) e--;
      tally.add(LINES);
      // line.split(): words, and whether one is too long. The tokenizer's whitespace chunks
      // are exactly those words; without them (a segmenter), scan the line.
      let words = 0;
      let tooLong = false;
      if (counted) words = (k < newlineCount ? nc[k] : chunkCount) - (k === 0 ? 0 : nc[k - 1]);
      else if (byChunks) {
        while (chunk < chunkCount && cs[chunk] < s) chunk++;
        for (; chunk < chunkCount && ce[chunk] <= e; chunk++) {
          words++;
          if (max !== null && ce[chunk] - cs[chunk] > max && (!a.surrogates || codePointLength(text, cs[chunk], ce[chunk]) > max)) tooLong = true;
        }
      } else {
        for (let i = s; i < e; ) {
          while (i < e && isSpaceUnit(text.charCodeAt(i))) i++;
          if (i >= e) break;
          const ws = i;
          while (i < e && !isSpaceUnit(text.charCodeAt(i))) i++;
          words++;
          if (max !== null && i - ws > max && (!a.surrogates || codePointLength(text, ws, i) > max)) tooLong = true;
        }
      }
      if (tooLong) {
        tally.add(TOO_LONG_WORD);
        continue;
      }
      // The line after citations are cut, when that changed it.
      let edited: string | undefined;
      if (cfg.remove_citations && bracket.within(s, e)) {
        const line = text.slice(s, e);
        const cut = line.replace(CITATION, '');
        if (cut.length !== line.length) edited = cut;
      }
      if (cfg.filter_no_terminal_punct && !(edited === undefined ? endsWithTerminal(text, s, e) : endsWithTerminal(edited, 0, edited.length))) {
        tally.add(NO_TERMINAL_PUNCT);
        continue;
      }
      if (cfg.min_words_per_line !== null && words < cfg.min_words_per_line) {
        tally.add(TOO_FEW_WORDS);
        continue;
      }
      const own = edited !== undefined || !aligned;
      const lowerLine = own ? (edited ?? text.slice(s, e)).toLowerCase() : '';
      if (cfg.filter_lorem_ipsum && !loremSeen && (own ? lowerLine.includes('lorem ipsum') : lorem.within(s, e))) {
        loremSeen = true;
        if (out.check(true, 'contains_lorem_ipsum', 1, 0)) return undefined;
      }
      if (cfg.filter_javascript && (own ? lowerLine.includes('javascript') : javascript.within(s, e))) {
        tally.add(JAVASCRIPT);
        continue;
      }
      if (cfg.filter_curly_bracket && !curlySeen && (edited === undefined ? curly.within(s, e) : edited.includes('{'))) {
        curlySeen = true;
        if (out.check(true, 'contains_curly_bracket', 1, 0)) return undefined;
      }
      if (cfg.filter_policy && (own ? POLICY.some((p) => lowerLine.includes(p)) : policy.within(s, e))) {
        tally.add(POLICY_LINE);
        continue;
      }
      if (!perLine) {
        sentences += 1;
        kept.push(s, e, -1, -1, edited === undefined ? undefined : { line: edited });
      } else if (edited !== undefined) {
        const buf = a.workspace.lineTokens;
        buf.reset();
        a.tokenizer.tokenize(edited, buf);
        sentences += countSentences(buf, 0, buf.count);
        kept.push(s, e, -1, -1, { line: edited, tokens: buf.copy() });
      } else {
        let t: number;
        let u: number;
        if (counted) {
          t = k === 0 ? 0 : nt[k - 1];
          u = k < newlineCount ? nt[k] : tokens.count;
        } else {
          t = cursor;
          while (t < tokens.count && tokens.starts[t] < s) t++;
          u = t;
          while (u < tokens.count && tokens.ends[u] <= e) u++;
          cursor = u;
        }
        sentences += countSentences(tokens, t, u);
        kept.push(s, e, t, u);
      }
      tally.add(KEPT);
    }
    return sentences;
  }

  /**
   * Whether the kept lines joined with `\n` (and stripped) are the text itself: every line kept
   * unedited and unstripped, each separated from the next by one `\n`, and no whitespace at
   * either end of the text.
   */
  private keptAsIs(a: TextAnalysis): boolean {
    const { text } = a;
    const kept = this.kept;
    const lines = a.lines.spans;
    if (kept.count !== a.lines.count || kept.edited.size > 0) return false;
    if (text.length > 0 && (isSpaceUnit(text.charCodeAt(0)) || isSpaceUnit(text.charCodeAt(text.length - 1)))) return false;
    let expected = 0;
    for (let k = 0; k < kept.count; k++) {
      if (kept.starts[k] !== lines[2 * k] || kept.ends[k] !== lines[2 * k + 1] || kept.starts[k] !== expected) return false;
      expected = kept.ends[k] + 1;
      if (k + 1 < kept.count && text.charCodeAt(kept.ends[k]) !== 0x0a) return false;
    }
    return kept.count === 0 ? text.length === 0 : kept.ends[kept.count - 1] === text.length;
  }

  private keptTokenCount(): number {
    const kept = this.kept;
    let n = 0;
    for (let k = 0; k < kept.count; k++) n += kept.editedAt(k)?.tokens?.count ?? kept.to[k] - kept.from[k];
    return n;
  }

  /**
   * The tokens of the joined kept lines: each line's tokens moved to where the line now is. Built
   * when a later family asks for them, before the next document (C4's kept lines are reused).
   */
  private keptTokens(a: TextAnalysis, strip: number): TokenBuffer {
    const old = a.tokens;
    const kept = this.kept;
    const buf = a.workspace.takeBuffer(old);
    let offset = -strip;
    for (let k = 0; k < kept.count; k++) {
      // Every line after the first is preceded by a newline: a whitespace token for the sentencizer.
      let ws = 1;
      const edited = kept.editedAt(k);
      if (edited) {
        const own = edited.tokens!;
        for (let t = 0; t < own.count; t++) {
          buf.pushFrom(own, t, offset, buf.count === 0 ? 0 : ws || own.wsBefore[t]);
          ws = 0;
        }
        offset += edited.line.length + 1;
      } else {
        const shift = offset - kept.starts[k];
        for (let t = kept.from[k]; t < kept.to[k]; t++) {
          buf.pushFrom(old, t, shift, buf.count === 0 ? 0 : ws || old.wsBefore[t]);
          ws = 0;
        }
        offset += kept.ends[k] - kept.starts[k] + 1;
      }
    }
    return buf;
  }
}

/** spaCy's sentences of the whole text as stripped spans (datatrove `sent_tokenize`). */
function sentenceSpans(text: string, tokens: TokenBuffer): { spans: number[]; count: number } {
  const starts = sentenceStarts(tokens, 0, tokens.count);
  const spans: number[] = [];
  for (let k = 0; k < starts.length; k++) {
    const last = (k + 1 < starts.length ? starts[k + 1] : tokens.count) - 1;
    const [s, e] = stripRange(text, tokens.starts[starts[k]], tokens.ends[last]);
    if (e > s) spans.push(s, e);
  }
  return { spans, count: spans.length / 2 };
}

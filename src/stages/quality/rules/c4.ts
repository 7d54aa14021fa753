/**
 * C4's line-level cleaning and document rules (Raffel et al. 2020, section 2.2; datatrove
 * `C4QualityFilter`, after TFDS `c4_utils.py`). Lines come from `str.splitlines()`, are stripped,
 * lose Wikipedia citation markers, and are dropped for a too-long word, no terminal punctuation,
 * too few words, "javascript" or a cookie/privacy/terms phrase. A kept line with "lorem ipsum"
 * or `{` removes the document, as do fewer than `min_sentences` sentences in the kept lines. A
 * kept document's text is its kept lines joined with `\n`; dropped lines are counted.
 *
 * Sentences are counted with spaCy's sentencizer rules on the word tokens of the whole text (a
 * line's tokens are the ones inside it), re-tokenizing only lines a citation was cut from. The
 * kept lines' tokens become the edited text's tokens, so later families need not tokenize again.
 * Phrases are looked up once in the lowercased text, not per line.
 */
import type { TextAnalysis } from '../analysis.js';
import type { C4Config } from '../config.js';
import type { Outcome } from '../outcome.js';
import { codePointLength, isSpaceUnit, stripRange } from '../text/python-text.js';
import { countSentences, sentenceStarts } from '../tokenizer/sentences.js';
import type { TokenBuffer } from '../tokenizer/spacy-english.js';

const CITATION = /\[\p{Nd}*\]|\[edit\]|\[citation needed\]/gu;
const POLICY = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];
/**
 * Every phrase in one alternation. Matches do not overlap, but no two phrases can overlap in a
 * way that hides one (their letters differ where they would), so each line still sees its phrases.
 */
const PHRASES = new RegExp(['lorem ipsum', 'javascript', ...POLICY].join('|'), 'gi');

/** `str.endswith((".", "?", "!", '"', "'"))` and not `str.endswith("...")`. */
function endsWithTerminal(line: string): boolean {
  const n = line.length;
  if (n === 0) return false;
  const c = line.charCodeAt(n - 1);
  if (c === 0x3f || c === 0x21 || c === 0x22 || c === 0x27) return true;
  if (c !== 0x2e) return false;
  return !(n >= 3 && line.charCodeAt(n - 2) === 0x2e && line.charCodeAt(n - 3) === 0x2e);
}

/** Where a phrase occurs; lines ask in increasing order. */
class PhraseHits {
  readonly positions: number[] = [];
  private cursor = 0;

  constructor(readonly phrase: string) {}

  /** Whether an occurrence lies inside `[s, e)`; calls must come with non-decreasing `s`. */
  within(s: number, e: number): boolean {
    const p = this.positions;
    while (this.cursor < p.length && p[this.cursor] < s) this.cursor += 2;
    return this.cursor < p.length && p[this.cursor + 1] <= e;
  }
}

export interface C4Result {
  text: string;
  /** Tokens of `text`, built from the kept lines' tokens. */
  tokens?: TokenBuffer;
}

/** A kept line: where it came from and where its tokens are. */
interface KeptLine {
  line: string;
  /** Offset of the line in the original text (its tokens' offsets are relative to it), or -1 when it was re-tokenized. */
  source: number;
  from: number;
  to: number;
  /** Tokens of a re-tokenized line: [start, end, wsBefore] triples relative to the line. */
  own?: number[];
}

export class C4Quality {
  constructor(private readonly cfg: C4Config) {}

  /** Returns the kept text (and its tokens), or undefined when a failure was recorded. */
  run(a: TextAnalysis, out: Outcome): C4Result | undefined {
    const cfg = this.cfg;
    const text = a.text;
    const tokens = a.tokens;
    const kept: KeptLine[] = [];
    let sentences = 0;
    let cursor = 0;
    let chunk = 0;
    let stopped = false;
    let loremSeen = false;
    let curlySeen = false;

    // The phrases are found in one case-insensitive pass over the whole text, and a line asks
    // whether one lies inside it. That equals Python's `phrase in line.lower()` unless
    // lowercasing could turn a non-ASCII character into a phrase letter: the Kelvin sign
    // becomes "k". Such texts (and lines a citation was cut from) are lowercased line by line.
    const lorem = new PhraseHits('lorem ipsum');
    const javascript = new PhraseHits('javascript');
    const policy = new PhraseHits('policy');
    const aligned = !text.includes('\u212a');
    if (aligned && (cfg.filter_lorem_ipsum || cfg.filter_javascript || cfg.filter_policy)) {
      for (const m of text.matchAll(PHRASES)) {
        const p = m[0].toLowerCase();
        (p === 'lorem ipsum' ? lorem : p === 'javascript' ? javascript : policy).positions.push(m.index, m.index + p.length);
      }
    }
    const anyCurly = text.includes('{');
    const anyBracket = text.includes('[');

    const judge = (lineStart: number, lineEnd: number, perLine: boolean): void => {
      if (stopped) return;
      const [s, e] = stripRange(text, lineStart, lineEnd);
      out.count('c4_lines');
      // line.split(): words, and whether one is too long. The tokenizer's whitespace chunks
      // are exactly those words; without them (a segmenter), scan the line.
      let words = 0;
      let tooLong = false;
      const max = cfg.max_word_length;
      if (tokens.chunkCount >= 0 && perLine) {
        const cs = tokens.chunkStarts;
        const ce = tokens.chunkEnds;
        while (chunk < tokens.chunkCount && cs[chunk] < s) chunk++;
        for (; chunk < tokens.chunkCount && ce[chunk] <= e; chunk++) {
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
      if (tooLong) return void out.count('c4_lines_dropped_too_long_word');
      let line = text.slice(s, e);
      let edited = false;
      if (cfg.remove_citations && anyBracket && line.includes('[')) {
        const cut = line.replace(CITATION, '');
        edited = cut.length !== line.length;
        line = cut;
      }
      if (cfg.filter_no_terminal_punct && !endsWithTerminal(line)) return void out.count('c4_lines_dropped_no_terminal_punct');
      if (cfg.min_words_per_line !== null && words < cfg.min_words_per_line) return void out.count('c4_lines_dropped_too_few_words');
      const own = edited || !aligned;
      const lowerLine = own ? line.toLowerCase() : '';
      const has = (hits: PhraseHits, phrase: string): boolean => (own ? lowerLine.includes(phrase) : hits.within(s, e));
      if (cfg.filter_lorem_ipsum && !loremSeen && has(lorem, 'lorem ipsum')) {
        loremSeen = true;
        if (out.check(true, 'contains_lorem_ipsum', 1, 0)) return void (stopped = true);
      }
      if (cfg.filter_javascript && has(javascript, 'javascript')) return void out.count('c4_lines_dropped_javascript');
      if (cfg.filter_curly_bracket && !curlySeen && anyCurly && line.includes('{')) {
        curlySeen = true;
        if (out.check(true, 'contains_curly_bracket', 1, 0)) return void (stopped = true);
      }
      if (cfg.filter_policy) {
        const hit = own ? POLICY.some((p) => lowerLine.includes(p)) : policy.within(s, e);
        if (hit) return void out.count('c4_lines_dropped_policy');
      }
      if (!perLine) {
        sentences += 1;
        kept.push({ line, source: -1, from: 0, to: 0 });
      } else if (edited) {
        const buf = a.workspace.lineTokens;
        buf.reset();
        a.tokenizer.tokenize(line, buf);
        sentences += countSentences(line, buf, 0, buf.count);
        const triples: number[] = [];
        for (let t = 0; t < buf.count; t++) triples.push(buf.starts[t], buf.ends[t], buf.wsBefore[t]);
        kept.push({ line, source: -1, from: 0, to: 0, own: triples });
      } else {
        let t = cursor;
        while (t < tokens.count && tokens.starts[t] < s) t++;
        let u = t;
        while (u < tokens.count && tokens.ends[u] <= e) u++;
        cursor = u;
        sentences += countSentences(text, tokens, t, u);
        kept.push({ line, source: s, from: t, to: u });
      }
      out.count('c4_lines_kept');
    };

    if (cfg.split_paragraph) {
      const spans = a.lines;
      for (let k = 0; k < spans.length && !stopped; k += 2) judge(spans[k], spans[k + 1], true);
    }
    else for (const [s, e] of sentenceSpans(text, tokens)) judge(s, e, false);
    if (stopped) return undefined;

    out.signal('sentences', sentences);
    out.signal('lines_kept', kept.length);
    if (out.check(cfg.min_sentences !== null && sentences < cfg.min_sentences, 'too_few_sentences', sentences, cfg.min_sentences)) return undefined;
    if (out.failed) return undefined;

    const joined = kept.map((k) => k.line).join(cfg.split_paragraph ? '\n' : ' ');
    const [js, je] = stripRange(joined, 0, joined.length);
    const result = js === 0 && je === joined.length ? joined : joined.slice(js, je);
    if (!cfg.split_paragraph || result === text) return { text: result };
    return { text: result, tokens: this.keptTokens(a, kept, js) };
  }

  /** The tokens of the joined kept lines: each line's tokens moved to where the line now is. */
  private keptTokens(a: TextAnalysis, kept: KeptLine[], strip: number): TokenBuffer {
    const old = a.tokens;
    const buf = a.workspace.takeBuffer();
    let offset = -strip;
    for (let k = 0; k < kept.length; k++) {
      const line = kept[k];
      // Every line after the first is preceded by a newline: a whitespace token for the sentencizer.
      let ws = 1;
      if (line.own) {
        for (let j = 0; j < line.own.length; j += 3) {
          buf.push(line.own[j] + offset, line.own[j + 1] + offset, buf.count === 0 ? 0 : ws || line.own[j + 2]);
          ws = 0;
        }
      } else {
        const shift = offset - line.source;
        for (let t = line.from; t < line.to; t++) {
          buf.push(old.starts[t] + shift, old.ends[t] + shift, buf.count === 0 ? 0 : ws || old.wsBefore[t]);
          ws = 0;
        }
      }
      offset += line.line.length + 1;
    }
    return buf;
  }
}

/** spaCy's sentences of the whole text as stripped spans (datatrove `sent_tokenize`). */
function sentenceSpans(text: string, tokens: TokenBuffer): [number, number][] {
  const starts = sentenceStarts(text, tokens, 0, tokens.count);
  const spans: [number, number][] = [];
  for (let k = 0; k < starts.length; k++) {
    const last = (k + 1 < starts.length ? starts[k + 1] : tokens.count) - 1;
    const [s, e] = stripRange(text, tokens.starts[starts[k]], tokens.ends[last]);
    if (e > s) spans.push([s, e]);
  }
  return spans;
}

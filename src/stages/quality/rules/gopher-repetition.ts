/**
 * Gopher repetition rules (Rae et al. 2021, table A1; datatrove `GopherRepetitionFilter`):
 * duplicate paragraphs and lines, the most frequent word 2-4-gram, and characters in repeated
 * word 5-10-grams, all as fractions of the document's characters (code points).
 *
 * n-grams are never built as strings. Each word gets an integer id; an n-gram's class is the pair
 * (class of its (n-1)-gram prefix, id of its last word), interned in a hash table, so all ten
 * levels cost a few integer operations per word. An n-gram whose prefix occurs once is unique
 * and skips the table. Class ids are handed out in order of first occurrence, which gives
 * Python's `Counter.most_common(1)` tie rule (the first n-gram to reach the top count).
 *
 * For texts whose tokens the tokenizer kernel holds, `load` and `advance` run in WebAssembly
 * (word-ids.wat, same ids in the same order; Gopher repetition alone +14-17 %).
 *
 * Deviation: datatrove compares repeated 5-10-grams as `"".join(words)`, so two different word
 * sequences with the same letters ("ab c" / "a bc") count as repeats there and not here.
 */
import type { TextAnalysis } from '../analysis.js';
import type { GopherRepetitionConfig } from '../config.js';
import { type Outcome, safeRatio } from '../outcome.js';
import type { PairInterner } from '../text/interner.js';
import type { WordIdsKernel } from './word-ids.js';
import type { SpanList } from '../text/span-list.js';
import { isSpaceUnit } from '../text/python-text.js';

/** `re.split(r"\n{2,}", text.strip())`, from the text's newlines. */
function paragraphs(a: TextAnalysis): SpanList {
  const text = a.text;
  let start = 0;
  let end = text.length;
  // str.strip() removes Python whitespace at both ends.
  while (start < end && isSpaceUnit(text.charCodeAt(start))) start++;
  while (end > start && isSpaceUnit(text.charCodeAt(end - 1))) end--;
  // Newline k ends piece k of split("\n").
  const { spans: segments, count } = a.segments;
  const newlines = count - 1;
  const at = (k: number): number => segments[2 * k + 1];
  const out = a.workspace.paragraphs.reset();
  let from = start;
  let k = 0;
  while (k < newlines && at(k) < start) k++;
  while (k < newlines && at(k) < end) {
    // A run of consecutive newlines (none reaches `end`: the text is stripped there).
    let last = k;
    while (last + 1 < newlines && at(last + 1) === at(last) + 1) last++;
    if (last > k) {
      out.push(from, at(k));
      from = at(last) + 1;
    }
    k = last + 1;
  }
  out.push(from, end);
  return out;
}

/**
 * `re.split("\n+", text)`: the pieces of `split("\n")` without the empty ones between
 * newlines (the first and the last piece stay even when empty).
 */
function lines(a: TextAnalysis): SpanList {
  const { spans: segments, count: n } = a.segments;
  const out = a.workspace.pieces.reset(n);
  for (let k = 0; k < n; k++) {
    const s = segments[2 * k];
    const e = segments[2 * k + 1];
    if (e > s || k === 0 || k === n - 1) out.push(s, e);
  }
  return out;
}

/**
 * Word n-gram classes of one document, level by level. Only "active" positions are tracked: those
 * whose n-gram occurs at least twice in the document. Every other n-gram is unique, and so is
 * every longer n-gram starting there, so level n only looks at level n-1's active positions: in
 * prose that is a small and shrinking share of the words. Buffers are reused across documents.
 */
class NgramLevels {
  /** Word ids. */
  words: Int32Array = new Int32Array(1024);
  /** Prefix sums of word lengths (code points): chars of words [i, j) = cum[j] - cum[i]. */
  cum: Int32Array = new Int32Array(1025);
  count = 0;
  n = 1;
  /** Active positions (increasing) and their class ids at level n. */
  active: Int32Array = new Int32Array(1024);
  activeClass: Int32Array = new Int32Array(1024);
  activeCount = 0;
  private classCounts: Int32Array = new Int32Array(1024);
  /** The arrays above when the JavaScript code computes them (the kernel's are views of its memory). */
  private own = { words: this.words, cum: this.cum, active: this.active, activeClass: this.activeClass, classCounts: this.classCounts };
  private nextActive = new Int32Array(1024);
  private nextClass = new Int32Array(1024);
  private seen = new Uint8Array(1024);
  private pairs: PairInterner | undefined;
  /** word-ids.wat, when it computes this document's levels. */
  private kernel: WordIdsKernel | undefined;

  load(a: TextAnalysis): void {
    const toks = a.tokens;
    const n = toks.count;
    this.count = n;
    this.n = 1;
    // In WebAssembly when the tokenizer kernel holds the tokens (and can hold the text).
    const kernel = a.workspace.wordIds;
    const textAt = kernel && n <= kernel.tokens ? a.kernelTextAt() : -1;
    if (textAt >= 0) {
      this.kernel = kernel;
      ({ words: this.words, cum: this.cum, active: this.active, activeClass: this.activeClass, classCounts: this.classCounts } = kernel!);
      this.activeCount = kernel!.intern(toks, textAt);
      return;
    }
    this.kernel = undefined;
    if (this.own.words.length < n) {
      const size = Math.max(n, this.own.words.length * 2);
      this.own = { words: new Int32Array(size), cum: new Int32Array(size + 1), active: new Int32Array(size), activeClass: new Int32Array(size), classCounts: new Int32Array(size) };
      this.nextActive = new Int32Array(size);
      this.nextClass = new Int32Array(size);
      this.seen = new Uint8Array(size);
    }
    ({ words: this.words, cum: this.cum, active: this.active, activeClass: this.activeClass, classCounts: this.classCounts } = this.own);
    const interner = a.workspace.words;
    interner.reset(a.text, n);
    const counts = this.classCounts;
    this.cum[0] = 0;
    for (let t = 0; t < n; t++) {
      const before = interner.size;
      const id = interner.internHashed(toks.starts[t], toks.ends[t], toks.hashes[t]);
      if (interner.size > before) counts[id] = 0;
      counts[id]++;
      this.words[t] = id;
      this.cum[t + 1] = this.cum[t] + toks.lengths[t];
    }
    let k = 0;
    for (let t = 0; t < n; t++) {
      if (counts[this.words[t]] > 1) {
        this.active[k] = t;
        this.activeClass[k++] = this.words[t];
      }
    }
    this.activeCount = k;
    this.pairs = a.workspace.pairs;
  }

  /** Moves from (n-1)-gram classes to n-gram classes. */
  advance(): void {
    const n = ++this.n;
    if (this.kernel) {
      this.activeCount = this.kernel.advance(n, this.activeCount);
      return;
    }
    const pairs = this.pairs!;
    pairs.reset(this.activeCount);
    const counts = this.classCounts;
    const cand = this.nextActive;
    const candClass = this.nextClass;
    let m = 0;
    let classes = 0;
    // An n-gram that repeats has an (n-1)-gram suffix that repeats: only positions followed by an
    // active one can stay active (and the last (n-1)-gram has no n-gram).
    for (let k = 0; k + 1 < this.activeCount; k++) {
      const i = this.active[k];
      if (this.active[k + 1] !== i + 1) continue;
      const id = pairs.getOrAdd(this.activeClass[k], this.words[i + n - 1], classes);
      if (id === classes) counts[classes++] = 0;
      counts[id]++;
      cand[m] = i;
      candClass[m++] = id;
    }
    // Keep the positions whose n-gram repeats.
    let k = 0;
    for (let j = 0; j < m; j++) {
      if (counts[candClass[j]] > 1) {
        this.active[k] = cand[j];
        this.activeClass[k++] = candClass[j];
      }
    }
    this.activeCount = k;
  }

  /** Characters of `" ".join(words[i:i+n])`. */
  private joinedLength(i: number): number {
    return this.cum[i + this.n] - this.cum[i] + this.n - 1;
  }

  /**
   * datatrove `find_top_duplicate`: characters of the most frequent n-gram times its count; on a
   * tie the n-gram seen first wins. With no repeat at all that is the first n-gram, once.
   */
  topDuplicate(): number {
    if (this.activeCount === 0) return this.count >= this.n ? this.joinedLength(0) : 0;
    const counts = this.classCounts;
    let best = 0;
    let bestCount = 0;
    // Active positions are in text order, so the first to reach a count is the first seen.
    for (let k = 0; k < this.activeCount; k++) {
      const c = counts[this.activeClass[k]];
      if (c > bestCount) {
        bestCount = c;
        best = this.active[k];
      }
    }
    return this.joinedLength(best) * bestCount;
  }

  /**
   * datatrove `find_all_duplicate`: walking the n-grams, a repeat of an earlier (not skipped)
   * n-gram adds its characters and jumps n words ahead. Unique n-grams never repeat, so only the
   * active positions need the walk.
   */
  allDuplicates(): number {
    const n = this.n;
    if (this.activeCount === 0) return 0;
    const seen = this.seen;
    let maxClass = 0;
    for (let k = 0; k < this.activeCount; k++) maxClass = Math.max(maxClass, this.activeClass[k]);
    if (seen.length <= maxClass) this.seen = new Uint8Array(maxClass + 1);
    this.seen.fill(0, 0, maxClass + 1);
    let repeated = 0;
    let next = 0;
    for (let k = 0; k < this.activeCount; k++) {
      const i = this.active[k];
      if (i < next) continue;
      const c = this.activeClass[k];
      if (this.seen[c]) {
        repeated += this.cum[i + n] - this.cum[i];
        next = i + n;
      } else {
        this.seen[c] = 1;
        next = i + 1;
      }
    }
    return repeated;
  }
}

export class GopherRepetition {
  private readonly levels = new NgramLevels();

  constructor(private readonly cfg: GopherRepetitionConfig) {}

  run(a: TextAnalysis, out: Outcome): void {
    const cfg = this.cfg;
    const total = a.length;

    const paras = paragraphs(a);
    const pd = a.findDuplicates(paras);
    const paraFrac = safeRatio(pd.elements, paras.count);
    out.signal('duplicate_paragraph_fraction', paraFrac);
    if (out.check(cfg.max_duplicate_paragraph_fraction !== null && paraFrac > cfg.max_duplicate_paragraph_fraction, 'duplicate_paragraphs', paraFrac, cfg.max_duplicate_paragraph_fraction)) return;
    const paraChars = safeRatio(pd.chars, total);
    out.signal('duplicate_paragraph_char_fraction', paraChars);
    if (out.check(cfg.max_duplicate_paragraph_char_fraction !== null && paraChars > cfg.max_duplicate_paragraph_char_fraction, 'duplicate_paragraph_chars', paraChars, cfg.max_duplicate_paragraph_char_fraction)) return;

    const lineSpans = lines(a);
    const ld = a.findDuplicates(lineSpans);
    const lineFrac = safeRatio(ld.elements, lineSpans.count);
    out.signal('duplicate_line_fraction', lineFrac);
    if (out.check(cfg.max_duplicate_line_fraction !== null && lineFrac > cfg.max_duplicate_line_fraction, 'duplicate_lines', lineFrac, cfg.max_duplicate_line_fraction)) return;
    const lineChars = safeRatio(ld.chars, total);
    out.signal('duplicate_line_char_fraction', lineChars);
    if (out.check(cfg.max_duplicate_line_char_fraction !== null && lineChars > cfg.max_duplicate_line_char_fraction, 'duplicate_line_chars', lineChars, cfg.max_duplicate_line_char_fraction)) return;

    const levels = this.levels;
    levels.load(a);
    // Levels only go up; a config listing n out of order makes us start again from words.
    const at = (n: number): void => {
      if (levels.n > n) levels.load(a);
      while (levels.n < n) levels.advance();
    };
    for (const { n, max_char_fraction: max } of cfg.top_ngrams) {
      // No n-gram at all (fewer words than n): datatrove skips the check.
      if (levels.count < n) continue;
      at(n);
      const frac = safeRatio(levels.topDuplicate(), total);
      const failed = frac > max;
      // The signal's name is only built when signals are kept; details only for a failure.
      if (out.measureAll) out.signal(`top_${n}gram_char_fraction`, frac);
      if (out.check(failed, 'repeated_top_ngram', frac, max, failed ? { n } : undefined)) return;
    }
    for (const { n, max_char_fraction: max } of cfg.duplicate_ngrams) {
      let frac = 0;
      if (levels.count >= n) {
        at(n);
        frac = safeRatio(levels.allDuplicates(), total);
      }
      const failed = frac > max;
      if (out.measureAll) out.signal(`duplicate_${n}gram_char_fraction`, frac);
      if (out.check(failed, 'repeated_ngrams', frac, max, failed ? { n } : undefined)) return;
    }
  }
}

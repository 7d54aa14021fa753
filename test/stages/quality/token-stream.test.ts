/**
 * The shared token stream and the structures built on it give the same answers as computing
 * each thing on its own from the text: token facts (hash, length, flags) against a naive
 * recomputation, the chunk cache against cold tokenization, newlines against `split("\n")` and
 * `splitlines()`, C4's kept-line tokens against tokenizing the edited text, and the duplicate
 * finder and string table against plain Sets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextAnalysis, Workspace } from '../../../src/stages/quality/analysis.js';
import { C4Config, FineWebConfig, GopherRepetitionConfig } from '../../../src/stages/quality/config.js';
import { Outcome } from '../../../src/stages/quality/outcome.js';
import { C4Quality } from '../../../src/stages/quality/rules/c4.js';
import { FineWebQuality } from '../../../src/stages/quality/rules/fineweb.js';
import { GopherRepetition } from '../../../src/stages/quality/rules/gopher-repetition.js';
import { StopWords, wordStats } from '../../../src/stages/quality/rules/gopher-quality.js';
import { DuplicateFinder } from '../../../src/stages/quality/text/duplicates.js';
import { PUNCT_CATEGORY, PY_ALPHA, forEachLine } from '../../../src/stages/quality/text/python-text.js';
import { spanHash } from '../../../src/stages/quality/text/span-hash.js';
import { StringTable } from '../../../src/stages/quality/text/string-table.js';
import { SegmenterTokenizer } from '../../../src/stages/quality/tokenizer/segmenter.js';
import { KERNEL_TEXT_UNITS, SpacyEnglishTokenizer } from '../../../src/stages/quality/tokenizer/spacy-english.js';
import {
  DATATROVE_PUNCTUATION,
  SENTENCE_FINAL,
  TOKEN_ALPHA,
  TOKEN_FINAL,
  TOKEN_PUNCT,
  TOKEN_WORD,
  TokenBuffer,
} from '../../../src/stages/quality/tokenizer/token-buffer.js';
import { GOOD_TEXT, random } from './helpers.js';

const PIECES = (
  "the said company 1987 5.5 11-1/2 1,234 U.S. Mr. don't it's John's (Reuters) \"quoted\" end. end, end; x--y " +
  'http://example.com/a-b info@example.com 10km $10 US$5 e.g. :) [1] [edit] {x} #tag ... … • - — ' +
  'Straße naïve 東京 日本語です。 😀 👍🏽 𝔘𝔫𝔦 ‼ ｡ ¿Qué? «non» ﬁ'
).split(' ');
const SEPARATORS = [' ', ' ', ' ', '  ', '\n', '\n\n', '\r\n', '\t', '\u00a0', '\u2028', '\u000b', '\u0085', '\u3000', ' \n '];

function randomText(rnd: () => number, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    parts.push(PIECES[Math.floor(rnd() * PIECES.length)]);
    parts.push(SEPARATORS[Math.floor(rnd() * SEPARATORS.length)]);
  }
  return parts.join('');
}

/** Token facts from first principles, one token at a time. */
function naiveFlags(token: string): number {
  const cps = Array.from(token, (ch) => ch.codePointAt(0)!);
  let flags = 0;
  if (cps.some((cp) => !DATATROVE_PUNCTUATION.has(cp))) flags |= TOKEN_WORD;
  if (cps.some((cp) => PY_ALPHA.has(cp))) flags |= TOKEN_ALPHA;
  if (cps.length === 1 && SENTENCE_FINAL.has(cps[0])) flags |= TOKEN_FINAL;
  else if (cps.every((cp) => PUNCT_CATEGORY.has(cp))) flags |= TOKEN_PUNCT;
  return flags;
}

function assertFactsOf(text: string, toks: TokenBuffer, label: string): void {
  for (let t = 0; t < toks.count; t++) {
    const token = text.slice(toks.starts[t], toks.ends[t]);
    const where = `${label}: token ${t} ${JSON.stringify(token)}`;
    assert.equal(toks.hashes[t], spanHash(text, toks.starts[t], toks.ends[t]), where);
    assert.equal(toks.lengths[t], Array.from(token).length, where);
    assert.equal(toks.flags[t], naiveFlags(token), where);
  }
}

test('every token carries its hash, code-point length and flags (spaCy rules and segmenter)', () => {
  const rnd = random(7);
  const spacy = new SpacyEnglishTokenizer();
  const segmenter = new SegmenterTokenizer('ja');
  for (let i = 0; i < 200; i++) {
    const text = randomText(rnd, 1 + Math.floor(rnd() * 80));
    for (const tokenizer of [spacy, segmenter]) {
      const buf = new TokenBuffer();
      tokenizer.tokenize(text, buf);
      assertFactsOf(text, buf, JSON.stringify(text.slice(0, 40)));
    }
  }
});

/** Every array and count of two token buffers, equal. */
function assertSameTokens(a: TokenBuffer, b: TokenBuffer, label: string): void {
  assert.equal(a.count, b.count, `${label}: tokens`);
  assert.equal(a.chunkCount, b.chunkCount, `${label}: chunks`);
  assert.equal(a.newlineCount, b.newlineCount, `${label}: newlines`);
  assert.equal(a.otherBreaks, b.otherBreaks, `${label}: other line breaks`);
  const part = (x: Int32Array | Uint8Array, n: number): number[] => Array.from(x.subarray(0, n));
  for (const field of ['starts', 'ends', 'hashes', 'lengths', 'wsBefore', 'flags'] as const) assert.deepEqual(part(a[field], a.count), part(b[field], b.count), `${label}: ${field}`);
  assert.deepEqual(part(a.chunkStarts, a.chunkCount), part(b.chunkStarts, b.chunkCount), `${label}: chunk starts`);
  assert.deepEqual(part(a.chunkEnds, a.chunkCount), part(b.chunkEnds, b.chunkCount), `${label}: chunk ends`);
  assert.deepEqual(part(a.newlines, a.newlineCount), part(b.newlines, b.newlineCount), `${label}: newline positions`);
  assert.deepEqual(part(a.newlineTokens, a.newlineCount), part(b.newlineTokens, b.newlineCount), `${label}: tokens before each newline`);
  assert.deepEqual(part(a.newlineChunks, a.newlineCount), part(b.newlineChunks, b.newlineCount), `${label}: chunks before each newline`);
  assert.equal(a.longestChunk, b.longestChunk, `${label}: longest chunk`);
}

/** Per newline, the tokens and chunks that end before it; the longest chunk: counted here. */
function assertLineCounts(buf: TokenBuffer, label: string): void {
  let longest = 0;
  for (let c = 0; c < buf.chunkCount; c++) longest = Math.max(longest, buf.chunkEnds[c] - buf.chunkStarts[c]);
  assert.equal(buf.longestChunk, longest, `${label}: longest chunk`);
  for (let k = 0; k < buf.newlineCount; k++) {
    const at = buf.newlines[k];
    assert.equal(buf.newlineTokens[k], Array.from(buf.ends.subarray(0, buf.count)).filter((e) => e <= at).length, `${label}: tokens before newline ${k}`);
    assert.equal(buf.newlineChunks[k], Array.from(buf.chunkEnds.subarray(0, buf.chunkCount)).filter((e) => e <= at).length, `${label}: chunks before newline ${k}`);
  }
}

/**
 * The tokenizer's WebAssembly loop (into a buffer in its storage) and its JavaScript loop: `check`
 * tokenizes a text with both and asserts the same tokens, chunks and newlines, and true facts.
 */
function kernelAgainstLoop(): { inKernel: TokenBuffer; check: (text: string) => void } {
  const kernel = new SpacyEnglishTokenizer(undefined, 'wasm');
  const js = new SpacyEnglishTokenizer(undefined, 'js');
  const inKernel = new TokenBuffer();
  kernel.attach([inKernel]);
  assert.ok(inKernel.storage, 'this runtime runs the kernel');
  const check = (text: string): void => {
    inKernel.reset();
    kernel.tokenize(text, inKernel);
    const reference = new TokenBuffer();
    js.tokenize(text, reference);
    const label = JSON.stringify(text.slice(0, 60));
    assertSameTokens(inKernel, reference, label);
    assertFactsOf(text, inKernel, label);
    if (text.length < 10_000) assertLineCounts(reference, label);
  };
  return { inKernel, check };
}

test("the tokenizer's WebAssembly loop writes the tokens, chunks and newlines its JavaScript loop gives", () => {
  const { inKernel, check } = kernelAgainstLoop();
  const rnd = random(5);
  const texts = [
    '', ' ', '\n', 'a', '  leading and trailing  ', 'one two  three\tfour\r\nfive\u2028six\u0085seven\u000bend',
    // Letter chunks that may be exceptions ("dont", "cannot") and ones that are not; digits; the rest.
    "dont cannot Cannot gonna wanna im Im 1987 12345 don't U.S. said. (Reuters) 5.5",
    'nul\u0000inside \ud800 lone \udc00 😀 surrogates',
    'x'.repeat(5000),
    GOOD_TEXT,
  ];
  for (let i = 0; i < 300; i++) texts.push(randomText(rnd, Math.floor(rnd() * 120)));
  // Longer than the kernel takes: the JavaScript loop, into arrays of the buffer's own; the next
  // text is in the kernel's storage again.
  texts.push(randomText(rnd, KERNEL_TEXT_UNITS / 4).padEnd(KERNEL_TEXT_UNITS + 3, ' x'), 'short again.');
  // More newlines than the storage has room for, but few tokens: only the newline array grows.
  texts.push(`a${'\n'.repeat(KERNEL_TEXT_UNITS + 5)}b c`, 'one\ntwo\n\nthree four');
  for (const text of texts) check(text);
  assert.equal(inKernel.starts, inKernel.storage!.starts, 'back in the storage after a long text');
  assert.equal(inKernel.newlines, inKernel.storage!.newlines, 'newlines back in the storage too');
});

test('chunks the kernel splits itself ("said.", "1,250.5", "(Reuters)", "company\'s", "year-ago") get the tokens spaCy\'s rules give', () => {
  const { check } = kernelAgainstLoop();
  // Stems: lowercase, capitalized, all capitals, single letters, digits, and exceptions or stems
  // of exceptions ("Mr.", "Inc.", "cannot,", "dont."), which the rules must handle.
  const stems = [
    'said', 'company', 'x', 'a', 'I', 'A', 'IBM', 'US', 'Smith', 'iPhone', 'eBay', 'aB', 'ABc', 'AbC', '1987', '5', '0', '12345678901234567890',
    'Mr', 'Mrs', 'Inc', 'Corp', 'Co', 'Jan', 'Feb', 'St', 'No', 'vs', 'etc', 'cannot', 'Cannot', 'dont', 'gonna', 'Im', 'im', 'U', 'S', 'e', 'g', 'p', 'm',
    'ol', 'y', 'B', 'c', 'Ph', 'Dr', 'Ltd', 'Gov', 'Ala', 'Calif', 'Mass', 'N', 'D',
  ];
  const chunks: string[] = [];
  for (const stem of stems) for (const mark of [',', '.', '', ',,', '..', '.,', ',.', '.x', ',1']) chunks.push(stem + mark);
  // Marks before and after, 's, hyphens: the shapes the kernel takes, with exceptions among them
  // ("'em", "'s", "o'clock", "y'all", emoticons) and near misses ("''", "e-", "-x", "a-1", "U.S.'s").
  for (const stem of ['said', 'Reuters', 'A', 'IBM', 'em', 's', 'cause', 'tis', 'x', '1987', '5', 'Mr', 'cannot', 'he', 'it', 'she', 'let', 'y', 'all', 'ma', 'am', 'clock']) {
    for (const [pre, post] of [['"', ''], ["'", ''], ['(', ''], ['', '"'], ['', "'"], ['', ')'], ['(', ')'], ['"', '"'], ['"', ',"'], ['', ',"'], ['', '."'], ['', ".'"], ['', '.)'], ['', ',)'],
      ['', "'s"], ['', "'S"], ['"', "'s"], ['(', "'s"], ['', "'s,"], ['', "''"], ['', '""'], ['', '")'], ['"', '.'], ['"', ','], ['', "'t"], ['[', ''], ['', ']']]) {
      chunks.push(pre + stem + post);
    }
    for (const other of ['ago', 'A', 'x', '1', '', 'mail', 'in', 'n']) chunks.push(`${stem}-${other}`, `-${stem}`, `${stem}--${other}`, `"${stem}-${other}`, `${stem}-${other}-${stem}`);
  }
  // Marks alone (no word before them).
  chunks.push(',', '.', '"', "'", '(', ')', ',.', '.,', '""', "'s");
  chunks.push("o'clock", "y'all", "'em", "'s", "'S", "ma'am", ":-)", '-_-', '(:', ':)', '<3', 'e-mail', 'E-mail', "U.S.'s", "it's", "don't", "''", '""', '("', '")', 'x-ray', 'X-ray', '1-800', 'a-', '-a');
  // Numbers: marks between digits (one token), touching marks, marks at an end, addresses and
  // versions (URL-like), mixed with letters.
  chunks.push('1.5', '1,250', '1,250,000', '1,250.75', '3.14159', '0.5', '1..5', '1.,5', '1,,5', ',5', '.5', '5,', '5.', '5.,', '1.5.',
    '10.0.0.1', '127.0.0.1', '192.168.1.1', '1.2.3.4.5', '1.5a', 'a1.5', '1.5,', '1,5.', '12.', '1.2.3', '99,9.9,9', '1.5kg', '20.5%');
  const rnd = random(23);
  const texts = [chunks.join(' '), chunks.join('\n')];
  for (let i = 0; i < 200; i++) texts.push(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => chunks[Math.floor(rnd() * chunks.length)]).join(rnd() < 0.8 ? ' ' : '  '));
  for (const text of texts) check(text);
});

for (const loop of ['wasm', 'js'] as const) test(`the chunk cache gives the tokens the rules give (${loop} loop)`, () => {
  const rnd = random(11);
  const warm = new SpacyEnglishTokenizer(undefined, loop);
  const cached = new TokenBuffer();
  // With the kernel, chunks found in the cache are replayed in WebAssembly.
  warm.attach([cached]);
  // Many distinct chunks (so cache slots are replaced) around repeated ones.
  // (Not "1,234.5": the kernel tokenizes those itself, without the cache.)
  const numbers = Array.from({ length: 20_000 }, (_, i) => `${i}-${i % 97}/${i % 7}`);
  warm.tokenize(numbers.join(' '), cached);
  cached.reset();
  const text = randomText(rnd, 5_000) + ' ' + numbers.slice(0, 5_000).join(' ');
  warm.tokenize(text, cached);
  // Each distinct chunk once, through a cold tokenizer: the rules alone.
  const chunks = [...new Set(text.split(/[\s\u0085\u00a0\u2028\u3000]+/).filter(Boolean))];
  const cold = new SpacyEnglishTokenizer();
  const byChunk = new Map(chunks.map((c) => [c, cold.tokenizeChunkText(c).join('\u0001')]));
  for (let c = 0; c < cached.chunkCount; c++) {
    const s = cached.chunkStarts[c];
    const e = cached.chunkEnds[c];
    const got: string[] = [];
    for (let t = 0; t < cached.count; t++) if (cached.starts[t] >= s && cached.ends[t] <= e) got.push(text.slice(cached.starts[t], cached.ends[t]));
    assert.equal(got.join('\u0001'), byChunk.get(text.slice(s, e)), text.slice(s, e));
  }
  assertFactsOf(text, cached, 'cached');
});

test('lines and split("\\n") pieces come from the tokenizer\'s newlines, and equal a scan', () => {
  const ws = new Workspace();
  const texts = ['', '\n', 'a', 'a\n', '\na\n\nb\n', 'a\r\nb\rc\u2028d\u001ce\u0085f\u000bg\n', '  x  \n\n\n  y  ', GOOD_TEXT];
  const rnd = random(3);
  for (let i = 0; i < 100; i++) texts.push(randomText(rnd, Math.floor(rnd() * 60)));
  for (const text of texts) {
    const pieces = text.split('\n');
    const lines: string[] = [];
    forEachLine(text, (s, e) => lines.push(text.slice(s, e)));
    for (const tokenizer of [ws.spacy, ws.tokenizerFor('zh')]) {
      const a = new TextAnalysis(text, tokenizer, ws);
      void a.tokens;
      const got = (list: { spans: Int32Array; count: number }): string[] =>
        Array.from({ length: list.count }, (_, k) => text.slice(list.spans[2 * k], list.spans[2 * k + 1]));
      assert.deepEqual(got(a.segments), pieces, JSON.stringify(text));
      assert.deepEqual(got(a.lines), lines, JSON.stringify(text));
    }
  }
});

test("C4 judges lines by the tokenizer's per-newline counts as by searching the tokens", () => {
  const ws = new Workspace();
  const c4 = new C4Quality(C4Config.parse({ min_sentences: null }));
  const texts = [GOOD_TEXT, 'a\n\nb c d.\n', '  Lead [1] line with words here.\nshort\n\n  x y z.  \n', `${'w'.repeat(1200)} long word line.\nok line with words.`];
  const rnd = random(29);
  // Mostly without line breaks other than \n (with them, lines are not split("\n") pieces and
  // C4 searches either way).
  for (let i = 0; i < 200; i++) texts.push(randomText(rnd, Math.floor(rnd() * 100)).replace(/[\r\v\f\x1c-\x1e\x85\u2028\u2029]/g, i % 10 ? '\n' : '$&'));
  let counted = 0;
  for (const text of texts) {
    const a = new TextAnalysis(text, ws.spacy, ws);
    const toks = a.tokens;
    if (toks.newlineCount > 0 && !toks.otherBreaks) counted++;
    const run = (analysis: TextAnalysis): unknown => {
      const out = new Outcome(true);
      const result = c4.run(analysis, out);
      return { signals: out.signals, counters: out.counters, text: result?.text };
    };
    const byCounts = run(a);
    // The same tokens and chunks without the per-newline counts: C4 searches the tokens.
    const searched = new TokenBuffer();
    new SpacyEnglishTokenizer(undefined, 'js').tokenize(text, searched);
    searched.newlineCount = -1;
    const bySearch = run(new TextAnalysis(text, ws.spacy, ws, { count: searched.count, build: () => searched }));
    assert.deepEqual(byCounts, bySearch, JSON.stringify(text.slice(0, 80)));
  }
  assert.ok(counted > 100, `${counted} texts counted`);
});

test('C4 edits: the kept lines\' tokens are the tokens of the edited text', () => {
  const ws = new Workspace();
  const c4 = new C4Quality(C4Config.parse({ filter_no_terminal_punct: false, min_sentences: null }));
  const texts = [
    GOOD_TEXT,
    '  Indented first line of the story here.\nshort\n    Another paragraph starts here [1] with a citation.\nThe end of it all, said he.  ',
    'Line one has words.\n\n\nLine two [edit] has more words.\r\nLine three\u2028line four has four words\n',
  ];
  const rnd = random(5);
  for (let i = 0; i < 150; i++) texts.push(randomText(rnd, 20 + Math.floor(rnd() * 100)));
  let edited = 0;
  for (const text of texts) {
    const before = new TextAnalysis(text, ws.spacy, ws);
    const result = c4.run(before, new Outcome(false));
    if (!result?.tokens) continue;
    edited++;
    const known = result.tokens;
    const after = new TextAnalysis(result.text, ws.spacy, ws, known);
    assert.equal(after.tokenCount, known.count);
    const shared = after.tokens;
    const fresh = new TokenBuffer();
    ws.spacy.tokenize(result.text, fresh);
    assert.equal(shared.count, fresh.count, JSON.stringify(result.text));
    for (const key of ['starts', 'ends', 'wsBefore', 'hashes', 'lengths', 'flags'] as const) {
      assert.deepEqual(Array.from(shared[key].subarray(0, shared.count)), Array.from(fresh[key].subarray(0, fresh.count)), `${key}: ${JSON.stringify(result.text)}`);
    }
  }
  assert.ok(edited > 50, `${edited} texts edited`);
});

test("FineWeb on C4's edit reads the kept lines where they are, as it reads the edited text", () => {
  const ws = new Workspace();
  // Without a minimum of words per line, empty lines are kept too (at the ends, the edit strips them).
  const c4 = new C4Quality(C4Config.parse({ filter_no_terminal_punct: false, min_sentences: null, min_words_per_line: null }));
  const fineweb = new FineWebQuality(FineWebConfig.parse({}));
  const texts = [GOOD_TEXT, 'a b c.\n\n\nshort\nx\n   \nSame line here.\nSame line here.\n{curly} drop\nend 😀 line.', 'Lead [1] cut here.\nnot cut.\nnot cut.', '\n\n  \nFirst line here.\n\nSecond line.\n \n\n'];
  const rnd = random(31);
  // Most without citations, whose lines C4 edits (FineWeb then reads the edited text).
  for (let i = 0; i < 200; i++) texts.push(randomText(rnd, 10 + Math.floor(rnd() * 100)).replace(/\[(1|edit)\]/g, i % 4 ? '' : '$&'));
  let joined = 0;
  for (const text of texts) {
    const before = new TextAnalysis(text, ws.spacy, ws);
    const result = c4.run(before, new Outcome(false));
    if (!result?.lines) continue;
    if (result.lines.replacedCount === 0) joined++;
    const measure = (a: TextAnalysis): unknown => {
      const out = new Outcome(true);
      fineweb.run(a, out);
      return out.signals;
    };
    const fromLines = measure(new TextAnalysis(result.text, ws.spacy, ws, result.tokens, result.lines));
    assert.deepEqual(fromLines, measure(new TextAnalysis(result.text, ws.spacy, ws)), JSON.stringify(result.text.slice(0, 80)));
  }
  assert.ok(joined > 50, `${joined} edits read from the kept lines`);
});

test("Gopher repetition's word ids and n-gram classes in WebAssembly give the JavaScript code's signals", () => {
  const kernel = new Workspace('wasm');
  const js = new Workspace('js');
  assert.ok(kernel.wordIds, 'this runtime runs the kernel');
  assert.equal(js.wordIds, undefined);
  const gopher = new GopherRepetition(GopherRepetitionConfig.parse({}));
  const c4 = new C4Quality(C4Config.parse({ filter_no_terminal_punct: false, min_sentences: null }));
  const rnd = random(13);
  const sentence = () => randomText(rnd, 3 + Math.floor(rnd() * 12));
  const texts = [GOOD_TEXT, '', 'one', 'a a a a a a a a a a a a', 'the cat the cat the cat sat', GOOD_TEXT.repeat(3)];
  // Repeated sentences, lines and long n-grams among fresh ones; surrogates and odd lengths.
  for (let i = 0; i < 200; i++) {
    const pool = Array.from({ length: 1 + Math.floor(rnd() * 6) }, sentence);
    texts.push(Array.from({ length: 5 + Math.floor(rnd() * 40) }, () => (rnd() < 0.5 ? pool[Math.floor(rnd() * pool.length)] : sentence())).join(rnd() < 0.5 ? ' ' : '\n'));
  }
  // Different words with the same hash (this process's seed; a birthday search): ids must come
  // from comparing the words themselves. The kernel compares a word's first eight units with two
  // masked loads and the rest of a longer word four at a time, then its last four: pairs that
  // differ only in units 0-2 (four-unit words), 5-7 (eight units), 0-2 and 14-16 (of longer
  // words), 8-10 (of twelve: only the last four are compared after the first eight) and 9-11 (of
  // twenty: neither the first eight nor the last four). The varying units
  // are CJK letters (a token each way): over ASCII letters only, FNV-1a's short strings collide
  // too rarely for some seeds.
  const collide = (word: (i: number) => string): string[] => {
    const seen = new Map<number, string>();
    const pairs: string[] = [];
    for (let i = 0; pairs.length < 4 && i < 3_000_000; i++) {
      const w = word((i * 2654435761) >>> 0);
      const h = spanHash(w, 0, w.length);
      const other = seen.get(h);
      if (other !== undefined && other !== w) pairs.push(other, w);
      else seen.set(h, w);
    }
    assert.equal(pairs.length, 4);
    return pairs;
  };
  const wide = (i: number): string => String.fromCharCode(0x4e00 + (i & 0xfff), 0x4e00 + ((i >>> 12) & 0xfff), 0x4e00 + (i >>> 24));
  for (const [a, b, c, d] of [
    collide((i) => `${wide(i)}x`),
    collide((i) => `abcde${wide(i)}`),
    collide((i) => `${wide(i)}abcdefgh`),
    collide((i) => `abcdefghijklmn${wide(i)}`),
    collide((i) => `abcdefgh${wide(i)}x`),
    collide((i) => `abcdefghi${wide(i)}jklmnopq`),
  ]) {
    texts.push(`${a} ${b} ${a} ${b} ${a} ${c} ${d}. `.repeat(8), `${a} ${a} ${b}\n${b} ${a} ${a}\n`.repeat(5));
  }
  const signals = (ws: Workspace, text: string, afterC4: boolean): unknown => {
    let a = new TextAnalysis(text, ws.spacy, ws);
    if (afterC4) {
      // C4's edited text, whose tokens are copied from the kept lines (not tokenized again).
      const edited = c4.run(a, new Outcome(false));
      if (edited?.tokens) a = new TextAnalysis(edited.text, ws.spacy, ws, edited.tokens);
    }
    const out = new Outcome(true);
    gopher.run(a, out);
    return out.signals;
  };
  for (const text of texts) {
    for (const afterC4 of [false, true]) assert.deepEqual(signals(kernel, text, afterC4), signals(js, text, afterC4), `${afterC4 ? 'after C4: ' : ''}${JSON.stringify(text.slice(0, 60))}`);
  }
});

test("Gopher repetition's word tables in WebAssembly stay right when their serial numbers start again", () => {
  const kernel = new Workspace('wasm');
  const js = new Workspace('js');
  const gopher = new GopherRepetition(GopherRepetitionConfig.parse({}));
  const rnd = random(37);
  const texts = Array.from({ length: 60 }, () => {
    const pool = Array.from({ length: 3 }, () => randomText(rnd, 8));
    return Array.from({ length: 30 }, () => pool[Math.floor(rnd() * 3)]).join(' ');
  });
  const signals = (ws: Workspace, text: string): unknown => {
    const out = new Outcome(true);
    gopher.run(new TextAnalysis(text, ws.spacy, ws), out);
    return out.signals;
  };
  // Slots from earlier documents hold stamps near 2^31; the wrap zeroes the tables.
  for (const text of texts.slice(0, 10)) signals(kernel, text);
  kernel.wordIds!.serials = { word: 2 ** 31 - 400, pair: 2 ** 31 - 400 };
  for (const text of texts) assert.deepEqual(signals(kernel, text), signals(js, text), JSON.stringify(text.slice(0, 60)));
  const { word, pair } = kernel.wordIds!.serials;
  assert.ok(word > 0 && word < 100_000 && pair > 0 && pair < 100_000, `serials started again: ${word}, ${pair}`);
});

test("Gopher quality's word statistics in WebAssembly give the JavaScript code's", () => {
  const kernel = new Workspace('wasm');
  const js = new Workspace('js');
  const rnd = random(17);
  const texts = [GOOD_TEXT, '', 'the', 'The THE the', '... ... !!!', GOOD_TEXT.repeat(4)];
  for (let i = 0; i < 300; i++) texts.push(randomText(rnd, Math.floor(rnd() * 120)));
  // Stop lists: the default, words with surrogates and punctuation, and one too long for the kernel.
  const lists = [
    ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'],
    ['said', 'Mr.', '😀', "don't", 'it', '1987', 'e.g.', 'x'],
    Array.from({ length: 40 }, (_, k) => PIECES[k % PIECES.length] + (k >= PIECES.length ? 'x' : '')),
  ];
  // A word with another word's hash (and length): found only by comparing the words themselves.
  const seen = new Map<number, string>();
  for (let i = 0; lists.length < 4; i++) {
    const w = `s${(i * 2654435761) >>> 0}`.padEnd(11, 'q').slice(0, 11);
    const other = seen.get(spanHash(w, 0, w.length));
    if (other !== undefined && other !== w) {
      lists.push([other, 'the']);
      texts.push(`${w} the ${w}.`, `${other} and ${w}`);
    } else seen.set(spanHash(w, 0, w.length), w);
  }
  for (const words of lists) {
    const stop = new StopWords(words);
    assert.equal(stop.forKernel === undefined, words.length > 32);
    for (const text of texts) {
      const [k, j] = [kernel, js].map((ws) => wordStats(new TextAnalysis(text, ws.spacy, ws), stop));
      assert.deepEqual(k, j, JSON.stringify(text.slice(0, 80)));
    }
  }
});

test('duplicate pieces: the cheap-key filter finds what a Set finds', () => {
  const rnd = random(9);
  const finder = new DuplicateFinder();
  // Pieces of equal length and equal ends that differ inside share a cheap key.
  const alphabet = ['abcXdef', 'abcYdef', 'abcXdef', 'a😀b', 'a😀b', '', 'x', 'abcZdef', 'q'];
  for (let round = 0; round < 200; round++) {
    const pieces = Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]);
    const text = pieces.join('\n');
    const spans = new Int32Array(2 * pieces.length);
    let at = 0;
    pieces.forEach((p, k) => {
      spans[2 * k] = at;
      spans[2 * k + 1] = at + p.length;
      at += p.length + 1;
    });
    const seen = new Set<string>();
    let elements = 0;
    let chars = 0;
    for (const p of pieces) {
      if (seen.has(p)) {
        elements++;
        chars += Array.from(p).length;
      } else seen.add(p);
    }
    assert.deepEqual(finder.find(text, spans, pieces.length, true), { elements, chars }, JSON.stringify(pieces));
  }
});

test('string table: members found by span, others not', () => {
  const words = ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with', "n't", 'Mr.', '😀'];
  const table = new StringTable(words);
  const text = `x ${words.join(' ')} them th bee an 😀😀 Mr`;
  for (const w of words) {
    const at = text.indexOf(` ${w} `) + 1;
    assert.equal(table.strings[table.find(text, at, at + w.length)], w);
  }
  for (const w of ['them', 'th', 'bee', 'an', '😀😀', 'Mr']) {
    const at = text.indexOf(w);
    assert.equal(table.find(text, at, at + w.length), -1, w);
  }
});

/**
 * C4's searches in WebAssembly (rules/text-search.wat) find what the JavaScript code finds. Bad
 * words: what BadWordList.find finds on the lowercased text: over random spans of texts built from list entries in any case,
 * near misses, separators, units whose lowercase is not their own (U+0130, the capital sigma, the
 * Kelvin sign), emoji and lone surrogates; and over C4's edits, whose kept lines it searches in the
 * original text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextAnalysis, Workspace } from '../../../src/stages/quality/analysis.js';
import { C4Config } from '../../../src/stages/quality/config.js';
import { Outcome } from '../../../src/stages/quality/outcome.js';
import { SEARCH_IN_JS } from '../../../src/stages/quality/rules/text-search.js';
import { BadWordList, badWordList, findBadWord } from '../../../src/stages/quality/rules/c4-badwords.js';
import { C4Quality } from '../../../src/stages/quality/rules/c4.js';
import { random } from './helpers.js';

const SEPARATORS = [' ', ' ', ' ', '\n', '. ', ', ', '-', '_', '\'', '"', '(', ')', '1', '\u00a0', '\t', '', '', 'x'];
const ODD = ['é', 'É', 'İ', 'Σ', 'σ', 'ς', 'ß', '\u212a', 'ﬁ', 'Ж', 'ж', '😀', '🖕', '🅰', '\u{1f100}', '\ud83d', '\ude00', '東', '𝔘', 'ǅ'];
const WORDS = ['the', 'said', 'company', 'assets', 'class', 'title', 'Sextant', 'analyst', 'xxl', 'cumulative', 'shit-faced', 'a', 'of'];

function randomText(rnd: () => number, entries: string[], parts: number): string {
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
  const out: string[] = [];
  for (let i = 0; i < parts; i++) {
    const r = rnd();
    let piece: string;
    if (r < 0.25) {
      piece = pick(entries);
      const shape = rnd();
      if (shape < 0.3) piece = piece.toUpperCase();
      else if (shape < 0.5) piece = piece[0].toUpperCase() + piece.slice(1);
      else if (shape < 0.6) piece = piece.slice(0, -1);
      else if (shape < 0.7) piece = `${piece}s`;
    } else if (r < 0.35) piece = pick(ODD);
    else piece = pick(WORDS);
    out.push(piece, pick(SEPARATORS));
  }
  return out.join('');
}

test('the bad-words kernel finds what the JavaScript search finds, span by span', () => {
  const ws = new Workspace('wasm');
  const kernel = ws.textSearch;
  assert.ok(kernel, 'this runtime runs the kernel');
  const rnd = random(21);
  let inKernel = 0;
  let inJs = 0;
  let found = 0;
  for (const language of ['en', 'de', 'ru', 'fr']) {
    const list = badWordList(language);
    for (let i = 0; i < 400; i++) {
      // Long enough for several 16-unit blocks, short enough that most spans have no entry.
      const text = randomText(rnd, list.entries, 2 + Math.floor(rnd() * 60));
      const at = ws.spacy.placeText(text);
      assert.ok(at >= 0);
      for (let k = 0; k < 6; k++) {
        const start = k === 0 ? 0 : Math.floor(rnd() * text.length);
        const end = k === 0 ? text.length : start + Math.floor(rnd() * (text.length - start + 1));
        const expected = list.find(text.slice(start, end).toLowerCase());
        const id: number = kernel.find(list, at, start, end);
        const where = `${language}: ${JSON.stringify(text.slice(start, end))}`;
        if (id === SEARCH_IN_JS) {
          inJs++;
          continue;
        }
        inKernel++;
        assert.equal(id < 0 ? undefined : list.entries[id], expected, where);
        if (expected !== undefined) found++;
      }
    }
  }
  assert.ok(inKernel > 4000 && inJs > 500 && found > 1000, `${inKernel} spans in the kernel (${found} with an entry), ${inJs} left to JavaScript`);
});

test('an entry right at a block edge, at the span ends, and after an uppercase letter', () => {
  const ws = new Workspace('wasm');
  const list = badWordList('en');
  const entry = 'bastard';
  for (let pad = 0; pad < 40; pad++) {
    for (const [before, after, hit] of [[' ', ' ', true], ['x', ' ', false], [' ', 'x', false], ['_', ' ', false], ['9', ' ', false], ['.', '!', true], ['\n', '\n', true]] as const) {
      const text = `${'a '.repeat(pad >> 1)}${pad & 1 ? 'Q' : ''}${before}${entry.toUpperCase()}${after}${'zz '.repeat(pad % 5)}`;
      const at = ws.spacy.placeText(text);
      const id = ws.textSearch!.find(list, at, 0, text.length);
      assert.equal(id < 0 ? undefined : list.entries[id], list.find(text.toLowerCase()), JSON.stringify(text));
      assert.equal(id >= 0, hit, JSON.stringify(text));
      // The entry alone as the span: its ends count as non-word neighbours.
      const s = text.indexOf(entry.toUpperCase());
      assert.equal(list.entries[ws.textSearch!.find(list, at, s, s + entry.length)], entry);
    }
  }
});

test("after C4, the kept lines are searched in the original text: the edit's own search agrees", () => {
  const kernel = new Workspace('wasm');
  const js = new Workspace('js');
  assert.equal(js.textSearch, undefined);
  const c4 = new C4Quality(C4Config.parse({ filter_no_terminal_punct: false, min_sentences: null }));
  const list = badWordList('en');
  const rnd = random(5);
  let edited = 0;
  let hits = 0;
  for (let i = 0; i < 600; i++) {
    // Lines C4 keeps (three or more words), drops (too few words, javascript) or cuts a citation from.
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => {
      const r = rnd();
      const line = randomText(rnd, list.entries, 1 + Math.floor(rnd() * 10)).replace(/\n/g, ' ');
      if (r < 0.15) return `${line} [1] more words here.`;
      if (r < 0.25) return 'javascript is off';
      if (r < 0.35) return line.split(' ')[0];
      return `${line} and the end.`;
    });
    const text = lines.join(rnd() < 0.2 ? ' \n' : '\n');
    const results = [kernel, js].map((ws) => {
      const before = new TextAnalysis(text, ws.spacy, ws);
      const result = c4.run(before, new Outcome(false));
      if (result === undefined || result.text === text) return { text, word: findBadWord(before, list) };
      const after = new TextAnalysis(result.text, ws.spacy, ws, result.tokens, result.lines);
      return { text: result.text, word: findBadWord(after, list) };
    });
    assert.equal(results[0].text, results[1].text);
    assert.equal(results[0].word, results[1].word, JSON.stringify(results[0].text));
    assert.equal(results[0].word, list.find(results[0].text.toLowerCase()));
    if (results[0].text !== text) edited++;
    if (results[0].word !== undefined) hits++;
  }
  assert.ok(edited > 200 && hits > 100, `${edited} edited, ${hits} with an entry`);
});

test('the phrase check finds a phrase wherever the lowercased text has one, and says so only then', () => {
  const ws = new Workspace('wasm');
  const kernel = ws.textSearch!;
  const phrases = ['cookie', 'javascript', 'privacy policy', 'terms of use', 'lorem ipsum'];
  const rnd = random(8);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
  // Whole phrases in any case, their near misses, and units that lowercase to a phrase's letters
  // only in context or from outside ASCII (the Kelvin sign is a "k").
  const pieces = [...phrases, ...phrases.map((p) => p.toUpperCase()), 'Cookies', 'JavaScript', 'cookie'.slice(0, 5), 'javascrip', 'privacy  policy', 'terms of us',
    'coo\u212aie', 'İ', 'Σ', 'é', 'ß', '😀', 'the', 'a', 'policy', 'terms', 'of', 'use', '\ud83d'];
  let yes = 0;
  let no = 0;
  for (let i = 0; i < 3000; i++) {
    const parts: string[] = [];
    const n = Math.floor(rnd() * 30);
    for (let k = 0; k < n; k++) parts.push(rnd() < 0.1 ? pick(pieces) : pick(WORDS), pick(SEPARATORS));
    const text = parts.join('');
    const at = ws.spacy.placeText(text);
    const start = rnd() < 0.5 ? 0 : Math.floor(rnd() * text.length);
    const end = rnd() < 0.5 ? text.length : start + Math.floor(rnd() * (text.length - start + 1));
    const lower = text.slice(start, end).toLowerCase();
    const expected = phrases.some((p) => lower.includes(p));
    const got = kernel.contains(phrases, at, start, end);
    // "May occur" is allowed where the kernel leaves the span to JavaScript; "none" must be exact.
    if (!got) assert.equal(expected, false, JSON.stringify(text.slice(start, end)));
    if (expected) assert.equal(got, true, JSON.stringify(text.slice(start, end)));
    if (got && !expected) assert.ok(/[İΣ\u212a\ud800-\udfff]/.test(text.slice(start, end)), `only a span the kernel leaves to JavaScript may be a false alarm: ${JSON.stringify(text.slice(start, end))}`);
    if (expected) yes++;
    else no++;
  }
  assert.ok(yes > 400 && no > 1000, `${yes} with a phrase, ${no} without`);
  // A phrase ending on the span's last unit, and one cut by the span's end.
  const text = `${'x'.repeat(37)} JavaScript`;
  const at = ws.spacy.placeText(text);
  assert.equal(kernel.contains(phrases, at, 0, text.length), true);
  assert.equal(kernel.contains(phrases, at, 0, text.length - 1), false);
  assert.equal(kernel.contains(phrases, at, 39, text.length), false);
});

test('a list whose entries hold whitespace at their ends or a line break is searched as the edited text', () => {
  const ws = new Workspace('wasm');
  const c4 = new C4Quality(C4Config.parse({ filter_no_terminal_punct: false, min_sentences: null }));
  const list = new BadWordList([' foo', 'qux ', 'bar\nbaz', 'plain'], true);
  assert.equal(list.withinLines, false);
  assert.equal(badWordList('en').withinLines, true);
  // Each has a line C4 drops ("x"), so the edit joins the others.
  const texts = [
    'one two three\nx\n  foo is here now',
    'one two three\n   \n  foo is here now\nx',
    'one two qux \nx\nthree four five',
    'words that end with bar\nx\nbaz starts this line',
    'a plain line of words\nx\nand more words here',
    'nothing to see here at all\nx\nreally nothing here',
  ];
  for (const text of texts) {
    const result = c4.run(new TextAnalysis(text, ws.spacy, ws), new Outcome(false));
    assert.ok(result && result.text !== text, text);
    const edited = new TextAnalysis(result.text, ws.spacy, ws, result.tokens, result.lines);
    assert.equal(findBadWord(edited, list), list.find(result.text.toLowerCase()), JSON.stringify(result.text));
  }
  // Across the edit's line break: only the edited text as a whole has it.
  const joined = c4.run(new TextAnalysis(texts.find((t) => t.includes('bar'))!, ws.spacy, ws), new Outcome(false))!;
  assert.equal(findBadWord(new TextAnalysis(joined.text, ws.spacy, ws, joined.tokens, joined.lines), list), 'bar\nbaz');
});

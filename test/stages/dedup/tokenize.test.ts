/**
 * The tokenizer's fast path against its specification (normalizeText, then split on spaces), on
 * hostile input: every non-ASCII whitespace, combining marks, Greek final sigma, dotted I,
 * surrogate pairs and lone surrogates, controls, digits of other scripts, long runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Normalization, normalizeText } from '../../../src/stages/dedup/normalize.js';
import { Tokenizer, isNonAsciiSpace } from '../../../src/stages/dedup/tokenize.js';
import { splitMix32 } from '../../../src/stages/dedup/prng.js';

const defaults = Normalization.parse({});

function fast(text: string, options = defaults): { tokens: number[]; hi: number; lo: number } {
  const t = new Tokenizer(options);
  t.run(text);
  return { tokens: [...t.tokens.subarray(0, t.count)], hi: t.exactHi, lo: t.exactLo };
}

function reference(text: string, options = defaults): { tokens: number[]; hi: number; lo: number } {
  const t = new Tokenizer(options);
  t.runReference(text);
  return { tokens: [...t.tokens.subarray(0, t.count)], hi: t.exactHi, lo: t.exactLo };
}

const pieces = [
  'the', 'Quick', 'BROWN', 'fox', '42', '٣٤', 'naïve', 'Café', 'ΟΔΟΣ', 'ΟΔΟΣ.ΑΒ', 'σοφός', 'İstanbul', 'straße', 'ﬁle',
  '\u0301', 'e\u0301', '😀', '𝒳y', '\ud800', '\udfff', 'x\ud83dy', '\u0000', '\u001f', '\u007f', '—', '«quoted»', "don't",
  '한국어', '日本語テキスト', 'ａｂｃ', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '\u0085', '\u180e', '\u200b', ' ', '  ',
  '\t', '\n', '\r\n', '.', ',', '...', '$5.00', 'a_b', 'ÀÉÎ', 'Ω', 'µ', 'Ⅻ', '½', '①',
];

function randomText(next: () => number, length: number): string {
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    parts.push(pieces[next() % pieces.length]);
    if (next() % 3 === 0) parts.push(' ');
  }
  return parts.join('');
}

test('fast path equals the reference on 3000 hostile random texts', () => {
  const next = splitMix32(7);
  for (let i = 0; i < 3000; i++) {
    const text = randomText(next, 1 + (next() % 40));
    assert.deepEqual(fast(text), reference(text), JSON.stringify(text));
  }
});

test('fast path equals the reference with every normalisation option off in turn', () => {
  const next = splitMix32(11);
  for (const key of ['lowercase', 'digits_to_zero', 'punctuation_to_space', 'strip_diacritics'] as const) {
    const options = { ...defaults, [key]: false };
    for (let i = 0; i < 400; i++) {
      const text = randomText(next, 1 + (next() % 30));
      assert.deepEqual(fast(text, options), reference(text, options), `${key}: ${JSON.stringify(text)}`);
    }
  }
});

test('isNonAsciiSpace is exactly \\s outside ASCII', () => {
  for (let c = 128; c < 0x10000; c++) assert.equal(isNonAsciiSpace(c), /\s/.test(String.fromCharCode(c)), c.toString(16));
});

test('tokens are the normalised words: case, digits, punctuation, accents and spacing do not matter', () => {
  assert.deepEqual(fast('The  café, 2024!'), fast('the CAFE 0000'));
  assert.notDeepEqual(fast('the cafe'), fast('the cafes'));
  assert.equal(fast('a b c').tokens.length, 3);
  assert.equal(fast('  ...  ').tokens.length, 0);
  assert.equal(normalizeText('ΟΔΟΣ', defaults), 'οδος');
});

test('the exact hash tells apart texts that differ in one word, or in word boundaries', () => {
  const seen = new Set<string>();
  for (const text of ['a b', 'ab', 'a bb', 'aa b', 'b a', 'a b c', 'a bc', 'ab c', '']) {
    const { hi, lo } = fast(text);
    seen.add(`${hi}:${lo}`);
  }
  assert.equal(seen.size, 9);
});

test('a long text without spaces and a text of one huge non-ASCII chunk are handled', () => {
  const long = 'x'.repeat(200_000);
  assert.equal(fast(long).tokens.length, 1);
  const wide = 'é'.repeat(50_000) + 'z';
  assert.deepEqual(fast(wide), reference(wide));
});

/**
 * Hostile input stays linear: each case runs every family (and signals mode, which measures
 * everything) in well under the generous guard. A quadratic step would take minutes here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decider, repeat } from './helpers.js';

const FAMILIES = ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'c4_badwords', 'fineweb'];
/** Not a performance assertion: only a guard against super-linear behaviour. */
const GUARD_MS = 30_000;

function fiveMegabyteLine(): string {
  const words = 'the committee met on Tuesday to review the annual budget and plans for the library'.split(' ');
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < 5_000_000; i++) {
    const w = words[i % words.length];
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(' ');
}

const CASES: [string, () => string][] = [
  ['a 5 MB single line', fiveMegabyteLine],
  ['1 MB of one repeated letter', () => 'a'.repeat(1 << 20)],
  ['1 MB of one repeated apostrophe', () => "'".repeat(1 << 20)],
  ['1 MB of one repeated colon', () => ':'.repeat(1 << 20)],
  ['1 MB of open brackets and digits', () => repeat('[' + '1'.repeat(999), 1024, '')],
  ['1 M one-letter words', () => Array.from({ length: 1_000_000 }, (_, i) => 'abcdefghij'[i % 10]).join(' ')],
  ['300k punctuated words without a dot', () => repeat('word,', 300_000)],
  ['1 MB of one long token of mixed punctuation', () => repeat('a-b/c:d', 150_000, '')],
  ['1 MB of URL-like chunks full of @ and :', () => repeat(':@'.repeat(1000) + '.com', 500)],
  ['100k empty lines', () => '\n'.repeat(100_000)],
  ['100k empty lines between two sentences', () => 'A first sentence here.' + '\n'.repeat(100_000) + 'A last one there.'],
];

for (const signals of [false, true]) {
  for (const [name, make] of CASES) {
    test(`${name}${signals ? ' (signals)' : ''}`, async () => {
      const decide = await decider({ rules: FAMILIES, signals });
      const text = make();
      const started = performance.now();
      const v = decide(text);
      const ms = performance.now() - started;
      assert.notEqual(v.action, 'error');
      assert.ok(ms < GUARD_MS, `${name}: ${Math.round(ms)} ms`);
    });
  }
}

/**
 * The model's inputs: the one-pass tokenizer the stage uses must give exactly the tokens of the
 * string features training used, on any input, and URL features drop what carries no topic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { siteOf, textFeatures, textTokens, urlFeatures } from '../../../src/stages/safety/features.js';

const tokens = (text: string): string => {
  const out: string[] = [];
  textTokens(text, (t) => out.push(t));
  return out.join(' ');
};

test('textTokens gives the tokens of textFeatures, including hostile Unicode', () => {
  const cases = [
    '',
    '   \n\t ',
    'Fuuuuuck yooou!!! 😀😀😀 you B*TCH',
    '𝐚𝐚𝐚𝐚 𝐛 ÄÄÄÄ İstanbul ǅǅǅ 1111 aaa\u0301\u0301\u0301',
    'lone \ud800 high, lone \udc00 low, pair \ud83d\ude00 end\ud800',
    'RT @user: http://t.co/abc?x=1 #tag &amp; ½ ⅓ ٣٤ 漢字かなカナ',
    'x'.repeat(10_000) + ' y',
    'ﬁnance ΣΑΣ straße',
  ];
  // Random strings over a small hostile alphabet (surrogate halves, combining marks, repeats).
  const alphabet = ['a', 'A', 'b', 'é', '\u0301', '1', ' ', '\n', '!', '\ud83d', '\ude00', 'İ', 'ß', '𝐚', 'ǅ', '_'];
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 500; i++) {
    let s = '';
    const n = next() % 40;
    for (let j = 0; j < n; j++) s += alphabet[next() % alphabet.length];
    cases.push(s);
  }
  for (const text of cases) assert.equal(tokens(text), textFeatures(text), JSON.stringify(text));
});

test('textFeatures lowercases, keeps letter/digit runs, collapses long letter runs', () => {
  assert.equal(textFeatures('Fuuuuck YOU!!! 2000 times'), 'fuuck you 2000 times');
  assert.equal(textFeatures("don't\nstop"), 'don t stop');
});

test('urlFeatures: host words marked, the TLD one token, numbers and punctuation dropped', () => {
  assert.equal(urlFeatures('https://www.Example-Shop.co.uk:8080/Cats/123-best-cats?page=2#x'), 'h_example h_shop h_co t_uk cats best cats page');
  assert.equal(urlFeatures('http://blog.example.com/2019/05/my-trip'), 'h_blog h_example t_com my trip');
  assert.equal(urlFeatures('http://178.128.25.172/tag/x1y'), 'tag');
  assert.equal(urlFeatures('http://user:pw@localhost:8080/a/bc'), 'h_localhost bc');
  assert.equal(urlFeatures('http://xn--bcher-kva.example/'), 'h_xn h_bcher h_kva t_example');
  assert.equal(urlFeatures(''), '');
  assert.equal(siteOf('a.b.example.co.uk'), 'example.co.uk');
  assert.equal(siteOf('x.tumblr.com'), 'tumblr.com');
});

/**
 * The spaCy-compatible English word tokenizer and sentence counter, on cases whose spaCy 3.8
 * tokenization is documented (spaCy's own tests and docs) or follows directly from its rules,
 * and Python's line and whitespace semantics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachLine, pyStrip } from '../../../src/stages/quality/text/python-text.js';
import { countSentences } from '../../../src/stages/quality/tokenizer/sentences.js';
import { SpacyEnglishTokenizer } from '../../../src/stages/quality/tokenizer/spacy-english.js';
import { TokenBuffer } from '../../../src/stages/quality/tokenizer/token-buffer.js';

const tokenizer = new SpacyEnglishTokenizer();

function tokens(text: string): string[] {
  const buf = new TokenBuffer();
  tokenizer.tokenize(text, buf);
  return Array.from({ length: buf.count }, (_, i) => text.slice(buf.starts[i], buf.ends[i]));
}

test('numbers and fractions: infixes between digits, units and currencies split off', () => {
  assert.deepEqual(tokens('11-1/2'), ['11', '-', '1/2']);
  assert.deepEqual(tokens('up 1/8 to 12-3/4.'), ['up', '1/8', 'to', '12', '-', '3/4', '.']);
  assert.deepEqual(tokens('5.5 pct'), ['5.5', 'pct']);
  assert.deepEqual(tokens('10km 5% $10 US$5'), ['10', 'km', '5', '%', '$', '10', 'US$', '5']);
  assert.deepEqual(tokens('mid-1987 1987/88'), ['mid-1987', '1987/88']);
});

test('punctuation: prefixes and suffixes peel off one at a time', () => {
  assert.deepEqual(tokens('"Hello," she said.'), ['"', 'Hello', ',', '"', 'she', 'said', '.']);
  assert.deepEqual(tokens('(see below)...'), ['(', 'see', 'below', ')', '...']);
  assert.deepEqual(tokens('co-operation'), ['co', '-', 'operation']);
  assert.deepEqual(tokens('x--y'), ['x', '--', 'y']);
  assert.deepEqual(tokens('Hello...world'), ['Hello', '...', 'world']);
});

test('exceptions: contractions split, abbreviations stay whole', () => {
  assert.deepEqual(tokens("don't can't Cannot gonna it's"), ['do', "n't", 'ca', "n't", 'Can', 'not', 'gon', 'na', 'it', "'s"]);
  assert.deepEqual(tokens("John's"), ['John', "'s"]);
  assert.deepEqual(tokens('The U.S. said Mr. Smith of Acme Corp.'), ['The', 'U.S.', 'said', 'Mr.', 'Smith', 'of', 'Acme', 'Corp.']);
  assert.deepEqual(tokens('(Mr. Smith)'), ['(', 'Mr.', 'Smith', ')']);
  assert.deepEqual(tokens('e.g., 10am'), ['e.g.', ',', '10', 'am']);
  assert.deepEqual(tokens('ill well shed'), ['ill', 'well', 'shed']);
  assert.deepEqual(tokens(':) :-('), [':)', ':-(']);
});

test('URLs and e-mail addresses stay one token', () => {
  assert.deepEqual(tokens('see http://www.example.com/a-b/c.html now'), ['see', 'http://www.example.com/a-b/c.html', 'now']);
  assert.deepEqual(tokens('info@example.com'), ['info@example.com']);
});

test('whitespace: only single spaces vanish; other runs are tokens to the sentencizer', () => {
  const buf = new TokenBuffer();
  tokenizer.tokenize('a b  c\nd', buf);
  assert.equal(buf.count, 4);
  assert.deepEqual(Array.from(buf.wsBefore.subarray(0, 4)), [0, 0, 1, 1]);
  // Python whitespace, not JavaScript's: U+001C splits, U+FEFF does not.
  assert.deepEqual(tokens('a\u001cb\ufeffc'), ['a', 'b\ufeffc']);
});

test('sentences: spaCy sentencizer rules', () => {
  const count = (text: string): number => {
    const buf = new TokenBuffer();
    tokenizer.tokenize(text, buf);
    return countSentences(buf, 0, buf.count);
  };
  assert.equal(count('Hello. World.'), 2);
  assert.equal(count('Mr. Smith went home. He slept.'), 2);
  assert.equal(count('Wait... what happened?'), 1);
  assert.equal(count('"Stop!" he said. Then left.'), 3);
  assert.equal(count('No final punctuation'), 1);
  assert.equal(count(''), 0);
});

test('Python str.splitlines and str.strip', () => {
  const text = 'a\r\nb\rc\u2028d\u001ce\u0085f\u000bg\n';
  const lines: string[] = [];
  forEachLine(text, (s, e) => lines.push(text.slice(s, e)));
  assert.deepEqual(lines, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const none: string[] = [];
  forEachLine('', (s, e) => none.push(String(e - s)));
  assert.deepEqual(none, []);
  assert.equal(pyStrip('\u001f\u00a0 x \u3000'), 'x');
  assert.equal(pyStrip('\ufeffx'), '\ufeffx');
});

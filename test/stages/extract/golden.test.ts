/**
 * Golden tests of the whitespace rules: each fixtures/extract/golden/<case>.html has its expected
 * `all`-mode text in <case>.all.txt, and the sample article pages have their `main`-mode text in
 * fixtures/extract/golden/main/. Run with WINNOW_ACCEPT=1 to rewrite the goldens after reviewing
 * a change (the accept step); otherwise a difference fails.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { root } from '../../helpers/index.js';
import { decodeHtml } from '../../../src/io/charset.js';
import { type ExtractMode, extractHtml } from '../../../src/stages/extract/extract.js';

const accept = process.env.WINNOW_ACCEPT === '1';
const goldenDir = path.join(root, 'fixtures', 'extract', 'golden');

function check(expectedFile: string, actual: string): void {
  if (accept || !fs.existsSync(expectedFile)) {
    if (!accept) assert.fail(`missing golden ${path.relative(root, expectedFile)}: run with WINNOW_ACCEPT=1 to create it`);
    fs.mkdirSync(path.dirname(expectedFile), { recursive: true });
    fs.writeFileSync(expectedFile, actual);
    return;
  }
  assert.equal(actual, fs.readFileSync(expectedFile, 'utf8'), `differs from ${path.relative(root, expectedFile)}`);
}

const cases = fs.readdirSync(goldenDir).filter((f) => f.endsWith('.html')).sort();

describe('extract goldens (all mode)', () => {
  for (const file of cases) {
    test(file, () => {
      const html = fs.readFileSync(path.join(goldenDir, file), 'utf8');
      check(path.join(goldenDir, file.replace(/\.html$/, '.all.txt')), extractHtml(html, { mode: 'all' }).text);
    });
  }
});

const samplePages = path.join(root, 'fixtures', 'sample', 'pages');

describe('extract goldens (main mode, article pages)', () => {
  for (const file of fs.readdirSync(samplePages).filter((f) => f.endsWith('.html')).sort()) {
    test(file, () => {
      const html = decodeHtml(fs.readFileSync(path.join(samplePages, file))).text;
      check(path.join(goldenDir, 'main', file.replace(/\.html$/, '.main.txt')), extractHtml(html, { mode: 'main' }).text);
    });
  }
});

describe('chunking does not change the text', () => {
  const pages = [...cases.map((f) => path.join(goldenDir, f)), ...fs.readdirSync(samplePages).map((f) => path.join(samplePages, f))];
  for (const mode of ['all', 'main'] as ExtractMode[]) {
    test(`${mode}: whole page = one character at a time = 7-character chunks`, () => {
      for (const file of pages) {
        const html = decodeHtml(fs.readFileSync(file)).text;
        const whole = extractHtml(html, { mode });
        const chars = extractHtml([...html], { mode });
        const chunks: string[] = [];
        for (let i = 0; i < html.length; i += 7) chunks.push(html.slice(i, i + 7));
        const sevens = extractHtml(chunks, { mode });
        assert.equal(chars.text, whole.text, `${path.basename(file)}: char by char`);
        assert.equal(sevens.text, whole.text, `${path.basename(file)}: 7-char chunks`);
        assert.equal(chars.title, whole.title);
      }
    });
  }
});

describe('page facts', () => {
  test('title and lang come from <title> and <html lang>; whitespace in the title collapses', () => {
    const r = extractHtml(fs.readFileSync(path.join(goldenDir, 'blocks.html'), 'utf8'), { mode: 'all' });
    assert.equal(r.title, 'Blocks and paragraphs');
    assert.equal(r.lang, 'en-GB');
  });

  test('an entity split across chunks is decoded once', () => {
    const r = extractHtml(['<p>Fish &am', 'p; chips &#23', '3;</p>'], { mode: 'all' });
    assert.equal(r.text, 'Fish & chips é');
  });

  test('output never has trailing spaces or three newlines in a row', () => {
    for (const file of cases) {
      const text = extractHtml(fs.readFileSync(path.join(goldenDir, file), 'utf8'), { mode: 'all' }).text;
      assert.doesNotMatch(text, /[ \t]\n|[ \t]$/, `${file}: trailing space`);
      assert.doesNotMatch(text, /\n\n\n/, `${file}: three newlines`);
      assert.equal(text, text.trim() === text ? text : text.replace(/^\n+|\n+$/g, ''), `${file}: newline at an end`);
    }
  });
});

/**
 * The extract stage through its public definition (createDoc) and the CLI: outputs, removals,
 * errors, and hostile pages that must finish in linear time or become error records.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';
import type { Doc, Verdict } from '../../../src/core/doc.js';
import { extractStage, ExtractConfig } from '../../../src/stages/extract/stage.js';
import { readManifest, readRecords, root, runCli, runInProcess, tempDir, writeJsonl } from '../../helpers/index.js';

const decide = async (config: Record<string, unknown>, doc: Doc): Promise<Verdict> => (await extractStage.createDoc!(ExtractConfig.parse({ kind: 'extract', ...config })))(doc);
const doc = (html: string | undefined, extra: Partial<Doc> = {}): Doc => ({ id: 'd', text: '', ...(html !== undefined ? { html } : {}), meta: {}, extra: {}, ...extra });

describe('extract stage decisions', () => {
  test('writes text, title, lang and statistics, drops the html', async () => {
    const html = '<html lang="fr"><title>Titre</title><p>Bonjour le monde.</p></html>';
    const v = await decide({ mode: 'all' }, doc(html));
    assert.equal(v.action, 'keep');
    if (v.action !== 'keep') return;
    assert.equal(v.text, 'Bonjour le monde.');
    assert.equal(v.html, null);
    assert.equal(v.meta?.title, 'Titre');
    assert.equal(v.meta?.lang, 'fr');
    assert.deepEqual(v.meta?.extract, { mode: 'all', html_bytes: Buffer.byteLength(html), blocks: 1, kept_blocks: 1, elements: 3, text_chars: 17 });
  });

  test('keep_html keeps the html; a canonical link gives a url only when the document has none', async () => {
    const html = '<link rel="canonical" href="https://example.com/a"><p>Some text here.</p>';
    const kept = await decide({ mode: 'all', keep_html: true }, doc(html));
    assert.ok(kept.action === 'keep' && kept.html === undefined && kept.url === 'https://example.com/a');
    const withUrl = await decide({ mode: 'all' }, doc(html, { url: 'https://given.example/' }));
    assert.ok(withUrl.action === 'keep' && withUrl.url === undefined);
  });

  test('a document without html passes unchanged', async () => {
    assert.deepEqual(await decide({}, doc(undefined, { text: 'plain text' })), { action: 'keep' });
  });

  test('a page with no text is removed as empty_extraction', async () => {
    const v = await decide({ mode: 'all' }, doc('<html><head><script>x()</script></head><body><img src=a.png></body></html>'));
    assert.equal(v.action, 'remove');
    if (v.action === 'remove') assert.equal(v.rule, 'empty_extraction');
  });

  test('main mode drops navigation, footers and share widgets and keeps the article', async () => {
    const para = (n: number) => `<p>Paragraph ${n} of the article says something long enough to count as running prose, with a full stop.</p>`;
    const html = `<body><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
      <article><h1>Headline</h1>${[1, 2, 3, 4].map(para).join('')}<div class="share-buttons"><a href="#">Share on Facebook</a></div></article>
      <aside class="sidebar"><h3>Popular</h3><p>A popular story teaser that is not part of this article at all, really.</p></aside>
      <footer><p>Copyright 2024 Example Media. All rights reserved. Terms and privacy policy apply here.</p></footer></body>`;
    const v = await decide({ mode: 'main' }, doc(html));
    assert.equal(v.action, 'keep');
    if (v.action !== 'keep') return;
    // The headline is the page's title (meta.title); like the article-body gold of the Scrapinghub
    // benchmark, main mode keeps the body only.
    assert.match(v.text!, /^Paragraph 1/);
    assert.match(v.text!, /Paragraph 4 of the article/);
    assert.doesNotMatch(v.text!, /Home|Share on Facebook|popular story|Copyright/);
  });

  test('comment sections are dropped unless include_comments', async () => {
    const para = (n: number) => `<p>Paragraph ${n} of the post is long enough to count as prose in its own right, ending here.</p>`;
    const html = `<article>${[1, 2, 3].map(para).join('')}</article><section id="comments"><p>A reader's comment that is long enough to look like prose, and ends with a stop.</p></section>`;
    const without = await decide({ mode: 'main' }, doc(html));
    const withComments = await decide({ mode: 'main', include_comments: true }, doc(html));
    assert.ok(without.action === 'keep' && !without.text!.includes("reader's comment"));
    assert.ok(withComments.action === 'keep' && withComments.text!.includes("reader's comment"));
  });

  test('html over max_html_bytes is an error record', async () => {
    const v = await decide({ max_html_bytes: 1000 }, doc('<p>' + 'x'.repeat(2000) + '</p>'));
    assert.deepEqual(v.action === 'error' && v.code, 'html_too_large');
  });

  test('binary bytes posing as HTML are an error record', async () => {
    const bytes = Buffer.alloc(100_000);
    let seed = 7;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
    const v = await decide({}, doc(new TextDecoder('windows-1252').decode(bytes)));
    assert.equal(v.action === 'error' && v.code, 'binary_content');
  });
});

describe('hostile pages finish or become error records', () => {
  test('100,000-deep nesting is an error record (too_deeply_nested), not a hang', async () => {
    const html = '<div>'.repeat(100_000) + 'deep' + '</div>'.repeat(100_000);
    const v = await decide({}, doc(html));
    assert.equal(v.action === 'error' && v.code, 'too_deeply_nested');
  });

  test('nesting under max_depth is extracted', async () => {
    const html = '<div>'.repeat(5_000) + 'deep text' + '</div>'.repeat(5_000);
    const v = await decide({ mode: 'all' }, doc(html));
    assert.ok(v.action === 'keep' && v.text === 'deep text');
  });

  test('unclosed and misnested tags: extracted, or too deep once they pile up', async () => {
    const chunk = '<b><i>x</b></i><p>a<td>b<li>c</tr></table>';
    const v = await decide({ mode: 'all', max_ms: 0 }, doc(chunk.repeat(2_000) + '</span>'.repeat(20_000)));
    assert.ok(v.action === 'keep' && v.text!.startsWith('x\n\na\nb\n- cx'), JSON.stringify(v).slice(0, 200));
    // Each repetition leaves <p>, <td> and <li> open: 60,000 deep.
    const deep = await decide({ mode: 'all', max_ms: 0 }, doc(chunk.repeat(20_000)));
    assert.equal(deep.action === 'error' && deep.code, 'too_deeply_nested');
  });

  test('a page that is one 10 MB line', async () => {
    const line = '<p>' + 'word '.repeat(2_000_000) + '</p>';
    assert.ok(line.length > 10_000_000 && !line.includes('\n'));
    for (const mode of ['all', 'main']) {
      const v = await decide({ mode, max_ms: 0 }, doc(line));
      assert.ok(v.action === 'keep' && v.text!.length === 'word '.repeat(2_000_000).trim().length, mode);
    }
  });

  test('a 10 MB run of spaces inside <pre> (a regex with $ would backtrack quadratically)', async () => {
    const v = await decide({ mode: 'all', max_ms: 0 }, doc('<pre>a' + ' '.repeat(10_000_000) + 'b\n' + ' '.repeat(1_000_000) + '</pre>'));
    assert.ok(v.action === 'keep' && v.text!.startsWith('a ') && v.text!.endsWith('b'));
  });

  test('a 50 MB page: an error record by default, extracted when --max-html-bytes allows it', async () => {
    const para = '<div class="c"><p>Some sentence of a very long page, repeated until it is large. <a href="/x">link</a></p></div>\n';
    const html = '<html><body>' + para.repeat(Math.ceil(50_000_000 / para.length)) + '</body></html>';
    assert.ok(html.length >= 50_000_000);
    const refused = await decide({}, doc(html));
    assert.equal(refused.action === 'error' && refused.code, 'html_too_large');
    const v = await decide({ mode: 'main', max_html_bytes: 64 * 1024 * 1024, max_ms: 0 }, doc(html));
    assert.equal(v.action, 'keep');
  });

  test('the time limit turns a slow page into an error record (max_ms)', async () => {
    // Unmatched close tags at depth make htmlparser2 search its whole stack each time.
    const html = '<div>'.repeat(9_000) + '</span>'.repeat(400_000);
    const v = await decide({ max_ms: 1 }, doc(html));
    assert.equal(v.action === 'error' && v.code, 'extract_timeout');
  });
});

describe('winnow extract (CLI)', () => {
  test('.html files and JSONL with a custom html field; accounting holds; --mode all keeps more', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(path.join(root, 'fixtures', 'sample', 'pages', '14cc2a0ca59c.html'), path.join(input, 'page.html'));
    fs.writeFileSync(path.join(input, 'page2.html.gz'), zlib.gzipSync(fs.readFileSync(path.join(root, 'fixtures', 'sample', 'pages', '11ea381ad92b.html'))));
    writeJsonl(path.join(input, 'records.jsonl'), [
      { id: 'r1', url: 'https://example.com/r1', raw_html: '<title>R1</title><p>Hello <b>world</b>, this is a record.</p>', source: 'test' },
      { id: 'r2', raw_html: '<script>only()</script>' },
      { id: 'r3', text: 'no html at all' },
    ]);
    const main = path.join(dir, 'main');
    const res = await runCli(['extract', '-i', input, '-o', main, '--html-field', 'raw_html', '--compression', 'none', '--log-format', 'json', '--no-progress']);
    assert.equal(res.code, 0, res.stderr);
    const manifest = readManifest(main);
    assert.ok(manifest.check.ok);
    assert.deepEqual(manifest.counts, { input: 5, kept: 4, removed: 1, errors: 0 });
    const kept = readRecords(path.join(main, 'kept'));
    const byId = new Map(kept.map((r) => [r.id as string, r]));
    const r1 = byId.get('r1')!;
    assert.equal(r1.text, 'Hello world, this is a record.');
    assert.equal(r1.url, 'https://example.com/r1');
    assert.equal(r1.source, 'test');
    assert.equal((r1.meta as { title: string }).title, 'R1');
    assert.ok(!('raw_html' in r1) && !('html' in r1));
    assert.equal(byId.get('r3')!.text, 'no html at all');
    const page = byId.get('page.html')!;
    assert.match(page.text as string, /water vapor above the surface of Jupiter's icy moon Europa/);
    assert.equal((page.meta as { extract: { mode: string } }).extract.mode, 'main');
    const removed = readRecords(path.join(main, 'removed', 'extract'));
    assert.deepEqual(removed.map((r) => [r.id, (r.removal as { rule: string }).rule]), [['r2', 'empty_extraction']]);

    const all = path.join(dir, 'all');
    const res2 = await runCli(['extract', '-i', input, '-o', all, '--mode', 'all', '--html-field', 'raw_html', '--compression', 'none', '--log-format', 'json', '--no-progress']);
    assert.equal(res2.code, 0, res2.stderr);
    const allPage = readRecords(path.join(all, 'kept')).find((r) => r.id === 'page.html')!;
    assert.ok((allPage.text as string).length > (page.text as string).length);
  });

  test('--max-html-bytes makes a large page an error record with its reason', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'big.jsonl');
    writeJsonl(file, [{ id: 'big', html: '<p>' + 'y'.repeat(5000) + '</p>' }, { id: 'small', html: '<p>small page text</p>' }]);
    const out = path.join(dir, 'out');
    const res = await runCli(['extract', '-i', file, '-o', out, '--max-html-bytes', '4k', '--compression', 'none', '--log-format', 'json', '--no-progress']);
    assert.equal(res.code, 0, res.stderr);
    const errors = readRecords(path.join(out, 'errors'));
    assert.deepEqual(errors.map((e) => [e.id, e.code, e.stage]), [['big', 'html_too_large', 'extract']]);
    assert.deepEqual(readManifest(out).counts, { input: 2, kept: 1, removed: 0, errors: 1 });
  });

  test('in a pipeline with the same output for 1 and 2 workers', async () => {
    const dir = await tempDir();
    const input = path.join(root, 'fixtures', 'sample');
    const outs = [];
    for (const workers of [1, 2]) {
      const out = path.join(dir, `w${workers}`);
      await runInProcess({ name: 'x', output: { compression: 'none' }, run: { workers }, stages: [{ kind: 'extract', mode: 'main' }] }, [input], out);
      outs.push(readRecords(path.join(out, 'kept')));
    }
    assert.deepEqual(outs[0], outs[1]);
    assert.ok(outs[0].length >= 14);
  });
});

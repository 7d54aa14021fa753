/**
 * Every reader through the CLI: JSONL plain/gzip/zstd, JSON arrays, directories (recursive,
 * sorted), .txt and .html files, standard input, field mapping and derived ids.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { compressFrame } from '../../src/io/compression.js';
import { parseJsonl, readManifest, readRecords, runCli, tempDir } from '../helpers/index.js';

let dir: string;

before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const jsonl = (records: unknown[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

async function runOn(inputs: string[], extra: string[] = []): Promise<{ kept: Record<string, unknown>[]; out: string }> {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const result = await runCli(['run', 'passthrough', '-i', ...inputs, '-o', out, '--log-format', 'json', ...extra]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(readManifest(out).check.ok);
  return { kept: readRecords(path.join(out, 'kept')), out };
}

describe('readers', () => {
  test('JSONL plain, .gz and .zst; unknown fields and meta kept unchanged', async () => {
    const records = [{ id: 'a', text: 'alpha', lang: 'en', meta: { score: 1 }, nested: { x: [1, 2] } }, { id: 'b', text: 'beta' }];
    fs.writeFileSync(path.join(dir, 'p.jsonl'), jsonl(records));
    fs.writeFileSync(path.join(dir, 'g.jsonl.gz'), zlib.gzipSync(jsonl(records)));
    fs.writeFileSync(path.join(dir, 'z.jsonl.zst'), compressFrame('zstd', Buffer.from(jsonl(records))));
    for (const file of ['p.jsonl', 'g.jsonl.gz', 'z.jsonl.zst']) {
      const { kept } = await runOn([path.join(dir, file)]);
      assert.deepEqual(kept, [{ id: 'a', text: 'alpha', meta: { score: 1 }, lang: 'en', nested: { x: [1, 2] } }, { id: 'b', text: 'beta' }], file);
    }
  });

  test('a JSON array streams record by record; a single JSON object is one record', async () => {
    fs.writeFileSync(path.join(dir, 'arr.json'), JSON.stringify(Array.from({ length: 600 }, (_, i) => ({ text: `t${i}` }))));
    const { kept } = await runOn([path.join(dir, 'arr.json')]);
    assert.equal(kept.length, 600);
    assert.equal(kept[0].id, 'arr.json:1', 'missing ids come from file and record number');
    assert.equal(kept[599].id, 'arr.json:600');
    fs.writeFileSync(path.join(dir, 'one.json'), JSON.stringify({ id: 'solo', text: 'single' }, null, 2));
    assert.deepEqual((await runOn([path.join(dir, 'one.json')])).kept, [{ id: 'solo', text: 'single' }]);
  });

  test('directories recursively in code-point order; .txt/.html ids are paths relative to the root', async () => {
    const root = path.join(dir, 'tree');
    fs.mkdirSync(path.join(root, 'b', 'c'), { recursive: true });
    fs.mkdirSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'b', 'c', 'deep.txt'), 'deep text');
    fs.writeFileSync(path.join(root, 'a', 'page.html'), '<p>hello</p>');
    fs.writeFileSync(path.join(root, 'Z.jsonl'), jsonl([{ id: 'z', text: 'zed' }]));
    fs.writeFileSync(path.join(root, '.hidden.txt'), 'skipped');
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere, { recursive: true });
    fs.writeFileSync(path.join(elsewhere, 'linked.txt'), 'through a symbolic link');
    fs.symlinkSync(elsewhere, path.join(root, 'c-link'));
    const { kept } = await runOn([root]);
    assert.deepEqual(kept.map((d) => d.id), ['z', 'a/page.html', 'b/c/deep.txt', 'c-link/linked.txt']);
    assert.equal(kept[1].html, '<p>hello</p>');
    assert.equal(kept[2].text, 'deep text');
  });

  test('field mapping and derived ids', async () => {
    fs.writeFileSync(path.join(dir, 'mapped.jsonl'), jsonl([{ key: 7, content: 'mapped text', link: 'https://x.example/' }, { content: 'no key' }]));
    const { kept } = await runOn([path.join(dir, 'mapped.jsonl')], ['--text-field', 'content', '--id-field', 'key', '--url-field', 'link']);
    assert.deepEqual(kept, [{ id: '7', text: 'mapped text', url: 'https://x.example/' }, { id: 'mapped.jsonl:2', text: 'no key' }]);
  });

  test('standard input (gzip sniffed) to standard output', async () => {
    const aux = path.join(dir, 'aux');
    const result = await runCli(['run', 'passthrough', '-i', '-', '-o', '-', '--aux-dir', aux, '--log-format', 'json'], {
      stdin: zlib.gzipSync(jsonl([{ id: 's1', text: 'from stdin' }, { text: 'second' }])),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseJsonl(result.stdout.toString()), [{ id: 's1', text: 'from stdin' }, { id: 'stdin:2', text: 'second' }]);
    assert.equal(readManifest(aux).counts.kept, 2);
  });

  test('large plain JSONL is split into byte-range units with exact line numbers', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 2500 ? '{not json\n' : JSON.stringify({ text: `line ${i + 1} ` + 'pad '.repeat(i % 50) }) + '\n'));
    fs.writeFileSync(path.join(dir, 'ranges.jsonl'), lines.join(''));
    const { kept, out } = await runOn([path.join(dir, 'ranges.jsonl')], ['--unit-bytes', '16k']);
    const manifest = readManifest(out) as unknown as { units: { total: number } };
    assert.ok(manifest.units.total > 10, `split into ${manifest.units.total} units`);
    assert.equal(kept.length, 2999);
    for (const d of kept) assert.equal(d.id, `ranges.jsonl:${String(d.text).split(' ')[1]}`);
    const errors = readRecords(path.join(out, 'errors')) as { line: number; offset: number }[];
    assert.equal(errors[0].line, 2501);
    assert.equal(errors[0].offset, Buffer.byteLength(lines.slice(0, 2500).join('')));
  });
});

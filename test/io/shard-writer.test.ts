/** Sharded output: rollover by count and size at document boundaries, atomic names, codecs. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ShardWriter } from '../../src/io/shard-writer.js';
import { decompressFile, parseJsonl, tempDir } from '../helpers/index.js';

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, n: number, pad = 0): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, text: 'x'.repeat(pad) }) + '\n').join(''));

test('rolls over by document count inside a chunk', async () => {
  const w = new ShardWriter(path.join(dir, 'count'), 'part-00000', '.jsonl', { compression: 'none', maxBytes: 1e12, maxDocs: 10 });
  await w.write(lines(0, 25), 25);
  await w.write(lines(25, 10), 10);
  const files = (await w.close()).map((f) => f.path);
  assert.deepEqual(files.map((f) => path.basename(f)), ['part-00000-0000.jsonl', 'part-00000-0001.jsonl', 'part-00000-0002.jsonl', 'part-00000-0003.jsonl']);
  assert.deepEqual(files.map((f) => parseJsonl(fs.readFileSync(f, 'utf8')).length), [10, 10, 10, 5]);
});

test('rolls over by size; a document bigger than a shard gets its own', async () => {
  const w = new ShardWriter(path.join(dir, 'size'), 'p', '.jsonl', { compression: 'none', maxBytes: 1000, maxDocs: 0 });
  await w.write(lines(0, 20, 80), 20);
  await w.write(lines(20, 1, 5000), 1);
  const files = (await w.close()).map((f) => f.path);
  for (const f of files.slice(0, -1)) assert.ok(fs.statSync(f).size <= 1000);
  assert.equal(parseJsonl(fs.readFileSync(files.at(-1)!, 'utf8'))[0].id, 20);
  assert.equal(files.flatMap((f) => parseJsonl(fs.readFileSync(f, 'utf8'))).length, 21);
});

test('gzip and zstd shards decompress to exactly what was written, across many frames', async () => {
  for (const compression of ['gzip', 'zstd'] as const) {
    const w = new ShardWriter(path.join(dir, compression), 'p', ShardWriter.fileExtension(compression), { compression, maxBytes: 1e12, maxDocs: 0 });
    const data = lines(0, 30000, 100); // ~3.5 MB: several 1 MiB frames
    for (let i = 0; i < data.length; i += 77777) {
      const end = Math.min(data.length, data.indexOf(10, i + 77777) + 1 || data.length);
      await w.write(data.subarray(i, end), 1);
      i = end - 77777;
    }
    const [{ path: file }] = await w.close();
    assert.ok(decompressFile(file).equals(data), compression);
  }
});

test('no file appears under its final name until it is complete', async () => {
  const target = path.join(dir, 'atomic');
  const w = new ShardWriter(target, 'p', '.jsonl', { compression: 'none', maxBytes: 1e12, maxDocs: 0 });
  await w.write(lines(0, 5), 5);
  assert.ok(!fs.existsSync(path.join(target, 'p-0000.jsonl')));
  await w.close();
  assert.deepEqual(fs.readdirSync(target), ['p-0000.jsonl']);
});

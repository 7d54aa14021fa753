/**
 * Same input and config, same bytes out, whatever the worker count or batch size: batches and
 * shards are cut by content, output keeps input order, compressed frames are fixed-size.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readRecords, runCli, tempDir, treeDigest, writeJsonl } from '../helpers/index.js';

let dir: string;
let input: string;

before(async () => {
  dir = await tempDir();
  input = path.join(dir, 'in');
  fs.mkdirSync(input);
  fs.cpSync(path.join('fixtures', 'sample'), path.join(input, 'sample'), { recursive: true });
  writeJsonl(
    path.join(input, 'generated.jsonl'),
    Array.from({ length: 5000 }, (_, i) => ({ id: `g${i}`, text: `text ${i % 1500} `.repeat(1 + (i % 40)), n: i })),
  );
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = async (name: string, extra: string[]): Promise<string> => {
  const out = path.join(dir, name);
  const result = await runCli(['run', 'default', '-i', input, '-o', out, '--shard-max-bytes', '300k', '--log-format', 'json', ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return out;
};

test('--workers 1 and --workers 2 give byte-identical output', async () => {
  const one = await run('w1', ['--workers', '1']);
  const two = await run('w2', ['--workers', '2']);
  const digest = treeDigest(one);
  assert.ok(digest.size > 3, 'several output files');
  assert.deepEqual(treeDigest(two), digest);
});

test('batch size does not change the output either', async () => {
  const small = await run('b7', ['--workers', '3', '--batch-size', '7']);
  assert.deepEqual(treeDigest(small), treeDigest(path.join(dir, 'w1')));
});

test('output keeps input order', async () => {
  const kept = readRecords(path.join(dir, 'w2', 'kept')) as { id: string; n?: number }[];
  const generated = kept.filter((d) => d.id.startsWith('g')).map((d) => d.n!);
  assert.deepEqual(generated, [...generated].sort((a, b) => a - b));
});

test('an unchanged record is written as it was read: its own key order, escapes and non-ASCII text; CRLF and trailing blanks dropped', async () => {
  const lines = [
    '{"text":"caf\\u00e9 \u00fcber \ud83d\ude00 na\u00efve text","id":"a","zeta":[1,2.50,{"k":null}]}',
    '{ "id" : "b", "text" : "spaced   out  JSON", "meta" : {"x": 1} }',
    '{"id":"c","text":"carriage return"}',
  ];
  const file = path.join(dir, 'raw.jsonl');
  // A byte-order mark opens the file: the decoder drops it, and so must the copied bytes.
  fs.writeFileSync(file, `\ufeff${lines[0]}\n${lines[1]}  \t\n${lines[2]}\r\n`);
  for (const stages of [[], [{ kind: 'dedup' }]]) {
    const config = path.join(dir, `raw-${stages.length}.json`);
    fs.writeFileSync(config, JSON.stringify({ name: 'raw', output: { compression: 'none' }, stages }));
    const out = path.join(dir, `raw-out-${stages.length}`);
    const result = await runCli(['run', config, '-i', file, '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const kept = fs.readdirSync(path.join(out, 'kept')).map((f) => fs.readFileSync(path.join(out, 'kept', f), 'utf8')).join('');
    assert.equal(kept, lines.map((l) => `${l}\n`).join(''), `stages: ${JSON.stringify(stages)}`);
  }
});

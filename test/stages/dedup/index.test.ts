/**
 * Incremental dedup: save an index of one run's kept documents, dedup new data against it,
 * extend it; incompatible settings are refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readRecords, runCli, runInProcess, tempDir } from '../../helpers/index.js';
import { passages, replaceWord, writeCorpus } from './corpus.js';

type Rec = { id: string; removal?: { rule: string; details: Record<string, unknown> } };

test('--index saves an index; --against removes duplicates of it; --index on the same dir extends it once', async () => {
  const dir = await tempDir();
  const texts = passages();
  const old = texts.slice(0, 40).map((text, i) => ({ id: `old${i}`, text }));
  const fresh = [
    ...texts.slice(0, 5).map((text, i) => ({ id: `copy${i}`, text: text.toUpperCase() })),
    ...texts.slice(5, 10).map((text, i) => ({ id: `near${i}`, text: replaceWord(text, 30) })),
    ...texts.slice(40, 50).map((text, i) => ({ id: `new${i}`, text })),
  ];
  const index = path.join(dir, 'index');
  const oldFile = writeCorpus(dir, 'old.jsonl', old);
  const newFile = writeCorpus(dir, 'new.jsonl', fresh);
  await runInProcess({ stages: [{ kind: 'dedup', index }] }, [oldFile], path.join(dir, 'out-old'));
  const manifest = JSON.parse(fs.readFileSync(path.join(index, 'index.json'), 'utf8'));
  assert.equal(manifest.segments.length, 1);
  assert.equal(manifest.segments[0].documents, 40);

  const out = path.join(dir, 'out-new');
  await runInProcess({ stages: [{ kind: 'dedup', against: index, index }] }, [newFile], out);
  const removed = readRecords(path.join(out, 'removed', 'dedup')) as Rec[];
  assert.deepEqual(removed.map((r) => r.id).sort(), [...fresh.slice(0, 10).map((r) => r.id)].sort());
  for (const rec of removed) {
    assert.equal(rec.removal!.rule, 'duplicate_in_index');
    assert.match(rec.removal!.details.kept_id as string, /^old\d+$/);
    assert.match(rec.removal!.details.index_segment as string, /^seg-[0-9a-f]{16}$/);
  }
  const extended = JSON.parse(fs.readFileSync(path.join(index, 'index.json'), 'utf8'));
  assert.equal(extended.segments.length, 2);
  assert.equal(extended.segments[1].documents, 10);

  // The same run again (a rerun, or --resume after a crash) decides the same and adds nothing.
  const again = path.join(dir, 'out-again');
  await runInProcess({ stages: [{ kind: 'dedup', against: index, index }] }, [newFile], again);
  assert.deepEqual(readRecords(path.join(again, 'kept')), readRecords(path.join(out, 'kept')));
  assert.equal(JSON.parse(fs.readFileSync(path.join(index, 'index.json'), 'utf8')).segments.length, 2);
  // Other input: its documents that are already indexed go; a run with nothing new adds no segment.
  const other = path.join(dir, 'out-other');
  await runInProcess({ stages: [{ kind: 'dedup', against: index, index }] }, [writeCorpus(dir, 'new2.jsonl', fresh.slice(10))], other);
  assert.equal((readRecords(path.join(other, 'kept')) as Rec[]).length, 0);
  assert.equal(JSON.parse(fs.readFileSync(path.join(index, 'index.json'), 'utf8')).segments.length, 2);

  // Online mode reads the same index.
  const online = await runCli(['dedup', '--online', '-i', newFile, '-o', '-', '--aux-dir', path.join(dir, 'aux'), '--against', index]);
  assert.equal(online.code, 0, online.stderr);
  assert.equal(online.stdout.length, 0);
});

test('an index built with other settings is refused; a missing index is a usage error', async () => {
  const dir = await tempDir();
  const index = path.join(dir, 'index');
  const input = writeCorpus(dir, 'in.jsonl', passages().slice(0, 5).map((text, i) => ({ id: `d${i}`, text })));
  assert.equal((await runCli(['dedup', '-i', input, '-o', path.join(dir, 'a'), '--index', index])).code, 0);
  const other = await runCli(['dedup', '-i', input, '-o', path.join(dir, 'b'), '--against', index, '--bands', '20']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /different settings.*bands/);
  const missing = await runCli(['dedup', '-i', input, '-o', path.join(dir, 'c'), '--against', path.join(dir, 'nowhere')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no dedup index/);
});

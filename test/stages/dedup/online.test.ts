/**
 * `winnow dedup --online`: one pass in the middle of a pipe, first seen wins.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseJsonl, readRecords, runCli, runInProcess, tempDir } from '../../helpers/index.js';
import { planted, writeCorpus } from './corpus.js';

type Rec = { id: string; meta?: { dedup?: Record<string, unknown> }; removal?: { rule: string; details: Record<string, unknown> } };

test('online mode streams stdin to stdout and removes later duplicates of earlier documents', async () => {
  const dir = await tempDir();
  const corpus = planted(60);
  const stdin = corpus.records.map((r) => JSON.stringify(r) + '\n').join('');
  const aux = path.join(dir, 'aux');
  const r = await runCli(['dedup', '--online', '-i', '-', '-o', '-', '--aux-dir', aux], { stdin });
  assert.equal(r.code, 0, r.stderr);
  const kept = parseJsonl(r.stdout.toString('utf8')) as Rec[];
  const expectedKept = corpus.records.filter((x) => !corpus.exact.has(x.id) && !corpus.near.has(x.id)).map((x) => x.id);
  assert.deepEqual(kept.map((k) => k.id), expectedKept);
  const removed = readRecords(path.join(aux, 'removed', 'dedup')) as Rec[];
  for (const rec of removed) {
    const original = corpus.exact.get(rec.id) ?? corpus.near.get(rec.id);
    assert.equal(rec.removal!.details.kept_id, original);
    assert.equal(rec.removal!.rule, corpus.exact.has(rec.id) ? 'exact_duplicate' : 'near_duplicate');
  }
  assert.equal(removed.length, corpus.exact.size + corpus.near.size);
});

test('online and batch mode agree on which documents are kept (keep: first, no chains)', async () => {
  const dir = await tempDir();
  const corpus = planted(60);
  const input = writeCorpus(dir, 'in.jsonl', corpus.records);
  const ids = async (online: boolean): Promise<string[]> => {
    const out = path.join(dir, online ? 'online' : 'batch');
    await runInProcess({ stages: [{ kind: 'dedup', online }] }, [input], out);
    return (readRecords(path.join(out, 'kept')) as Rec[]).map((k) => k.id);
  };
  assert.deepEqual(await ids(true), await ids(false));
});

test('online tag mode keeps everything and marks what it would remove', async () => {
  const dir = await tempDir();
  const corpus = planted(30);
  const input = writeCorpus(dir, 'in.jsonl', corpus.records);
  const out = path.join(dir, 'out');
  const result = await runInProcess({ stages: [{ kind: 'dedup', online: true, action: 'tag' }] }, [input], out);
  assert.equal(result.manifest.counts.kept, corpus.records.length);
  const tagged = (readRecords(path.join(out, 'kept')) as Rec[]).filter((k) => k.meta?.dedup);
  assert.equal(tagged.length, corpus.exact.size + corpus.near.size);
  const summary = result.manifest.stages.find((s) => s.name === 'dedup')!.summary as { mode: string; duplicates: { exact: number } };
  assert.equal(summary.mode, 'online');
  assert.equal(summary.duplicates.exact, corpus.exact.size);
});

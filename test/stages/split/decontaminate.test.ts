/**
 * The `decontaminate` stage through its def (createDoc, the way workers build it) on the shared
 * benchmarks, its config, and `winnow decontaminate` end to end with contamination.json (the
 * latter once the stage and the command are registered).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stageCommands } from '../../../src/cli/commands/index.js';
import type { Doc, JsonObject, Verdict } from '../../../src/core/doc.js';
import { CommonNgramCounter } from '../../../src/stages/split/common-ngrams.js';
import { NgramIndex } from '../../../src/stages/split/ngram-index.js';
import { NgramBuffer, hashNgrams } from '../../../src/stages/split/ngrams.js';
import { scanText } from '../../../src/stages/split/scan.js';
import { DecontaminateConfig, decontaminateStage } from '../../../src/stages/split/decontaminate-stage.js';
import { registry } from '../../../src/stages/registry.js';
import { readManifest, readRecords, runCli, tempDir, writeJsonl } from '../../helpers/index.js';
import { reutersStories } from '../../../bench/corpora.js';
import { doc, gsm8kDir, haveBenchmarks, humanevalDir, mbppDir, randomWords, reutersDir, sharedBenchmarks } from './helpers.js';

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const benchmarkConfig = (): JsonObject[] => [
  { name: 'gsm8k', path: path.join(gsm8kDir!, 'test.jsonl') },
  { name: 'humaneval', path: path.join(humanevalDir!, 'HumanEval.jsonl.gz') },
  { name: 'mbpp', path: path.join(mbppDir!, 'mbpp.jsonl') },
];

async function decider(config: Record<string, unknown>): Promise<(d: Doc) => Verdict> {
  return decontaminateStage.createDoc!(DecontaminateConfig.parse({ kind: 'decontaminate', ...config }));
}

test('config: GPT-3 defaults, n from 8 to 50, one source of n-grams', async () => {
  const c = DecontaminateConfig.parse({ kind: 'decontaminate', benchmarks: [{ name: 'gsm8k', path: 'x.jsonl' }] });
  assert.equal(c.n, 13);
  assert.equal(c.action, 'drop');
  assert.equal(c.max_matched_ngrams, 0);
  assert.deepEqual(c.redact, { window_chars: 200, min_piece_chars: 200, max_pieces: 10 });
  assert.throws(() => DecontaminateConfig.parse({ kind: 'decontaminate', n: 7 }));
  assert.throws(() => DecontaminateConfig.parse({ kind: 'decontaminate', n: 51 }));
  assert.throws(() => DecontaminateConfig.parse({ kind: 'decontaminate', action: 'delete' }));
  await assert.rejects(async () => decider({}), /nothing to check against/);
  await assert.rejects(async () => decider({ benchmarks: [{ name: 'gsm8k', path: 'x' }], index_file: 'y' }), /either benchmarks or index_file/);
  await assert.rejects(async () => decider({ benchmarks: [{ name: 'a', path: 'x', fields: ['q'] }, { name: 'a', path: 'y', fields: ['q'] }] }), /used twice/);
  await assert.rejects(async () => decider({ benchmarks: [{ name: 'gsm8k', path: path.join(dir, 'absent.jsonl') }] }), /cannot read/);
});

test('a serialised index file (e.g. held-out splits) is scanned like benchmarks; its n must match', async () => {
  const index = new NgramIndex(10);
  const s = index.addSource('test', 'split');
  const held = randomWords(30, 42);
  index.addItem(s, 'held-1', [held]);
  const file = path.join(dir, 'heldout.ngi');
  fs.writeFileSync(file, index.toBuffer());
  const decide = await decider({ index_file: file, n: 10, action: 'flag' });
  const v = decide(doc('t1', `intro ${held} outro`));
  assert.equal(v.action, 'keep');
  const c = (v.action === 'keep' && v.meta?.contamination) as JsonObject;
  assert.deepEqual(c.items, [{ split: 'test', item: 'held-1', ngrams: 21 }]);
  await assert.rejects(async () => decider({ index_file: file }), /holds 10-grams but n is 13/);
  fs.writeFileSync(path.join(dir, 'junk.ngi'), 'not an index at all, clearly');
  await assert.rejects(async () => decider({ index_file: path.join(dir, 'junk.ngi') }), /cannot load index/);
});

test('common phrases: with a counts file, n-grams in more than max_ngram_docs training documents are ignored', async () => {
  const index = new NgramIndex(8);
  const s = index.addSource('test', 'split');
  const phrase = 'all rights reserved by the respective owners of this';
  const rare = randomWords(12, 99);
  index.addItem(s, 'held-1', [`${phrase} ${rare}`]);
  const indexFile = path.join(dir, 'common.ngi');
  fs.writeFileSync(indexFile, index.toBuffer());
  // Counting pass: the boilerplate phrase is in 12 training documents, the rare text in one.
  const counter = CommonNgramCounter.forIndex(index);
  for (let i = 0; i < 12; i++) counter.observe(scanText(`${randomWords(10, i + 1)} ${phrase} ${randomWords(10, 50 + i)}`, index));
  const countsFile = path.join(dir, 'common.counts');
  fs.writeFileSync(countsFile, counter.toBuffer());
  const decide = await decider({ index_file: indexFile, n: 8, ngram_doc_counts_file: countsFile });
  assert.equal(decide(doc('boiler', `footer: ${phrase}.`)).action, 'keep');
  assert.equal(decide(doc('leak', `quoting ${rare}`)).action, 'remove');
  const lenient = await decider({ index_file: indexFile, n: 8, ngram_doc_counts_file: countsFile, max_ngram_docs: 12 });
  assert.equal(lenient(doc('boiler', `footer: ${phrase}.`)).action, 'remove');
  // Hashes computed elsewhere (a worker's payload) build the same index.
  const rebuilt = new NgramIndex(8);
  const r = rebuilt.addSource('test', 'split');
  const buf = new NgramBuffer();
  const count = hashNgrams(`${phrase} ${rare}`, 8, buf);
  rebuilt.addItemHashes(r, 'held-1', buf.hi.subarray(0, count), buf.lo.subarray(0, count), buf.words);
  assert.deepEqual(rebuilt.items, index.items);
  assert.deepEqual(rebuilt.toBuffer(), index.toBuffer());
  fs.writeFileSync(path.join(dir, 'other.counts'), new CommonNgramCounter(1024).toBuffer());
  await assert.rejects(async () => decider({ index_file: indexFile, n: 8, ngram_doc_counts_file: path.join(dir, 'other.counts') }), /another index/);
});

test('the shared benchmarks: planted items are dropped naming benchmark and item; clean Reuters text is kept', { skip: !haveBenchmarks && 'needs ../shared/corpora' }, async () => {
  const [gsm8k, humaneval, mbpp] = sharedBenchmarks();
  const decide = await decider({ benchmarks: benchmarkConfig() });
  const story = reutersDir ? reutersStories()[7].text : randomWords(300, 1);
  assert.deepEqual(decide(doc('clean', story)), { action: 'keep', counters: { characters_scanned: story.length } });
  const cases: [string, string, string][] = [
    ['gsm8k', '42', gsm8k.items[41].texts[0].toUpperCase()],
    ['humaneval', 'HumanEval/10', humaneval.items[10].texts[0].replace(/\n/g, '\r\n')],
    ['mbpp', '7', mbpp.items[6].texts.join('\n')],
  ];
  for (const [benchmark, item, planted] of cases) {
    const text = `${story.slice(0, 400)}\n\n${planted}\n\n${story.slice(400)}`;
    const v = decide(doc(benchmark, text));
    assert.equal(v.action, 'remove', benchmark);
    if (v.action !== 'remove') continue;
    assert.equal(v.rule, 'contamination');
    assert.equal(v.details!.benchmark, benchmark);
    assert.equal(v.details!.item, item);
    const [s, e] = v.details!.span as [number, number];
    assert.ok(s >= 400 && e <= 402 + planted.length + 2, `${benchmark} span ${s}-${e}`);
  }
});

const cliReady = registry.has('decontaminate') && stageCommands.some((c) => c.command === 'decontaminate');

test('winnow decontaminate: drop, redact and flag end to end, contamination.json, same for 1 and 2 workers', { skip: (!haveBenchmarks && 'needs ../shared/corpora') || (!cliReady && 'the decontaminate stage and command are not registered yet') }, async () => {
  const [gsm8k, humaneval] = sharedBenchmarks();
  const stories = reutersDir ? reutersStories().slice(0, 300).map((s) => s.text) : Array.from({ length: 300 }, (_, i) => randomWords(200, i + 1));
  const records = stories.map((text, i) => {
    if (i % 50 === 10) text = `${text}\n\n${gsm8k.items[i].texts[0]}\n\n${text}`;
    if (i % 50 === 30) text = `${humaneval.items[i % 164].texts[0]}\n${text}`;
    return { id: `r${String(i).padStart(3, '0')}`, text };
  });
  const input = path.join(dir, 'corpus.jsonl');
  writeJsonl(input, records);
  const flags = ['--benchmark', `gsm8k=${path.join(gsm8kDir!, 'test.jsonl')}`, '--benchmark', `humaneval=${path.join(humanevalDir!, 'HumanEval.jsonl.gz')}`, '--log-format', 'json'];
  const run = async (name: string, extra: string[]): Promise<string> => {
    const out = path.join(dir, name);
    const r = await runCli(['decontaminate', '-i', input, '-o', out, ...flags, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return out;
  };
  const drop = await run('drop', ['--workers', '1']);
  const m = readManifest(drop);
  assert.equal(m.counts.input, 300);
  assert.equal(m.counts.removed, 12);
  const removed = readRecords(path.join(drop, 'removed', 'decontaminate')) as { id: string; removal: { rule: string; details: JsonObject } }[];
  assert.deepEqual(removed.map((r) => r.removal.details.benchmark), ['gsm8k', 'humaneval', 'gsm8k', 'humaneval', 'gsm8k', 'humaneval', 'gsm8k', 'humaneval', 'gsm8k', 'humaneval', 'gsm8k', 'humaneval']);
  const report = JSON.parse(fs.readFileSync(path.join(drop, 'contamination.json'), 'utf8')) as JsonObject;
  assert.equal(report.documents_scanned, 300);
  assert.equal(report.documents_touched, 12);
  const g = (report.benchmarks as JsonObject).gsm8k as JsonObject;
  assert.equal(g.items, 1319);
  assert.deepEqual(g.contaminated_item_ids, ['11', '61', '111', '161', '211', '261']);
  assert.equal(g.documents_removed, 6);
  assert.ok((g.top_ngrams as JsonObject[])[0].text);
  // The same report and outputs with 2 workers.
  const drop2 = await run('drop2', ['--workers', '2']);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(drop2, 'contamination.json'), 'utf8')), report);
  // Redact: documents stay, shorter; the report counts characters removed from summaries.
  const redact = await run('redact', ['--action', 'redact']);
  const redactReport = JSON.parse(fs.readFileSync(path.join(redact, 'contamination.json'), 'utf8')) as JsonObject;
  assert.deepEqual(((redactReport.benchmarks as JsonObject).gsm8k as JsonObject).contaminated_item_ids, g.contaminated_item_ids);
  assert.ok((redactReport.characters_removed as number) > 0);
  // Flag: everything kept, the twelve marked.
  const flag = await run('flag', ['--action', 'flag']);
  const kept = readRecords(path.join(flag, 'kept')) as { meta?: { contamination?: JsonObject } }[];
  assert.equal(kept.length, 300);
  assert.equal(kept.filter((r) => r.meta?.contamination).length, 12);
  // Usage errors.
  const bad = await runCli(['decontaminate', '-i', input, '-o', path.join(dir, 'bad'), '--benchmark', 'mine=x.jsonl']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /name its text fields/);
});

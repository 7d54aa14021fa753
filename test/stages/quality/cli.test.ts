/** `winnow filter` and the bundled recipe pipelines, end to end through the real CLI. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadPipeline } from '../../../src/config/load.js';
import { readManifest, readRecords, runCli, tempDir, writeJsonl } from '../../helpers/index.js';
import { GOOD_TEXT } from './helpers.js';

let dir: string;
let input: string;
const DOCS = [
  { id: 'good', text: GOOD_TEXT, source: 'test' },
  { id: 'short', text: 'Too short to keep.' },
  { id: 'german', text: 'Der Ausschuss hat am Dienstag den Haushalt und die Pläne für die neue Bibliothek geprüft. Mitglieder der Öffentlichkeit durften sprechen.' },
  { id: 'menu', text: 'HOME\nNEWS\nSPORT\nWEATHER\nCONTACT\n' + GOOD_TEXT },
];

before(async () => {
  dir = await tempDir('winnow-quality-');
  input = path.join(dir, 'in.jsonl');
  writeJsonl(input, DOCS);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('winnow filter removes with stage, rule, value and threshold, and keeps C4 edits', async () => {
  const out = path.join(dir, 'out');
  const r = await runCli(['filter', '-i', input, '-o', out, '--compression', 'none', '--no-progress', '--log-format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const kept = readRecords(path.join(out, 'kept'));
  assert.deepEqual(kept.map((d) => d.id).sort(), ['good', 'menu']);
  const menu = kept.find((d) => d.id === 'menu')!;
  assert.equal(menu.text, GOOD_TEXT, 'C4 dropped the menu lines');
  assert.equal((menu.meta as { language: string }).language, 'en');
  assert.equal(kept.find((d) => d.id === 'good')!.source, 'test', 'unknown input fields survive');
  const removed = readRecords(path.join(out, 'removed', 'quality'));
  const byId = new Map(removed.map((d) => [d.id, d.removal as Record<string, unknown>]));
  assert.deepEqual(byId.get('german'), { stage: 'quality', rule: 'wrong_language', value: 'de', threshold: ['en'], details: { family: 'language' } });
  // Gopher repetition runs before Gopher quality in the default order, and in a four-word text
  // the first 2-gram alone is over 20 % of the characters.
  assert.equal(byId.get('short')!.rule, 'repeated_top_ngram');
  const m = readManifest(out);
  assert.equal(m.counts.input, 4);
  const stage = m.stages.find((s) => s.name === 'quality')!;
  assert.deepEqual(stage.rules, { wrong_language: 1, repeated_top_ngram: 1 });
  const counters = (stage as unknown as { counters: Record<string, number> }).counters;
  assert.equal(counters.c4_lines_dropped_no_terminal_punct, 5);
});

test('winnow filter --rules picks and orders families; --signals removes nothing', async () => {
  const out = path.join(dir, 'rules');
  const r = await runCli(['filter', '-i', input, '-o', out, '--rules', 'gopher_quality', '--no-progress', '--log-format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readRecords(path.join(out, 'kept')).map((d) => d.id).sort(), ['good', 'menu']);

  const signals = await runCli(['filter', '-i', input, '-o', '-', '--signals', '--rules', 'language,gopher_quality,fineweb', '--aux-dir', path.join(dir, 'aux'), '--no-progress', '--log-format', 'json']);
  assert.equal(signals.code, 0, signals.stderr);
  const docs = signals.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { id: string; meta: { quality: Record<string, unknown> & { failed: string[] } } });
  assert.equal(docs.length, 4);
  const german = docs.find((d) => d.id === 'german')!;
  assert.deepEqual(Object.keys(german.meta.quality).sort(), ['failed', 'fineweb', 'gopher_quality', 'language']);
  assert.ok(german.meta.quality.failed.includes('wrong_language'));
});

test('winnow filter rejects an unknown rule family with exit code 2', async () => {
  const r = await runCli(['filter', '-i', input, '-o', path.join(dir, 'bad'), '--rules', 'gopher,c4']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown rule family gopher/);
});

test('the bundled recipes load and run', async () => {
  for (const name of ['fineweb', 'c4', 'gopher']) {
    const { pipeline } = loadPipeline(name);
    assert.ok(pipeline.stages.some((s) => s.kind === 'quality'), name);
  }
  const out = path.join(dir, 'fineweb');
  const r = await runCli(['run', 'fineweb', '-i', input, '-o', out, '--no-progress', '--log-format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  // C4 drops menu's navigation lines, which leaves good's text: FineWeb's MinHash dedup removes it.
  assert.deepEqual(readRecords(path.join(out, 'kept')).map((d) => d.id), ['good']);
  const dup = readRecords(path.join(out, 'removed', 'dedup')) as { id: string; removal: { rule: string } }[];
  assert.deepEqual(dup.map((d) => [d.id, d.removal.rule]), [['menu', 'exact_duplicate']]);
});

/** explain, stats and report on a real run: answers come from the document index. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, tempDir, writeJsonl } from '../helpers/index.js';

let dir: string;
let out: string;
const prose = 'The committee met on Tuesday to review the budget and the schedule for the new library, and the members agreed that the plan was sound. ';

before(async () => {
  dir = await tempDir();
  out = path.join(dir, 'out');
  writeJsonl(path.join(dir, 'a.jsonl'), [
    { id: 'first', text: prose.repeat(6) },
    // The same text after exact dedup's normalisation (spacing and punctuation differ).
    { id: 'copy', text: prose.repeat(6).replace(/, /g, ' -- ').replace(/\. /g, '!  ') },
    { id: 'short', text: 'Too short to keep.' },
    // Distinct documents (digits would not do: exact dedup maps every digit to 0).
    ...Array.from({ length: 300 }, (_, i) => ({ id: `filler-${i}`, text: `${prose.repeat(3)} Item ${i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)])} of the minutes.` })),
  ]);
  fs.appendFileSync(path.join(dir, 'a.jsonl'), '{"id": broken json\n');
  fs.writeFileSync(path.join(dir, 'pipe.yaml'), 'name: audit\nstages:\n  - kind: quality\n    rules: [gopher_quality]\n  - kind: dedup\n');
  const result = await runCli(['run', path.join(dir, 'pipe.yaml'), '-i', path.join(dir, 'a.jsonl'), '-o', out, '--compression', 'zstd', '--log-format', 'json']);
  assert.equal(result.code, 0, result.stderr);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const explain = async (id: string): Promise<Record<string, unknown>> => {
  const result = await runCli(['explain', out, id, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString()) as Record<string, unknown>;
};

test('explain: a removal names stage, rule, value and threshold', async () => {
  const e = await explain('short');
  assert.equal(e.outcome, 'removed');
  assert.equal(e.stage, 'quality');
  assert.equal(e.rule, 'too_few_words');
  assert.equal(e.value, 4);
  assert.equal(e.threshold, 50);
});

test('explain: a duplicate shows the kept document and a diff', async () => {
  const e = (await explain('copy')) as { outcome: string; stage: string; duplicateOf: { id: string; diff: { op: string }[] } };
  assert.equal(e.outcome, 'removed');
  assert.equal(e.stage, 'dedup');
  assert.equal(e.duplicateOf.id, 'first');
  assert.ok(e.duplicateOf.diff.some((s) => s.op === 'delete'));
  const text = await runCli(['explain', out, 'copy']);
  assert.match(text.stdout.toString(), /duplicate of first/);
  assert.match(text.stdout.toString(), /\x1b\[32m/, 'coloured diff');
});

test('explain: kept documents, unreadable records by file:line, unknown ids', async () => {
  assert.equal((await explain('first')).outcome, 'kept');
  assert.equal((await explain('filler-299')).outcome, 'kept');
  const error = (await explain('a.jsonl:304')) as { outcome: string; error: { code: string } };
  assert.equal(error.outcome, 'error');
  assert.equal(error.error.code, 'malformed_json');
  const missing = await runCli(['explain', out, 'no-such-id']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no document with id/);
});

test('stats: a table and the same data as JSON', async () => {
  const table = await runCli(['stats', out]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.toString(), /input 304 +kept \d+ +removed \d+ +errors 1 +\(accounted\)/);
  assert.match(table.stdout.toString(), /quality .*too_few_words 1/);
  const json = JSON.parse((await runCli(['stats', out, '--json'])).stdout.toString()) as { counts: { input: number; errors: number }; stages: { name: string }[] };
  assert.equal(json.counts.input, 304);
  assert.equal(json.counts.errors, 1);
  assert.deepEqual(json.stages.map((s) => s.name), ['quality', 'dedup']);
});

test('report rebuilds report.html', async () => {
  fs.rmSync(path.join(out, 'report.html'));
  const result = await runCli(['report', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(fs.readFileSync(path.join(out, 'report.html'), 'utf8').includes('winnow report: audit'));
  assert.equal((await runCli(['report', dir])).code, 2, 'not a run directory');
});

/**
 * Benchmark files: the --benchmark syntax, JSONL / JSON / CSV / TSV, gzip and zstd, field
 * mappings and presets, CSV quoting, bad files; and the three shared benchmarks as they are.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { compressFrame, hasNativeZstd } from '../../../src/io/compression.js';
import { type BenchmarkSource, indexBenchmarks, loadBenchmark, parseBenchmarkFlag } from '../../../src/stages/split/benchmarks.js';
import { parseCsv, parseCsvRows } from '../../../src/stages/split/csv.js';
import { tempDir } from '../../helpers/index.js';
import { gsm8kDir, haveBenchmarks, humanevalDir, mbppDir, sharedBenchmarks } from './helpers.js';

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const source = (name: string, file: string, extra: Partial<BenchmarkSource> = {}): BenchmarkSource => ({ name, path: file, format: 'auto', ...extra });

test('--benchmark NAME=PATH[:fields]: presets, explicit fields, paths with colons, errors', () => {
  assert.deepEqual(parseBenchmarkFlag('gsm8k=data/test.jsonl'), { name: 'gsm8k', path: 'data/test.jsonl', format: 'auto' });
  assert.deepEqual(parseBenchmarkFlag('mine=qa.csv.gz:question,answer'), { name: 'mine', path: 'qa.csv.gz', fields: ['question', 'answer'], format: 'auto' });
  assert.deepEqual(parseBenchmarkFlag('mbpp=x.jsonl:text'), { name: 'mbpp', path: 'x.jsonl', fields: ['text'], format: 'auto' });
  assert.deepEqual(parseBenchmarkFlag('x=/data/a:b/file.jsonl:q.text'), { name: 'x', path: '/data/a:b/file.jsonl', fields: ['q.text'], format: 'auto' });
  assert.throws(() => parseBenchmarkFlag('mine=qa.jsonl'), /not a preset .*name its text fields/);
  assert.throws(() => parseBenchmarkFlag('gsm8k'), /NAME=PATH/);
  assert.throws(() => parseBenchmarkFlag('=x.jsonl'), /NAME=PATH/);
  assert.throws(() => parseBenchmarkFlag('bad name=x.jsonl:q'), /letters, digits/);
});

test('JSONL, plain and gzipped (detected by magic bytes, not by name), with presets and field mappings', () => {
  const records = [
    { question: 'What is 2+2?', answer: 'It is 4.\n#### 4' },
    { question: 'Second?', answer: 7 },
    { other: 'no text fields here' },
  ];
  const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n\n';
  fs.writeFileSync(path.join(dir, 'g.jsonl'), text);
  fs.writeFileSync(path.join(dir, 'g.jsonl.gz'), zlib.gzipSync(text));
  fs.writeFileSync(path.join(dir, 'g-misnamed.jsonl'), zlib.gzipSync(text));
  for (const file of ['g.jsonl', 'g.jsonl.gz', 'g-misnamed.jsonl']) {
    const b = loadBenchmark(source('gsm8k', path.join(dir, file)));
    assert.equal(b.records, 3);
    assert.equal(b.without_text, 1);
    assert.deepEqual(b.items, [
      { id: '1', texts: ['What is 2+2?', 'It is 4.\n#### 4'] },
      { id: '2', texts: ['Second?', '7'] },
    ]);
  }
  const onlyAnswers = loadBenchmark(source('gsm8k', path.join(dir, 'g.jsonl'), { fields: ['answer'] }));
  assert.deepEqual(onlyAnswers.items[0].texts, ['It is 4.\n#### 4']);
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"question": "a"}\n{not json\n');
  assert.throws(() => loadBenchmark(source('gsm8k', path.join(dir, 'bad.jsonl'))), /line 2: not JSON/);
  assert.throws(() => loadBenchmark(source('mine', path.join(dir, 'g.jsonl'), { fields: ['nope'] })), /none of the 3 records has any of the fields nope/);
  assert.throws(() => loadBenchmark(source('gsm8k', path.join(dir, 'missing.jsonl'))), /cannot read/);
});

test('zstd-compressed JSONL', { skip: !hasNativeZstd() && 'zstd-napi did not build' }, () => {
  fs.writeFileSync(path.join(dir, 'h.jsonl.zst'), compressFrame('zstd', new TextEncoder().encode('{"task_id": "T/1", "prompt": "def f():", "test": ["assert f()", "assert 1"]}\n')));
  const b = loadBenchmark(source('humaneval', path.join(dir, 'h.jsonl.zst')));
  assert.deepEqual(b.items, [{ id: 'T/1', texts: ['def f():', 'assert f()\nassert 1'] }]);
});

test('JSON: an array, an object holding one array, an object of records by id, and JSON Lines named .json', () => {
  const write = (name: string, value: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, value);
    return file;
  };
  const fields = { fields: ['q', 'meta.context'] };
  const array = loadBenchmark(source('a', write('a.json', JSON.stringify([{ q: 'one', meta: { context: 'ctx' } }, { q: 'two' }])), fields));
  assert.deepEqual(array.items, [{ id: '1', texts: ['one', 'ctx'] }, { id: '2', texts: ['two'] }]);
  const wrapped = loadBenchmark(source('b', write('b.json', JSON.stringify({ version: 2, data: [{ q: 'x', id: 'x-1' }] })), { ...fields, id_field: 'id' }));
  assert.deepEqual(wrapped.items, [{ id: 'x-1', texts: ['x'] }]);
  const keyed = loadBenchmark(source('c', write('c.json', JSON.stringify({ k1: { q: 'first' }, k2: { q: 'second' } })), fields));
  assert.deepEqual(keyed.items.map((i) => i.id), ['k1', 'k2']);
  const lines = loadBenchmark(source('d', write('d.json', '{"q": "l1"}\n{"q": "l2"}\n'), fields));
  assert.equal(lines.items.length, 2);
  assert.throws(() => loadBenchmark(source('e', write('e.json', '"just a string"'), fields)), /expected an array of records/);
  assert.throws(() => loadBenchmark(source('f', write('f.json', '[1, 2]'), fields)), /record 1 is not an object/);
});

test('CSV: quoted commas, line breaks and doubled quotes, CRLF, BOM, empty fields; TSV; gzip', () => {
  const csv = '\ufeffid,question,answer\r\n1,"Hello, world","She said ""hi""\nthen left"\r\n2,plain,\r\n3,"",x\n';
  assert.deepEqual(parseCsvRows(csv), [
    ['id', 'question', 'answer'],
    ['1', 'Hello, world', 'She said "hi"\nthen left'],
    ['2', 'plain', ''],
    ['3', '', 'x'],
  ]);
  assert.deepEqual(parseCsv('a,b\n1\n'), [{ a: '1' }]);
  assert.deepEqual(parseCsvRows('a,b,\n'), [['a', 'b', '']]);
  assert.deepEqual(parseCsvRows('x'), [['x']]);
  assert.deepEqual(parseCsvRows(''), []);
  assert.throws(() => parseCsvRows('a,b\n1,"never closed\n2,3\n'), /line 2: unterminated quoted field/);
  assert.throws(() => parseCsvRows('a,b\n"x"y,2\n'), /line 2: text after a closing quote/);
  assert.throws(() => parseCsv('a,b\n1,2,3\n'), /record 2: 3 fields but the header has 2/);
  assert.throws(() => parseCsv('a,a\n1,2\n'), /duplicate column/);
  fs.writeFileSync(path.join(dir, 'q.csv.gz'), zlib.gzipSync(csv));
  const b = loadBenchmark(source('qa', path.join(dir, 'q.csv.gz'), { fields: ['question', 'answer'], id_field: 'id' }));
  assert.deepEqual(b.items, [
    { id: '1', texts: ['Hello, world', 'She said "hi"\nthen left'] },
    { id: '2', texts: ['plain'] },
    { id: '3', texts: ['x'] },
  ]);
  fs.writeFileSync(path.join(dir, 'q.tsv'), 'q\tnote\n"tab\tinside"\tn\n');
  assert.deepEqual(loadBenchmark(source('t', path.join(dir, 'q.tsv'), { fields: ['q'] })).items, [{ id: '1', texts: ['tab\tinside'] }]);
  fs.writeFileSync(path.join(dir, 'broken.csv'), 'q\n"open\n');
  assert.throws(() => loadBenchmark(source('t', path.join(dir, 'broken.csv'), { fields: ['q'] })), /broken\.csv.*unterminated/);
});

test('CSV parsing is linear: 200,000 quoted fields with doubled quotes and a 2 MB field', () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => `${i},"a ""quoted"" value, with comma"`).join('\n');
  assert.equal(parseCsvRows('id,v\n' + rows).length, 200_001);
  const huge = '"' + 'x'.repeat(2_000_000) + '"';
  assert.equal(parseCsvRows(huge)[0][0].length, 2_000_000);
});

test('the shared benchmarks load with their presets', { skip: !haveBenchmarks && 'needs ../shared/corpora' }, () => {
  const [gsm8k, humaneval, mbpp] = sharedBenchmarks();
  assert.equal(gsm8k.items.length, 1319);
  assert.equal(gsm8k.items[0].id, '1');
  assert.match(gsm8k.items[0].texts[0], /^Janet’s ducks lay 16 eggs/);
  assert.match(gsm8k.items[0].texts[1], /#### 18$/);
  assert.equal(humaneval.items.length, 164);
  assert.equal(humaneval.items[0].id, 'HumanEval/0');
  assert.equal(humaneval.items[0].texts.length, 3);
  assert.match(humaneval.items[0].texts[1], /for idx, elem in enumerate\(numbers\)/);
  assert.equal(mbpp.items.length, 974);
  assert.equal(mbpp.items[0].id, '1');
  // test_list is an array: joined with line breaks.
  assert.equal(mbpp.items[0].texts[2].split('\n').length, 3);
  assert.match(mbpp.items[0].texts[2], /^assert min_cost/);
  const index = indexBenchmarks([gsm8k, humaneval, mbpp], 13);
  const summary = index.describe();
  assert.deepEqual(summary.map((s) => [s.name, s.items]), [['gsm8k', 1319], ['humaneval', 164], ['mbpp', 974]]);
  assert.equal(summary[0].items_indexed, 1319, 'every GSM8K item has 13 words or more');
  assert.ok(index.size > 100_000 && index.tableBytes < 4 * 1024 * 1024, `${index.size} n-grams in ${index.tableBytes} bytes`);
  assert.ok(gsm8kDir && humanevalDir && mbppDir);
});

/**
 * Nothing is lost: every unreadable record ends in errors/ with its file, line and reason, the rest
 * of the input is kept, and the manifest's counts add up. `--strict` stops with exit code 2 instead.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { readManifest, readRecords, runCli, tempDir, writeJsonl } from '../helpers/index.js';

let dir: string;
let input: string;

before(async () => {
  dir = await tempDir();
  input = path.join(dir, 'in');
  fs.mkdirSync(path.join(input, 'nested'), { recursive: true });
  writeJsonl(path.join(input, 'good.jsonl'), [1, 2, 3].map((i) => ({ id: `g${i}`, text: `good ${i}` })));
  fs.writeFileSync(
    path.join(input, 'mixed.jsonl'),
    Buffer.concat([
      Buffer.from('{"id":"m1","text":"first"}\n'),
      Buffer.from('{"id":"m2","text": oops}\n'),
      Buffer.from('{"id":"m3","text":"caf'),
      Buffer.from([0xe9, 0x22, 0x7d, 0x0a]), // latin-1 é: not UTF-8
      Buffer.from('{"id":"m4","body":"no text field"}\n'),
      Buffer.from('[1,2,3]\n'),
      Buffer.from('   \n'),
      Buffer.from('{"id":"m7","text":42}\n'),
      Buffer.from('{"id":"m8","text":"last, no newline"}'),
    ]),
  );
  // 200 records gzipped, then cut in half: the first records survive, the rest is one error.
  const gz = zlib.gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `t${i}`, text: `record ${i} `.repeat(20) }) + '\n').join('')));
  fs.writeFileSync(path.join(input, 'nested', 'truncated.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  fs.writeFileSync(path.join(input, 'nested', 'garbage.jsonl.gz'), Buffer.from('this is not gzip at all\n'));
  fs.writeFileSync(path.join(input, 'empty.jsonl'), '');
  fs.writeFileSync(path.join(input, 'big.jsonl'), JSON.stringify({ id: 'big', text: 'x'.repeat(5000) }) + '\n' + JSON.stringify({ id: 'after-big', text: 'small' }) + '\n');
  fs.writeFileSync(path.join(input, 'array.json'), JSON.stringify([{ id: 'a1', text: 'one' }, { id: 'a2', text: 'two' }, 'not a record']));
  fs.writeFileSync(path.join(input, 'broken.json'), '[{"id":"b1","text":"ok"}, {"id":"b2","text":');
  fs.writeFileSync(path.join(input, 'bad.txt'), Buffer.from([0x68, 0x69, 0xff, 0xfe]));
  fs.writeFileSync(path.join(input, 'note.txt'), 'a plain text file\nwith two lines\n');
  fs.writeFileSync(path.join(input, 'ignored.bin'), 'no reader for this');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bad input', () => {
  test('every record is kept or in errors/, with file, line and reason', async () => {
    const out = path.join(dir, 'out');
    const result = await runCli(['run', 'pipelines/passthrough.yaml', '-i', input, '-o', out, '--max-doc-bytes', '1k', '--log-format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const manifest = readManifest(out);
    assert.ok(manifest.check.ok);
    const errors = readRecords(path.join(out, 'errors')) as { source: string; line: number; code: string; reason: string; raw?: string; raw_base64?: string }[];
    const byKey = new Map(errors.map((e) => [`${e.source}:${e.line}`, e]));
    assert.equal(byKey.get('mixed.jsonl:2')?.code, 'malformed_json');
    assert.equal(byKey.get('mixed.jsonl:2')?.raw, '{"id":"m2","text": oops}');
    assert.equal(byKey.get('mixed.jsonl:3')?.code, 'invalid_utf8');
    assert.ok(byKey.get('mixed.jsonl:3')?.raw_base64, 'the bad bytes are kept');
    assert.equal(byKey.get('mixed.jsonl:4')?.code, 'missing_text');
    assert.equal(byKey.get('mixed.jsonl:5')?.code, 'not_an_object');
    assert.equal(byKey.get('mixed.jsonl:7')?.code, 'bad_field_type');
    assert.equal(byKey.get('big.jsonl:1')?.code, 'too_large');
    assert.equal(byKey.get('array.json:3')?.code, 'not_an_object');
    assert.equal(byKey.get('bad.txt:1')?.code, 'invalid_utf8');
    const truncated = errors.find((e) => e.source === 'nested/truncated.jsonl.gz');
    assert.equal(truncated?.code, 'truncated_input');
    assert.match(truncated!.reason, /unexpected end of file/i);
    assert.equal(errors.find((e) => e.source === 'nested/garbage.jsonl.gz')?.code, 'truncated_input');
    assert.equal(errors.find((e) => e.source === 'broken.json')?.code, 'malformed_json');

    const kept = readRecords(path.join(out, 'kept')) as { id: string }[];
    const ids = new Set(kept.map((d) => d.id));
    for (const id of ['g1', 'g2', 'g3', 'm1', 'm8', 'after-big', 'a1', 'a2', 'b1', 'note.txt', 't0']) assert.ok(ids.has(id), `${id} kept`);
    const truncatedKept = kept.filter((d) => d.id.startsWith('t')).length;
    assert.ok(truncatedKept > 0 && truncatedKept < 200, `some records before the cut survive (${truncatedKept})`);
    assert.equal(manifest.counts.errors, errors.length);
    assert.equal(manifest.counts.kept, kept.length);
    assert.equal(manifest.counts.input, kept.length + errors.length);
    assert.equal(manifest.read.blank_lines, 1);
    assert.deepEqual((manifest.read as unknown as { skipped_files: Record<string, number> }).skipped_files, { '.bin': 1 });
  });

  test('--strict stops at the first bad record with exit code 2 naming file and line', async () => {
    const out = path.join(dir, 'strict');
    const result = await runCli(['run', 'pipelines/passthrough.yaml', '-i', path.join(input, 'mixed.jsonl'), '-o', out, '--strict', '--log-format', 'json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /mixed\.jsonl:2.*malformed_json/);
  });

  test('an empty input and a huge document are fine', async () => {
    const out = path.join(dir, 'huge');
    const huge = path.join(dir, 'huge.jsonl');
    fs.writeFileSync(huge, JSON.stringify({ id: 'h', text: 'word '.repeat(4_000_000) }) + '\n');
    const result = await runCli(['run', 'pipelines/passthrough.yaml', '-i', huge, path.join(input, 'empty.jsonl'), '-o', out, '--log-format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const kept = readRecords(path.join(out, 'kept')) as { text: string }[];
    assert.equal(kept.length, 1);
    assert.equal(kept[0].text.length, 20_000_000);
  });
});

/** Pipeline files: validation errors name the path and the allowed keys or values; flags override. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { runCli, tempDir } from '../helpers/index.js';

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

test('config print fills in every default', async () => {
  const result = await runCli(['config', 'print', 'passthrough']);
  assert.equal(result.code, 0, result.stderr);
  const config = YAML.parse(result.stdout.toString());
  assert.equal(config.output.compression, 'zstd');
  assert.equal(config.run.batch_size, 256);
  assert.equal(config.input.text_field, 'text');
  assert.deepEqual(config.stages, []);
});

test('--set overrides any value, including inside a stage by name', async () => {
  const result = await runCli(['config', 'print', 'default', '--set', 'run.batch_size=64', '--set', 'stages.dedup.normalize.lowercase=false', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const config = JSON.parse(result.stdout.toString());
  assert.equal(config.run.batch_size, 64);
  assert.equal(config.stages.find((s: { kind: string }) => s.kind === 'dedup').normalize.lowercase, false);
});

test('an unknown key is reported with its path and the allowed keys', async () => {
  const file = write('typo.yaml', 'name: t\noutput:\n  compresion: gzip\n');
  const result = await runCli(['config', 'print', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /output: unknown key "compresion"; allowed: compression, level, shard_max_bytes, shard_max_docs/);
});

test('a bad value is reported with its path and the allowed values', async () => {
  const file = write('bad-value.yaml', 'name: t\noutput:\n  compression: brotli\nrun:\n  workers: 0\n');
  const result = await runCli(['config', 'print', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /output\.compression: .*"none"\|"gzip"\|"zstd"/);
  assert.match(result.stderr, /run\.workers: .*>=1/);
});

test('an unknown stage kind lists the known kinds; a bad stage key lists that stage\'s keys', async () => {
  const file = write('bad-stage.yaml', 'name: t\nstages:\n  - kind: dedupe\n  - kind: dedup\n    method: exact\n    normalise: {}\n');
  const result = await runCli(['config', 'print', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /stages\[0\]\.kind: unknown stage kind "dedupe"; known: .*dedup/);
  assert.match(result.stderr, /stages\[1\]: unknown key "normalise"; allowed: kind, name, method, normalize/);
});

test('invalid YAML is reported with its position', async () => {
  const file = write('broken.yaml', 'name: t\nstages: [\n');
  const result = await runCli(['config', 'print', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /invalid YAML/);
});

/** The command line: help with examples everywhere, documented exit codes, safe defaults. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { readManifest, runCli, tempDir } from '../helpers/index.js';

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every command has --help with examples', async () => {
  const names: string[][] = [];
  const walk = (cmd: ReturnType<typeof buildProgram>, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      names.push([...prefix, sub.name()]);
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(buildProgram(), []);
  assert.ok(names.length >= 4);
  for (const name of names) {
    const result = await runCli([...name, '--help']);
    assert.equal(result.code, 0, `${name.join(' ')} --help`);
    // Group commands (like `config`) list their sub-commands; the others show examples.
    const text = result.stdout.toString();
    assert.ok(/Examples:/.test(text) || /Commands:/.test(text), `${name.join(' ')} --help shows examples`);
  }
  const top = await runCli(['--help']);
  assert.match(top.stdout.toString(), /Exit codes:/);
});

test('usage errors exit 2 with a clear message', async () => {
  const missingOutput = await runCli(['run', 'passthrough', '-i', 'fixtures/sample']);
  assert.equal(missingOutput.code, 2);
  assert.match(missingOutput.stderr, /missing --output/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  const noInput = await runCli(['run', 'passthrough', '-i', path.join(dir, 'nope'), '-o', path.join(dir, 'o')]);
  assert.equal(noInput.code, 2);
  assert.match(noInput.stderr, /input not found/);
  const noPipeline = await runCli(['run', 'no-such-pipeline', '-o', path.join(dir, 'o')]);
  assert.equal(noPipeline.code, 2);
  assert.match(noPipeline.stderr, /pipeline not found.*bundled: .*default/);
});

test('an existing output directory is never overwritten by accident', async () => {
  const out = path.join(dir, 'existing');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'precious.txt'), 'keep me');
  const refused = await runCli(['run', 'passthrough', '-i', 'fixtures/sample', '-o', out]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /not empty/);
  assert.ok(fs.existsSync(path.join(out, 'precious.txt')));
  const replaced = await runCli(['run', 'passthrough', '-i', 'fixtures/sample', '-o', out, '--overwrite']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.ok(!fs.existsSync(path.join(out, 'precious.txt')));
});

test('logs are JSON lines when stderr is not a terminal, and the manifest records the command', async () => {
  const out = path.join(dir, 'logs');
  const result = await runCli(['run', 'passthrough', '-i', 'fixtures/sample', '-o', out]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
  assert.ok(lines.some((l) => /^input \d+ = kept/.test(l.msg)));
  const manifest = readManifest(out) as unknown as { command: string; config_hash: string; winnow_version: string; stages: unknown[] };
  assert.match(manifest.command, /run passthrough/);
  assert.match(manifest.config_hash, /^[0-9a-f]{64}$/);
  assert.equal(manifest.winnow_version, JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
});

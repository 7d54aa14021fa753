/**
 * A run killed with SIGKILL at any moment and resumed with --resume writes exactly the same files
 * as an uninterrupted run: units are redone from scratch unless their completion marker exists.
 * The pipeline has a global stage (exact dedup), so both passes and the spool replay are exercised.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cliPath, readManifest, root, runCli, tempDir, treeDigest } from '../helpers/index.js';

let dir: string;
let input: string;
let reference: Map<string, string>;
const args = (out: string): string[] => ['run', path.join(dir, 'pipe.yaml'), '-i', input, '-o', out, '--unit-bytes', '256k', '--shard-max-docs', '700', '--log-format', 'json'];

before(async () => {
  dir = await tempDir();
  input = path.join(dir, 'in');
  fs.mkdirSync(input);
  fs.writeFileSync(path.join(dir, 'pipe.yaml'), 'name: resume-test\nstages:\n  - kind: dedup\n');
  // ~6 MB over 3 files: one large JSONL (split into byte-range units), one gzipped, small ones.
  const line = (i: number): string => JSON.stringify({ id: `d${i}`, text: `document ${i % 4000} ` + 'lorem ipsum dolor sit amet '.repeat(1 + (i % 17)) }) + '\n';
  fs.writeFileSync(path.join(input, 'a-large.jsonl'), Array.from({ length: 16000 }, (_, i) => line(i)).join('') + '{broken\n');
  fs.writeFileSync(path.join(input, 'b-small.jsonl'), Array.from({ length: 300 }, (_, i) => line(i + 100000)).join(''));
  const { gzipSync } = await import('node:zlib');
  fs.writeFileSync(path.join(input, 'c-packed.jsonl.gz'), gzipSync(Array.from({ length: 3000 }, (_, i) => line(i + 200000)).join('')));
  const out = path.join(dir, 'reference');
  const result = await runCli(args(out));
  assert.equal(result.code, 0, result.stderr);
  reference = treeDigest(out);
  assert.ok([...reference.keys()].some((f) => f.startsWith('removed/dedup/')));
  assert.ok(readManifest(out).check.ok);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts a run and SIGKILLs it once `ready` says so (checked every few ms), or when it exits. */
function killWhen(out: string, ready: () => boolean): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args(out)], { cwd: root, stdio: 'ignore' });
    let killed = false;
    const timer = setInterval(() => {
      if (!killed && ready()) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 2);
    child.on('exit', () => {
      clearInterval(timer);
      resolve({ killed });
    });
  });
}

const markers = (out: string, prefix: string): number => {
  try {
    return fs.readdirSync(path.join(out, '_state', 'done')).filter((n) => n.startsWith(prefix)).length;
  } catch {
    return 0;
  }
};

const cases: [string, (out: string) => () => boolean][] = [
  ['before anything is written', () => () => true],
  ['mid pass 1, after two units', (out) => () => markers(out, 'p0-') >= 2],
  ['at the first pass-2 unit', (out) => () => markers(out, 'p1-') >= 1],
  ['while shards are being written', (out) => () => fs.existsSync(path.join(out, 'kept'))],
];

for (const [name, when] of cases) {
  test(`SIGKILL ${name}, then --resume: identical output`, async () => {
    const out = path.join(dir, `killed-${name.replace(/\W+/g, '-')}`);
    const { killed } = await killWhen(out, when(out));
    assert.ok(killed, 'the run was killed before it finished');
    assert.ok(!fs.existsSync(path.join(out, 'manifest.json')), 'the killed run left no manifest');
    const resumed = await runCli([...args(out), '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(treeDigest(out), reference);
    const manifest = readManifest(out);
    assert.ok(manifest.check.ok);
    assert.deepEqual(manifest.counts, readManifest(path.join(dir, 'reference')).counts);
  });
}

test('--resume of a finished run does nothing and keeps the output', async () => {
  const out = path.join(dir, 'reference');
  const again = await runCli([...args(out), '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(treeDigest(out), reference);
});

test('--resume refuses a changed configuration', async () => {
  const out = path.join(dir, 'changed');
  await killWhen(out, () => markers(out, 'p0-') >= 1);
  // Finished or not, a resume with another configuration is refused.
  const changed = await runCli([...args(out), '--resume', '--shard-max-docs', '50']);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /configuration changed/);
});

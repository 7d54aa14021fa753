/**
 * The safety commands that are not one-stage runs: `winnow serve-classifier` (a real process on a
 * free port) and `winnow safety train` (reproducible: retraining gives the committed models, byte
 * for byte; needs ../shared/corpora and Debian's fasttext tool, else skipped).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cliPath, root, runCli, sharedCorpus, tempDir } from '../../helpers/index.js';

test('serve-classifier serves the embedded model in the generic protocol and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [cliPath, 'serve-classifier', '--port', '0', '--json', '--threads', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (!out.includes('\n')) return;
        const line = JSON.parse(out.split('\n')[0]) as { url: string; threads: number };
        assert.equal(line.threads, 2);
        resolve(line.url);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const post = async (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await post(JSON.stringify({ inputs: ['you stupid bitch', 'The weather is lovely today.'] }));
    assert.equal(res.status, 200);
    const reply = (await res.json()) as { label: string; score: number }[][];
    assert.equal(reply.length, 2);
    assert.deepEqual(reply[0].map((x) => x.label).sort(), ['hate', 'offensive', 'safe']);
    assert.ok(Math.abs(reply[0].reduce((a, x) => a + x.score, 0) - 1) < 1e-6);
    assert.equal(reply[1][0].label, 'safe');
    const single = (await (await post('{"inputs": "hello"}')).json()) as { label: string }[];
    assert.equal(single.length, 3);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('{"inputs": [1, 2]}')).status, 400);
    assert.equal((await fetch(url.replace('/predict', '/health'))).status, 200);
    assert.equal((await fetch(url.replace('/predict', '/nope'))).status, 404);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
});

test('serve-classifier: bad --threads and --port are usage errors (exit 2)', async () => {
  for (const args of [['--threads', '0'], ['--threads', 'many'], ['--port', '70000']]) {
    const r = await runCli(['serve-classifier', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

const corpora = sharedCorpus('harmful-davidson-hate-offensive');
const hasFastText = spawnSync('fasttext', [], { stdio: 'ignore' }).error === undefined;

test('safety train reproduces the committed models byte for byte', { skip: (!corpora && 'needs ../shared/corpora') || (!hasFastText && 'needs the fasttext tool (apt-get install fasttext)') }, async () => {
  const dir = await tempDir();
  const r = await runCli(['safety', 'train', '--output', dir, '--json'], { timeoutMs: 110_000 });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.toString()) as { text: { test: { binary: { macro_f1: number; roc_auc: number } } } };
  assert.ok(report.text.test.binary.macro_f1 >= 0.85);
  assert.ok(report.text.test.binary.roc_auc >= 0.95);
  const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  for (const file of ['text.ftz', 'url.bin', 'training.json']) {
    assert.equal(sha(path.join(dir, file)), sha(path.join(root, 'models', 'safety', file)), file);
  }
});

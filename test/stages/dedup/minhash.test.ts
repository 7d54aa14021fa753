/**
 * MinHash: determinism across threads and processes, the estimator against exact Jaccard, a
 * differential check against the `minhash` npm package (an independent implementation), and
 * the LSH detection curve.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { root } from '../../helpers/index.js';
import { candidateProbability, lshThreshold } from '../../../src/stages/dedup/config.js';
import { MinHasher, agreement, bandKeys, defaultKernel, exactJaccard } from '../../../src/stages/dedup/minhash.js';
import { Normalization, normalizeText } from '../../../src/stages/dedup/normalize.js';
import { splitMix32 } from '../../../src/stages/dedup/prng.js';

const normalize = Normalization.parse({});
const options = { seed: 1, bands: 14, rows: 8, shingle: { type: 'words' as const, size: 5 }, normalize };

/** Real text: the Common Crawl documents of the fixtures. */
function texts(): string[] {
  const file = path.join(root, 'fixtures', 'sample', 'common-crawl.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .filter((t) => t.split(/\s+/).length > 120);
}

/** A copy with a fraction of its words replaced, deterministically. */
function edit(text: string, rate: number, seed: number): string {
  const next = splitMix32(seed);
  return text
    .split(/\s+/)
    .map((w) => (next() % 10000 < rate * 10000 ? `zq${next() % 100000}` : w))
    .join(' ');
}

function digest(allTexts: string[]): string {
  const hasher = new MinHasher(options);
  const sig = new Uint32Array(112);
  const h = crypto.createHash('sha256');
  for (const t of allTexts) {
    hasher.sign(t, sig);
    h.update(new Uint8Array(sig.buffer));
  }
  return h.digest('hex');
}

test('signatures are bit-identical in the main thread, a worker thread and a child process', async () => {
  const all = texts();
  const here = digest(all);
  const moduleUrl = new URL('../../../src/stages/dedup/minhash.js', import.meta.url).href;
  const normUrl = new URL('../../../src/stages/dedup/normalize.js', import.meta.url).href;
  const code = `
    const { MinHasher } = await import(${JSON.stringify(moduleUrl)});
    const { Normalization } = await import(${JSON.stringify(normUrl)});
    const crypto = await import('node:crypto');
    const wt0 = await import('node:worker_threads');
    let texts = wt0.workerData;
    if (!texts) { let input = ''; for await (const chunk of process.stdin) input += chunk; texts = JSON.parse(input); }
    const hasher = new MinHasher({ seed: 1, bands: 14, rows: 8, shingle: { type: 'words', size: 5 }, normalize: Normalization.parse({}) });
    const sig = new Uint32Array(112);
    const h = crypto.createHash('sha256');
    for (const t of texts) { hasher.sign(t, sig); h.update(new Uint8Array(sig.buffer)); }
    const out = h.digest('hex');
    const wt = await import('node:worker_threads');
    if (wt.parentPort) wt.parentPort.postMessage(out); else process.stdout.write(out);
  `;
  const inWorker = await new Promise<string>((resolve, reject) => {
    const worker = new Worker(`import(${JSON.stringify('data:text/javascript,' + encodeURIComponent(code))})`, { eval: true, workerData: all });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const inChild = execFileSync(process.execPath, ['--input-type=module', '-e', code], { input: JSON.stringify(all), encoding: 'utf8' });
  assert.equal(inWorker, here);
  assert.equal(inChild, here);
});

test('the WebAssembly SIMD kernel and the JavaScript kernel give identical signatures', () => {
  assert.equal(defaultKernel(), 'wasm', 'Node 20 validates WebAssembly SIMD');
  const corpus = texts();
  // Huge documents grow the wasm memory between calls; empty and one-word texts have 0 or 1 shingle.
  const huge = corpus.join(' ').repeat(8);
  const inputs = ['', 'one', ...corpus, huge, ...corpus.slice(0, 3)];
  // Permutation counts with and without a remainder of 16 and of 4; character shingles too.
  const shapes = [
    { bands: 14, rows: 8, shingle: { type: 'words' as const, size: 5 } },
    { bands: 9, rows: 3, shingle: { type: 'words' as const, size: 5 } },
    { bands: 1, rows: 2, shingle: { type: 'words' as const, size: 3 } },
    { bands: 20, rows: 5, shingle: { type: 'chars' as const, size: 5 } },
  ];
  for (const shape of shapes) {
    const o = { ...options, ...shape, seed: 7 };
    const wasm = new MinHasher(o, 'wasm');
    const js = new MinHasher(o, 'js');
    const k = shape.bands * shape.rows;
    const a = new Uint32Array(k);
    const b = new Uint32Array(k);
    for (const t of inputs) {
      const sa = wasm.sign(t, a);
      const sb = js.sign(t, b);
      assert.deepEqual(sa, sb);
      assert.deepEqual(a, b, `${k} permutations, ${t.length} chars`);
      assert.deepEqual(wasm.shingleSet(), js.shingleSet());
    }
  }
});

test('the same seed gives the same signature; another seed another one', () => {
  const [t] = texts();
  const a = new Uint32Array(112);
  const b = new Uint32Array(112);
  new MinHasher(options).sign(t, a);
  new MinHasher(options).sign(t, b);
  assert.deepEqual(a, b);
  new MinHasher({ ...options, seed: 2 }).sign(t, b);
  assert.ok(agreement(a, b) < 10);
});

interface PackageMinhash {
  update(s: string): void;
  jaccard(other: PackageMinhash): number;
}
const require = createRequire(import.meta.url);
const { Minhash } = require('minhash') as { Minhash: new (config?: { numPerm?: number; seed?: number }) => PackageMinhash };

function wordShingles(text: string): string[] {
  const words = normalizeText(text, normalize).split(' ').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + 5 <= words.length; i++) out.push(words.slice(i, i + 5).join(' '));
  return out;
}

test('Jaccard estimates agree with exact Jaccard and with the minhash package within sampling error', () => {
  const hasher = new MinHasher(options);
  const x = new Uint32Array(112);
  const y = new Uint32Array(112);
  const rows: { exact: number; ours: number; theirs: number }[] = [];
  let seed = 1;
  for (const text of texts()) {
    for (const rate of [0.01, 0.03, 0.05, 0.08, 0.12]) {
      const copy = edit(text, rate, seed++);
      hasher.sign(text, x);
      const setX = hasher.shingleSet();
      hasher.sign(copy, y);
      const setY = hasher.shingleSet();
      const exact = exactJaccard(setX, setY);
      const a = new Minhash({ numPerm: 128, seed: 7 });
      const b = new Minhash({ numPerm: 128, seed: 7 });
      for (const s of wordShingles(text)) a.update(s);
      for (const s of wordShingles(copy)) b.update(s);
      rows.push({ exact, ours: agreement(x, y) / 112, theirs: a.jaccard(b) });
    }
  }
  assert.ok(rows.length >= 40, `pairs: ${rows.length}`);
  let outsideOurs = 0;
  let outsidePair = 0;
  let diffSum = 0;
  for (const { exact, ours, theirs } of rows) {
    const sdOurs = Math.sqrt((exact * (1 - exact)) / 112);
    const sdPair = Math.sqrt(exact * (1 - exact) * (1 / 112 + 1 / 128));
    if (Math.abs(ours - exact) > 3 * sdOurs + 1e-9) outsideOurs++;
    if (Math.abs(ours - theirs) > 3 * sdPair + 1e-9) outsidePair++;
    diffSum += ours - theirs;
  }
  // 3 sigma: about 0.3% of pairs by chance; allow a few.
  assert.ok(outsideOurs <= Math.ceil(rows.length * 0.03), `estimates off exact Jaccard: ${outsideOurs}/${rows.length}`);
  assert.ok(outsidePair <= Math.ceil(rows.length * 0.03), `estimates off the package's: ${outsidePair}/${rows.length}`);
  assert.ok(Math.abs(diffSum / rows.length) < 0.02, `mean difference ${diffSum / rows.length}`);
});

test('the estimator is unbiased with binomial spread on sets of known Jaccard', () => {
  // Many seeds, one pair of shingle sets with J = 0.7 exactly (built from distinct words).
  // Letters only: normalisation maps digits to 0.
  const words = Array.from({ length: 304 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
  const a = words.slice(0, 254).join(' ');
  const b = words.slice(25, 279).join(' ');
  // |A| = |B| = 250 shingles, |A & B| = 225, J = 225 / 275.
  const j = 225 / 275;
  let sum = 0;
  let sq = 0;
  const runs = 300;
  const x = new Uint32Array(112);
  const y = new Uint32Array(112);
  for (let s = 0; s < runs; s++) {
    const hasher = new MinHasher({ ...options, seed: s + 100 });
    hasher.sign(a, x);
    hasher.sign(b, y);
    const e = agreement(x, y) / 112;
    sum += e;
    sq += (e - j) ** 2;
  }
  const sd = Math.sqrt(sq / runs);
  assert.ok(Math.abs(sum / runs - j) < 0.01, `mean ${sum / runs} vs ${j}`);
  assert.ok(sd < 1.25 * Math.sqrt((j * (1 - j)) / 112), `sd ${sd}`);
});

test('band keys: equal signatures share every band, one changed row changes one band', () => {
  const sig = new Uint32Array(112).map((_, i) => i * 2654435761);
  const k1 = new Uint32Array(28);
  const k2 = new Uint32Array(28);
  bandKeys(sig, 14, 8, k1);
  const other = sig.slice();
  other[8 * 3 + 5] ^= 1;
  bandKeys(other, 14, 8, k2);
  let differ = 0;
  for (let b = 0; b < 14; b++) if (k1[2 * b] !== k2[2 * b] || k1[2 * b + 1] !== k2[2 * b + 1]) differ++;
  assert.equal(differ, 1);
});

test('detection curve: 14 x 8 has its threshold near 0.72', () => {
  assert.ok(Math.abs(lshThreshold(14, 8) - 0.719) < 0.001);
  assert.ok(candidateProbability(0.5, 14, 8) < 0.06);
  assert.ok(candidateProbability(0.9, 14, 8) > 0.999);
});

test('texts without words have no shingles; short texts one shingle', () => {
  const hasher = new MinHasher(options);
  const sig = new Uint32Array(112);
  assert.equal(hasher.sign('', sig).empty, true);
  assert.equal(hasher.sign('!!! ... ---', sig).empty, true);
  assert.equal(hasher.sign('two words', sig).shingles, 1);
  const chars = new MinHasher({ ...options, shingle: { type: 'chars', size: 3 } });
  assert.equal(chars.sign('日本語のテキスト', sig).shingles, 6);
  assert.equal(chars.sign('𝒳𝒴', sig).shingles, 1);
  assert.equal(chars.sign('😀😀', sig).empty, true);
});

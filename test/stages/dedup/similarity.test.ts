/**
 * The similarity test a candidate pair must pass (config.ts similarityRule): exact Jaccard for two
 * short documents, else the MinHash estimate with a margin derived from its sampling error; and
 * the detection curve it implies, checked against a simulation of the MinHash model.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DedupConfig, estimateDetection, estimateMinAgreement, plainMinAgreement, similarityRule } from '../../../src/stages/dedup/config.js';
import { MinHasher, exactJaccard } from '../../../src/stages/dedup/minhash.js';
import { Normalization } from '../../../src/stages/dedup/normalize.js';
import { splitMix32 } from '../../../src/stages/dedup/prng.js';
import { readRecords, runInProcess, tempDir } from '../../helpers/index.js';
import { edit, passages, writeCorpus } from './corpus.js';

type Rec = { id: string; removal: { rule: string; value: number; threshold: number; details: { matched_id: string; matched_jaccard_estimate: number } } };

const hasher = new MinHasher({ seed: 1, bands: 14, rows: 8, shingle: { type: 'words', size: 5 }, normalize: Normalization.parse({}) });
const scratch = new Uint32Array(112);
const shingles = (text: string): { set: Uint32Array; count: number } => {
  const count = hasher.sign(text, scratch).shingles;
  return { set: hasher.shingleSet(), count };
};

test('the estimate margin: the fewest agreeing positions that keep pairs under min_jaccard at <= max_false_accept', () => {
  const m = estimateMinAgreement(0.7, 14, 8, 0.01);
  assert.equal(m, 90);
  assert.ok(estimateDetection(0.7, 14, 8, m) <= 0.01);
  assert.ok(estimateDetection(0.7, 14, 8, m - 1) > 0.01, 'not the fewest');
  // Detection grows with J, so every J under 0.7 is bounded too.
  for (const j of [0.5, 0.6, 0.65, 0.69]) assert.ok(estimateDetection(j, 14, 8, m) <= estimateDetection(0.7, 14, 8, m));
  // max_false_accept 1 is the plain estimate test; the margin never goes under min_jaccard.
  const defaults = DedupConfig.parse({ kind: 'dedup' });
  assert.equal(similarityRule({ ...defaults, max_false_accept: 1 }).minAgree, plainMinAgreement(0.7, 112));
  assert.equal(similarityRule(defaults).minAgree, 85);
  assert.equal(estimateMinAgreement(0.2, 14, 8, 0.5), plainMinAgreement(0.2, 112));
  // A bound no threshold can meet: the estimate test accepts nothing.
  assert.equal(estimateMinAgreement(0.7, 1, 1, 0.01), 2);
});

test('the detection probability matches a simulation of the MinHash model', () => {
  // Each position agrees with probability J independently; detected = some band agrees in all
  // rows and at least m positions agree.
  const next = splitMix32(99);
  const trials = 20_000;
  for (const [j, m] of [[0.7, 90], [0.8, 90], [0.85, 90], [0.75, 79]] as const) {
    let hits = 0;
    for (let t = 0; t < trials; t++) {
      let agree = 0;
      let band = false;
      for (let b = 0; b < 14; b++) {
        let full = true;
        for (let r = 0; r < 8; r++) {
          if (next() / 4294967296 < j) agree++;
          else full = false;
        }
        band ||= full;
      }
      if (band && agree >= m) hits++;
    }
    const p = estimateDetection(j, 14, 8, m);
    const sd = Math.sqrt((p * (1 - p)) / trials);
    assert.ok(Math.abs(hits / trials - p) < 4 * sd + 1e-3, `J ${j}, m ${m}: simulated ${hits / trials}, computed ${p}`);
  }
});

test('short documents are tested on exact Jaccard; long ones need the margin; verify takes every pair exactly', async () => {
  const dir = await tempDir();
  const base = passages(80);
  // Short pairs: 80-word passages (76 shingles <= 128) with 4-8 % of words edited: J about
  // 0.6-0.8, right around min_jaccard. Long pairs: four passages joined (316 shingles).
  const records: { id: string; text: string }[] = [];
  const pairs: [string, string][] = [];
  base.slice(0, 60).forEach((text, i) => {
    records.push({ id: `s${i}`, text }, { id: `s${i}-copy`, text: edit(text, 0.04 + (i % 5) * 0.01, 500 + i) });
    pairs.push([`s${i}`, `s${i}-copy`]);
  });
  for (let i = 0; i + 4 <= base.length - 60 && i < 160; i += 4) {
    const text = base.slice(60 + i, 64 + i).join(' ');
    records.push({ id: `l${i}`, text }, { id: `l${i}-copy`, text: edit(text, 0.02 + (i % 3) * 0.01, 900 + i) });
    pairs.push([`l${i}`, `l${i}-copy`]);
  }
  const textOf = new Map(records.map((r) => [r.id, r.text]));
  const input = writeCorpus(dir, 'in.jsonl', records);
  const run = async (name: string, stage: Record<string, unknown>) => {
    const out = path.join(dir, name);
    await runInProcess({ stages: [{ kind: 'dedup', check_one_in: 1, ...stage }] }, [input], out);
    const removed = readRecords(path.join(out, 'removed', 'dedup')) as Rec[];
    const summary = stage.online ? null : JSON.parse(fs.readFileSync(path.join(out, 'dedup', 'summary.json'), 'utf8'));
    return { removed: new Map(removed.map((r) => [r.id, r])), summary };
  };
  const plain = await run('plain', {});
  const verified = await run('verify', { verify: true });
  const online = await run('online', { online: true });
  const jaccardOf = (a: string, b: string): number => exactJaccard(shingles(textOf.get(a)!).set, shingles(textOf.get(b)!).set);
  let shortNearThreshold = 0;
  let longMissed = 0;
  for (const [a, b] of pairs) {
    const short = a.startsWith('s');
    assert.equal(shingles(textOf.get(a)!).count <= 128, short);
    const j = jaccardOf(a, b);
    const p = plain.removed.get(b);
    const v = verified.removed.get(b);
    if (short) {
      // Both runs test this pair exactly: the same decision, and the value is the exact Jaccard.
      if (j >= 0.65 && j < 0.75) shortNearThreshold++;
      assert.equal(Boolean(p), Boolean(v), `${b}: J ${j}`);
      if (p) {
        assert.equal(p.removal.rule, 'near_duplicate');
        assert.ok(j >= 0.7);
        assert.equal(p.removal.value, Math.round(j * 10000) / 10000);
        assert.equal(p.removal.details.matched_jaccard_estimate, p.removal.value);
      }
      // The online mode applies the same test.
      assert.equal(Boolean(online.removed.get(b)), Boolean(p), `${b} online`);
    } else if (p) {
      // A long pair passes on its estimate, which must clear the margin.
      assert.ok(p.removal.value >= plain.summary.lsh.estimate_threshold, `${b}: ${p.removal.value}`);
    } else if (v) longMissed++;
    if (v) assert.ok(j >= 0.7 && v.removal.value === Math.round(j * 10000) / 10000, `${b} verify: J ${j}, value ${v.removal.value}`);
  }
  assert.ok(shortNearThreshold >= 10, `only ${shortNearThreshold} short pairs near the threshold: change the edit rates`);
  assert.ok(longMissed > 0, 'no long pair between 0.7 and the margin: change the edit rates');
  // The sampled check (every bucket) finds no reported pair under min_jaccard in either run.
  assert.equal(plain.summary.false_positive_check.below_min_jaccard, 0);
  assert.equal(verified.summary.false_positive_check.below_min_jaccard, 0);
  assert.ok(plain.summary.false_positive_check.candidates_below_min_jaccard > 0);
  // The summary states the rule and both curves.
  assert.equal(plain.summary.lsh.estimate_min_agreement, 85);
  for (const c of plain.summary.lsh.curve as { jaccard: number; p_candidate: number; p_detected: number; p_detected_short: number }[]) {
    assert.equal(c.p_detected_short, c.jaccard >= 0.7 ? c.p_candidate : 0);
    assert.ok(c.p_detected <= c.p_detected_short || c.jaccard < 0.7);
  }
});

/**
 * The global stage through its def (prepare in "workers", observe/finish/decide on the main
 * thread): observing in any order gives the same decisions and report, as the contract requires.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/log.js';
import { docKey } from '../../../src/core/stage.js';
import { DedupConfig } from '../../../src/stages/dedup/config.js';
import { dedupStage } from '../../../src/stages/dedup/stage.js';
import { splitMix32 } from '../../../src/stages/dedup/prng.js';
import { tempDir } from '../../helpers/index.js';
import { planted } from './corpus.js';

/**
 * Where each payload lies when observed: in a buffer of its own; packed with the others 8-byte
 * aligned in one buffer, as the runner hands a batch's payloads over; or at odd offsets (read
 * through a copy).
 */
type Layout = 'own' | 'packed' | 'unaligned';

async function decisions(order: number[], memory: number, layout: Layout = 'own'): Promise<{ verdicts: string[]; report: string; summary: string }> {
  const corpus = planted(60);
  const config = DedupConfig.parse({ kind: 'dedup', memory });
  const prepare = await dedupStage.prepare!(config);
  const dir = await tempDir();
  const stage = await dedupStage.createGlobal!(config, { name: 'dedup', log: silentLogger(), outputDir: dir, stateDir: path.join(dir, 'state'), workers: 1, batchSize: 256 });
  // Three "units" of documents, observed in the order given.
  const keyOf = (i: number): number => docKey(i % 3, Math.floor(i / 3));
  const payloads = order.map((i) => prepare({ id: corpus.records[i].id, text: corpus.records[i].text, meta: {}, extra: {} }));
  if (layout === 'own') {
    order.forEach((i, o) => stage.observe(keyOf(i), payloads[o], 0, payloads[o].byteLength));
  } else {
    const starts: number[] = [];
    let size = 0;
    for (const p of payloads) {
      size = layout === 'packed' ? (size + 7) & ~7 : size + 3;
      starts.push(size);
      size += p.byteLength;
    }
    const packed = new Uint8Array(size);
    payloads.forEach((p, o) => packed.set(p, starts[o]));
    order.forEach((i, o) => stage.observe(keyOf(i), packed, starts[o], starts[o] + payloads[o].byteLength));
  }
  await stage.finish();
  const keys = corpus.records.map((_, i) => keyOf(i)).sort((a, b) => a - b);
  const verdicts = keys.map((key) => JSON.stringify(stage.decide(key)));
  await stage.close?.();
  return {
    verdicts,
    report: fs.readFileSync(path.join(dir, 'dedup', 'clusters.jsonl'), 'utf8'),
    summary: fs.readFileSync(path.join(dir, 'dedup', 'summary.json'), 'utf8'),
  };
}

test('observing in any order, in memory or spilled, payloads packed or alone, gives the same decisions and report', async () => {
  const n = planted(60).records.length;
  const inOrder = Array.from({ length: n }, (_, i) => i).sort((a, b) => docKey(a % 3, Math.floor(a / 3)) - docKey(b % 3, Math.floor(b / 3)));
  const next = splitMix32(3);
  const shuffled = inOrder.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const a = await decisions(inOrder, 1 << 30);
  const b = await decisions(shuffled, 1 << 30);
  const c = await decisions(shuffled, 1);
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
  assert.deepEqual(await decisions(shuffled, 1 << 30, 'packed'), a);
  assert.deepEqual(await decisions(inOrder, 1, 'unaligned'), a);
  assert.ok(a.verdicts.some((v) => v.includes('near_duplicate')));
});

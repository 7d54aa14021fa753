/**
 * `winnow dedup buckets --task b --tasks B`: the LSH buckets of a share of the bands. Work items
 * are (band, key range) pairs (the exact hash counts as band 0); with more tasks than bands each
 * band's keys are cut into ranges. Writes the candidate edges (pairs of input ordinals) and the
 * bucket counters; the edge file is also the task's completion marker.
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import { type BandStats, bandOptions, emptyBandStats, exactBand, lshBands } from '../bands.js';
import { compatOf } from '../config.js';
import { writeSectioned } from '../sectioned-file.js';
import { DocTable } from '../table.js';
import { openChunkFiles } from './chunk-files.js';
import { checkTask, dedupConfigOf, paths, readParams } from './layout.js';

export const EDGES_MAGIC = 'WNDDEDG1';

export interface EdgesHeader {
  task: number;
  tasks: number;
  documents: number;
  edges: number;
  stats: BandStats;
  sections: Record<string, [number, number]>;
}

export function bandPlan(minhash: boolean, bands: number, tasks: number): { items: number; ranges: number } {
  const bandsTotal = 1 + (minhash ? bands : 0);
  const ranges = Math.max(1, Math.ceil(tasks / bandsTotal));
  return { items: bandsTotal * ranges, ranges };
}

export async function runBuckets({ dir, task, tasks, log }: { dir: string; task: number; tasks: number; log: Logger }): Promise<{ edges: number; skipped: boolean }> {
  checkTask(task, tasks);
  const params = readParams(dir);
  const config = dedupConfigOf(params);
  const out = paths(dir).bucketTask(task, tasks);
  if (fs.existsSync(out)) {
    log.info({ task, tasks }, 'buckets: task already complete');
    return { edges: 0, skipped: true };
  }
  const chunks = openChunkFiles(dir, compatOf(config));
  try {
    const table = new DocTable(chunks);
    const minhash = config.method === 'minhash';
    const { ranges } = bandPlan(minhash, config.bands, tasks);
    const options = bandOptions(config, ranges, (t, r) => (t * ranges + r) % tasks === task);
    let edges = new Int32Array(1 << 16);
    let count = 0;
    const sink = (a: number, b: number): void => {
      if (count + 2 > edges.length) {
        const grown = new Int32Array(edges.length * 2);
        grown.set(edges);
        edges = grown;
      }
      edges[count++] = a;
      edges[count++] = b;
    };
    const stats = emptyBandStats();
    const firstOfExact = exactBand(table, options, sink, stats);
    lshBands(table, firstOfExact, options, sink, stats);
    writeSectioned(out, EDGES_MAGIC, { task, tasks, documents: table.n, edges: count / 2, stats }, [['edges', edges.subarray(0, count)]]);
    log.info({ task, tasks, edges: count / 2 }, 'buckets: task written');
    return { edges: count / 2, skipped: false };
  } finally {
    for (const chunk of chunks) chunk.close();
  }
}

/**
 * `winnow dedup clusters`: one task. Union-find over every bucket task's edges, then the same
 * cluster building as a single-process run: the report (dedup/clusters.jsonl, dedup/summary.json)
 * and one decision file per input unit for the filter tasks.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { JsonObject } from '../../../core/doc.js';
import { WinnowError } from '../../../core/errors.js';
import { keyPos, keyUnit } from '../../../core/stage.js';
import { writeFileAtomic } from '../../../io/shard-writer.js';
import { addBandStats, emptyBandStats } from '../bands.js';
import { logSummary } from '../batch-dedup.js';
import { buildClusters } from '../clusters.js';
import { compatOf } from '../config.js';
import { SectionedFile } from '../sectioned-file.js';
import { DocTable } from '../table.js';
import { Graph } from '../union-find.js';
import { decisionOf } from '../verdict.js';
import { EDGES_MAGIC, type EdgesHeader } from './buckets.js';
import { openChunkFiles } from './chunk-files.js';
import { dedupConfigOf, paths, readParams, readPlan } from './layout.js';

/** The edge files of one complete set of bucket tasks. */
function bucketFiles(dir: string): string[] {
  const bucketsDir = paths(dir).buckets;
  const names = fs.existsSync(bucketsDir) ? fs.readdirSync(bucketsDir).filter((n) => /^task-\d+-of-\d+\.edges$/.test(n)) : [];
  const byTasks = new Map<number, Set<number>>();
  for (const n of names) {
    const [, task, tasks] = /^task-(\d+)-of-(\d+)/.exec(n)!.map(Number);
    if (!byTasks.has(tasks)) byTasks.set(tasks, new Set());
    byTasks.get(tasks)!.add(task);
  }
  const complete = [...byTasks].filter(([tasks, done]) => done.size === tasks).map(([tasks]) => tasks);
  if (complete.length === 0) {
    const seen = [...byTasks].map(([tasks, done]) => `${done.size} of ${tasks}`).join(', ') || 'none';
    throw new WinnowError('usage', `${dir}: the bucket tasks have not all finished (done: ${seen}); run every \`winnow dedup buckets\` task first`);
  }
  // Any complete set gives the same edges; take the one with the fewest files.
  const tasks = Math.min(...complete);
  return Array.from({ length: tasks }, (_, task) => paths(dir).bucketTask(task, tasks));
}

export async function runClusters({ dir, log }: { dir: string; log: Logger }): Promise<JsonObject> {
  const p = paths(dir);
  if (fs.existsSync(p.clustersDone)) {
    log.info('clusters: already complete');
    return JSON.parse(fs.readFileSync(path.join(p.report, 'summary.json'), 'utf8')) as JsonObject;
  }
  const params = readParams(dir);
  const config = dedupConfigOf(params);
  const files = bucketFiles(dir);
  const chunks = openChunkFiles(dir, compatOf(config));
  try {
    const table = new DocTable(chunks);
    const graph = new Graph(table.n);
    const stats = emptyBandStats();
    for (const file of files) {
      const f = new SectionedFile<EdgesHeader>(file, EDGES_MAGIC, 'winnow dedup edge file');
      if (f.header.documents !== table.n) throw new WinnowError('usage', `${file} was made over ${f.header.documents} documents, the signatures hold ${table.n}: rerun the bucket tasks`);
      const edges = new Int32Array(f.read('edges'));
      for (let e = 0; e < edges.length; e += 2) graph.add(edges[e], edges[e + 1]);
      addBandStats(stats, f.header.stats);
      f.close();
    }
    const result = buildClusters({ table, graph, config, stats, reportDir: p.report });
    await writeFileAtomic(path.join(p.report, 'summary.json'), JSON.stringify(result.summary, null, 2) + '\n');
    // One decision file per unit (empty when nothing in it is a duplicate), in input order.
    const perUnit = new Map<number, string[]>();
    for (const unit of readPlan(dir).units) perUnit.set(unit.index, []);
    for (let ord = 0; ord < table.n; ord++) {
      const decision = decisionOf(result, ord);
      if (!decision) continue;
      const key = table.keys[ord];
      perUnit.get(keyUnit(key))!.push(JSON.stringify({ pos: keyPos(key), ...decision }) + '\n');
    }
    for (const [unit, lines] of perUnit) await writeFileAtomic(p.decisions(unit), lines.join(''));
    await writeFileAtomic(p.clustersDone, JSON.stringify({ documents: table.n, clusters: result.clusters, bucket_tasks: files.length }));
    logSummary({ log }, result.summary);
    return result.summary;
  } finally {
    for (const chunk of chunks) chunk.close();
  }
}

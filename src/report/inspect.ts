/**
 * `inspect clusters`: a sample of the dedup clusters (optionally only the large ones) with each
 * removed member diffed against the kept document. Clusters are streamed; the sample is the K
 * with the lowest hash of their id, so it is the same on every call.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { type JsonObject, isJsonObject } from '../core/doc.js';
import { WinnowError } from '../core/errors.js';
import { hashString64 } from '../core/hash.js';
import { fetchRecord } from './collect.js';
import { diffWords } from './diff.js';
import { ansiDiff, bold, dim, visible } from './terminal.js';

export interface InspectOptions {
  minSize: number;
  sample: number;
  members: number;
  color: boolean;
}

async function sampleClusters(file: string, options: InspectOptions): Promise<{ picked: JsonObject[]; matching: number }> {
  const picked: { h: number; cluster: JsonObject }[] = [];
  let matching = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const cluster = JSON.parse(line) as JsonObject;
    if (Number(cluster.size ?? 0) < options.minSize) continue;
    matching++;
    const h = hashString64(String(cluster.cluster ?? cluster.id ?? line)).hi;
    if (picked.length < options.sample || h < picked[picked.length - 1].h) {
      picked.push({ h, cluster });
      picked.sort((a, b) => a.h - b.h);
      if (picked.length > options.sample) picked.length = options.sample;
    }
  }
  return { picked: picked.map((p) => p.cluster).sort((a, b) => Number(b.size) - Number(a.size)), matching };
}

export async function* inspectClusters(runDir: string, options: InspectOptions): AsyncGenerator<string> {
  const file = path.join(runDir, 'dedup', 'clusters.jsonl');
  if (!fs.existsSync(file)) throw new WinnowError('usage', `${runDir} has no dedup/clusters.jsonl (did the run dedup?)`);
  const { picked, matching } = await sampleClusters(file, options);
  const b = (s: string): string => (options.color ? bold(s) : s);
  const d = (s: string): string => (options.color ? dim(s) : s);
  yield b(`${matching} clusters of ${options.minSize}+ documents; showing ${picked.length}`) + '\n';
  for (const cluster of picked) {
    const keptId = String(cluster.kept_id ?? '');
    const kept = await fetchRecord(runDir, keptId);
    const keptText = kept && typeof kept.record.text === 'string' ? kept.record.text : null;
    yield '\n' + b(`cluster ${String(cluster.cluster ?? cluster.id)} · ${String(cluster.size)} documents · kept ${visible(keptId)}`) + '\n';
    const members = (Array.isArray(cluster.members) ? cluster.members : []).filter(isJsonObject).filter((m) => m.id !== keptId);
    for (const member of members.slice(0, options.members)) {
      const found = await fetchRecord(runDir, String(member.id));
      const text = found && typeof found.record.text === 'string' ? found.record.text : null;
      const jaccard = member.jaccard ?? member.jaccard_estimate;
      yield d(`--- ${visible(String(member.id))}${jaccard !== undefined ? ` · Jaccard estimate ${String(jaccard)}` : ''}`) + '\n';
      yield (keptText !== null && text !== null ? ansiDiff(diffWords(keptText, text), options.color) : d('(text not available)')) + '\n';
    }
    if (members.length > options.members) yield d(`… ${members.length - options.members} more`) + '\n';
  }
}

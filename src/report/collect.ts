/**
 * Everything the report shows, read from a finished run's directory: the manifest, the audit
 * samples and histograms, the dedup and contamination reports, and (through the document index)
 * the texts of the largest duplicate clusters. Memory stays bounded: cluster files are streamed
 * keeping only the largest few, and documents are fetched one by one from the index.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Audit } from '../core/audit.js';
import { type JsonObject, isJsonObject } from '../core/doc.js';
import { locate, readLineAt } from '../core/doc-index.js';
import { WinnowError } from '../core/errors.js';
import { hashString64 } from '../core/hash.js';
import type { Manifest } from '../core/manifest.js';
import { type ErrorRecord } from '../core/records.js';
import { registry } from '../stages/registry.js';

export interface AuditFile {
  samples: Audit;
  histograms: Record<string, Record<string, Record<string, number>>>;
}

export interface ClusterMember {
  id: string;
  jaccard: number | null;
  text: string | null;
}

export interface ClusterView {
  cluster: string;
  size: number;
  kept: { id: string; text: string | null };
  members: ClusterMember[];
}

export interface DedupView {
  stage: string;
  summary: JsonObject;
  largest: ClusterView[];
  /** Members per Jaccard-estimate bin of 0.05 (0–1), over every cluster. */
  jaccard: number[];
  clusters: number;
}

export interface ReportData {
  runDir: string;
  manifest: Manifest;
  audit: AuditFile | null;
  /** Per stage, the threshold of each signal (from its config), for histogram markers. */
  thresholds: Record<string, Record<string, number>>;
  dedup: DedupView[];
  contamination: JsonObject | null;
  errors: ErrorRecord[];
}

const readJson = <T>(file: string): T | null => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : null);

export function readManifestFile(runDir: string): Manifest {
  const manifest = readJson<Manifest>(path.join(runDir, 'manifest.json'));
  if (!manifest) throw new WinnowError('usage', `${runDir} has no manifest.json: not a finished winnow run`);
  return manifest;
}

/** A document's output record, found through the run's index; null when absent. */
export async function fetchRecord(runDir: string, id: string): Promise<{ record: JsonObject; file: string } | null> {
  if (!fs.existsSync(path.join(runDir, 'index', 'docs.bin'))) return null;
  const { hi, lo } = hashString64(id);
  for (const place of await locate(runDir, hi, lo)) {
    const line = await readLineAt(runDir, place.file, place.offset);
    const record = JSON.parse(line) as unknown;
    if (isJsonObject(record) && (record.id === id || `${record.source}:${record.line}` === id)) return { record, file: place.file.path };
  }
  return null;
}

const textOf = (record: JsonObject | undefined): string | null => (record && typeof record.text === 'string' ? record.text : null);

/** Cluster lines (`dedup/clusters.jsonl`): streamed, keeping the `keep` largest. */
async function readClusters(file: string, keep: number): Promise<{ largest: JsonObject[]; jaccard: number[]; clusters: number }> {
  const largest: JsonObject[] = [];
  const jaccard = new Array<number>(20).fill(0);
  let clusters = 0;
  if (!fs.existsSync(file)) return { largest, jaccard, clusters };
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const cluster = JSON.parse(line) as JsonObject;
    clusters++;
    for (const member of membersOf(cluster)) if (member.jaccard !== null) jaccard[Math.min(19, Math.floor(member.jaccard * 20))]++;
    const size = Number(cluster.size ?? 0);
    if (largest.length < keep || size > Number(largest[largest.length - 1].size)) {
      largest.push(cluster);
      largest.sort((a, b) => Number(b.size) - Number(a.size));
      if (largest.length > keep) largest.length = keep;
    }
  }
  return { largest, jaccard, clusters };
}

function membersOf(cluster: JsonObject): { id: string; jaccard: number | null }[] {
  const members = Array.isArray(cluster.members) ? cluster.members : [];
  return members.flatMap((m) => {
    if (typeof m === 'string') return [{ id: m, jaccard: null }];
    if (!isJsonObject(m)) return [];
    const j = m.jaccard ?? m.jaccard_estimate;
    return [{ id: String(m.id), jaccard: typeof j === 'number' ? j : null }];
  });
}

/** Clusters shown with diffs, and members per cluster shown. */
const LARGEST_CLUSTERS = 6;
const MEMBERS_SHOWN = 3;

async function dedupViews(runDir: string, manifest: Manifest): Promise<DedupView[]> {
  const views: DedupView[] = [];
  for (const stage of manifest.stages.filter((s) => s.kind === 'dedup')) {
    const dir = path.join(runDir, 'dedup');
    const summary = readJson<JsonObject>(path.join(dir, 'summary.json')) ?? stage.summary ?? {};
    const { largest, jaccard, clusters } = await readClusters(path.join(dir, 'clusters.jsonl'), LARGEST_CLUSTERS);
    const shown: ClusterView[] = [];
    for (const cluster of largest) {
      const keptId = String(cluster.kept_id ?? cluster.kept ?? '');
      const kept = await fetchRecord(runDir, keptId);
      const members: ClusterMember[] = [];
      for (const member of membersOf(cluster).filter((m) => m.id !== keptId).slice(0, MEMBERS_SHOWN)) {
        const found = await fetchRecord(runDir, member.id);
        members.push({ ...member, text: textOf(found?.record) });
      }
      shown.push({ cluster: String(cluster.cluster ?? cluster.id ?? ''), size: Number(cluster.size ?? members.length + 1), kept: { id: keptId, text: textOf(kept?.record) }, members });
    }
    views.push({ stage: stage.name, summary, largest: shown, jaccard, clusters });
  }
  return views;
}

function firstErrors(runDir: string, max: number): ErrorRecord[] {
  const dir = path.join(runDir, 'errors');
  if (!fs.existsSync(dir)) return [];
  const out: ErrorRecord[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const fd = fs.openSync(path.join(dir, name), 'r');
    const buf = Buffer.alloc(256 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    for (const line of buf.subarray(0, n).toString('utf8').split('\n').slice(0, -1)) {
      if (out.length >= max) return out;
      try {
        out.push(JSON.parse(line) as ErrorRecord);
      } catch {
        // a line cut by the read window: skip it
      }
    }
  }
  return out;
}

export async function collectReport(runDir: string): Promise<ReportData> {
  const manifest = readManifestFile(runDir);
  const thresholds: Record<string, Record<string, number>> = {};
  // manifest.stages and config.stages are in the same order (one entry per stage instance).
  manifest.stages.forEach((stage, i) => {
    const def = registry.get(stage.kind);
    const config = manifest.config.stages[i];
    if (def?.signalThresholds && config) thresholds[stage.name] = def.signalThresholds(config);
  });
  // A signal named after a rule is compared against that rule's threshold: removal samples carry it.
  const audit = readJson<AuditFile>(path.join(runDir, 'audit.json'));
  for (const [stage, a] of Object.entries(audit?.samples ?? {})) {
    for (const [rule, samples] of Object.entries(a.removed)) {
      const threshold = samples[0]?.threshold;
      if (typeof threshold === 'number') (thresholds[stage] ??= {})[rule] ??= threshold;
    }
  }
  return {
    runDir,
    manifest,
    audit,
    thresholds,
    dedup: await dedupViews(runDir, manifest),
    contamination: readJson<JsonObject>(path.join(runDir, 'contamination.json')),
    errors: firstErrors(runDir, 8),
  };
}

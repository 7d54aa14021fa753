/**
 * From union-find components to decisions: cluster ids, the kept member by the keep rule, each
 * member's MinHash Jaccard estimate to the kept document, the dedup report and its summary.
 *
 * Cluster ids count clusters in the input order of their first member (0, 1, 2, ...), so they
 * are the same on every run of the same input and configuration, whatever the worker or task
 * counts. Only clusters of two or more documents get an id.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Json, JsonObject } from '../../core/doc.js';
import { type BandStats, exactlyTested } from './bands.js';
import { type DedupConfig, type SimilarityRule, compatOf, lshThreshold, similarityRule, thresholdCurve } from './config.js';
import { agreement16, exactJaccard } from './minhash.js';
import { idText } from './payload.js';
import type { DocTable } from './table.js';
import type { Graph } from './union-find.js';

export const Status = {
  /** Not a duplicate of anything. */
  single: 0,
  /** The kept member of a cluster. */
  kept: 1,
  exact: 2,
  near: 3,
  /** A duplicate of a document in the saved index (`against`). */
  index: 4,
} as const;

/** Documents of a saved index that matched this run, as union-find nodes n .. n+count-1. */
export interface IndexLink {
  count: number;
  id(node: number): string;
  segment(node: number): string;
  /** Per ordinal: bands (exact counts as all) shared with the index; 0 if only clustered with a match. */
  bandsMatched: Uint8Array;
}

export interface ClusterResult {
  clusters: number;
  status: Uint8Array;
  clusterOf: Int32Array;
  /** Jaccard to the kept document x 10^4 (see similarityOf); NO_ESTIMATE when there is none. */
  similarity: Uint16Array;
  /** The document each one was matched with directly (its smallest neighbour), or -1. */
  partner: Int32Array;
  /** Jaccard to that document x 10^4. */
  partnerSimilarity: Uint16Array;
  idOf(ord: number): string;
  clusterSize: Int32Array;
  keptId(cluster: number): string;
  /** Index segment of the kept document, or null when it is in this run. */
  keptSegment(cluster: number): string | null;
  summary: JsonObject;
}

export const NO_ESTIMATE = 0xffff;
/** Jaccard 1 in the x 10^4 scale of `similarity`. */
export const ONE = 10000;

class IdArena {
  private bytes = new Uint8Array(1 << 16);
  private length = 0;
  private readonly offsets: Uint32Array;
  private readonly encoder = new TextEncoder();
  constructor(count: number) {
    this.offsets = new Uint32Array(count + 1);
  }
  set(index: number, id: Uint8Array): void {
    if (this.length + id.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + id.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(id, this.length);
    this.length += id.length;
    this.offsets[index + 1] = this.length;
  }
  setText(index: number, id: string): void {
    this.set(index, this.encoder.encode(id));
  }
  get(index: number): string {
    return idText(this.bytes.subarray(this.offsets[index], this.offsets[index + 1]));
  }
}

const round4 = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * The Jaccard of two documents as reported, x 10^4 rounded: exact where the similarity test was
 * exact (verify, or two short documents carrying their shingle sets), so the value shown is the
 * one the test passed; else the MinHash estimate, agreeing positions / permutations. The first
 * signature is copied: file reads share a buffer.
 */
function similarityOf(table: DocTable, rule: SimilarityRule, a: number, b: number, scratch: Uint16Array): number {
  if (exactlyTested(rule, table.flags[a], table.flags[b])) {
    const x = table.set(a);
    const y = table.set(b);
    if (x && y) return Math.round(exactJaccard(x, y) * 10000);
  }
  scratch.set(table.signature(a));
  return Math.round((agreement16(scratch, table.signature(b)) / rule.permutations) * 10000);
}

export interface ClusterInput {
  table: DocTable;
  graph: Graph;
  config: DedupConfig;
  stats: BandStats;
  index?: IndexLink;
  /** Where dedup/clusters.jsonl and dedup/summary.json go. */
  reportDir: string;
}

export function buildClusters({ table, graph, config, stats, index, reportDir }: ClusterInput): ClusterResult {
  const n = table.n;
  const uf = graph.uf;
  const minhash = config.method === 'minhash';
  const k = minhash ? config.bands * config.rows : 0;
  const size = new Int32Array(n);
  for (let ord = 0; ord < n; ord++) size[uf.find(ord)]++;
  // The first index node of each root's component (nodes ascend, so the first seen is the smallest).
  const indexOfRoot = index && index.count > 0 ? new Int32Array(n).fill(-1) : null;
  if (indexOfRoot && index) {
    for (let j = 0; j < index.count; j++) {
      const root = uf.find(n + j);
      if (root < n && indexOfRoot[root] < 0) indexOfRoot[root] = j;
    }
  }
  const clusterOf = new Int32Array(n).fill(-1);
  let clusters = 0;
  for (let ord = 0; ord < n; ord++) {
    const root = uf.find(ord);
    if (root === ord) {
      if (size[ord] >= 2 || (indexOfRoot && indexOfRoot[ord] >= 0)) clusterOf[ord] = clusters++;
    } else clusterOf[ord] = clusterOf[root];
  }
  const clusterSize = new Int32Array(clusters);
  const keptOrd = new Int32Array(clusters).fill(-1);
  const keptIndexNode = new Int32Array(clusters).fill(-1);
  const best = new Float64Array(clusters).fill(Number.NEGATIVE_INFINITY);
  const byValue = config.keep !== 'first';
  let keepValueMissing = 0;
  for (let ord = 0; ord < n; ord++) {
    const c = clusterOf[ord];
    if (c < 0) continue;
    clusterSize[c]++;
    if (indexOfRoot && uf.find(ord) === ord && indexOfRoot[ord] >= 0) keptIndexNode[c] = indexOfRoot[ord];
    let v = byValue ? table.keepValues[ord] : 0;
    if (Number.isNaN(v)) {
      keepValueMissing++;
      v = Number.NEGATIVE_INFINITY;
    }
    // Strictly greater: ties go to the earlier document.
    if (keptOrd[c] < 0 || v > best[c]) {
      keptOrd[c] = ord;
      best[c] = v;
    }
  }
  // Members grouped by cluster, in input order (a counting sort).
  const start = new Int32Array(clusters + 1);
  for (let c = 0; c < clusters; c++) start[c + 1] = start[c] + clusterSize[c];
  const members = new Int32Array(start[clusters]);
  const fill = start.slice(0, clusters);
  for (let ord = 0; ord < n; ord++) if (clusterOf[ord] >= 0) members[fill[clusterOf[ord]]++] = ord;

  const status = new Uint8Array(n);
  const agree = new Uint16Array(n).fill(NO_ESTIMATE);
  const partnerAgree = new Uint16Array(n).fill(NO_ESTIMATE);
  const partner = graph.partner;
  const keptIds = new IdArena(clusters);
  const rule = similarityRule(config);
  const scratch = new Uint16Array(k);
  const counts = { exact: 0, near: 0, index: 0 };
  const histogram = new Map<number, number>();
  let largest = 0;
  let inClusters = 0;
  const report = new ReportWriter(path.join(reportDir, 'clusters.jsonl'));
  for (let c = 0; c < clusters; c++) {
    const from = start[c];
    const to = start[c + 1];
    const sizeC = to - from;
    histogram.set(sizeC, (histogram.get(sizeC) ?? 0) + 1);
    largest = Math.max(largest, sizeC);
    inClusters += sizeC;
    const inIndex = keptIndexNode[c] >= 0 && index;
    const kept = inIndex ? -1 : keptOrd[c];
    if (inIndex) keptIds.setText(c, index.id(n + keptIndexNode[c]));
    else keptIds.set(c, table.id(kept));
    const memberRecords: Json[] = [];
    for (let m = from; m < to; m++) {
      const ord = members[m];
      let match: string;
      if (ord === kept) {
        status[ord] = Status.kept;
        agree[ord] = ONE;
        match = 'kept';
      } else if (inIndex) {
        status[ord] = Status.index;
        counts.index++;
        match = 'index';
      } else if (table.exactHi[ord] === table.exactHi[kept] && table.exactLo[ord] === table.exactLo[kept]) {
        status[ord] = Status.exact;
        agree[ord] = ONE;
        counts.exact++;
        match = 'exact';
      } else {
        status[ord] = Status.near;
        agree[ord] = similarityOf(table, rule, kept, ord, scratch);
        counts.near++;
        match = 'near';
      }
      const record: JsonObject = { id: idText(table.id(ord)), match };
      if (match !== 'index' && match !== 'kept') {
        record.jaccard_estimate = agree[ord] / ONE;
        const p = partner[ord];
        if (p >= 0) {
          partnerAgree[ord] = k > 0 ? similarityOf(table, rule, p, ord, scratch) : ONE;
          record.matched_id = idText(table.id(p));
          record.matched_jaccard_estimate = partnerAgree[ord] / ONE;
        }
      }
      if (match === 'index' && index) record.bands_matched = index.bandsMatched[ord];
      memberRecords.push(record);
    }
    const line: JsonObject = { cluster: c, size: sizeC, kept_id: keptIds.get(c) };
    if (inIndex) line.kept_in_index = index.segment(n + keptIndexNode[c]);
    line.members = memberRecords;
    report.write(JSON.stringify(line) + '\n');
  }
  report.close();

  const summary = summarise(config, table.n, clusters, inClusters, largest, histogram, counts, stats, keepValueMissing, index);
  return {
    clusters,
    status,
    clusterOf,
    similarity: agree,
    partner,
    partnerSimilarity: partnerAgree,
    idOf: (ord) => idText(table.id(ord)),
    clusterSize,
    keptId: (c) => keptIds.get(c),
    keptSegment: (c) => (keptIndexNode[c] >= 0 && index ? index.segment(n + keptIndexNode[c]) : null),
    summary,
  };
}

function summarise(
  config: DedupConfig,
  documents: number,
  clusters: number,
  inClusters: number,
  largest: number,
  histogram: Map<number, number>,
  counts: { exact: number; near: number; index: number },
  stats: BandStats,
  keepValueMissing: number,
  index: IndexLink | undefined,
): JsonObject {
  const minhash = config.method === 'minhash';
  const removed = counts.exact + counts.near + counts.index;
  const summary: JsonObject = {
    method: config.method,
    keep: config.keep,
    action: config.action,
    parameters: {
      ...compatOf(config),
      verify: config.verify,
      min_jaccard: config.min_jaccard,
      max_exact_shingles: config.max_exact_shingles,
      max_false_accept: config.max_false_accept,
      check_one_in: config.check_one_in,
    } as unknown as JsonObject,
  };
  if (minhash) {
    const rule = similarityRule(config);
    const k = config.bands * config.rows;
    summary.lsh = {
      bands: config.bands,
      rows: config.rows,
      permutations: k,
      threshold: round4(lshThreshold(config.bands, config.rows)),
      similarity_test: config.verify
        ? 'exact Jaccard >= min_jaccard'
        : `exact Jaccard >= min_jaccard when both documents have at most ${config.max_exact_shingles} shingles, else MinHash estimate >= ${rule.minAgree}/${k}`,
      // The estimate test's threshold: min_jaccard plus the margin its sampling error asks for.
      estimate_min_agreement: rule.minAgree,
      estimate_threshold: round4(rule.minAgree / k),
      curve: thresholdCurve(config.bands, config.rows, rule),
    };
  }
  summary.documents = documents;
  summary.kept = config.action === 'remove' ? documents - removed : documents;
  summary.duplicates = { exact: counts.exact, near: counts.near, in_index: counts.index, total: removed };
  summary.clusters = {
    count: clusters,
    documents: inClusters,
    largest,
    size_histogram: Object.fromEntries([...histogram].sort((a, b) => a[0] - b[0]).map(([s, c]) => [String(s), c])),
  };
  if (keepValueMissing > 0) summary.keep_value_missing = keepValueMissing;
  const candidates: JsonObject = { exact_groups: stats.exact_groups, exact_pairs: stats.exact_pairs };
  if (minhash) {
    candidates.buckets = stats.buckets;
    candidates.candidate_pairs = stats.candidate_pairs;
    candidates.similar_pairs = stats.similar_pairs;
    candidates.rejected_members = stats.rejected_members;
  }
  summary.candidates = candidates;
  if (minhash && config.check_one_in > 0) {
    const rate = (below: number, of: number): number | null => (of > 0 ? round4(below / of) : null);
    summary.false_positive_check = {
      buckets_sampled_one_in: config.check_one_in,
      min_jaccard: config.min_jaccard,
      // The reported pairs: the edges clustering used.
      pairs_checked: stats.checked_edges,
      below_min_jaccard: stats.checked_edges_below,
      rate: rate(stats.checked_edges_below, stats.checked_edges),
      // The LSH candidates before the similarity test (each member with the bucket's first).
      candidates_checked: stats.checked_candidates,
      candidates_below_min_jaccard: stats.checked_candidates_below,
      candidate_rate: rate(stats.checked_candidates_below, stats.checked_candidates),
      mean_candidate_jaccard: stats.checked_candidates > 0 ? round4(stats.checked_jaccard_sum / 10000 / stats.checked_candidates) : null,
    };
  }
  if (index) summary.index = { matched_documents: index.count };
  return summary;
}

/** A report file written in pieces to a temp name and renamed when complete. */
export class ReportWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    this.fd = fs.openSync(this.tmp, 'w');
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''));
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, this.file);
  }
}

/**
 * The pure decision: what happens to one document given its cluster outcome. The single-process
 * stage and `winnow dedup filter` (which reads the outcome from a staged run's decision files)
 * both go through here, so their output is byte for byte the same.
 */
import { type JsonObject, type Verdict, keep, remove } from '../../core/doc.js';
import type { DedupConfig } from './config.js';
import { type ClusterResult, NO_ESTIMATE, ONE, Status } from './clusters.js';

export interface DocDecision {
  status: number;
  cluster: number;
  size: number;
  kept_id: string;
  /** MinHash estimate of Jaccard to the kept document (1 for exact duplicates), or null. */
  jaccard: number | null;
  /** The document it was matched with directly, and the estimate to that one. */
  matched_id?: string;
  matched_jaccard?: number;
  /** For duplicates of a saved index: the index segment holding the kept document. */
  segment?: string;
}

export function decisionOf(result: ClusterResult, ord: number): DocDecision | null {
  const status = result.status[ord];
  if (status === Status.single) return null;
  const cluster = result.clusterOf[ord];
  const a = result.similarity[ord];
  const d: DocDecision = {
    status,
    cluster,
    size: result.clusterSize[cluster],
    kept_id: result.keptId(cluster),
    jaccard: a === NO_ESTIMATE ? null : a / ONE,
  };
  const partner = result.partner[ord];
  if (status !== Status.kept && status !== Status.index && partner >= 0) {
    d.matched_id = result.idOf(partner);
    d.matched_jaccard = result.partnerSimilarity[ord] / ONE;
  }
  const segment = result.keptSegment(cluster);
  if (segment !== null) d.segment = segment;
  return d;
}

const rules: Record<number, string> = { [Status.exact]: 'exact_duplicate', [Status.near]: 'near_duplicate', [Status.index]: 'duplicate_in_index' };

/** Most documents are no one's duplicate: one shared verdict for them (verdicts are read, not changed). */
const KEEP = keep();

export function verdictFor(d: DocDecision | null, config: DedupConfig): Verdict {
  if (!d || d.status === Status.single) return KEEP;
  if (d.status === Status.kept) {
    const dedup: JsonObject = { cluster: d.cluster, size: d.size, kept: true };
    if (d.segment !== undefined) dedup.kept_in_index = d.segment;
    return keep({ meta: { dedup } });
  }
  const rule = rules[d.status];
  const details: JsonObject = { cluster: d.cluster, kept_id: d.kept_id, jaccard_estimate: d.jaccard };
  if (d.matched_id !== undefined) {
    details.matched_id = d.matched_id;
    details.matched_jaccard_estimate = d.matched_jaccard ?? null;
  }
  if (d.segment !== undefined) details.index_segment = d.segment;
  if (config.action === 'tag') {
    return keep({ meta: { dedup: { cluster: d.cluster, size: d.size, kept: false, rule, ...details } } });
  }
  // A near duplicate's value is its similarity to the document it matched, the test it passed.
  if (d.status === Status.near) return remove(rule, d.matched_jaccard ?? d.jaccard, config.min_jaccard, details);
  return remove(rule, d.jaccard, d.status === Status.exact ? 1 : null, details);
}

/**
 * Stage `split`: assigns every document to a split (`train`, `validation`, `test`, any names) and
 * routes it to that output directory instead of kept/, with `meta.split` = the name.
 *
 * The split is `assignSplit(seed, group key)` (see assign.ts): stable under corpus growth, the same
 * for any worker count or input order. The group key, so related documents never straddle train
 * and test:
 * - `auto` (default): the near-duplicate cluster from `meta.dedup` (set by the dedup stage) when
 *   present, else the hash of the normalised text (the exact-dedup normalisation), so exact and
 *   near duplicates land together. A cluster is keyed by its kept member's id (the document's own
 *   id when `kept: true`, `kept_id` on duplicates tagged with `action: tag`), not by the cluster
 *   number: dedup numbers clusters in input order, so numbers shift when the corpus grows, while
 *   the kept member of a cluster (keep rule `first`, data appended) does not change;
 * - `text`: always the normalised-text hash;
 * - `domain`: the URL's host (`www.` dropped), for a test set of unseen sites; text hash without URL;
 * - `field`: a meta field (`group_field`), e.g. a source or author id; `auto` when it is missing.
 * A cluster key is only as stable as the clustering: a document that gains its first duplicate
 * changes from its text key to its cluster's key, and when new documents merge two clusters the
 * members of one change key; either may change split. Exact-text keys never change.
 *
 * Stratification (`stratify_by`, a meta field): split sizes per stratum. Fractions already hold per
 * stratum in expectation (the hash ignores the stratum); the option lets counts refer to each
 * stratum's own expected size (`expected_documents_per_stratum`), e.g. 500 test documents per
 * language. The hash is the same in every stratum, so a group spanning strata only straddles splits
 * when the strata's intervals differ at its hash.
 */
import { z } from 'zod';
import { type Doc, type Json, type JsonObject, fail, keep } from '../../core/doc.js';
import { WinnowError } from '../../core/errors.js';
import { defineStage, stageSchema } from '../../core/stage.js';
import { Normalization, normalizeText } from '../dedup/normalize.js';
import { SplitSpec, SplitSpecError, type SplitTable, assignSplit, resolveSplits, urlDomain } from './assign.js';
import { hashString64, hex64 } from './hash.js';

export const groupModes = ['auto', 'text', 'domain', 'field'] as const;
export type GroupMode = (typeof groupModes)[number];

export const SplitConfig = stageSchema('split', {
  /** Split name → fraction (0–1), count (whole number >= 1) or `rest`, in interval order. */
  splits: SplitSpec.default({ train: 0.98, validation: 0.01, test: 0.01 }),
  /** Seed of the assignment hash; a new seed is a new random split. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  group_by: z.enum(groupModes).default('auto'),
  /** Meta field (dotted path) for `group_by: field`. */
  group_field: z.string().min(1).optional(),
  /** Meta field (dotted path) to stratify by. */
  stratify_by: z.string().min(1).optional(),
  /** Corpus size that count-valued splits refer to. */
  expected_documents: z.number().int().positive().optional(),
  /** Per stratum (by value of `stratify_by`), the size its counts refer to. */
  expected_documents_per_stratum: z.record(z.string(), z.number().int().positive()).optional(),
  /** Text normalisation of the exact-text group key (as exact dedup). */
  normalize: Normalization.default(Normalization.parse({})),
});
export type SplitConfig = z.infer<typeof SplitConfig>;

/** A meta value by dotted path (`dedup.cluster`; a leading `meta.` is allowed), as a string. */
export function metaValue(meta: JsonObject, field: string): string | undefined {
  const parts = (field.startsWith('meta.') ? field.slice(5) : field).split('.');
  let node: Json | undefined = meta;
  for (const part of parts) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = node[part];
  }
  if (node === undefined || node === null) return undefined;
  return typeof node === 'string' ? node : typeof node === 'object' ? JSON.stringify(node) : String(node);
}

export interface GroupKey {
  key: string;
  /** What the key came from (counted in the manifest). */
  from: 'cluster' | 'text' | 'domain' | 'field';
}

/**
 * The key of a document's near-duplicate cluster: its kept member's id (`k:`), else the cluster
 * value itself (`c:`), else undefined (not in a cluster: dedup marks only clusters of two or more).
 */
export function clusterKey(doc: Doc): string | undefined {
  const dedup = doc.meta.dedup;
  if (typeof dedup !== 'object' || dedup === null || Array.isArray(dedup)) return undefined;
  if (dedup.kept === true) return 'k:' + doc.id;
  if (typeof dedup.kept_id === 'string') return 'k:' + dedup.kept_id;
  const cluster = metaValue(doc.meta, 'dedup.cluster');
  return cluster === undefined ? undefined : 'c:' + cluster;
}

/** The exact-text key: the 64-bit hash of the normalised text. */
export function textGroupKey(text: string, normalize: Normalization): string {
  const { hi, lo } = hashString64(normalizeText(text, normalize));
  return 't:' + hex64(hi, lo);
}

/** A document's group key; the prefix keeps the kinds of key apart. */
export function groupKeyOf(doc: Doc, config: Pick<SplitConfig, 'group_by' | 'group_field' | 'normalize'>): GroupKey {
  if (config.group_by === 'domain') {
    const domain = urlDomain(doc.url);
    if (domain) return { key: 'd:' + domain, from: 'domain' };
    return { key: textGroupKey(doc.text, config.normalize), from: 'text' };
  }
  if (config.group_by === 'field' && config.group_field) {
    const value = metaValue(doc.meta, config.group_field);
    if (value !== undefined) return { key: 'f:' + value, from: 'field' };
  }
  if (config.group_by !== 'text') {
    const cluster = clusterKey(doc);
    if (cluster !== undefined) return { key: cluster, from: 'cluster' };
  }
  return { key: textGroupKey(doc.text, config.normalize), from: 'text' };
}

/** The split tables of a config: one global, and per stratum where a stratum size is given. */
export function splitTables(config: SplitConfig): { global: SplitTable | null; perStratum: Map<string, SplitTable>; globalError: string | null } {
  const perStratum = new Map<string, SplitTable>();
  try {
    for (const [stratum, total] of Object.entries(config.expected_documents_per_stratum ?? {})) perStratum.set(stratum, resolveSplits(config.splits, total));
  } catch (error) {
    throw new WinnowError('config', `split: ${(error as Error).message}`);
  }
  try {
    return { global: resolveSplits(config.splits, config.expected_documents), perStratum, globalError: null };
  } catch (error) {
    if (!(error instanceof SplitSpecError)) throw error;
    // Without stratification the global table is the only one: its problem is a config error.
    if (!config.stratify_by || perStratum.size === 0) throw new WinnowError('config', `split: ${error.message}`);
    return { global: null, perStratum, globalError: error.message };
  }
}

/** The pure decision: which split, as `meta.split` and the keep verdict's route. */
export function createSplitDecider(config: SplitConfig): (doc: Doc) => ReturnType<typeof keep> | ReturnType<typeof fail> {
  if (config.group_by === 'field' && !config.group_field) throw new WinnowError('config', 'split: group_by "field" needs group_field');
  const { global, perStratum, globalError } = splitTables(config);
  return (doc) => {
    let table = global;
    if (config.stratify_by) {
      const stratum = metaValue(doc.meta, config.stratify_by) ?? '';
      table = perStratum.get(stratum) ?? global;
      if (!table) return fail(`stratum "${stratum}" has no entry in expected_documents_per_stratum (${globalError})`, 'split_unknown_stratum');
    }
    const group = groupKeyOf(doc, config);
    const split = assignSplit(group.key, config.seed, table!);
    return keep({ meta: { split }, route: split, counters: { [`group_by_${group.from}`]: 1 } });
  };
}

export const splitStage = defineStage<SplitConfig>({
  name: 'split',
  description: 'assign each document to train/validation/test (any names) by a seeded hash of its group; writes <split>/ instead of kept/',
  schema: SplitConfig,
  kind: 'doc',
  createDoc: (config) => createSplitDecider(config),
});

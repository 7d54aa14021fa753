/**
 * Counters that merge by addition: per batch in the workers, per unit in the markers, per run in
 * the manifest. One shape everywhere, so resume can sum unit markers into the same totals.
 */

export interface StageStats {
  in: number;
  kept: number;
  removed: number;
  errors: number;
  /** Removals per rule id. */
  rules: Record<string, number>;
  /** Stage-specific counters (e.g. lines dropped by C4). */
  counters: Record<string, number>;
  /** Time spent in the stage, summed over workers (so it is CPU time, not wall time). */
  ms: number;
  /** Characters of content (text, or HTML before extraction) going in, and of text coming out of kept documents. */
  charsIn: number;
  charsOut: number;
  /** Histograms of the stage's measured signals: signal → bin (see audit.ts) → documents. */
  histograms: Record<string, Record<string, number>>;
}

export interface BatchStats {
  /** Records read (documents plus unreadable records). */
  records: number;
  /** Blank lines in JSONL input: not records, counted so every line is accounted for. */
  blankLines: number;
  /** Errors while reading (bad JSON, bad UTF-8, missing text, truncated input, too large). */
  readErrors: Record<string, number>;
  /** Bytes of input read (decompressed), attributed to the batch that parsed them. */
  bytesIn: number;
  /** WARC records skipped (not documents: requests, metadata, non-HTML responses), by kind; not input records. */
  skipped?: Record<string, number>;
  kept: number;
  /** Kept documents per output directory (`kept`, or a route such as `train`). */
  routes: Record<string, number>;
  /** Uncompressed bytes of kept JSONL. */
  keptBytes: number;
  stages: Record<string, StageStats>;
}

export const emptyStageStats = (): StageStats => ({ in: 0, kept: 0, removed: 0, errors: 0, rules: {}, counters: {}, ms: 0, charsIn: 0, charsOut: 0, histograms: {} });

export const emptyBatchStats = (): BatchStats => ({
  records: 0,
  blankLines: 0,
  readErrors: {},
  bytesIn: 0,
  kept: 0,
  routes: {},
  keptBytes: 0,
  stages: {},
});

type Counters = { [key: string]: number | Counters };

/** Adds `src` into `dst`, key by key, recursively. */
export function addInto<T extends object>(dst: T, src: T): T {
  const d = dst as Counters;
  for (const [key, value] of Object.entries(src as Counters)) {
    if (typeof value === 'number') d[key] = ((d[key] as number | undefined) ?? 0) + value;
    else d[key] = addInto((d[key] as Counters | undefined) ?? {}, value);
  }
  return dst;
}

export const sumValues = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

export function stageStats(stats: BatchStats, name: string): StageStats {
  return (stats.stages[name] ??= emptyStageStats());
}

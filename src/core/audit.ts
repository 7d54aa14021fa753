/**
 * What a run keeps for people auditing it, gathered as it goes and merged by units: a few
 * documents per stage and rule (removed ones, and edited ones with their text before and after),
 * and histograms of the numbers stages measure (`signals`). Samples are the K documents with the
 * smallest hash of their position, so they are the same for any worker count and any batching.
 */
import type { Json, JsonObject } from './doc.js';
import { fmix32, hashString64 } from './hash.js';

export const SAMPLES_PER_RULE = 5;
/** Characters of a sampled text kept for the report. */
export const SAMPLE_CHARS = 3000;

export interface Sample {
  id: string;
  /** Sampling hash: the lowest K win. */
  h: number;
  rule?: string;
  value?: Json;
  threshold?: Json;
  details?: JsonObject;
  /** The text when removed, or after the edit. */
  text: string;
  /** The text (or HTML) before the edit. */
  before?: string;
}

export interface StageAudit {
  removed: Record<string, Sample[]>;
  edited: Sample[];
}

export type Audit = Record<string, StageAudit>;

export const clip = (text: string): string => (text.length > SAMPLE_CHARS ? text.slice(0, SAMPLE_CHARS) + ' […]' : text);

const stageSeeds = new Map<string, number>();

/** The sampling hash of a document (by its position key) for a stage. */
export function sampleHash(stage: string, key: number): number {
  let seed = stageSeeds.get(stage);
  if (seed === undefined) stageSeeds.set(stage, (seed = hashString64(stage).lo));
  return fmix32((key >>> 0) ^ fmix32(Math.floor(key / 4294967296) ^ seed));
}

const before = (a: Sample, b: Sample): number => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Keeps the K samples with the lowest hash; `build` runs only for a sample that gets in. */
export function offer(list: Sample[], h: number, id: string, build: () => Omit<Sample, 'h' | 'id'>, k = SAMPLES_PER_RULE): void {
  if (list.length >= k && h >= list[list.length - 1].h) return;
  list.push({ id, h, ...build() });
  list.sort(before);
  if (list.length > k) list.length = k;
}

export function stageAudit(audit: Audit, stage: string): StageAudit {
  return (audit[stage] ??= { removed: {}, edited: [] });
}

/** Merges `from` into `into` (bottom-K per list). */
export function mergeAudit(into: Audit, from: Audit | undefined): Audit {
  for (const [stage, a] of Object.entries(from ?? {})) {
    const target = stageAudit(into, stage);
    for (const [rule, samples] of Object.entries(a.removed)) target.removed[rule] = bottom([...(target.removed[rule] ?? []), ...samples]);
    target.edited = bottom([...target.edited, ...a.edited]);
  }
  return into;
}

const bottom = (samples: Sample[]): Sample[] => samples.sort(before).slice(0, SAMPLES_PER_RULE);

/**
 * Histogram bins for any measured number, one scheme for ratios and counts: values in [0, 1] in
 * 50 linear bins (`r0`…`r49`), larger values in quarter-octave bins (`l0` = [1, 2^0.25), …).
 */
export function histogramBin(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  if (value < 0) return 'neg';
  if (value <= 1) return RATIO_BINS[Math.min(49, Math.floor(value * 50))];
  const n = Math.floor(Math.log2(value) * 4);
  return (logBins[n] ??= `l${n}`);
}

// Each bin's name is made once (every signal of every document is binned).
const RATIO_BINS = Array.from({ length: 50 }, (_, i) => `r${i}`);
const logBins: string[] = [];

/** The range a bin covers, for axes and threshold markers. */
export function binRange(bin: string): [number, number] {
  if (bin === 'neg') return [-Infinity, 0];
  const n = Number(bin.slice(1));
  if (bin[0] === 'r') return [n / 50, (n + 1) / 50];
  return [2 ** (n / 4), 2 ** ((n + 1) / 4)];
}

/** Bins in value order. */
export function sortBins(bins: string[]): string[] {
  return [...bins].sort((a, b) => binRange(a)[0] - binRange(b)[0]);
}

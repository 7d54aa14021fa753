/**
 * The `dedup` stage's configuration, and the compatibility record that signature files, chunk
 * files and saved indexes carry: two sets of signatures can be compared only if every field of
 * their records is equal.
 */
import { z } from 'zod';
import { stageSchema } from '../../core/stage.js';
import { MINHASH_ALGORITHM_VERSION } from './minhash.js';
import { Normalization } from './normalize.js';
import { TOKENIZER_VERSION } from './tokenize.js';

const sizeUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A byte count: a number, or a string like `512M`, `4G` (binary units). */
export const ByteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*[kmgt]?i?b?$/i, 'a size like 512M or 4G')
    .transform((text) => {
      const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)/i.exec(text)!;
      return Math.round(Number(m[1]) * sizeUnits[m[2].toLowerCase()]);
    }),
]);

export const KeepRule = z
  .string()
  .regex(/^(first|longest|max:[A-Za-z0-9_][A-Za-z0-9_.-]*)$/, 'first, longest, or max:<meta field> (e.g. max:quality.score)');
export type KeepRule = z.infer<typeof KeepRule>;

export const DedupConfig = stageSchema('dedup', {
  /**
   * `exact`: one document per hash of the normalised text. `minhash`: exact first, then MinHash +
   * LSH near-duplicates (exact duplicates are always labelled `exact_duplicate`).
   */
  method: z.enum(['exact', 'minhash']).default('minhash'),
  normalize: Normalization.default(Normalization.parse({})),
  /** Which member of a cluster stays: input order, the longest text, or the largest meta value. */
  keep: KeepRule.default('first'),
  /** `remove` drops duplicates; `tag` keeps every document and only records its cluster in meta.dedup. */
  action: z.enum(['remove', 'tag']).default('remove'),
  /** Seeds the permutation parameters; part of the compatibility record. */
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /**
   * LSH bands x rows = permutations. 14 x 8 (112 permutations) over word 5-grams is FineWeb's
   * setting (Penedo et al. 2024; datatrove MinhashConfig num_buckets=14, hashes_per_bucket=8,
   * n_grams=5): threshold (1/14)^(1/8) ~ 0.72.
   */
  bands: z.number().int().min(1).max(512).default(14),
  rows: z.number().int().min(1).max(64).default(8),
  /** `words`: word n-grams of the normalised text; `chars`: character n-grams (text without spaces). */
  shingle: z.enum(['words', 'chars']).default('words'),
  shingle_size: z.number().int().min(1).max(64).default(5),
  /**
   * Test each LSH candidate pair on the exact Jaccard of its shingle sets instead of the MinHash
   * estimate (every document then carries its shingle set: bigger spool, no false positives).
   */
  verify: z.boolean().default(false),
  /**
   * A candidate pair is a near duplicate when its Jaccard reaches this: the MinHash estimate, or
   * with `verify` the exact value. Pairs under it are false positives in the sampled check.
   */
  min_jaccard: z.number().min(0).max(1).default(0.7),
  /**
   * Without verify: documents with at most this many shingles carry their shingle set (at most 4
   * bytes a shingle), and a candidate pair of two such documents is tested on its exact Jaccard,
   * like `verify` but only where the set is no bigger than a few signatures. 0 = never.
   */
  max_exact_shingles: z.number().int().min(0).max(1 << 20).default(128),
  /**
   * Without verify, the other pairs pass on the MinHash estimate with a margin above min_jaccard:
   * the fewest agreeing positions for which a pair with Jaccard just under min_jaccard is reported
   * with probability at most this (exactly, under the MinHash model: see similarityRule). 0.1
   * with 14 x 8 asks for 85 of 112 positions (estimate >= 0.759); 0.01 for 90 (0.804). 1 = no
   * margin. 0.1 keeps reported pairs under J 0.7 at 0.5 % on Reuters' templated news (the plain
   * estimate: 12 %) while detecting 84 % of pairs at J 0.8 (0.01: 51 %). See docs/dedup.md.
   */
  max_false_accept: z.number().gt(0).max(1).default(0.1),
  /** Check exact Jaccard for the pairs of one LSH bucket in this many (0 = no check). */
  check_one_in: z.number().int().min(0).default(256),
  /** Memory for signatures and band keys before they spill to disk (under the stage's state dir). */
  memory: ByteSize.default(1024 ** 3),
  /** One pass, first seen wins, nothing spooled: for the middle of a Unix pipe. */
  online: z.boolean().default(false),
  /** Save the band keys of the kept documents as an index in this directory (added as a segment). */
  index: z.string().min(1).optional(),
  /** Also remove documents that duplicate anything in the index saved in this directory. */
  against: z.string().min(1).optional(),
  /** Set by `winnow dedup filter`: apply the decisions of the staged run in this directory. */
  decisions_from: z.string().min(1).optional(),
});
export type DedupConfig = z.infer<typeof DedupConfig>;

/** Everything that changes signatures or band keys. */
export interface Compat {
  format: 'winnow-dedup';
  algorithm_version: number;
  tokenizer_version: number;
  method: 'exact' | 'minhash';
  seed: number;
  permutations: number;
  bands: number;
  rows: number;
  shingle: 'words' | 'chars';
  shingle_size: number;
  normalize: Normalization;
}

export function compatOf(config: DedupConfig): Compat {
  const minhash = config.method === 'minhash';
  return {
    format: 'winnow-dedup',
    algorithm_version: MINHASH_ALGORITHM_VERSION,
    tokenizer_version: TOKENIZER_VERSION,
    method: config.method,
    seed: config.seed,
    permutations: minhash ? config.bands * config.rows : 0,
    bands: minhash ? config.bands : 0,
    rows: minhash ? config.rows : 0,
    shingle: config.shingle,
    shingle_size: config.shingle_size,
    normalize: config.normalize,
  };
}

/** The fields that differ, or [] when two records are compatible. */
export function compatDiff(a: Compat, b: Compat): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Compat>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`);
}

/** P(two documents with Jaccard J share at least one band) = 1 - (1 - J^r)^b. */
export function candidateProbability(jaccard: number, bands: number, rows: number): number {
  return 1 - (1 - jaccard ** rows) ** bands;
}

/** The Jaccard where the S-curve is steepest, as usually quoted: (1/b)^(1/r). */
export const lshThreshold = (bands: number, rows: number): number => (1 / bands) ** (1 / rows);

/**
 * Distribution of the number of agreeing signature positions of a pair with Jaccard J, split by
 * whether some band agreed in full (the pair is an LSH candidate): `[none, some][t]`. Under the
 * MinHash model each position agrees independently with probability J, so a dynamic programme
 * over bands (agreements so far, whether a band agreed in full) gives it exactly.
 */
function agreementDistribution(jaccard: number, bands: number, rows: number): [Float64Array, Float64Array] {
  const k = bands * rows;
  const band: number[] = [];
  for (let a = 0; a <= rows; a++) band.push(binomial(rows, a) * jaccard ** a * (1 - jaccard) ** (rows - a));
  let state: [Float64Array, Float64Array] = [new Float64Array(k + 1), new Float64Array(k + 1)];
  state[0][0] = 1;
  for (let b = 0; b < bands; b++) {
    const next: [Float64Array, Float64Array] = [new Float64Array(k + 1), new Float64Array(k + 1)];
    for (let full = 0; full < 2; full++) {
      for (let t = 0; t <= b * rows; t++) {
        const p = state[full][t];
        if (p === 0) continue;
        for (let a = 0; a <= rows; a++) next[a === rows ? 1 : full][t + a] += p * band[a];
      }
    }
    state = next;
  }
  return state;
}

/** P(a pair with Jaccard J is a candidate and at least `minAgree` positions agree). */
export function estimateDetection(jaccard: number, bands: number, rows: number, minAgree: number): number {
  const candidate = agreementDistribution(jaccard, bands, rows)[1];
  let sum = 0;
  for (let t = Math.max(0, minAgree); t < candidate.length; t++) sum += candidate[t];
  return Math.min(1, sum);
}

/** The test a candidate pair must pass to be a near duplicate (bands.ts, online.ts). */
export interface SimilarityRule {
  verify: boolean;
  minJaccard: number;
  permutations: number;
  /** Fewest agreeing positions for the estimate test (min_jaccard plus the margin). */
  minAgree: number;
  /** Pairs of documents with at most this many shingles are tested exactly (0 = none). */
  maxExactShingles: number;
}

/** The fewest agreeing positions of `permutations` whose plain estimate reaches `minJaccard`. */
export const plainMinAgreement = (minJaccard: number, permutations: number): number => Math.ceil(minJaccard * permutations - 1e-9);

/**
 * The estimate test's threshold: the smallest m >= min_jaccard * k such that a pair with Jaccard
 * min_jaccard is detected (a candidate with >= m agreeing positions) with probability at most
 * max_false_accept. Detection grows with J, so every pair under min_jaccard is reported with
 * at most that probability: the margin comes from the estimate's sampling error, exactly.
 */
export function estimateMinAgreement(minJaccard: number, bands: number, rows: number, maxFalseAccept: number): number {
  const k = bands * rows;
  const plain = plainMinAgreement(minJaccard, k);
  const candidate = agreementDistribution(minJaccard, bands, rows)[1];
  let tail = 0;
  let m = k + 1;
  // Grow the tail from the top while it stays within the bound.
  while (m - 1 >= plain && tail + candidate[m - 1] <= maxFalseAccept + 1e-12) tail += candidate[--m];
  return Math.min(Math.max(m, plain), k + 1);
}

export function similarityRule(config: DedupConfig): SimilarityRule {
  const minhash = config.method === 'minhash';
  const permutations = minhash ? config.bands * config.rows : 0;
  return {
    verify: config.verify,
    minJaccard: config.min_jaccard,
    permutations,
    minAgree: minhash ? (config.max_false_accept >= 1 ? plainMinAgreement(config.min_jaccard, permutations) : estimateMinAgreement(config.min_jaccard, config.bands, config.rows, config.max_false_accept)) : 0,
    maxExactShingles: config.max_exact_shingles,
  };
}

/**
 * P(a pair with Jaccard J ends up as a duplicate): it must share a band (be a candidate) and then
 * pass the similarity test. The exact test (verify, or two documents of at most
 * max_exact_shingles shingles: `exact`) passes when J >= min_jaccard; the estimate test when at
 * least `rule.minAgree` positions agree.
 */
export function detectionProbability(jaccard: number, bands: number, rows: number, rule: SimilarityRule, exact = false): number {
  if (rule.verify || exact) return jaccard >= rule.minJaccard ? candidateProbability(jaccard, bands, rows) : 0;
  return estimateDetection(jaccard, bands, rows, rule.minAgree);
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

export type CurvePoint = {
  jaccard: number;
  p_candidate: number;
  /** Pairs tested on the estimate (with verify: on exact Jaccard). */
  p_detected: number;
  /** Pairs of two documents with at most max_exact_shingles shingles (tested exactly). */
  p_detected_short: number;
};

export function thresholdCurve(bands: number, rows: number, rule: SimilarityRule): CurvePoint[] {
  const out: CurvePoint[] = [];
  const r4 = (x: number): number => Math.round(x * 10000) / 10000;
  for (let i = 0; i <= 10; i++) {
    const j = Math.round((0.5 + i * 0.05) * 100) / 100;
    out.push({
      jaccard: j,
      p_candidate: r4(candidateProbability(j, bands, rows)),
      p_detected: r4(detectionProbability(j, bands, rows, rule)),
      p_detected_short: r4(detectionProbability(j, bands, rows, rule, rule.maxExactShingles > 0)),
    });
  }
  return out;
}

/** `max:quality.score` → ['quality', 'score']; null for first/longest. */
export function keepField(keep: KeepRule): string[] | null {
  return keep.startsWith('max:') ? keep.slice(4).split('.') : null;
}

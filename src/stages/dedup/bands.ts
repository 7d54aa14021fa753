/**
 * LSH buckets without a hash map: for each band, the 64-bit band keys of the documents are radix
 * sorted in typed arrays (bucketize); runs of equal keys are the buckets, members in input order.
 * The exact hash is one more band (band 0).
 *
 * Every rule that turns a bucket into edges looks at that bucket alone (its members in input
 * order, their shingle sets). So the edges, the counters and the sampled check are the same
 * however the buckets are divided over tasks (`winnow dedup buckets --task b --tasks B`), and
 * union-find over the edges gives the same clusters.
 *
 * Work items: band t (0 = exact, 1..bands = LSH) x key range r (of `ranges`, by the top bits of
 * the key); a task owns the items i with i % tasks == task.
 */
import { type DedupConfig, type SimilarityRule, similarityRule } from './config.js';
import { FLAG_EMPTY, FLAG_SHORT } from './payload.js';
import { agreement16, exactJaccard } from './minhash.js';
import { sampledBucket } from './sampling.js';
import type { DocTable } from './table.js';

const TWO32 = 4294967296;
const SKIP = -1;

/** Counters summed over buckets; the same totals for any split of the work. */
export interface BandStats {
  /** Exact-hash groups with two or more documents, and the documents beyond the first in each. */
  exact_groups: number;
  exact_pairs: number;
  /** LSH buckets with two or more documents (over all bands). */
  buckets: number;
  /** Candidate pairs compared (a bucket member against the bucket's representatives, in order). */
  candidate_pairs: number;
  /** Candidate pairs found similar: the edges clustering uses (the reported pairs). */
  similar_pairs: number;
  /** Bucket members similar to no representative (they become one, up to a limit). */
  rejected_members: number;
  /**
   * The sampled check, over the buckets sampled: the edges (reported pairs) and the raw LSH
   * candidates (each member with the bucket's first), each with those under min_jaccard.
   */
  checked_edges: number;
  checked_edges_below: number;
  checked_candidates: number;
  checked_candidates_below: number;
  /** Sum of the checked candidates' exact Jaccard x 10^4 (for the mean). */
  checked_jaccard_sum: number;
}

export const emptyBandStats = (): BandStats => ({
  exact_groups: 0,
  exact_pairs: 0,
  buckets: 0,
  candidate_pairs: 0,
  similar_pairs: 0,
  rejected_members: 0,
  checked_edges: 0,
  checked_edges_below: 0,
  checked_candidates: 0,
  checked_candidates_below: 0,
  checked_jaccard_sum: 0,
});

export function addBandStats(into: BandStats, add: BandStats): void {
  for (const key of Object.keys(into) as (keyof BandStats)[]) into[key] += add[key];
}

export interface BandOptions {
  minhash: boolean;
  bands: number;
  permutations: number;
  verify: boolean;
  minJaccard: number;
  /** The similarity test a candidate pair must pass. */
  rule: SimilarityRule;
  checkOneIn: number;
  /** Key ranges per band. */
  ranges: number;
  /** Whether this task owns work item (band t, range r). */
  owns(t: number, r: number): boolean;
  /** Representatives per bucket a new member is compared with. @default 32 */
  maxRepresentatives?: number;
}

export type EdgeSink = (a: number, b: number) => void;

export function bandOptions(config: DedupConfig, ranges = 1, owns: BandOptions['owns'] = () => true): BandOptions {
  const minhash = config.method === 'minhash';
  return {
    minhash,
    bands: minhash ? config.bands : 0,
    permutations: minhash ? config.bands * config.rows : 0,
    verify: config.verify,
    minJaccard: config.min_jaccard,
    rule: similarityRule(config),
    checkOneIn: config.check_one_in,
    ranges,
    owns,
  };
}

/** The key range of a band key, by the top bits of its high word. */
const rangeOf = (hi: number, ranges: number): number => (ranges === 1 ? 0 : Math.floor((hi * ranges) / TWO32));

/** The documents of one band: ordinals ascending, with their 64-bit keys. */
export interface BandKeys {
  count: number;
  ords: Int32Array;
  hi: Uint32Array;
  lo: Uint32Array;
}

/**
 * Groups documents by 64-bit key; calls `onBucket(members, from, to, hi, lo)` for every key held
 * by two or more, members in ascending ordinal. A bitmap filter drops the documents whose key
 * cannot repeat, an LSD radix sort on the low word of the rest (two 16-bit digits, stable, so the
 * input's ordinal order survives within a key) brings equal keys together, and runs of equal low
 * words are split on the high word. No comparison sort, no map: O(n) over typed arrays.
 */
export function bucketize(keys: BandKeys, onBucket: (members: Int32Array, from: number, to: number, hi: number, lo: number) => void): void {
  const all = keys.count;
  if (all < 2) return;
  // Nearly every key is unique. Two bitmaps of ~16 bits per document (seen once, seen twice) keep
  // only the documents whose low word may repeat (about 1 in 16 by chance, plus the real repeats);
  // only those are sorted.
  let bits = 1 << 16;
  while (bits < all * 16 && bits < 2 ** 31) bits *= 2;
  const mask = bits - 1;
  const seen = new Int32Array(bits >>> 5);
  const twice = new Int32Array(bits >>> 5);
  for (let i = 0; i < all; i++) {
    const h = keys.lo[i] & mask;
    const bit = 1 << (h & 31);
    if (seen[h >>> 5] & bit) twice[h >>> 5] |= bit;
    else seen[h >>> 5] |= bit;
  }
  let n = 0;
  for (let i = 0; i < all; i++) {
    const h = keys.lo[i] & mask;
    if (twice[h >>> 5] & (1 << (h & 31))) n++;
  }
  if (n < 2) return;
  let lo: Uint32Array = new Uint32Array(n);
  let hi: Uint32Array = new Uint32Array(n);
  let ords: Int32Array = new Int32Array(n);
  for (let i = 0, at = 0; i < all; i++) {
    const h = keys.lo[i] & mask;
    if (!(twice[h >>> 5] & (1 << (h & 31)))) continue;
    lo[at] = keys.lo[i];
    hi[at] = keys.hi[i];
    ords[at++] = keys.ords[i];
  }
  let lo2: Uint32Array = new Uint32Array(n);
  let hi2: Uint32Array = new Uint32Array(n);
  let ords2: Int32Array = new Int32Array(n);
  const counts = new Int32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((lo[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < n; i++) {
      const at = counts[(lo[i] >>> shift) & 0xffff]++;
      lo2[at] = lo[i];
      hi2[at] = hi[i];
      ords2[at] = ords[i];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [ords, ords2] = [ords2, ords];
  }
  let group: Int32Array | null = null;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && lo[j] === lo[i]) j++;
    if (j - i >= 2) {
      let sameHi = true;
      for (let m = i + 1; m < j && sameHi; m++) sameHi = hi[m] === hi[i];
      if (sameHi) onBucket(ords, i, j, hi[i], lo[i]);
      else {
        // Equal low words, different high words: rare (a 32-bit collision). Split by (hi, ordinal).
        const run = Array.from({ length: j - i }, (_, m) => i + m).sort((a, b) => hi[a] - hi[b] || ords[a] - ords[b]);
        group = new Int32Array(run.length);
        for (let a = 0; a < run.length; ) {
          let b = a + 1;
          while (b < run.length && hi[run[b]] === hi[run[a]]) b++;
          if (b - a >= 2) {
            for (let m = a; m < b; m++) group[m] = ords[run[m]];
            onBucket(group, a, b, hi[run[a]], lo[i]);
          }
          a = b;
        }
      }
    }
    i = j;
  }
}

/** Collects, in ordinal order, the documents with `include(ord)` and their keys. */
function collectKeys(n: number, hiOf: Uint32Array, loOf: Uint32Array, include: (ord: number) => boolean): BandKeys {
  let count = 0;
  for (let ord = 0; ord < n; ord++) if (include(ord)) count++;
  const keys: BandKeys = { count, ords: new Int32Array(count), hi: new Uint32Array(count), lo: new Uint32Array(count) };
  let at = 0;
  for (let ord = 0; ord < n; ord++) {
    if (!include(ord)) continue;
    keys.ords[at] = ord;
    keys.hi[at] = hiOf[ord];
    keys.lo[at++] = loOf[ord];
  }
  return keys;
}

/**
 * The exact band: groups of equal 64-bit hashes of the normalised text. Returns, for every
 * document, whether it is the first of its group (documents that repeat an earlier text skip
 * the LSH bands: their edges would repeat the exact ones). Emits the group edges of the key
 * ranges this task owns.
 */
export function exactBand(table: DocTable, options: BandOptions, sink: EdgeSink, stats: BandStats): Uint8Array {
  const n = table.n;
  const first = new Uint8Array(n).fill(1);
  // A text with no words (empty, only punctuation, HTML not yet extracted) is nobody's duplicate.
  const keys = collectKeys(n, table.exactHi, table.exactLo, (ord) => !(table.flags[ord] & FLAG_EMPTY));
  bucketize(keys, (members, from, to, hi) => {
    const emit = options.owns(0, rangeOf(hi, options.ranges));
    const leader = members[from];
    for (let m = from + 1; m < to; m++) {
      first[members[m]] = 0;
      if (emit) sink(leader, members[m]);
    }
    if (emit) {
      stats.exact_groups++;
      stats.exact_pairs += to - from - 1;
    }
  });
  return first;
}

/** Band `band`'s keys of the documents in it (not empty, first of their exact group) and in the owned ranges. */
function lshKeys(table: DocTable, band: number, firstOfExact: Uint8Array, options: BandOptions, t: number): BandKeys {
  const n = table.n;
  const hiOf = new Uint32Array(n);
  const loOf = new Uint32Array(n);
  const inBand = new Uint8Array(n);
  forEachBandKey(table, band, firstOfExact, (ord, hi, lo) => {
    if (!options.owns(t, rangeOf(hi, options.ranges))) return;
    hiOf[ord] = hi;
    loOf[ord] = lo;
    inBand[ord] = 1;
  });
  return collectKeys(n, hiOf, loOf, (ord) => inBand[ord] === 1);
}

/** Band `band`'s key (hi, lo) of each document in it: not empty, and first of its exact group. */
function forEachBandKey(table: DocTable, band: number, firstOfExact: Uint8Array, visit: (ord: number, hi: number, lo: number) => void): void {
  for (let c = 0; c < table.chunks.length; c++) {
    const chunk = table.chunks[c];
    const keys = chunk.band(band);
    for (let i = 0; i < chunk.count; i++) {
      const ord = table.ordAt(c, i);
      if (chunk.flags[i] & FLAG_EMPTY || !firstOfExact[ord]) continue;
      visit(ord, keys[2 * i], keys[2 * i + 1]);
    }
  }
}

/**
 * Band b's keys as 52-bit integers in a Float64Array by ordinal, -1 for documents outside it
 * (for the saved index, whose segments store 52-bit keys).
 */
export function lshValues(table: DocTable, band: number, firstOfExact: Uint8Array): Float64Array {
  const values = new Float64Array(table.n).fill(SKIP);
  forEachBandKey(table, band, firstOfExact, (ord, hi, lo) => {
    values[ord] = (hi & 0xfffff) * TWO32 + lo;
  });
  return values;
}

/** All LSH bands this task owns. */
export function lshBands(table: DocTable, firstOfExact: Uint8Array, options: BandOptions, sink: EdgeSink, stats: BandStats): void {
  if (!options.minhash) return;
  const similarity = new Similarity(table, options);
  const reps: number[] = [];
  const maxReps = options.maxRepresentatives ?? 32;
  for (let band = 0; band < options.bands; band++) {
    const t = band + 1;
    let owned = false;
    for (let r = 0; r < options.ranges && !owned; r++) owned = options.owns(t, r);
    if (!owned) continue;
    bucketize(lshKeys(table, band, firstOfExact, options, t), (members, from, to, hi, lo) => {
      stats.buckets++;
      const sampled = sampledBucket(band, hi, lo, options.checkOneIn);
      // Each member joins the first representative it really resembles, else becomes one.
      reps.length = 0;
      reps.push(members[from]);
      for (let m = from + 1; m < to; m++) {
        const ord = members[m];
        let joined = false;
        for (const rep of reps) {
          stats.candidate_pairs++;
          if (similarity.similar(rep, ord)) {
            sink(rep, ord);
            stats.similar_pairs++;
            if (sampled) checkPair(table, rep, ord, options.minJaccard, stats, 'edge');
            joined = true;
            break;
          }
        }
        if (!joined) {
          stats.rejected_members++;
          if (reps.length < maxReps) reps.push(ord);
        }
      }
      if (sampled) for (let m = from + 1; m < to; m++) checkPair(table, members[from], members[m], options.minJaccard, stats, 'candidate');
    });
  }
}

/** The sampled check: the exact Jaccard of one pair of a sampled bucket. */
function checkPair(table: DocTable, a: number, b: number, minJaccard: number, stats: BandStats, kind: 'edge' | 'candidate'): void {
  const x = table.set(a);
  const y = table.set(b);
  if (!x || !y) return;
  const j = exactJaccard(x, y);
  if (kind === 'edge') {
    stats.checked_edges++;
    if (j < minJaccard) stats.checked_edges_below++;
  } else {
    stats.checked_candidates++;
    stats.checked_jaccard_sum += Math.round(j * 10000);
    if (j < minJaccard) stats.checked_candidates_below++;
  }
}

/**
 * Whether a candidate pair is a near duplicate (config.ts similarityRule): exact Jaccard of the
 * shingle sets >= min_jaccard with `verify` or when both documents are short (they carry their
 * sets), else the MinHash estimate with its margin: at least `minAgree` agreeing positions.
 * Answers are remembered: a close pair meets in many bands.
 */
class Similarity {
  private readonly cache = new Map<number, boolean>();
  private readonly first: Uint16Array;

  constructor(
    private readonly table: DocTable,
    private readonly options: BandOptions,
  ) {
    this.first = new Uint16Array(options.permutations);
  }

  similar(a: number, b: number): boolean {
    // a * n + b is a unique integer key while it stays under 2^53.
    const key = this.table.n < 90_000_000 ? a * this.table.n + b : -1;
    const known = key >= 0 ? this.cache.get(key) : undefined;
    if (known !== undefined) return known;
    const result = pairSimilar(this.table, a, b, this.options.rule, this.first);
    if (this.cache.size >= 1 << 20) this.cache.clear();
    if (key >= 0) this.cache.set(key, result);
    return result;
  }
}

/** Whether the rule tests this pair on exact Jaccard (both documents carry their sets). */
export const exactlyTested = (rule: SimilarityRule, flagsA: number, flagsB: number): boolean => rule.verify || (flagsA & flagsB & FLAG_SHORT) !== 0;

/** The similarity test on one pair of the table; `scratch` holds a copy of a's signature. */
export function pairSimilar(table: DocTable, a: number, b: number, rule: SimilarityRule, scratch: Uint16Array): boolean {
  if (exactlyTested(rule, table.flags[a], table.flags[b])) {
    const x = table.set(a);
    const y = table.set(b);
    return x !== null && y !== null && exactJaccard(x, y) >= rule.minJaccard;
  }
  // Copy the first: a signature read from a file is only valid until the next read.
  scratch.set(table.signature(a));
  return agreement16(scratch, table.signature(b)) >= rule.minAgree;
}

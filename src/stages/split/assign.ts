/**
 * Deterministic split assignment: a document's split is a function of (seed, group key) only.
 *
 * The 64-bit seeded hash of the group key (32-bit integer lanes) gives u, its top 48 bits, an
 * integer in [0, 2^48). Each split owns an integer interval of [0, 2^48), laid out in the order the
 * splits are declared; the document goes to the split whose interval holds u. Consequences:
 * - adding documents never moves an existing one (its u and the intervals are unchanged);
 * - every member of a group (same key) lands in the same split;
 * - the worker count and input order do not matter;
 * - no floating-point arithmetic happens per document. Fractions become integer interval sizes
 *   once, as round(f × 2^48): multiplying a double by a power of two is exact and rounding is
 *   deterministic IEEE 754, so every machine derives the same integers from the same config.
 *
 * Sizes: a number in (0, 1) is a fraction; a whole number >= 1 is a count of documents, turned into
 * the fraction count / total where `total` is the expected corpus size given in the config (stable:
 * nothing depends on the data) or, in a global pass, the observed total (exact size, but a later,
 * larger corpus shrinks the interval and moves documents out of the split); `rest` takes what the
 * other splits leave (at most one split). Changing fractions moves documents near interval edges.
 * Groups, not documents, are what gets drawn: with large near-duplicate clusters a count is met
 * in expectation of groups, not exactly.
 */
import { z } from 'zod';
import { hashString64 } from './hash.js';

export const SCALE_BITS = 48;
/** 2^48: the hash space of split assignment. */
export const SCALE = 2 ** SCALE_BITS;

/** A split name doubles as its output directory: a safe name, not one the runner uses. */
export const SplitName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, "_" or "-", starting with a letter')
  .refine((n) => !['kept', 'removed', 'errors', 'dedup', 'reports'].includes(n), 'reserved output directory name');

/** A fraction in (0, 1), a whole count >= 1, or `rest`. */
export const SplitSize = z.union([
  z.number().positive().refine((x) => x < 1 || Number.isInteger(x), 'a fraction below 1 or a whole count of documents'),
  z.literal('rest'),
]);
export type SplitSize = z.infer<typeof SplitSize>;

export const SplitSpec = z
  .record(SplitName, SplitSize)
  .refine((s) => Object.keys(s).length >= 1, 'at least one split')
  .refine((s) => Object.values(s).filter((v) => v === 'rest').length <= 1, 'at most one split can be "rest"');
export type SplitSpec = z.infer<typeof SplitSpec>;

/** Resolved splits: names and the exclusive upper bounds of their intervals, in [0, 2^48]. */
export interface SplitTable {
  names: string[];
  bounds: number[];
}

export class SplitSpecError extends Error {
  override name = 'SplitSpecError';
}

/**
 * Turns sizes into integer intervals. `total` is the corpus size counts refer to (required when a
 * size is a count). Fractions must add up to 1 (within 1e-9) unless a split is `rest`.
 */
export function resolveSplits(spec: SplitSpec, total?: number): SplitTable {
  const names = Object.keys(spec);
  const parts: (number | null)[] = names.map((name) => {
    const size = spec[name];
    if (size === 'rest') return null;
    if (size >= 1) {
      if (total === undefined || !(total > 0)) {
        throw new SplitSpecError(`split "${name}" is a count (${size}): the expected corpus size (expected_documents) must be given`);
      }
      if (size > total) throw new SplitSpecError(`split "${name}" asks for ${size} documents of ${total}`);
      return Math.round((size / total) * SCALE);
    }
    return Math.round(size * SCALE);
  });
  const assigned = parts.reduce<number>((sum, p) => sum + (p ?? 0), 0);
  const restAt = parts.indexOf(null);
  if (restAt >= 0) {
    if (assigned > SCALE) throw new SplitSpecError(`the splits other than "rest" already take ${(assigned / SCALE).toFixed(6)} of the corpus`);
    parts[restAt] = SCALE - assigned;
  } else {
    if (Math.abs(assigned - SCALE) > SCALE * 1e-9) throw new SplitSpecError(`split sizes add up to ${(assigned / SCALE).toFixed(9)}, not 1 (or make one split "rest")`);
    // Rounding leftovers (a few units of 2^-48) go to the last split, so the intervals tile [0, 2^48).
    parts[parts.length - 1] = SCALE - (assigned - parts[parts.length - 1]!);
  }
  const bounds: number[] = [];
  let at = 0;
  for (const p of parts) bounds.push((at += p!));
  return { names, bounds };
}

/** The position of a group in [0, 2^48): the top 48 bits of its seeded 64-bit hash. */
export function splitPoint(groupKey: string, seed: number): number {
  const { hi, lo } = hashString64(groupKey, seed);
  return hi * 65536 + (lo >>> 16);
}

const resolved = new WeakMap<SplitSpec, SplitTable>();

const isTable = (splits: SplitTable | SplitSpec): splits is SplitTable => Array.isArray((splits as SplitTable).bounds) && Array.isArray((splits as SplitTable).names);

/**
 * The split of a group: pure, stable under corpus growth, the same on every machine. `splits` is
 * a resolved table, or sizes (`{train: 0.98, validation: 0.01, test: 0.01}`, fractions or `rest`
 * only: counts need `resolveSplits` with a total), resolved once per object.
 */
export function assignSplit(groupKey: string, seed: number, splits: SplitTable | SplitSpec): string {
  let table: SplitTable;
  if (isTable(splits)) table = splits;
  else {
    let t = resolved.get(splits);
    if (!t) resolved.set(splits, (t = resolveSplits(splits)));
    table = t;
  }
  const u = splitPoint(groupKey, seed);
  const { names, bounds } = table;
  for (let i = 0; i < bounds.length; i++) if (u < bounds[i]) return names[i];
  return names[names.length - 1]; // unreachable: the last bound is 2^48
}

/**
 * The host of a URL, lowercased, without a leading `www.`, for grouping by site; undefined for a
 * missing or unparsable URL. (Registrable domains would need the public suffix list: hosts keep
 * `news.example.com` and `example.com` apart.)
 */
export function urlDomain(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  host = host.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('www.')) host = host.slice(4);
  return host || undefined;
}

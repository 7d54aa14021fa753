/**
 * Which LSH buckets the false-positive check samples: one in `oneIn`, chosen by a hash of the
 * bucket's band and key. The worker uses it to decide which documents carry their shingle set (a
 * member of a sampled bucket), the bucket step to decide which pairs to check; both must agree,
 * and because the choice is a function of the bucket alone, any split of the buckets over tasks
 * checks the same pairs.
 */
import { fmix32 } from './prng.js';

export function sampledBucket(band: number, hi: number, lo: number, oneIn: number): boolean {
  if (oneIn <= 0) return false;
  if (oneIn === 1) return true;
  // Only the low 20 bits of hi: bucket keys are 52 bits (see bands.ts).
  const h = fmix32(fmix32((hi & 0xfffff) ^ Math.imul(band + 1, 0x9e3779b1)) ^ lo) >>> 0;
  return h % oneIn === 0;
}

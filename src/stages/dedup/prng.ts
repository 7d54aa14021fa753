/**
 * A seeded 32-bit integer PRNG for the MinHash permutation parameters: SplitMix32 (the 32-bit
 * variant of Steele, Lea & Flood's SplitMix, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014, with the MurmurHash3 finaliser as output function). Integer arithmetic only
 * (`Math.imul`, shifts), so every thread, process and machine derives the same parameters from
 * the same seed; `Math.random` and floating point are never involved.
 */

/** Returns a generator of unsigned 32-bit integers. */
export function splitMix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit integers with full avalanche. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

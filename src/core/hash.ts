/**
 * 64-bit string hashes from 32-bit integer arithmetic (Math.imul, shifts, xors on two lanes): no
 * floating point, no BigInt, so every thread, process and machine gets the same bits. A 64-bit
 * value travels as two unsigned 32-bit halves, `hi` and `lo`.
 */

/** MurmurHash3's 32-bit finaliser: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

export interface Hash64 {
  hi: number;
  lo: number;
}

/**
 * A seeded 64-bit hash of a string's UTF-16 code units: two murmur3-style lanes with different
 * constants, cross-mixed and finalised at the end. Code units, not UTF-8 bytes, so the result
 * never depends on an encoder.
 */
export function hashString64(text: string, seed = 0): Hash64 {
  let h1 = (seed ^ 0x9e3779b9) | 0;
  let h2 = (seed ^ 0x7f4a7c15) | 0;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    let k1 = Math.imul(u, 0xcc9e2d51);
    k1 = Math.imul(rotl(k1, 15), 0x1b873593);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(u ^ 0x5bd1e995, 0x38b34ae5);
    k2 = Math.imul(rotl(k2, 17), 0xa1e38b93);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 15), 5) + 0x561ccd1b) | 0;
  }
  h1 ^= text.length;
  h2 ^= text.length;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}

/** 16 lowercase hex digits, `hi` first. */
export function hex64(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

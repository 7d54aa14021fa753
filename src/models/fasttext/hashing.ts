/**
 * fastText's hashes. Words and character n-grams: 32-bit FNV-1a over UTF-8 bytes, each byte
 * sign-extended first (fastText hashes `int8_t`s), taken modulo the bucket count. Word n-grams:
 * a 64-bit combination of the words' hashes (`Dictionary::addWordNgrams`).
 */

/** As an int32, so hash variables stay small integers in the JIT (0x811c9dc5 itself is a double). */
export const fnvOffset = 0x811c9dc5 | 0;
export const fnvPrime = 0x01000193;

/** One byte into FNV-1a as fastText feeds it: a signed char. */
export const fnvByte = (h: number, b: number): number => Math.imul(h ^ (b < 0x80 ? b : 0xffffff00 | b), fnvPrime);

/** fastText's hash of `bytes[start, end)`, as an unsigned 32-bit number. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = fnvOffset;
  for (let i = start; i < end; i++) h = fnvByte(h, bytes[i]);
  return h >>> 0;
}

/**
 * `h mod m` for an unsigned 32-bit `h`, by multiplying with `1 / m`: an integer division per
 * character n-gram would cost more than everything else done for it. The estimate is off by at
 * most one either way, and corrected.
 */
export function modBucket(h: number, m: number, invM: number): number {
  const r = h - Math.floor(h * invM) * m;
  return r >= m ? r - m : r < 0 ? r + m : r;
}

const K = 116049371;
/** K = KH * 2^14 + KL, so products with a 31-bit number stay below 2^53 (exact in a double). */
const KH = Math.floor(K / 16384);
const KL = K % 16384;
const K64 = BigInt(K);
const mask64 = (1n << 64n) - 1n;

/** `x mod m` for |x| < 2^53, in [0, m). */
function modM(x: number, m: number): number {
  const r = x - Math.floor(x / m) * m;
  return r < 0 ? r + m : r >= m ? r - m : r;
}

/**
 * Word bigrams. fastText keeps word hashes as `int32_t`, sign-extends them into the 64-bit
 * `h = int64(a) * 116049371 + int64(b)`, which wraps at 2^64 when negative, and takes
 * `uint64(h) mod m`. That splits into a part of the left word and a part of the right word, each
 * computed once per word and cached with it, so a bigram costs an addition: exact in doubles.
 */
export const leftPart = (a: number, m: number): number => modM(modM((a | 0) * KH, m) * 16384 + (a | 0) * KL, m);
export const rightPart = (b: number, m: number): number => modM(b | 0, m);

/** `2^64 mod m`: added when `h` is negative, where fastText's unsigned arithmetic wrapped. */
export const wrapPart = (m: number): number => Number((1n << 64n) % BigInt(m));

export function bigramBucket(a: number, left: number, b: number, right: number, m: number, wrap: number): number {
  let r = left + right;
  if (r >= m) r -= m;
  // |a * K| < 2^58 may round, but only when it dwarfs |b| < 2^31, so the sign is exact.
  if ((a | 0) * K + (b | 0) >= 0) return r;
  r += wrap;
  return r >= m ? r - m : r;
}

/** N-grams of three or more words (rare in published models): the same hash in BigInt. */
export function ngramBucket(hashes: Uint32Array, from: number, to: number, m: number): number {
  let h = BigInt(hashes[from] | 0) & mask64;
  for (let k = from + 1; k <= to; k++) h = (h * K64 + (BigInt(hashes[k] | 0) & mask64)) & mask64;
  return Number(h % BigInt(m));
}

/**
 * The 64-bit hashes live in src/core/hash.ts (documents ids, n-grams and splits share them);
 * this module adds what only the split stages need.
 */
import type { Hash64 } from '../../core/hash.js';

export { type Hash64, fmix32, hashString64, hex64 } from '../../core/hash.js';

/** The inverse of hex64; null for anything that is not 16 hex digits. */
export function parseHex64(text: string): Hash64 | null {
  if (!/^[0-9a-f]{16}$/.test(text)) return null;
  return { hi: parseInt(text.slice(0, 8), 16), lo: parseInt(text.slice(8), 16) };
}

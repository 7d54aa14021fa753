/**
 * The one hash of a span of text that every table in the quality stage agrees on: FNV-1a over
 * UTF-16 units from a per-process random seed, with the length folded in at the end (so a scan
 * can hash a token before it knows where the token ends).
 *
 * Outputs never depend on hash values: tables compare equal-hash spans in full. The seed nobody
 * knows keeps crafted colliding words from making probe chains long.
 */
import crypto from 'node:crypto';

export const HASH_SEED = (crypto.getRandomValues(new Uint32Array(1))[0] | 1) ^ 0x811c9dc5;
/** FNV's 32-bit prime; hot loops hash a unit inline as `h = Math.imul(h ^ c, HASH_PRIME)`. */
export const HASH_PRIME = 0x01000193;

/** The final hash of a running hash over `length` units. */
export function finishHash(h: number, length: number): number {
  h = Math.imul(h ^ length, 0x85ebca6b);
  return h ^ (h >>> 15);
}

/** The hash of `text[start:end]`. */
export function spanHash(text: string, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), HASH_PRIME);
  return finishHash(h, end - start);
}

/** Whether `text[a:a+len]` equals `text[b:b+len]`. */
export function sameSpan(text: string, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let k = 0; k < len; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/**
 * The tokens of recently seen chunks (whitespace-free strings that need the full affix rules,
 * such as "said." or "1.5"), so a chunk that repeats costs one probe instead of the rules again.
 * A chunk's tokens depend on its text alone (offsets relative to it; only the first token takes
 * the whitespace flag of the chunk), so a cached result is the result.
 *
 * Direct-mapped by the chunk's hash, fixed size: a colliding chunk replaces the old one. Each slot
 * is one contiguous record in an Int32Array (the chunk's units and its tokens), so a probe reads
 * one or two cache lines and no string object. Only short chunks with few tokens are kept, so the
 * table stays small (1.6 MB) whatever the input. With 2^12 slots, 49 % of Reuters' non-letter chunks
 * were found here; with 2^14, 64 % in one pass (the quality stage +4 % without language ID).
 * chunk-scan.wat replays records in place with this layout (slots, record size and offsets written
 * there as numbers): a change here is a change there.
 */
import type { TokenBuffer } from './token-buffer.js';

const SLOTS = 1 << 14;
/** Longest chunk kept (UTF-16 units). */
export const MAX_CACHED_CHUNK = 24;
/** Most tokens of a chunk kept. */
const MAX_TOKENS = 6;
// A record: [length | tokens << 8, units two per int..., per token: start | end << 8 | length << 16 | flags << 24, hash].
const UNITS_AT = 1;
const TOKENS_AT = UNITS_AT + MAX_CACHED_CHUNK / 2;
const RECORD = TOKENS_AT + 2 * MAX_TOKENS;
/** Bytes of the cache's records (chunk-scan.wat reads them in place: see `ChunkCache` and the kernel). */
export const CHUNK_CACHE_BYTES = SLOTS * RECORD * 4;

export class ChunkCache {
  private readonly records: Int32Array;

  /** In `memory` from byte `offset` on (CHUNK_CACHE_BYTES, zeroed), e.g. a kernel's; else in an array of its own. */
  constructor(memory?: { buffer: ArrayBuffer; offset: number }) {
    this.records = memory ? new Int32Array(memory.buffer, memory.offset, SLOTS * RECORD) : new Int32Array(SLOTS * RECORD);
  }

  /** Appends the cached tokens of `text[a:b]` (hash `hash`) to `out`; false when not cached. */
  replay(text: string, a: number, b: number, hash: number, out: TokenBuffer, wsBefore: number): boolean {
    const r = this.records;
    const at = (hash & (SLOTS - 1)) * RECORD;
    const head = r[at];
    if ((head & 0xff) !== b - a) return false;
    for (let i = a, u = at + UNITS_AT; i < b; i += 2, u++) {
      const pair = r[u];
      if ((pair & 0xffff) !== text.charCodeAt(i)) return false;
      if (i + 1 < b && pair >>> 16 !== text.charCodeAt(i + 1)) return false;
    }
    const end = at + TOKENS_AT + 2 * (head >>> 8);
    let ws = wsBefore;
    for (let k = at + TOKENS_AT; k < end; k += 2) {
      const t = r[k];
      out.pushDescribed(a + (t & 0xff), a + ((t >>> 8) & 0xff), ws, r[k + 1], (t >>> 16) & 0xff, t >>> 24);
      ws = 0;
    }
    return true;
  }

  /** Keeps the tokens `[first, out.count)` of `out` as those of `text[a:b]`, when they fit. */
  store(text: string, a: number, b: number, hash: number, out: TokenBuffer, first: number): void {
    const n = out.count - first;
    const len = b - a;
    if (len === 0 || len > MAX_CACHED_CHUNK || n > MAX_TOKENS) return;
    const r = this.records;
    const at = (hash & (SLOTS - 1)) * RECORD;
    r[at] = len | (n << 8);
    for (let i = 0, u = at + UNITS_AT; i < len; i += 2, u++) r[u] = text.charCodeAt(a + i) | ((i + 1 < len ? text.charCodeAt(a + i + 1) : 0) << 16);
    for (let k = 0; k < n; k++) {
      const t = first + k;
      r[at + TOKENS_AT + 2 * k] = (out.starts[t] - a) | ((out.ends[t] - a) << 8) | (out.lengths[t] << 16) | (out.flags[t] << 24);
      r[at + TOKENS_AT + 2 * k + 1] = out.hashes[t];
    }
  }
}

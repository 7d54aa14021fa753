/**
 * All observed documents as one table indexed by ordinal (rank in input order, by key), over the
 * chunks that hold them. Chunks arrive in observe order, which is input order except after a
 * resume; the ordinal, not the observe order, is what every decision depends on.
 */
import { WinnowError } from '../../core/errors.js';
import type { Chunk } from './chunks.js';

export class DocTable {
  readonly n: number;
  /** Key of each ordinal, ascending. */
  readonly keys: Float64Array;
  readonly flags: Uint8Array;
  readonly exactHi: Uint32Array;
  readonly exactLo: Uint32Array;
  readonly keepValues: Float64Array;
  /** Global (observe) index of each ordinal, or null when they coincide. */
  private readonly globalOfOrd: Int32Array | null;
  private readonly ordOfGlobal: Int32Array | null;
  private readonly base: Float64Array;
  private cursor = 0;

  constructor(readonly chunks: Chunk[]) {
    this.base = new Float64Array(chunks.length + 1);
    for (let c = 0; c < chunks.length; c++) this.base[c + 1] = this.base[c] + chunks[c].count;
    const n = (this.n = this.base[chunks.length]);
    const all = new Float64Array(n);
    let sorted = true;
    for (let c = 0; c < chunks.length; c++) all.set(chunks[c].keys, this.base[c]);
    for (let g = 1; g < n; g++) if (!(all[g] > all[g - 1])) sorted = false;
    if (sorted) {
      this.keys = all;
      this.globalOfOrd = null;
      this.ordOfGlobal = null;
    } else {
      this.keys = all.slice().sort();
      for (let g = 1; g < n; g++) if (this.keys[g] === this.keys[g - 1]) throw new WinnowError('stage', `dedup: document key ${this.keys[g]} observed twice`);
      this.ordOfGlobal = new Int32Array(n);
      this.globalOfOrd = new Int32Array(n);
      for (let g = 0; g < n; g++) {
        const ord = lowerBound(this.keys, all[g]);
        this.ordOfGlobal[g] = ord;
        this.globalOfOrd[ord] = g;
      }
    }
    this.flags = new Uint8Array(n);
    this.exactHi = new Uint32Array(n);
    this.exactLo = new Uint32Array(n);
    this.keepValues = new Float64Array(n);
    this.forEachDoc((ord, chunk, i) => {
      this.flags[ord] = chunk.flags[i];
      this.exactHi[ord] = chunk.exact[2 * i];
      this.exactLo[ord] = chunk.exact[2 * i + 1];
      this.keepValues[ord] = chunk.keepValues[i];
    });
  }

  /** Calls `fn` for every document, chunk by chunk. */
  forEachDoc(fn: (ord: number, chunk: Chunk, i: number) => void): void {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      const base = this.base[c];
      for (let i = 0; i < chunk.count; i++) fn(this.ordOfGlobal ? this.ordOfGlobal[base + i] : base + i, chunk, i);
    }
  }

  /** Ordinal position of every document of chunk c (for placing a chunk's band keys). */
  ordAt(c: number, i: number): number {
    const g = this.base[c] + i;
    return this.ordOfGlobal ? this.ordOfGlobal[g] : g;
  }

  locate(ord: number): { chunk: Chunk; i: number } {
    const g = this.globalOfOrd ? this.globalOfOrd[ord] : ord;
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.base[mid] <= g) lo = mid;
      else hi = mid - 1;
    }
    return { chunk: this.chunks[lo], i: g - this.base[lo] };
  }

  signature(ord: number): Uint16Array {
    const { chunk, i } = this.locate(ord);
    return chunk.signature(i);
  }

  id(ord: number): Uint8Array {
    const { chunk, i } = this.locate(ord);
    return chunk.id(i);
  }

  set(ord: number): Uint32Array | null {
    const { chunk, i } = this.locate(ord);
    return chunk.set(i);
  }

  /** The ordinal of a key, or -1. Calls in ascending key order are O(1). */
  ordOfKey(key: number): number {
    const keys = this.keys;
    if (this.cursor < this.n && keys[this.cursor] === key) return this.cursor++;
    const ord = lowerBound(keys, key);
    if (ord >= this.n || keys[ord] !== key) return -1;
    this.cursor = ord + 1;
    return ord;
  }
}

export function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

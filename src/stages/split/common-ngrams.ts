/**
 * Common phrases: GPT-3 ignored 13-grams that matched more than 10 training documents, since
 * "inspection showed the majority of these to contain common cultural phrases, legal boilerplate,
 * or similar content" (Brown et al. 2020, appendix C). This counts, per index slot, the training
 * documents that contain each indexed n-gram, and turns the counts into a mask for `scanText`.
 *
 * Counting needs a pass over the training documents before the decisions (the runner's global
 * pass): scan each document without a mask, `observe` the scan, merge the counters of workers or
 * batches (counts add), then `ignoreMask(maxDocs)`. Slots are those of one finished index, so the
 * counter and mask belong to that index (its serialised form keeps the same slots).
 */
import type { NgramIndex } from './ngram-index.js';
import type { DocScan } from './scan.js';

const MAGIC = 0x43474e57; // "WNGC"

export class CommonNgramCounter {
  readonly counts: Uint32Array;

  constructor(capacityOrCounts: number | Uint32Array) {
    this.counts = typeof capacityOrCounts === 'number' ? new Uint32Array(capacityOrCounts) : capacityOrCounts;
  }

  static forIndex(index: NgramIndex): CommonNgramCounter {
    return new CommonNgramCounter(index.capacity);
  }

  /** One training document: each distinct matched n-gram counts once (saturating at 2^32 - 1). */
  observe(scan: DocScan): void {
    for (const slot of scan.slots) if (this.counts[slot] !== 0xffffffff) this.counts[slot]++;
  }

  /** Adds another counter's counts (other workers, batches or shards). */
  merge(other: CommonNgramCounter): void {
    if (other.counts.length !== this.counts.length) throw new Error('counters of different indexes cannot be merged');
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < a.length; i++) {
      const sum = a[i] + b[i];
      a[i] = sum > 0xffffffff ? 0xffffffff : sum;
    }
  }

  /** 1 for every n-gram found in more than `maxDocs` training documents. */
  ignoreMask(maxDocs: number): Uint8Array {
    const mask = new Uint8Array(this.counts.length);
    for (let i = 0; i < mask.length; i++) if (this.counts[i] > maxDocs) mask[i] = 1;
    return mask;
  }

  /** n-grams over the limit (for the report). */
  countOver(maxDocs: number): number {
    let k = 0;
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > maxDocs) k++;
    return k;
  }

  /** Magic, length, then the counts (platform byte order, as the index). */
  toBuffer(): Uint8Array {
    const out = new Uint32Array(2 + this.counts.length);
    out[0] = MAGIC;
    out[1] = this.counts.length;
    out.set(this.counts, 2);
    return new Uint8Array(out.buffer);
  }

  static fromBuffer(bytes: Uint8Array): CommonNgramCounter {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4));
    if (u32[0] !== MAGIC || u32.length !== 2 + u32[1]) throw new Error('not an n-gram counter');
    return new CommonNgramCounter(u32.subarray(2));
  }
}

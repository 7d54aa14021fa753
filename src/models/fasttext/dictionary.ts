/**
 * The dictionary side of `Dictionary::getLine`: which input rows a token stands for. A known
 * word is its own row, and (when the model has character n-grams) the rows of the n-grams of
 * `<word>`, 'minn' to 'maxn' code points, hashed into buckets (`Dictionary::computeSubwords`);
 * an unknown word only the n-grams. A bucket that `quantize -cutoff` dropped has no row.
 *
 * Tokens arrive as spans of a string, so looking one up copies nothing: words are found by a
 * hash of their UTF-16 units (`spanKey`, also the word-sum cache's key) and compared in place.
 */
import { fnvByte, fnvOffset, fnvPrime, hashBytes, modBucket } from './hashing.js';
import { IntMap } from './int-map.js';
import type { Matrix } from './matrix.js';
import type { ModelFile } from './model-file.js';

export const eos = '</s>';
export const labelPrefix = '__label__';

/** Key of `text[start, end)`: FNV-1a over UTF-16 units, high bits folded down (not fastText's hash). */
export function spanKey(text: string, start: number, end: number): number {
  let h = fnvOffset;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), fnvPrime);
  return h ^ (h >>> 15);
}

/** fastText skips tokens that look like labels: they are neither words nor n-grams. */
export const isLabel = (text: string, start: number, end: number): boolean =>
  text.charCodeAt(start) === 95 && end - start >= labelPrefix.length && text.startsWith(labelPrefix, start); // 95 = '_'

const utf8 = new TextDecoder('utf-8');

export class Dictionary {
  /** Label names without `__label__`, in the model's order. */
  readonly labels: string[];
  /** The word `</s>` (every line ends with it), or -1. */
  readonly eosId: number;
  /** fastText's hash of each word (for word n-grams). */
  readonly wordHashes: Uint32Array;
  /** fastText's hash of the last token given to `addTokenRows` or `hashOf`. */
  hash = 0;

  private readonly words: string[];
  private readonly nwords: number;
  /** Open addressing: `spanKey` → word id, -1 empty. */
  private readonly table: Int32Array;
  private readonly minn: number;
  private readonly maxn: number;
  private readonly bucket: number;
  private readonly invBucket: number;
  /**
   * Pruned models: a bit per bucket kept, then bucket → row past the words. Most n-grams fall in
   * dropped buckets, and this bit set (256 KB for 2 million buckets) answers that from cache.
   */
  private readonly kept: Uint8Array | null;
  private readonly keptRows: IntMap | null;
  /** `<token>` in UTF-8, reused. */
  private bytes = new Uint8Array(256);

  constructor(file: ModelFile) {
    const { args } = file;
    this.words = file.words.map((w) => utf8.decode(w));
    this.nwords = this.words.length;
    this.wordHashes = Uint32Array.from(file.words, (w) => hashBytes(w, 0, w.length));
    this.labels = file.labels.map((l) => (l.startsWith(labelPrefix) ? l.slice(labelPrefix.length) : l));
    this.minn = args.minn;
    this.maxn = args.bucket > 0 ? args.maxn : 0;
    this.bucket = args.bucket;
    this.invBucket = 1 / args.bucket;
    if (file.keptBuckets) {
      this.kept = new Uint8Array((args.bucket + 7) >> 3);
      this.keptRows = new IntMap(file.keptBuckets.length / 2);
      for (let i = 0; i < file.keptBuckets.length; i += 2) {
        const b = file.keptBuckets[i];
        this.kept[b >> 3] |= 1 << (b & 7);
        this.keptRows.set(b, file.keptBuckets[i + 1]);
      }
    } else {
      this.kept = null;
      this.keptRows = null;
    }
    let slots = 16;
    while (slots < this.nwords * 2) slots *= 2;
    this.table = new Int32Array(slots).fill(-1);
    this.words.forEach((w, id) => {
      let slot = spanKey(w, 0, w.length) & (slots - 1);
      while (this.table[slot] >= 0) slot = (slot + 1) & (slots - 1);
      this.table[slot] = id;
    });
    this.eosId = this.find(eos, 0, eos.length, spanKey(eos, 0, eos.length));
  }

  /**
   * What `addTokenRows` reads, for a kernel that does the same (pruned models only): the word
   * table (`spanKey` → id, -1 empty), the words, the kept-bucket bits and map, and the n-gram
   * parameters.
   */
  prunedTables(): { table: Int32Array; words: readonly string[]; kept: Uint8Array; keptRows: IntMap; minn: number; maxn: number; bucket: number } | undefined {
    if (!this.kept || !this.keptRows) return undefined;
    return { table: this.table, words: this.words, kept: this.kept, keptRows: this.keptRows, minn: this.minn, maxn: this.maxn, bucket: this.bucket };
  }

  /** The id of the word `text[start, end)` (whose `spanKey` is `key`), or -1. */
  find(text: string, start: number, end: number, key: number): number {
    const table = this.table;
    const mask = table.length - 1;
    const len = end - start;
    let slot = key & mask;
    for (let id = table[slot]; id >= 0; id = table[(slot = (slot + 1) & mask)]) {
      const w = this.words[id];
      if (w.length !== len) continue;
      let k = 0;
      while (k < len && w.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === len) return id;
    }
    return -1;
  }

  /** The input row of n-gram bucket `b`, or -1 when the model dropped it. */
  bucketRow(b: number): number {
    if (!this.kept) return this.nwords + b;
    if ((this.kept[b >> 3] & (1 << (b & 7))) === 0) return -1;
    return this.nwords + this.keptRows!.get(b);
  }

  /** fastText's hash of token `text[start, end)`. */
  hashOf(text: string, start: number, end: number): number {
    this.encode(text, start, end);
    return this.hash;
  }

  /**
   * Adds the rows of token `text[start, end)` to `into` (its own row first, then its n-grams', in
   * fastText's order) and returns how many; leaves the token's fastText hash in `hash`.
   */
  addTokenRows(text: string, start: number, end: number, key: number, input: Matrix, into: Float64Array): number {
    const n = this.encode(text, start, end);
    const bytes = this.bytes;
    let count = 0;
    const id = this.find(text, start, end, key);
    if (id >= 0) {
      input.addRow(into, id);
      count++;
    }
    // `</s>` has no n-grams, known or not.
    if (this.maxn === 0 || (end - start === eos.length && text.startsWith(eos, start))) return count;
    const { minn, maxn, bucket, invBucket, kept, keptRows, nwords } = this;
    for (let i = 0; i < n; i++) {
      if ((bytes[i] & 0xc0) === 0x80) continue;
      // The n-grams starting at i share prefixes: extend one hash instead of rehashing each.
      let h = fnvOffset;
      let j = i;
      for (let len = 1; j < n && len <= maxn; len++) {
        do h = fnvByte(h, bytes[j++]);
        while (j < n && (bytes[j] & 0xc0) === 0x80);
        if (len < minn || (len === 1 && (i === 0 || j === n))) continue;
        // `bucketRow`, inline: this loop is most of the cost of a word not cached.
        const b = modBucket(h >>> 0, bucket, invBucket);
        if (kept && (kept[b >> 3] & (1 << (b & 7))) === 0) continue;
        input.addRow(into, nwords + (keptRows ? keptRows.get(b) : b));
        count++;
      }
    }
    return count;
  }

  /**
   * `<` + the UTF-8 bytes of `text[start, end)` + `>` into `bytes`; returns the length, and
   * leaves the token's hash in `hash`. A lone surrogate becomes U+FFFD, as `TextEncoder` and
   * Node's `Buffer` encode it.
   */
  private encode(text: string, start: number, end: number): number {
    const need = 3 * (end - start) + 2;
    if (this.bytes.length < need) this.bytes = new Uint8Array(need * 2);
    const b = this.bytes;
    let n = 1;
    let h = fnvOffset;
    b[0] = 0x3c;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        b[n++] = c;
        h = Math.imul(h ^ c, fnvPrime);
        continue;
      }
      if (c >= 0xd800 && c < 0xe000) {
        const lo = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        } else c = 0xfffd;
      }
      const first = n;
      if (c < 0x800) {
        b[n++] = 0xc0 | (c >> 6);
      } else if (c < 0x10000) {
        b[n++] = 0xe0 | (c >> 12);
        b[n++] = 0x80 | ((c >> 6) & 0x3f);
      } else {
        b[n++] = 0xf0 | (c >> 18);
        b[n++] = 0x80 | ((c >> 12) & 0x3f);
        b[n++] = 0x80 | ((c >> 6) & 0x3f);
      }
      b[n++] = 0x80 | (c & 0x3f);
      for (let k = first; k < n; k++) h = fnvByte(h, b[k]);
    }
    this.hash = h >>> 0;
    b[n++] = 0x3e;
    return n;
  }

}

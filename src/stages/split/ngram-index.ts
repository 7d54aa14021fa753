/**
 * A compact hash set of 64-bit n-gram hashes (open addressing, linear probing, typed arrays), each
 * entry pointing back to the benchmark items or held-out documents it came from.
 *
 * Memory: a slot is 12 bytes, three Uint32 side by side (key high, key low, item reference), so a
 * probe touches one cache line; the table doubles at load 1/2, so 1 M n-grams take 2^21 slots =
 * 24 MiB. A JS `Set` of 13-word strings would take several hundred bytes per n-gram.
 *
 * Most lookups miss (training text rarely quotes a benchmark), so tables of 2^17 slots and more
 * carry a presence bitmap of 8 bits per slot (one bit set per key, chosen by the key's high half,
 * which the slot does not use): 1/12 of the table's size, it answers about 15 of 16 misses without
 * touching the table, which no longer fits in the processor's caches. 1 M n-grams: 24 + 2 MiB.
 * It is rebuilt on load, not serialised.
 *
 * Item references: the reference is 0 for an empty slot, `item + 1` for an n-gram of one item, or
 * `MULTI | list` when several items share the n-gram (`lists[list]` holds them, at most
 * `MAX_ITEMS_PER_NGRAM`: an n-gram shared by that many items is boilerplate, not a fingerprint).
 *
 * The whole index serialises to one buffer (`toBuffer`) and loads back without copying the tables
 * (`fromBuffer`, which also accepts a view of a SharedArrayBuffer, so worker threads can share one
 * copy). Slots are stable once building is finished, so per-slot side arrays (the common n-gram
 * counter) stay valid across serialisation.
 */
import { hex64 } from './hash.js';
import { NgramBuffer, TOKENIZER_VERSION, checkN, hashNgrams } from './ngrams.js';

export type SourceKind = 'benchmark' | 'split';

export interface IndexSource {
  /** Benchmark name (`gsm8k`) or held-out split name (`test`). */
  name: string;
  kind: SourceKind;
}

export interface IndexItem {
  source: number;
  /** The item's id in its source: a benchmark's task id or line number, a document's id. */
  id: string;
  /** Normalised words over all its text fields. */
  words: number;
  /** Distinct n-grams attributed to it. */
  ngrams: number;
}

export interface SourceSummary {
  name: string;
  kind: SourceKind;
  items: number;
  /** Items with at least one n-gram (the others are shorter than n words). */
  items_indexed: number;
  /** Distinct n-grams attributed to the source's items. */
  ngrams: number;
}

const MULTI = 0x80000000;
export const MAX_ITEMS_PER_NGRAM = 64;
const MAGIC = 0x49474e57; // "WNGI" little-endian
const FORMAT_VERSION = 1;
const BYTE_ORDER = 0x01020304;
const HEADER_WORDS = 12;
/** Tables from this many slots on get the presence bitmap (smaller ones fit in cache anyway). */
const FILTER_MIN_CAPACITY = 1 << 17;

const scratch = new NgramBuffer();

function nextPow2(x: number): number {
  let p = 16;
  while (p < x) p *= 2;
  return p;
}

export class NgramIndex {
  readonly n: number;
  readonly sources: IndexSource[] = [];
  readonly items: IndexItem[] = [];
  /** Distinct n-grams. */
  size = 0;
  /** n-grams that hit MAX_ITEMS_PER_NGRAM items and stopped recording more. */
  saturated = 0;
  /** Slot s: `table[3s]` key high, `table[3s + 1]` key low, `table[3s + 2]` reference. */
  private table: Uint32Array;
  /** Presence bitmap (8 bits per slot), or an empty array for small tables. */
  private filter: Uint32Array = new Uint32Array(0);
  private filterMask = 0;
  private lists: number[][] = [];
  private mask: number;
  private itemLookup: Map<string, number> | null = null;
  /** Loaded tables may be views of a buffer other threads share: never written. */
  private loaded = false;

  constructor(n: number, expectedNgrams = 0) {
    checkN(n);
    this.n = n;
    const capacity = nextPow2(Math.max(16, expectedNgrams * 2));
    this.table = new Uint32Array(capacity * 3);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the tables (keys, references, shared-item lists), not counting the item table. */
  get tableBytes(): number {
    let lists = 0;
    for (const l of this.lists) lists += 4 * l.length + 16;
    return this.table.byteLength + this.filter.byteLength + lists;
  }

  addSource(name: string, kind: SourceKind): number {
    const existing = this.sources.findIndex((s) => s.name === name && s.kind === kind);
    if (existing >= 0) return existing;
    this.sources.push({ name, kind });
    return this.sources.length - 1;
  }

  /**
   * Adds one benchmark item or held-out document: the n-grams of each text field separately (no
   * n-gram spans two fields). Returns the item's index.
   */
  addItem(source: number, id: string, texts: readonly string[]): number {
    if (this.loaded) throw new Error('a loaded n-gram index is read-only');
    if (source < 0 || source >= this.sources.length) throw new RangeError(`unknown source ${source}`);
    const item = this.items.length;
    if (item + 1 >= MULTI) throw new RangeError('too many items for one index');
    const entry: IndexItem = { source, id, words: 0, ngrams: 0 };
    this.items.push(entry);
    this.itemLookup = null;
    for (const text of texts) {
      const count = hashNgrams(text, this.n, scratch);
      entry.words += scratch.words;
      for (let i = 0; i < count; i++) if (this.insert(scratch.hi[i], scratch.lo[i], item)) entry.ngrams++;
    }
    scratch.shrink();
    return item;
  }

  /**
   * Adds an item from n-gram hashes computed elsewhere (e.g. `hashNgrams` in a worker, sent as a
   * global stage's payload), with the same n and tokenizer. Returns the item's index.
   */
  addItemHashes(source: number, id: string, hi: ArrayLike<number>, lo: ArrayLike<number>, words = 0): number {
    if (this.loaded) throw new Error('a loaded n-gram index is read-only');
    if (source < 0 || source >= this.sources.length) throw new RangeError(`unknown source ${source}`);
    if (hi.length !== lo.length) throw new RangeError('hash halves differ in length');
    const item = this.items.length;
    const entry: IndexItem = { source, id, words, ngrams: 0 };
    this.items.push(entry);
    this.itemLookup = null;
    for (let i = 0; i < hi.length; i++) if (this.insert(hi[i] >>> 0, lo[i] >>> 0, item)) entry.ngrams++;
    return item;
  }

  /** Adds an (n-gram, item) pair; returns whether the pair is new. */
  insert(hi: number, lo: number, item: number): boolean {
    if (this.loaded) throw new Error('a loaded n-gram index is read-only');
    if ((this.size + 1) * 2 > this.capacity) this.rehash(this.capacity * 2);
    const t = this.table;
    let slot = lo & this.mask;
    for (;;) {
      const ref = t[3 * slot + 2];
      if (ref === 0) {
        t[3 * slot] = hi;
        t[3 * slot + 1] = lo;
        t[3 * slot + 2] = item + 1;
        this.size++;
        if (this.filterMask) this.filter[(hi & this.filterMask) >>> 5] |= 1 << (hi & 31);
        return true;
      }
      if (t[3 * slot] === hi && t[3 * slot + 1] === lo) return this.attach(slot, ref, item);
      slot = (slot + 1) & this.mask;
    }
  }

  private attach(slot: number, ref: number, item: number): boolean {
    if (ref & MULTI) {
      const list = this.lists[ref & ~MULTI];
      // Items are added one after another, so a repeat within an item is always the last entry.
      if (list[list.length - 1] === item || list.includes(item)) return false;
      if (list.length >= MAX_ITEMS_PER_NGRAM) {
        if (list.length === MAX_ITEMS_PER_NGRAM) {
          this.saturated++;
          list.push(-1); // marks saturation once; never read as an item
        }
        return false;
      }
      list.push(item);
      return true;
    }
    if (ref - 1 === item) return false;
    this.lists.push([ref - 1, item]);
    this.table[3 * slot + 2] = (MULTI | (this.lists.length - 1)) >>> 0;
    return true;
  }

  private rehash(capacity: number): void {
    const old = this.table;
    const t = (this.table = new Uint32Array(capacity * 3));
    this.mask = capacity - 1;
    for (let s = 0; s < old.length; s += 3) {
      const ref = old[s + 2];
      if (ref === 0) continue;
      const lo = old[s + 1];
      let slot = lo & this.mask;
      while (t[3 * slot + 2] !== 0) slot = (slot + 1) & this.mask;
      t[3 * slot] = old[s];
      t[3 * slot + 1] = lo;
      t[3 * slot + 2] = ref;
    }
    this.buildFilter();
  }

  private buildFilter(): void {
    const capacity = this.capacity;
    if (capacity < FILTER_MIN_CAPACITY) {
      this.filter = new Uint32Array(0);
      this.filterMask = 0;
      return;
    }
    const bits = capacity * 8;
    this.filter = new Uint32Array(bits / 32);
    this.filterMask = bits - 1;
    const t = this.table;
    for (let s = 0; s < t.length; s += 3) {
      if (t[s + 2] === 0) continue;
      const hi = t[s];
      this.filter[(hi & this.filterMask) >>> 5] |= 1 << (hi & 31);
    }
  }

  /** The slot holding this n-gram, or -1. The hot path of scanning. */
  find(hi: number, lo: number): number {
    const fm = this.filterMask;
    if (fm !== 0 && (this.filter[(hi & fm) >>> 5] & (1 << (hi & 31))) === 0) return -1;
    const t = this.table;
    const mask = this.mask;
    let slot = lo & mask;
    for (;;) {
      const at = 3 * slot;
      if (t[at + 2] === 0) return -1;
      if (t[at + 1] === lo && t[at] === hi) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** The items of an occupied slot (one or several). */
  itemsAt(slot: number): number[] {
    const ref = this.table[3 * slot + 2];
    if (ref === 0) return [];
    if (ref & MULTI) return this.lists[ref & ~MULTI].filter((i) => i >= 0);
    return [ref - 1];
  }

  /** The first item of an occupied slot, without allocating (most n-grams belong to one item). */
  firstItemAt(slot: number): number {
    const ref = this.table[3 * slot + 2];
    if (ref & MULTI) return this.lists[ref & ~MULTI][0];
    return ref - 1;
  }

  isShared(slot: number): boolean {
    return (this.table[3 * slot + 2] & MULTI) !== 0;
  }

  keyHex(slot: number): string {
    return hex64(this.table[3 * slot], this.table[3 * slot + 1]);
  }

  /** The 64-bit n-gram hash stored in a slot. */
  keyAt(slot: number): { hi: number; lo: number } {
    return { hi: this.table[3 * slot], lo: this.table[3 * slot + 1] };
  }

  /** An item's index by source name and id (for reports rebuilt from output records), or -1. */
  findItem(source: string, id: string): number {
    if (!this.itemLookup) {
      this.itemLookup = new Map();
      this.items.forEach((it, i) => this.itemLookup!.set(`${this.sources[it.source].name}\u0000${it.id}`, i));
    }
    return this.itemLookup.get(`${source}\u0000${id}`) ?? -1;
  }

  describe(): SourceSummary[] {
    const out: SourceSummary[] = this.sources.map((s) => ({ name: s.name, kind: s.kind, items: 0, items_indexed: 0, ngrams: 0 }));
    for (const it of this.items) {
      const s = out[it.source];
      s.items++;
      if (it.ngrams > 0) s.items_indexed++;
      s.ngrams += it.ngrams;
    }
    return out;
  }

  /**
   * One buffer: a header of 32-bit words (magic, format, byte order, tokenizer version, n,
   * capacity, size, saturated, list count, list entries, JSON bytes, reserved), the slot table,
   * the shared-item lists as offsets + entries, then the item table as JSON.
   */
  toBuffer(): Uint8Array {
    const capacity = this.capacity;
    let entries = 0;
    for (const l of this.lists) entries += l.length;
    const json = new TextEncoder().encode(
      JSON.stringify({ sources: this.sources, items: this.items.map((it) => [it.source, it.id, it.words, it.ngrams]) }),
    );
    const words = HEADER_WORDS + capacity * 3 + (this.lists.length + 1) + entries;
    const bytes = new Uint8Array(words * 4 + json.byteLength);
    const u32 = new Uint32Array(bytes.buffer, 0, words);
    u32.set([MAGIC, FORMAT_VERSION, BYTE_ORDER, TOKENIZER_VERSION, this.n, capacity, this.size, this.saturated, this.lists.length, entries, json.byteLength, 0]);
    let at = HEADER_WORDS;
    u32.set(this.table, at);
    at += capacity * 3;
    let offset = 0;
    for (let i = 0; i < this.lists.length; i++) {
      u32[at + i] = offset;
      offset += this.lists[i].length;
    }
    u32[at + this.lists.length] = offset;
    at += this.lists.length + 1;
    for (const l of this.lists) for (const item of l) u32[at++] = item >>> 0;
    bytes.set(json, words * 4);
    return bytes;
  }

  /** Loads `toBuffer` output. The slot table is a view into `bytes` when aligned (no copy). */
  static fromBuffer(bytes: Uint8Array): NgramIndex {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    if (aligned.byteLength < HEADER_WORDS * 4) throw new Error('not an n-gram index: too short');
    const header = new Uint32Array(aligned.buffer, aligned.byteOffset, HEADER_WORDS);
    const [magic, format, order, tokenizer, n, capacity, size, saturated, listCount, entries, jsonBytes] = header;
    if (magic !== MAGIC) throw new Error('not an n-gram index (bad magic)');
    if (order !== BYTE_ORDER) throw new Error('n-gram index written on a machine of the other byte order');
    if (format !== FORMAT_VERSION) throw new Error(`n-gram index format ${format}, this winnow reads ${FORMAT_VERSION}`);
    if (tokenizer !== TOKENIZER_VERSION) throw new Error(`n-gram index built with tokenizer ${tokenizer}, this winnow uses ${TOKENIZER_VERSION}: rebuild it`);
    const words = HEADER_WORDS + capacity * 3 + listCount + 1 + entries;
    if (capacity & (capacity - 1) || aligned.byteLength !== words * 4 + jsonBytes) throw new Error('corrupt n-gram index (sizes do not match)');
    const u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, words);
    const index = new NgramIndex(n, 0);
    let at = HEADER_WORDS;
    index.table = u32.subarray(at, at + capacity * 3);
    at += capacity * 3;
    index.mask = capacity - 1;
    index.buildFilter();
    index.loaded = true;
    index.size = size;
    index.saturated = saturated;
    const offsets = u32.subarray(at, at + listCount + 1);
    at += listCount + 1;
    for (let i = 0; i < listCount; i++) index.lists.push(Array.from(u32.subarray(at + offsets[i], at + offsets[i + 1]), (x) => (x === 0xffffffff ? -1 : x)));
    const table = JSON.parse(new TextDecoder().decode(aligned.subarray(words * 4))) as { sources: IndexSource[]; items: [number, string, number, number][] };
    index.sources.push(...table.sources);
    for (const [source, id, w, g] of table.items) index.items.push({ source, id, words: w, ngrams: g });
    return index;
  }
}

/**
 * Scanning a document against an n-gram index: every n-gram of the text is looked up; matches are
 * merged into character spans of the original text and attributed to the items they came from.
 * Linear in the text: one hashing pass, one table probe per n-gram, span merging in text order.
 */
import type { NgramIndex } from './ngram-index.js';
import { NgramBuffer, hashNgrams } from './ngrams.js';

export interface ScanOptions {
  /**
   * Per index slot, 1 = ignore this n-gram (a common phrase: see CommonNgramCounter). Must come
   * from the same index.
   */
  ignore?: Uint8Array;
}

/** How much of one item a document matched. */
export interface ItemHit {
  item: number;
  /** Matched n-gram windows of the document that belong to the item. */
  ngrams: number;
  /** The first such window, in the original text. */
  start: number;
  end: number;
}

export interface DocScan {
  n: number;
  /** n-gram windows in the document. */
  windows: number;
  /** Windows found in the index (ignored ones excluded). */
  matched: number;
  /** Windows found in the index but ignored as common. */
  ignored: number;
  /** Merged matched spans `[start, end)` in the original text, in order. */
  spans: [number, number][];
  /** Distinct matched slots, in order of first occurrence, with that occurrence and a count. */
  slots: number[];
  slotStart: number[];
  slotEnd: number[];
  slotCount: number[];
  /** Items hit, most n-grams first (ties: item order). */
  hits: ItemHit[];
}

const buffer = new NgramBuffer();

export function scanText(text: string, index: NgramIndex, options: ScanOptions = {}): DocScan {
  const count = hashNgrams(text, index.n, buffer);
  const { hi, lo, start, end } = buffer;
  const ignore = options.ignore;
  const scan: DocScan = { n: index.n, windows: count, matched: 0, ignored: 0, spans: [], slots: [], slotStart: [], slotEnd: [], slotCount: [], hits: [] };
  let slotAt: Map<number, number> | null = null;
  let hitOf: Map<number, ItemHit> | null = null;
  let spanStart = -1;
  let spanEnd = -1;
  for (let i = 0; i < count; i++) {
    const slot = index.find(hi[i], lo[i]);
    if (slot < 0) continue;
    if (ignore && ignore[slot] === 1) {
      scan.ignored++;
      continue;
    }
    // A match: rare, so the bookkeeping below may allocate.
    scan.matched++;
    const s = start[i];
    const e = end[i];
    if (s <= spanEnd) {
      if (e > spanEnd) spanEnd = e;
    } else {
      if (spanEnd >= 0) scan.spans.push([spanStart, spanEnd]);
      spanStart = s;
      spanEnd = e;
    }
    slotAt ??= new Map();
    const seen = slotAt.get(slot);
    if (seen !== undefined) scan.slotCount[seen]++;
    else {
      slotAt.set(slot, scan.slots.length);
      scan.slots.push(slot);
      scan.slotStart.push(s);
      scan.slotEnd.push(e);
      scan.slotCount.push(1);
    }
    hitOf ??= new Map();
    if (index.isShared(slot)) for (const item of index.itemsAt(slot)) countHit(hitOf, item, s, e);
    else countHit(hitOf, index.firstItemAt(slot), s, e);
  }
  if (spanEnd >= 0) scan.spans.push([spanStart, spanEnd]);
  if (hitOf) scan.hits = [...hitOf.values()].sort((a, b) => b.ngrams - a.ngrams || a.item - b.item);
  buffer.shrink();
  return scan;
}

function countHit(hitOf: Map<number, ItemHit>, item: number, start: number, end: number): void {
  const hit = hitOf.get(item);
  if (hit) hit.ngrams++;
  else hitOf.set(item, { item, ngrams: 1, start, end });
}

/** The merged span containing offset `at` (binary search), or null. */
export function spanContaining(spans: readonly [number, number][], at: number): [number, number] | null {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = spans[mid];
    if (at < s) hi = mid - 1;
    else if (at >= e) lo = mid + 1;
    else return spans[mid];
  }
  return null;
}

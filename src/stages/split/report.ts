/**
 * The contamination report (`contamination.json`): per benchmark and per held-out split, how many
 * items overlap the training data (at least one shared n-gram), how many training documents they
 * touched, the characters removed, the most frequent matched n-grams with their text, and examples
 * with the matched span.
 *
 * Mergeable: workers, batches or shards each fill a report over their documents; `merge` adds the
 * counts, unites the contaminated item sets and keeps the examples with the smallest document ids,
 * so the merged report is the same whatever the split of the work or the merge order. `toState`
 * gives plain, structured-cloneable data for crossing a thread or process boundary.
 */
import type { JsonObject } from '../../core/doc.js';
import type { ContaminationAction } from './actions.js';
import { hex64, parseHex64 } from './hash.js';
import type { NgramIndex } from './ngram-index.js';
import { NgramBuffer, TOKENIZER_VERSION, hashNgrams, normalizedSpan } from './ngrams.js';
import { type DocScan, spanContaining } from './scan.js';

export const REPORT_FORMAT = 'winnow-contamination/1';

export interface ReportOptions {
  action: ContaminationAction;
  /** Most frequent matched n-grams listed per source. @default 20 */
  topNgrams?: number;
  /** Examples listed per source. @default 5 */
  examples?: number;
  /** Characters of matched text shown per example. @default 300 */
  exampleChars?: number;
  /** The common-phrase limit in force, if any (recorded in the report). */
  maxNgramDocs?: number | null;
}

/** What the action did to a document. */
export interface DocOutcome {
  removed: boolean;
  charsRemoved: number;
}

interface NgramAcc {
  documents: number;
  occurrences: number;
  text: string | null;
}

export interface ReportExample {
  doc_id: string;
  item: string;
  span: [number, number];
  /** The matched text in the training document (capped); null when it is no longer available. */
  text: string | null;
}

interface SourceAcc {
  contaminated: Set<number>;
  documents_touched: number;
  documents_removed: number;
  characters_removed: number;
  matched_ngrams: number;
  ngrams: Map<string, NgramAcc>;
  examples: ReportExample[];
}

interface Totals {
  documents_scanned: number;
  characters_scanned: number;
  documents_touched: number;
  documents_removed: number;
  characters_removed: number;
  matched_ngrams: number;
  ignored_common_ngrams: number;
}

/** Plain data of a report, for `structuredClone`/JSON between threads and processes. */
export interface ReportState {
  totals: Totals;
  sources: {
    contaminated: number[];
    documents_touched: number;
    documents_removed: number;
    characters_removed: number;
    matched_ngrams: number;
    ngrams: [string, number, number, string | null][];
    examples: ReportExample[];
  }[];
}

const emptyTotals = (): Totals => ({
  documents_scanned: 0,
  characters_scanned: 0,
  documents_touched: 0,
  documents_removed: 0,
  characters_removed: 0,
  matched_ngrams: 0,
  ignored_common_ngrams: 0,
});

const emptySource = (): SourceAcc => ({
  contaminated: new Set(),
  documents_touched: 0,
  documents_removed: 0,
  characters_removed: 0,
  matched_ngrams: 0,
  ngrams: new Map(),
  examples: [],
});

const exampleOrder = (a: ReportExample, b: ReportExample): number => (a.doc_id < b.doc_id ? -1 : a.doc_id > b.doc_id ? 1 : a.span[0] - b.span[0]);

export class ContaminationReport {
  private totals = emptyTotals();
  private readonly acc: SourceAcc[];
  private readonly topNgrams: number;
  private readonly maxExamples: number;
  private readonly exampleChars: number;

  constructor(
    private readonly index: NgramIndex,
    private readonly options: ReportOptions,
  ) {
    this.acc = index.sources.map(emptySource);
    this.topNgrams = options.topNgrams ?? 20;
    this.maxExamples = options.examples ?? 5;
    this.exampleChars = options.exampleChars ?? 300;
  }

  /** One scanned document; `text` is its text as scanned (before any redaction). */
  observe(docId: string, text: string, scan: DocScan, outcome: DocOutcome): void {
    const t = this.totals;
    t.documents_scanned++;
    t.characters_scanned += text.length;
    t.ignored_common_ngrams += scan.ignored;
    if (scan.hits.length === 0) return;
    t.documents_touched++;
    t.matched_ngrams += scan.matched;
    if (outcome.removed) t.documents_removed++;
    t.characters_removed += outcome.charsRemoved;

    const touched = new Set<number>();
    for (const hit of scan.hits) {
      const source = this.index.items[hit.item].source;
      const acc = this.acc[source];
      acc.contaminated.add(hit.item);
      if (touched.has(source)) continue;
      // hits are sorted by strength: the first hit of a source is its example.
      touched.add(source);
      acc.documents_touched++;
      if (outcome.removed) acc.documents_removed++;
      acc.characters_removed += outcome.charsRemoved;
      const span = spanContaining(scan.spans, hit.start) ?? [hit.start, hit.end];
      this.addExample(acc, { doc_id: docId, item: this.index.items[hit.item].id, span: [span[0], span[1]], text: text.slice(span[0], Math.min(span[1], span[0] + this.exampleChars)) });
    }
    for (let i = 0; i < scan.slots.length; i++) {
      const slot = scan.slots[i];
      const hex = this.index.keyHex(slot);
      for (const source of this.sourcesOfSlot(slot)) {
        const acc = this.acc[source];
        acc.matched_ngrams += scan.slotCount[i];
        let g = acc.ngrams.get(hex);
        if (!g) acc.ngrams.set(hex, (g = { documents: 0, occurrences: 0, text: normalizedSpan(text.slice(scan.slotStart[i], scan.slotEnd[i])) }));
        g.documents++;
        g.occurrences += scan.slotCount[i];
      }
    }
  }

  /**
   * A document known only by its `contamination` summary (see `contaminationSummary`), e.g. a
   * redacted document read back from the output: items, spans and n-gram hashes as recorded
   * (capped lists), occurrences counted once per document, no example text.
   */
  observeSummary(docId: string, textLength: number, summary: JsonObject, outcome: DocOutcome): void {
    const t = this.totals;
    t.documents_scanned++;
    t.characters_scanned += textLength;
    const matched = typeof summary.matched_ngrams === 'number' ? summary.matched_ngrams : 0;
    const items = Array.isArray(summary.items) ? summary.items : [];
    const spans = (Array.isArray(summary.spans) ? summary.spans : []).filter((s): s is [number, number] => Array.isArray(s) && typeof s[0] === 'number' && typeof s[1] === 'number');
    const resolved: { item: number; ngrams: number }[] = [];
    for (const entry of items) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
      const name = typeof entry.benchmark === 'string' ? entry.benchmark : typeof entry.split === 'string' ? entry.split : null;
      const item = name !== null && typeof entry.item === 'string' ? this.index.findItem(name, entry.item) : -1;
      if (item >= 0) resolved.push({ item, ngrams: typeof entry.ngrams === 'number' ? entry.ngrams : 0 });
    }
    if (resolved.length === 0) return;
    t.documents_touched++;
    t.matched_ngrams += matched;
    if (outcome.removed) t.documents_removed++;
    t.characters_removed += outcome.charsRemoved;
    const touched = new Set<number>();
    for (const { item, ngrams } of resolved) {
      const source = this.index.items[item].source;
      const acc = this.acc[source];
      acc.contaminated.add(item);
      acc.matched_ngrams += ngrams;
      if (touched.has(source)) continue;
      touched.add(source);
      acc.documents_touched++;
      if (outcome.removed) acc.documents_removed++;
      acc.characters_removed += outcome.charsRemoved;
      if (spans.length > 0) this.addExample(acc, { doc_id: docId, item: this.index.items[item].id, span: [spans[0][0], spans[0][1]], text: null });
    }
    const hashes = Array.isArray(summary.ngram_hashes) ? summary.ngram_hashes : [];
    for (const h of hashes) {
      const key = typeof h === 'string' ? parseHex64(h) : null;
      if (!key) continue;
      const slot = this.index.find(key.hi, key.lo);
      if (slot < 0) continue;
      for (const source of this.sourcesOfSlot(slot)) {
        const acc = this.acc[source];
        let g = acc.ngrams.get(h as string);
        if (!g) acc.ngrams.set(h as string, (g = { documents: 0, occurrences: 0, text: null }));
        g.documents++;
        g.occurrences++;
      }
    }
  }

  /** A document that was scanned and found clean, when only its length is known. */
  observeClean(textLength: number): void {
    this.totals.documents_scanned++;
    this.totals.characters_scanned += textLength;
  }

  private sourcesOfSlot(slot: number): number[] {
    if (!this.index.isShared(slot)) return [this.index.items[this.index.firstItemAt(slot)].source];
    return [...new Set(this.index.itemsAt(slot).map((i) => this.index.items[i].source))];
  }

  private addExample(acc: SourceAcc, example: ReportExample): void {
    acc.examples.push(example);
    if (acc.examples.length > this.maxExamples * 2) this.trimExamples(acc);
  }

  private trimExamples(acc: SourceAcc): void {
    acc.examples.sort(exampleOrder);
    acc.examples.length = Math.min(acc.examples.length, this.maxExamples);
  }

  merge(other: ContaminationReport | ReportState): void {
    const state = other instanceof ContaminationReport ? other.toState() : other;
    if (state.sources.length !== this.acc.length) throw new Error('reports of different indexes cannot be merged');
    for (const key of Object.keys(this.totals) as (keyof Totals)[]) this.totals[key] += state.totals[key];
    state.sources.forEach((s, i) => {
      const acc = this.acc[i];
      for (const item of s.contaminated) acc.contaminated.add(item);
      acc.documents_touched += s.documents_touched;
      acc.documents_removed += s.documents_removed;
      acc.characters_removed += s.characters_removed;
      acc.matched_ngrams += s.matched_ngrams;
      for (const [hex, documents, occurrences, text] of s.ngrams) {
        const g = acc.ngrams.get(hex);
        if (!g) acc.ngrams.set(hex, { documents, occurrences, text });
        else {
          g.documents += documents;
          g.occurrences += occurrences;
          g.text ??= text;
        }
      }
      for (const e of s.examples) this.addExample(acc, e);
    });
  }

  toState(): ReportState {
    return {
      totals: { ...this.totals },
      sources: this.acc.map((acc) => {
        this.trimExamples(acc);
        return {
          contaminated: [...acc.contaminated].sort((a, b) => a - b),
          documents_touched: acc.documents_touched,
          documents_removed: acc.documents_removed,
          characters_removed: acc.characters_removed,
          matched_ngrams: acc.matched_ngrams,
          ngrams: [...acc.ngrams].map(([hex, g]): [string, number, number, string | null] => [hex, g.documents, g.occurrences, g.text]),
          examples: acc.examples.map((e) => ({ ...e, span: [e.span[0], e.span[1]] })),
        };
      }),
    };
  }

  static fromState(index: NgramIndex, options: ReportOptions, state: ReportState): ContaminationReport {
    const report = new ContaminationReport(index, options);
    report.merge(state);
    return report;
  }

  /** Hashes of listed top n-grams whose text is unknown (see `ngramTexts`). */
  missingTexts(): string[] {
    const out = new Set<string>();
    for (const acc of this.acc) for (const [hex, g] of this.top(acc)) if (g.text === null) out.add(hex);
    return [...out].sort();
  }

  private top(acc: SourceAcc): [string, NgramAcc][] {
    return [...acc.ngrams]
      .sort(([ha, a], [hb, b]) => b.documents - a.documents || b.occurrences - a.occurrences || (ha < hb ? -1 : ha > hb ? 1 : 0))
      .slice(0, this.topNgrams);
  }

  /** The `contamination.json` object. `texts` fills in n-gram texts the report did not see. */
  toJSON(texts: ReadonlyMap<string, string> = new Map()): JsonObject {
    const summaries = this.index.describe();
    const benchmarks: JsonObject = {};
    const splits: JsonObject = {};
    this.acc.forEach((acc, i) => {
      const s = summaries[i];
      this.trimExamples(acc);
      const contaminated = [...acc.contaminated].sort((a, b) => a - b);
      const entry: JsonObject = {
        items: s.items,
        items_indexed: s.items_indexed,
        ngrams: s.ngrams,
        contaminated_items: contaminated.length,
        contaminated_fraction: s.items ? Math.round((contaminated.length / s.items) * 1e6) / 1e6 : 0,
        contaminated_item_ids: contaminated.map((item) => this.index.items[item].id),
        documents_touched: acc.documents_touched,
        documents_removed: acc.documents_removed,
        characters_removed: acc.characters_removed,
        matched_ngrams: acc.matched_ngrams,
        top_ngrams: this.top(acc).map(([hex, g]) => ({ text: g.text ?? texts.get(hex) ?? null, hash: hex, documents: g.documents, occurrences: g.occurrences })),
        examples: acc.examples.map((e) => ({ doc_id: e.doc_id, item: e.item, span: [e.span[0], e.span[1]], text: e.text })),
      };
      (s.kind === 'benchmark' ? benchmarks : splits)[s.name] = entry;
    });
    return {
      format: REPORT_FORMAT,
      n: this.index.n,
      tokenizer: TOKENIZER_VERSION,
      action: this.options.action,
      max_ngram_docs: this.options.maxNgramDocs ?? null,
      ...this.totals,
      benchmarks,
      splits,
    };
  }
}

/** Normalised texts of the n-grams with the given hashes, found in `texts` (e.g. benchmark items). */
export function ngramTexts(texts: Iterable<string>, n: number, wanted: Iterable<string>): Map<string, string> {
  const want = new Set(wanted);
  const found = new Map<string, string>();
  if (want.size === 0) return found;
  const buf = new NgramBuffer();
  for (const text of texts) {
    const count = hashNgrams(text, n, buf);
    for (let i = 0; i < count; i++) {
      const hex = hex64(buf.hi[i], buf.lo[i]);
      if (want.has(hex) && !found.has(hex)) {
        found.set(hex, normalizedSpan(text.slice(buf.start[i], buf.end[i])));
        if (found.size === want.size) return found;
      }
    }
  }
  return found;
}

/** What a verdict did, for `observe`. */
export function outcomeOf(verdict: { action: string; text?: string; meta?: JsonObject }, textLength: number): DocOutcome {
  if (verdict.action === 'remove') return { removed: true, charsRemoved: textLength };
  const c = verdict.meta?.contamination;
  const chars = typeof c === 'object' && c !== null && !Array.isArray(c) && typeof c.characters_removed === 'number' ? c.characters_removed : 0;
  return { removed: false, charsRemoved: chars };
}

/**
 * What happens to a training document that overlaps the index: three pure functions from a scan
 * to a verdict.
 * - `drop`: remove it (rule `contamination`), naming the benchmark or split, the item and the span.
 * - `redact`: the GPT-3 method (Brown et al. 2020, "Language Models are Few-Shot Learners",
 *   appendix C): cut each matched span plus 200 characters on each side, drop the pieces shorter
 *   than 200 characters, and drop the whole document when the cuts split it into more than 10
 *   pieces.
 * - `flag`: keep it unchanged, with the matches in `meta.contamination`.
 */
import { z } from 'zod';
import { type Json, type JsonObject, type Verdict, keep, remove } from '../../core/doc.js';
import type { NgramIndex } from './ngram-index.js';
import { type DocScan, spanContaining } from './scan.js';

export const contaminationActions = ['drop', 'redact', 'flag'] as const;
export type ContaminationAction = (typeof contaminationActions)[number];

/** GPT-3's redaction parameters (appendix C). */
export const RedactOptions = z.strictObject({
  /** Characters cut on each side of a matched span. @default 200 (GPT-3) */
  window_chars: z.number().int().min(0).default(200),
  /** Pieces left shorter than this are dropped too. @default 200 (GPT-3) */
  min_piece_chars: z.number().int().min(0).default(200),
  /** A document cut into more pieces than this is removed whole. @default 10 (GPT-3) */
  max_pieces: z.number().int().min(1).default(10),
});
export type RedactOptions = z.infer<typeof RedactOptions>;

export interface ActionOptions {
  action: ContaminationAction;
  /** A document is contaminated when it matches more n-grams than this. @default 0 (any match) */
  max_matched_ngrams: number;
  redact: RedactOptions;
}

/** Limits on what one record carries, so a pathological document cannot bloat its record. */
export const RECORD_LIMITS = { items: 20, spans: 50, hashes: 256, textChars: 300 } as const;

/** The pieces kept between the cuts joined by a blank line, so they do not read as one paragraph. */
export const PIECE_SEPARATOR = '\n\n';

export interface Redaction {
  /** The cut regions `[start, end)`: spans widened by the window, merged. */
  cuts: [number, number][];
  /** Every piece between the cuts (non-empty). */
  pieces: [number, number][];
  /** The pieces kept (at least `min_piece_chars` long). */
  kept: [number, number][];
  /** More pieces than `max_pieces`: the document goes. */
  tooManyPieces: boolean;
  /** Characters of the original text not in a kept piece. */
  charsRemoved: number;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * The GPT-3 cut: characters are UTF-16 code units, but a cut never separates a surrogate pair
 * (it grows by one unit instead).
 */
export function redactSpans(text: string, spans: readonly [number, number][], options: RedactOptions): Redaction {
  const len = text.length;
  const cuts: [number, number][] = [];
  for (const [s, e] of spans) {
    let start = Math.max(0, s - options.window_chars);
    let end = Math.min(len, e + options.window_chars);
    if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
    if (end < len && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
    const last = cuts[cuts.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else cuts.push([start, end]);
  }
  const pieces: [number, number][] = [];
  let at = 0;
  for (const [s, e] of cuts) {
    if (s > at) pieces.push([at, s]);
    at = e;
  }
  if (at < len) pieces.push([at, len]);
  const kept = pieces.filter(([s, e]) => e - s >= options.min_piece_chars);
  const keptChars = kept.reduce((sum, [s, e]) => sum + e - s, 0);
  return { cuts, pieces, kept, tooManyPieces: pieces.length > options.max_pieces, charsRemoved: len - keptChars };
}

/** `{benchmark: name, item: id}` or `{split: name, item: id}`. */
export function itemRef(index: NgramIndex, item: number): JsonObject {
  const it = index.items[item];
  const source = index.sources[it.source];
  return { [source.kind]: source.name, item: it.id };
}

/**
 * What a record says about its matches (`meta.contamination`, and the removal details): the items,
 * the merged spans and the distinct matched n-gram hashes, each list capped by RECORD_LIMITS with
 * the full count beside it. It holds offsets and hashes, never the matched text itself, so a
 * redacted document does not carry the text it lost.
 */
export function contaminationSummary(scan: DocScan, index: NgramIndex): JsonObject {
  const out: JsonObject = {
    n: scan.n,
    matched_ngrams: scan.matched,
    distinct_ngrams: scan.slots.length,
    items: scan.hits.slice(0, RECORD_LIMITS.items).map((h) => ({ ...itemRef(index, h.item), ngrams: h.ngrams })),
    items_total: scan.hits.length,
    spans: scan.spans.slice(0, RECORD_LIMITS.spans).map(([s, e]) => [s, e]),
    spans_total: scan.spans.length,
    ngram_hashes: scan.slots.slice(0, RECORD_LIMITS.hashes).map((slot) => index.keyHex(slot)),
  };
  if (scan.ignored > 0) out.ignored_common_ngrams = scan.ignored;
  return out;
}

/** The strongest hit's item and its span, with the span's text (capped) for a removal record. */
function removalDetails(text: string, scan: DocScan, index: NgramIndex, extra: JsonObject = {}): JsonObject {
  const top = scan.hits[0];
  const span = spanContaining(scan.spans, top.start) ?? [top.start, top.end];
  return {
    ...itemRef(index, top.item),
    span: [span[0], span[1]],
    text: text.slice(span[0], Math.min(span[1], span[0] + RECORD_LIMITS.textChars)),
    ...extra,
    contamination: contaminationSummary(scan, index),
  };
}

export const isContaminated = (scan: DocScan, options: Pick<ActionOptions, 'max_matched_ngrams'>): boolean =>
  scan.matched > options.max_matched_ngrams && scan.hits.length > 0;

const counters = (scan: DocScan, charsRemoved: number, textLength: number): Record<string, number> => ({
  characters_scanned: textLength,
  contaminated_documents: 1,
  matched_ngrams: scan.matched,
  ...(scan.ignored ? { ignored_common_ngrams: scan.ignored } : {}),
  ...(charsRemoved ? { characters_removed: charsRemoved } : {}),
});

function removed(rule: string, value: Json, threshold: Json, details: JsonObject, c: Record<string, number>): Verdict {
  return { ...remove(rule, value, threshold, details), counters: c };
}

export function dropVerdict(text: string, scan: DocScan, index: NgramIndex, options: Pick<ActionOptions, 'max_matched_ngrams'>): Verdict {
  if (!isContaminated(scan, options)) return cleanVerdict(text, scan);
  return removed('contamination', scan.matched, options.max_matched_ngrams, removalDetails(text, scan, index), counters(scan, text.length, text.length));
}

export function flagVerdict(text: string, scan: DocScan, index: NgramIndex, options: Pick<ActionOptions, 'max_matched_ngrams'>): Verdict {
  if (!isContaminated(scan, options)) return cleanVerdict(text, scan);
  return keep({ meta: { contamination: { action: 'flag', ...contaminationSummary(scan, index) } }, counters: counters(scan, 0, text.length) });
}

export function redactVerdict(text: string, scan: DocScan, index: NgramIndex, options: Pick<ActionOptions, 'max_matched_ngrams' | 'redact'>): Verdict {
  if (!isContaminated(scan, options)) return cleanVerdict(text, scan);
  const r = redactSpans(text, scan.spans, options.redact);
  const facts = { pieces: r.pieces.length, pieces_kept: r.kept.length };
  if (r.tooManyPieces) {
    return removed('contamination_too_many_pieces', r.pieces.length, options.redact.max_pieces, removalDetails(text, scan, index, facts), counters(scan, text.length, text.length));
  }
  if (r.kept.length === 0) {
    // Nothing of at least min_piece_chars survived the cuts.
    const longest = r.pieces.reduce((m, [s, e]) => Math.max(m, e - s), 0);
    return removed('contamination_nothing_left', longest, options.redact.min_piece_chars, removalDetails(text, scan, index, facts), counters(scan, text.length, text.length));
  }
  const redacted = r.kept.map(([s, e]) => text.slice(s, e)).join(PIECE_SEPARATOR);
  return keep({
    text: redacted,
    meta: { contamination: { action: 'redact', ...contaminationSummary(scan, index), ...facts, characters_removed: r.charsRemoved } },
    counters: counters(scan, r.charsRemoved, text.length),
  });
}

/** A clean document: kept unchanged, counted for the manifest. */
function cleanVerdict(text: string, scan: DocScan): Verdict {
  return keep({ counters: scan.ignored ? { characters_scanned: text.length, ignored_common_ngrams: scan.ignored } : { characters_scanned: text.length } });
}

export function contaminationVerdict(text: string, scan: DocScan, index: NgramIndex, options: ActionOptions): Verdict {
  switch (options.action) {
    case 'drop':
      return dropVerdict(text, scan, index, options);
    case 'redact':
      return redactVerdict(text, scan, index, options);
    case 'flag':
      return flagVerdict(text, scan, index, options);
  }
}

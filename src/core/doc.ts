/**
 * The document model and the three outcomes a stage can decide.
 *
 * A document is `{id, text, url?, html?, meta}`. Fields of the input record that winnow does not
 * know travel in `extra` and are written back unchanged, so a cleaned corpus keeps its own schema.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Doc {
  id: string;
  text: string;
  url?: string;
  html?: string;
  meta: JsonObject;
  /** Input fields winnow does not interpret, in input order; written back as they came. */
  extra: JsonObject;
}

/** Where a record came from: the input file (relative to its root) and its 1-based line or index. */
export interface Loc {
  source: string;
  line: number;
  /** Byte offset of the record in the (decompressed) input, when known. */
  offset?: number;
}

/** Why a stage removed a document: the rule broken, the measured value and the limit it broke. */
export interface Removal {
  stage: string;
  rule: string;
  value: Json;
  threshold: Json;
  /** Extra evidence for auditors (e.g. the kept duplicate, a matched span). */
  details?: JsonObject;
}

/**
 * Numbers a stage measured on one document, by name (at most one value per name): two parallel
 * lists rather than a record, because a record with a key per rule became a dictionary-mode
 * object per document, which cost the quality stage 6 % of its time.
 */
export interface Signals {
  readonly names: readonly string[];
  readonly values: readonly number[];
}

/** Edits a stage makes to a kept document; `meta` is merged shallowly into the document's meta. */
export interface KeepVerdict {
  action: 'keep';
  text?: string;
  url?: string;
  /** `null` drops the html field (e.g. after extraction). */
  html?: string | null;
  meta?: JsonObject;
  /** Stage-specific counters summed into the manifest (e.g. lines removed by C4). */
  counters?: Record<string, number>;
  /** Numbers the stage measured on this document, histogrammed for the report (e.g. a score). */
  signals?: Signals;
  /**
   * Where the kept document is written instead of `kept/` (e.g. a split: `train`, `test`): a
   * directory name of lowercase letters, digits, `_` and `-`. The last stage to set it wins.
   */
  route?: string;
}

export const validRoute = (route: string): boolean => /^[a-z][a-z0-9_-]{0,39}$/.test(route) && !['removed', 'errors', 'dedup'].includes(route);

export interface RemoveVerdict {
  action: 'remove';
  rule: string;
  value: Json;
  threshold: Json;
  details?: JsonObject;
  /** Stage meta recorded on the removed document too (e.g. the scores that led to removal). */
  meta?: JsonObject;
  counters?: Record<string, number>;
  signals?: Signals;
}

export interface ErrorVerdict {
  action: 'error';
  reason: string;
  code?: string;
}

export type Verdict = KeepVerdict | RemoveVerdict | ErrorVerdict;

export const keep = (edits: Omit<KeepVerdict, 'action'> = {}): KeepVerdict => ({ action: 'keep', ...edits });

export function remove(rule: string, value: Json, threshold: Json, details?: JsonObject): RemoveVerdict {
  return details ? { action: 'remove', rule, value, threshold, details } : { action: 'remove', rule, value, threshold };
}

export const fail = (reason: string, code?: string): ErrorVerdict =>
  code ? { action: 'error', reason, code } : { action: 'error', reason };

/** Apply a keep verdict's edits to a document in place (the runner owns the document). */
export function applyKeep(doc: Doc, verdict: KeepVerdict): void {
  if (verdict.text !== undefined) doc.text = verdict.text;
  if (verdict.url !== undefined) doc.url = verdict.url;
  if (verdict.html === null) delete doc.html;
  else if (verdict.html !== undefined) doc.html = verdict.html;
  if (verdict.meta) Object.assign(doc.meta, verdict.meta);
}

/** The output record of a document: canonical fields first, then the input's unknown fields. */
export function docRecord(doc: Doc): JsonObject {
  const out: JsonObject = { id: doc.id, text: doc.text };
  if (doc.url !== undefined) out.url = doc.url;
  if (doc.html !== undefined) out.html = doc.html;
  if (Object.keys(doc.meta).length > 0) out.meta = doc.meta;
  for (const key of Object.keys(doc.extra)) if (!(key in out)) out[key] = doc.extra[key];
  return out;
}

/** Rebuild a document from its own output record (spool files, `winnow` output fed back in). */
export function docFromRecord(record: JsonObject): Doc {
  const { id, text, url, html, meta, ...extra } = record;
  const doc: Doc = {
    id: String(id),
    text: typeof text === 'string' ? text : '',
    meta: isJsonObject(meta) ? meta : {},
    extra,
  };
  if (typeof url === 'string') doc.url = url;
  if (typeof html === 'string') doc.html = html;
  return doc;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * "Why was this document removed?": where a document went and why, found through the run's
 * document index without reading the run (one binary search, one frame decompressed).
 */
import { type JsonObject, isJsonObject } from '../core/doc.js';
import { WinnowError } from '../core/errors.js';
import { type DiffSpan, diffWords } from './diff.js';
import { fetchRecord, readManifestFile } from './collect.js';

export interface Explanation {
  id: string;
  /** `kept`, a split (`train`, `test`, …), `removed` or `error`. */
  outcome: string;
  file: string;
  stage?: string;
  rule?: string;
  value?: unknown;
  threshold?: unknown;
  details?: JsonObject;
  /** For an error: its code and reason. */
  error?: { code: string; reason: string; source: string; line: number };
  meta?: JsonObject;
  text?: string;
  /** For a duplicate: the document kept in its place and the word diff from it. */
  duplicateOf?: { id: string; jaccard?: unknown; cluster?: unknown; text: string | null; diff: DiffSpan[] | null };
}

export async function explain(runDir: string, id: string): Promise<Explanation> {
  readManifestFile(runDir); // a clear error when runDir is not a finished run
  const found = await fetchRecord(runDir, id);
  if (!found) throw new WinnowError('usage', `no document with id ${JSON.stringify(id)} in ${runDir} (ids of unreadable records are <file>:<line>)`);
  const { record, file } = found;
  const top = file.split('/')[0];
  const text = typeof record.text === 'string' ? record.text : undefined;
  const meta = isJsonObject(record.meta) ? record.meta : undefined;
  const base = { id, file, ...(text !== undefined ? { text } : {}), ...(meta ? { meta } : {}) };
  if (top === 'errors') {
    return { ...base, outcome: 'error', ...(typeof record.stage === 'string' ? { stage: record.stage } : {}), error: { code: String(record.code), reason: String(record.reason), source: String(record.source), line: Number(record.line) } };
  }
  if (top !== 'removed' || !isJsonObject(record.removal)) return { ...base, outcome: top };
  const removal = record.removal;
  const details = isJsonObject(removal.details) ? removal.details : undefined;
  const explanation: Explanation = {
    ...base,
    outcome: 'removed',
    stage: String(removal.stage),
    rule: String(removal.rule),
    value: removal.value,
    threshold: removal.threshold,
    ...(details ? { details } : {}),
  };
  const keptId = details?.kept_id;
  if (typeof keptId === 'string') {
    const kept = await fetchRecord(runDir, keptId);
    const keptText = kept && typeof kept.record.text === 'string' ? kept.record.text : null;
    explanation.duplicateOf = {
      id: keptId,
      jaccard: details?.jaccard_estimate ?? details?.jaccard,
      cluster: details?.cluster,
      text: keptText,
      diff: keptText !== null && text !== undefined ? diffWords(keptText, text) : null,
    };
  }
  return explanation;
}

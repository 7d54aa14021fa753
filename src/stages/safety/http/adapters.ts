/**
 * Request and reply shapes of the classifier services winnow speaks. Each adapter builds a
 * request body for a batch of texts and turns the reply into one `RawScores` per text, or throws
 * a ProtocolError when the reply does not have the promised shape.
 *
 * - generic: `POST {"inputs": [t1, t2]}` → `[[{"label": "toxic", "score": 0.9}, ...], ...]`, as
 *   Hugging Face text-embeddings-inference `/predict` serves sequence classifiers (a single input
 *   may come back as a flat list) and as `winnow serve-classifier` serves the embedded model.
 * - openai: `POST /v1/moderations {"input": [t1, t2], "model": m}` →
 *   `{"results": [{"flagged": b, "categories": {...}, "category_scores": {"sexual": 0.1, ...}}]}`.
 * - google: Cloud Natural Language `documents:moderateText`, one document per request:
 *   `{"document": {"type": "PLAIN_TEXT", "content": t}}` → `{"moderationCategories": [{"name": "Toxic", "confidence": 0.8}]}`.
 */
import type { HttpProtocol } from '../config.js';
import type { RawScores } from '../judge.js';

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface Adapter {
  protocol: HttpProtocol;
  /** Most texts one request may carry. */
  maxBatch: number;
  body(texts: string[]): unknown;
  /** Authentication header for the key (never logged). */
  auth(apiKey: string): Record<string, string>;
  parse(reply: unknown, count: number): RawScores[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One result's `[{label, score}, ...]` as RawScores; `row` names it in errors (built only then: this runs per text). */
function labelScores(list: unknown, row: number): RawScores {
  if (!Array.isArray(list)) throw new ProtocolError(`result ${row}: expected a list of {label, score}`);
  const labels: string[] = new Array(list.length);
  const scores: number[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    const label = isObject(item) ? item.label : undefined;
    const score = isObject(item) ? item.score : undefined;
    if (typeof label !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) {
      throw new ProtocolError(`result ${row}: expected {label: string, score: number} items`);
    }
    labels[i] = label;
    scores[i] = score;
  }
  return { labels, scores, exclusive: null };
}

export const genericAdapter = (batchSize: number): Adapter => ({
  protocol: 'generic',
  maxBatch: batchSize,
  body: (texts) => ({ inputs: texts }),
  auth: (key) => ({ authorization: `Bearer ${key}` }),
  parse(reply, count) {
    if (!Array.isArray(reply)) throw new ProtocolError('reply is not a JSON list');
    // A single input may be answered with its own list rather than a list of one list.
    const rows: unknown[] = count === 1 && reply.length > 0 && isObject(reply[0]) ? [reply] : reply;
    if (rows.length !== count) throw new ProtocolError(`reply has ${rows.length} results for ${count} inputs`);
    const out: RawScores[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = labelScores(rows[i], i);
    return out;
  },
});

export const openaiAdapter = (batchSize: number, model: string | undefined): Adapter => ({
  protocol: 'openai',
  maxBatch: batchSize,
  body: (texts) => (model ? { model, input: texts } : { input: texts }),
  auth: (key) => ({ authorization: `Bearer ${key}` }),
  parse(reply, count) {
    if (!isObject(reply) || !Array.isArray(reply.results)) throw new ProtocolError('reply has no results list');
    if (reply.results.length !== count) throw new ProtocolError(`reply has ${reply.results.length} results for ${count} inputs`);
    return reply.results.map((result: unknown, i: number) => {
      if (!isObject(result) || !isObject(result.category_scores)) throw new ProtocolError(`result ${i} has no category_scores`);
      const labels: string[] = [];
      const scores: number[] = [];
      for (const [label, score] of Object.entries(result.category_scores)) {
        if (typeof score !== 'number' || !Number.isFinite(score)) throw new ProtocolError(`result ${i}: score of ${label} is not a number`);
        labels.push(label);
        scores.push(score);
      }
      // Moderation categories are independent (a text can be both violent and hateful).
      return { labels, scores, exclusive: false };
    });
  },
});

export const googleAdapter = (): Adapter => ({
  protocol: 'google',
  maxBatch: 1,
  body: (texts) => ({ document: { type: 'PLAIN_TEXT', content: texts[0] } }),
  auth: (key) => ({ 'x-goog-api-key': key }),
  parse(reply, count) {
    if (count !== 1) throw new ProtocolError('moderateText classifies one document per request');
    if (!isObject(reply)) throw new ProtocolError('reply is not a JSON object');
    const categories = reply.moderationCategories ?? [];
    if (!Array.isArray(categories)) throw new ProtocolError('moderationCategories is not a list');
    const labels: string[] = [];
    const scores: number[] = [];
    for (const c of categories) {
      if (!isObject(c) || typeof c.name !== 'string' || typeof c.confidence !== 'number' || !Number.isFinite(c.confidence)) {
        throw new ProtocolError('expected moderationCategories items {name, confidence}');
      }
      labels.push(c.name);
      scores.push(c.confidence);
    }
    return [{ labels, scores, exclusive: false }];
  },
});

/**
 * Google's categories include topics that are not harm (Finance, Politics, Health, ...): by
 * default only these count. https://cloud.google.com/natural-language/docs/moderating-text
 */
export const googleHarmfulLabels = ['toxic', 'insult', 'profanity', 'derogatory', 'sexual', 'violent', 'death_harm_tragedy', 'firearms_weapons', 'illicit_drugs'];

/** `batch_size` when the config leaves it out (see config.ts). */
export const defaultBatchSize: Record<HttpProtocol, number> = { generic: 2048, openai: 32, google: 1 };

export function adapterFor(protocol: HttpProtocol, batchSize: number | undefined, model: string | undefined): Adapter {
  switch (protocol) {
    case 'generic':
      return genericAdapter(batchSize ?? defaultBatchSize.generic);
    case 'openai':
      return openaiAdapter(batchSize ?? defaultBatchSize.openai, model);
    case 'google':
      return googleAdapter();
  }
}

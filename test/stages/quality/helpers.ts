/** Running the quality stage the way the worker pool does: through its stage definition. */
import type { Doc, JsonObject, Verdict } from '../../../src/core/doc.js';
import { QualityConfig } from '../../../src/stages/quality/config.js';
import { qualityStage } from '../../../src/stages/quality/stage.js';

export type Decide = (text: string, meta?: JsonObject, id?: string) => Verdict;

/** A decision function for a raw stage config (validated by the stage's own schema). */
export async function decider(config: Record<string, unknown>): Promise<Decide> {
  const parsed = QualityConfig.parse({ kind: 'quality', ...config });
  const decide = await qualityStage.createDoc!(parsed);
  return (text, meta = {}, id = 'doc') => {
    const doc: Doc = { id, text, meta: { ...meta }, extra: {} };
    return decide(doc);
  };
}

/** The rule a verdict removed with, or 'keep' / 'error'. */
export function outcome(v: Verdict): string {
  return v.action === 'remove' ? v.rule : v.action;
}

/** A seeded generator (xorshift), so failures reproduce. */
export function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** `n` copies of `unit`, joined by `sep`. */
export const repeat = (unit: string, n: number, sep = ' '): string => Array.from({ length: n }, () => unit).join(sep);

/** Plain English prose that passes every family with the default thresholds. */
export const GOOD_TEXT = [
  'The committee met on Tuesday to review the annual budget and the plans for the new library.',
  'Members of the public were invited to speak, and several residents raised concerns about parking.',
  'The chair said that the council would publish a revised proposal before the end of the month.',
  'A local teacher asked whether the reading room would stay open in the evenings during the winter.',
  'Officials replied that longer hours depend on funding, which is expected to be settled in March.',
  'The meeting ended with a vote to continue the discussion at the next session of the committee.',
].join('\n');

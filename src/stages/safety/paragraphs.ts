/**
 * `granularity: paragraph`: a document is cut at blank lines, each paragraph is judged on its own,
 * and only the harmful ones are removed; the rest keep their text and the separators between them.
 */
import { type JsonObject, type Verdict, keep, remove } from '../../core/doc.js';
import { type Action, type Judgement, type Source, round4, ruleFor, safetyMeta, withUrl, worse } from './judge.js';

export interface Paragraphs {
  /** The paragraphs, in order; `parts.length === separators.length + 1`. */
  parts: string[];
  /** The blank-line run after each paragraph but the last, as it was. */
  separators: string[];
}

/** A newline, then one or more lines holding only spaces or tabs: each repetition eats a newline, so it is linear. */
const blankLines = /\n(?:[ \t]*\n)+/g;

export function splitParagraphs(text: string): Paragraphs {
  const parts: string[] = [];
  const separators: string[] = [];
  let last = 0;
  for (const m of text.matchAll(blankLines)) {
    parts.push(text.slice(last, m.index));
    separators.push(m[0]);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return { parts, separators };
}

const nonSpace = /\S/;
/** Whether a text has nothing to classify (stops at its first visible character; no copy). */
export const isBlank = (part: string): boolean => !nonSpace.test(part);

/** The kept paragraphs, each followed by the separator that followed it (none after the last). */
export function joinKept(p: Paragraphs, keepPart: (i: number) => boolean): string {
  const out: string[] = [];
  let separator = '';
  for (let i = 0; i < p.parts.length; i++) {
    if (!keepPart(i)) continue;
    if (out.length > 0) out.push(separator);
    out.push(p.parts[i]);
    separator = p.separators[i] ?? '';
  }
  return out.join('');
}

/**
 * The verdict from per-paragraph judgements (null for blank paragraphs). `document`, when given,
 * is a judgement on the whole document (the URL model's): flagged, it removes the whole document.
 * `source` is the text classifier's backend.
 */
export function paragraphVerdict(p: Paragraphs, judgements: (Judgement | null)[], action: Action, document: Judgement | null, source: Source, extra: JsonObject = {}): Verdict {
  let overall: Judgement | null = null;
  const flagged: number[] = [];
  let scored = 0;
  for (let i = 0; i < judgements.length; i++) {
    const j = judgements[i];
    if (!j) continue;
    scored++;
    overall = worse(j, overall);
    if (j.flagged) flagged.push(i);
  }
  const docLevelFlag = document?.flagged ?? false;
  const text: Judgement = overall ?? { label: 'safe', score: 0, flagged: false, scores: {}, value: 0, threshold: 0, source };
  const top = withUrl(text, document);
  const summary: JsonObject = { paragraphs: p.parts.length, flagged_paragraphs: flagged, ...extra };
  const meta = safetyMeta(top, summary);
  if (action === 'tag' || (!docLevelFlag && flagged.length === 0)) return keep({ meta });
  if (docLevelFlag || flagged.length === scored) {
    return { ...remove(ruleFor(top.label), round4(top.value), top.threshold, { label: top.label, source: top.source }), meta };
  }
  const dropped = new Set(flagged);
  return keep({ text: joinKept(p, (i) => !dropped.has(i)), meta, counters: { paragraphs_removed: flagged.length } });
}

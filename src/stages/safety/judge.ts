/**
 * The safety decision as pure functions: a classifier's raw label scores → winnow labels → a
 * judgement (harmful probability, most harmful label, flagged or not) → a verdict. Both backends
 * and `granularity: paragraph` go through here, so they decide alike.
 */
import { type JsonObject, type Verdict, keep, remove } from '../../core/doc.js';

/** A classifier's answer for one text: its labels and their scores, in any order. */
export interface RawScores {
  labels: readonly string[];
  scores: ArrayLike<number>;
  /** Mutually exclusive labels (softmax: scores add up to 1) or independent ones; null = guess. */
  exclusive: boolean | null;
  /** No prediction (nothing to classify): scored as safe. */
  empty?: boolean;
}

export interface LabelPolicy {
  /** Renames applied after `__label__` is stripped; `safe` names the safe class. */
  labels: Record<string, string>;
  /** Harmful labels (after renaming); null = all but `safe`. */
  harmful: string[] | null;
  /** For replies that do not say whether labels are exclusive. */
  combine: 'auto' | 'sum' | 'max';
}

export interface Limits {
  maxScore: number;
  labelMaxScores: Record<string, number>;
}

export type Source = 'embedded' | 'http' | 'url_model' | 'blocklist';

export interface Judgement {
  /** The label that flagged the text, or `safe`. */
  label: string;
  /** Probability that the text is harmful. */
  score: number;
  flagged: boolean;
  /** Harmful labels' scores. */
  scores: Record<string, number>;
  /** What broke the limit (when flagged): the measured value and the limit. */
  value: number;
  threshold: number;
  source: Source;
}

/** `Death, Harm & Tragedy` → `death_harm_tragedy`, `sexual/minors` → `sexual_minors`, `__label__hate` → `hate`. */
export function labelName(raw: string): string {
  const stripped = raw.startsWith('__label__') ? raw.slice(9) : raw;
  const name = stripped
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  return name === '' ? 'unnamed' : name;
}

/** Scores are rounded in meta so output stays compact; decisions use the exact values. */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Raw scores → harmful labels' scores and the text's harmful probability. */
/**
 * How a policy treats each raw label: its winnow name, or null when it does not count (not
 * harmful and not `safe`). Cached per policy object: label names repeat on every document.
 */
const roles = new WeakMap<LabelPolicy, Map<string, string | null>>();

function roleOf(policy: LabelPolicy, raw: string): string | null {
  let cache = roles.get(policy);
  if (!cache) roles.set(policy, (cache = new Map()));
  let role = cache.get(raw);
  if (role === undefined) {
    const plain = raw.startsWith('__label__') ? raw.slice(9) : raw;
    const name = labelName(policy.labels[plain] ?? policy.labels[raw] ?? plain);
    role = name === 'safe' || !policy.harmful || policy.harmful.some((h) => labelName(h) === name) ? name : null;
    cache.set(raw, role);
  }
  return role;
}

/** Raw scores → harmful labels' scores and the text's harmful probability. */
export function harmfulScores(raw: RawScores, policy: LabelPolicy): { scores: Record<string, number>; score: number } {
  const scores: Record<string, number> = {};
  if (raw.empty) return { scores, score: 0 };
  let total = 0;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < raw.labels.length; i++) {
    const s = Number(raw.scores[i]);
    if (!Number.isFinite(s)) continue;
    total += s;
    const name = roleOf(policy, raw.labels[i]);
    if (name === null || name === 'safe') continue;
    scores[name] = (scores[name] ?? 0) + s;
  }
  for (const name in scores) {
    const s = scores[name];
    sum += s;
    if (s > max) max = s;
  }
  const exclusive = raw.exclusive ?? (policy.combine === 'sum' ? true : policy.combine === 'max' ? false : Math.abs(total - 1) < 0.01);
  // Exclusive labels: P(harmful) is the sum of the harmful labels' probabilities (three-way
  // models split harm between hate and offensive). Independent labels: the strongest one.
  const score = exclusive ? Math.min(1, sum) : max;
  return { scores, score: Number.isFinite(score) ? score : 0 };
}

/** The judgement on one text: flagged when its harmful probability, or a label's own score, passes its limit. */
export function judge(raw: RawScores, policy: LabelPolicy, limits: Limits, source: Source): Judgement {
  const { scores, score } = harmfulScores(raw, policy);
  let label = 'safe';
  let top = -1;
  for (const [name, s] of Object.entries(scores)) {
    if (s > top) {
      top = s;
      label = name;
    }
  }
  // A label over its own limit names the fault; otherwise the overall probability does, named by the top label.
  let over: string | null = null;
  for (const [name, limit] of Object.entries(limits.labelMaxScores)) {
    const s = scores[labelName(name)];
    if (s !== undefined && s > limit && (over === null || s > scores[over])) over = labelName(name);
  }
  if (over !== null) {
    const limit = Object.entries(limits.labelMaxScores).find(([name]) => labelName(name) === over)![1];
    return { label: over, score, flagged: true, scores, value: scores[over], threshold: limit, source };
  }
  const flagged = score > limits.maxScore && top >= 0;
  return { label: flagged ? label : 'safe', score, flagged, scores, value: score, threshold: limits.maxScore, source };
}

/** Which of two judgements on text speaks for the document: a flagged one, else the higher score. */
export function worse(a: Judgement, b: Judgement | null): Judgement {
  if (!b) return a;
  if (a.flagged !== b.flagged) return a.flagged ? a : b;
  return b.score > a.score ? b : a;
}

/**
 * The text's judgement and the URL model's as one, with both sets of scores. The text speaks for
 * the document unless only the URL is flagged, or both are and the URL's score is higher.
 */
export function withUrl(text: Judgement, url: Judgement | null): Judgement {
  if (!url) return text;
  const speaker = url.flagged && (!text.flagged || url.score > text.score) ? url : text;
  return { ...speaker, scores: { ...text.scores, ...url.scores } };
}

export function safetyMeta(j: Judgement, extra: JsonObject = {}): JsonObject {
  const scores: JsonObject = {};
  for (const [k, v] of Object.entries(j.scores)) scores[k] = round4(v);
  return { safety: { label: j.label, score: round4(j.score), flagged: j.flagged, source: j.source, scores, ...extra } };
}

/** Rule ids name the fault: the harmful label (`unsafe_hate`, `unsafe_adult`, ...). */
export const ruleFor = (label: string): string => `unsafe_${label}`;

export type Action = 'remove' | 'tag';

/** The verdict on a whole document. */
export function documentVerdict(j: Judgement, action: Action, extra: JsonObject = {}): Verdict {
  const meta = safetyMeta(j, extra);
  // The harm probability of every document, histogrammed in the run's report.
  const signals = { names: ['score'], values: [j.score] };
  if (!j.flagged || action === 'tag') return keep({ meta, signals });
  return { ...remove(ruleFor(j.label), round4(j.value), j.threshold, { label: j.label, source: j.source }), meta, signals };
}

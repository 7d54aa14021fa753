/**
 * Classification metrics for training reports and `npm run eval:safety`: precision, recall and F1
 * per label, macro-F1, and ROC AUC (the Mann-Whitney statistic, ties counted half).
 */

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Gold examples of the label. */
  support: number;
  /** Examples predicted as the label. */
  predicted: number;
}

export const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

function labelMetrics(tp: number, fp: number, fn: number): LabelMetrics {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision: round(precision), recall: round(recall), f1: round(f1), support: tp + fn, predicted: tp + fp };
}

/** Per-label precision/recall/F1 for single-label predictions, and their macro average. */
export function perLabel(gold: string[], predicted: string[], labels: string[]): { labels: Record<string, LabelMetrics>; macro_f1: number; accuracy: number } {
  const out: Record<string, LabelMetrics> = {};
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) correct++;
  for (const label of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      const g = gold[i] === label;
      const p = predicted[i] === label;
      if (g && p) tp++;
      else if (p) fp++;
      else if (g) fn++;
    }
    out[label] = labelMetrics(tp, fp, fn);
  }
  const macro = labels.reduce((a, l) => a + out[l].f1, 0) / labels.length;
  return { labels: out, macro_f1: round(macro), accuracy: round(gold.length ? correct / gold.length : 0) };
}

/** ROC AUC of scores for a binary gold standard; NaN when one class is absent. */
export function rocAuc(gold: boolean[], scores: number[]): number {
  const order = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) j++;
    const rank = (i + 1 + j) / 2; // average 1-based rank of the tie group
    for (let k = i; k < j; k++) {
      if (gold[order[k]]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j;
  }
  const negatives = gold.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return round((rankSum - (positives * (positives + 1)) / 2) / (positives * negatives));
}

export interface BinaryReport {
  threshold: number;
  /** Metrics of the positive (harmful) and negative (safe) class, and their macro average. */
  harmful: LabelMetrics;
  safe: LabelMetrics;
  macro_f1: number;
  accuracy: number;
  roc_auc: number;
}

/** Harmful-vs-safe report at `threshold` (harmful when score > threshold). */
export function binaryReport(gold: boolean[], scores: number[], threshold: number, positive = 'harmful', negative = 'safe'): BinaryReport {
  const g = gold.map((x) => (x ? positive : negative));
  const p = scores.map((s) => (s > threshold ? positive : negative));
  const m = perLabel(g, p, [positive, negative]);
  return { threshold, harmful: m.labels[positive], safe: m.labels[negative], macro_f1: m.macro_f1, accuracy: m.accuracy, roc_auc: rocAuc(gold, scores) };
}

/** The threshold (on a 0.01 grid) with the best macro-F1: how the operating point is chosen on dev. */
export function bestThreshold(gold: boolean[], scores: number[]): { threshold: number; macro_f1: number } {
  let best = { threshold: 0.5, macro_f1: -1 };
  for (let t = 1; t < 100; t++) {
    const f = binaryReport(gold, scores, t / 100).macro_f1;
    if (f > best.macro_f1) best = { threshold: t / 100, macro_f1: f };
  }
  return best;
}

/** Share of `flags` that are true (a false-positive rate on clean data, a recall on harmful data). */
export const rate = (flags: boolean[]): number => round(flags.length ? flags.filter(Boolean).length / flags.length : 0);

/**
 * How the bundled models are measured, shared by `winnow safety train` (dev and test splits) and
 * `npm run eval:safety` (the held-out test split, plus baselines).
 */
import type { TextClassifier } from './embedded.js';
import { type LabelPolicy, harmfulScores, labelName } from './judge.js';
import { type BinaryReport, bestThreshold, binaryReport, perLabel, rate, rocAuc } from './metrics.js';
import type { TextExample, UrlExample } from './train-data.js';

export const textPolicy: LabelPolicy = { labels: { neither: 'safe' }, harmful: null, combine: 'auto' };
export const urlPolicy: LabelPolicy = { labels: { clean: 'safe' }, harmful: null, combine: 'auto' };

export interface TextEvaluation {
  /** Davidson tweets: harmful (hate or offensive) vs neither. */
  binary: BinaryReport;
  /** Davidson tweets: hate / offensive / neither, by the model's most probable label. */
  three_way: ReturnType<typeof perLabel>;
  /** The dev-split operating point would be chosen here (max macro-F1); informative on test. */
  best_threshold: { threshold: number; macro_f1: number };
  /** News and blog paragraphs (all clean): share flagged. */
  clean_paragraphs: { n: number; flagged_rate: number };
}

/** Scores of a model on texts: harmful probability and the top label. */
export function scoreTexts(model: TextClassifier, texts: string[], policy: LabelPolicy): { scores: number[]; top: string[] } {
  const scores: number[] = [];
  const top: string[] = [];
  for (const text of texts) {
    const raw = model.classify(text);
    scores.push(harmfulScores(raw, policy).score);
    let best = -1;
    let label = 'safe';
    for (let i = 0; i < raw.labels.length; i++) {
      if (raw.scores[i] > best) {
        best = raw.scores[i];
        label = labelName(raw.labels[i]);
      }
    }
    top.push(label);
  }
  return { scores, top };
}

export function evaluateText(model: TextClassifier, examples: TextExample[], threshold: number): TextEvaluation {
  const tweets = examples.filter((e) => e.source === 'davidson');
  const { scores, top } = scoreTexts(model, tweets.map((e) => e.text), textPolicy);
  const gold = tweets.map((e) => e.label !== 'neither');
  const clean = examples.filter((e) => e.source === 'aeb');
  const cleanScores = scoreTexts(model, clean.map((e) => e.text), textPolicy).scores;
  return {
    binary: binaryReport(gold, scores, threshold),
    three_way: perLabel(
      tweets.map((e) => e.label),
      top,
      ['hate', 'offensive', 'neither'],
    ),
    best_threshold: bestThreshold(gold, scores),
    clean_paragraphs: { n: clean.length, flagged_rate: rate(cleanScores.map((s) => s > threshold)) },
  };
}

export interface UrlEvaluation {
  threshold: number;
  roc_auc: number;
  /** Held-out UT1 adult URLs: share the model flags. */
  adult_recall: { n: number; recall: number };
  /** Adult URLs whose host has no URL in the training split: the model cannot have memorised the site. */
  adult_recall_unseen_hosts: { n: number; recall: number };
  /** Clean domains (press, university library list, sexual education): share flagged. */
  clean_domains: { n: number; fp_rate: number; by_list: Record<string, { n: number; fp_rate: number }> };
  /** Clean URLs with a path (article URLs, library URLs): share flagged. */
  clean_urls: { n: number; fp_rate: number };
}

const hostOf = (url: string): string => url.replace(/^[a-z]+:\/\//, '').split(/[/?#]/)[0].replace(/^www\./, '');

export function evaluateUrls(model: TextClassifier, examples: UrlExample[], threshold: number, trainHosts: Set<string>): UrlEvaluation {
  const scores = scoreTexts(model, examples.map((e) => e.url), urlPolicy).scores;
  const flagged = scores.map((s) => s > threshold);
  const pick = (keep: (e: UrlExample) => boolean): boolean[] => examples.map((e, i) => (keep(e) ? flagged[i] : null)).filter((x): x is boolean => x !== null);
  const isDomain = (e: UrlExample): boolean => e.source.endsWith('/domains');
  const adult = pick((e) => e.label === 'adult');
  const unseen = pick((e) => e.label === 'adult' && !trainHosts.has(hostOf(e.url)));
  const domains = pick((e) => e.label === 'clean' && isDomain(e));
  const cleanUrls = pick((e) => e.label === 'clean' && !isDomain(e));
  const byList: Record<string, { n: number; fp_rate: number }> = {};
  for (const source of [...new Set(examples.filter((e) => e.label === 'clean' && isDomain(e)).map((e) => e.source))].sort()) {
    const f = pick((e) => e.source === source);
    byList[source] = { n: f.length, fp_rate: rate(f) };
  }
  return {
    threshold,
    roc_auc: rocAuc(
      examples.map((e) => e.label === 'adult'),
      scores,
    ),
    adult_recall: { n: adult.length, recall: rate(adult) },
    adult_recall_unseen_hosts: { n: unseen.length, recall: rate(unseen) },
    clean_domains: { n: domains.length, fp_rate: rate(domains), by_list: byList },
    clean_urls: { n: cleanUrls.length, fp_rate: rate(cleanUrls) },
  };
}

/** URLs that are not adult (a platform probe) → the share the model flags, per threshold. */
export function probeFlagRates(model: TextClassifier, probe: readonly string[], thresholds: readonly number[]): Record<string, { n: number; flagged: number; rate: number }> {
  const scores = scoreTexts(model, [...probe], urlPolicy).scores;
  return Object.fromEntries(
    thresholds.map((t) => {
      const flagged = scores.filter((s) => s > t).length;
      return [String(t), { n: probe.length, flagged, rate: rate(scores.map((s) => s > t)) }];
    }),
  );
}

export { hostOf };

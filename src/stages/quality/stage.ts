/**
 * The `quality` stage: rule-based quality filters with the published defaults (Gopher quality and
 * repetition, C4, C4 bad words, FineWeb) and fastText language identification, run per document
 * in the worker pool. Families run in the configured order on the document as the previous ones
 * left it (C4 edits the text); the first to fail removes the document with its rule, value and
 * threshold. In signals mode every family measures everything and nothing is removed.
 */
import { type JsonObject, type KeepVerdict, type Verdict, fail } from '../../core/doc.js';
import { type DocDecider, defineStage } from '../../core/stage.js';
import { TextAnalysis, Workspace } from './analysis.js';
import { type Family, QualityConfig } from './config.js';
import { Outcome } from './outcome.js';
import { C4BadWords } from './rules/c4-badwords.js';
import { C4Quality } from './rules/c4.js';
import { FineWebQuality } from './rules/fineweb.js';
import { GopherQuality } from './rules/gopher-quality.js';
import { GopherRepetition } from './rules/gopher-repetition.js';
import { LanguageId, loadLanguageModel } from './rules/language.js';

/** Builds the per-document decision for a config (one per worker; holds reusable buffers). */
export async function createQualityDecider(config: QualityConfig): Promise<DocDecider> {
  const ws = new Workspace();
  const enabled = new Set<Family>(config.rules);
  const languageId = enabled.has('language') ? new LanguageId(config.language, loadLanguageModel()) : undefined;
  const gopherQuality = new GopherQuality(config.gopher_quality);
  const gopherRepetition = new GopherRepetition(config.gopher_repetition);
  const c4 = new C4Quality(config.c4);
  const badWords = new C4BadWords(config.c4_badwords);
  const fineweb = new FineWebQuality(config.fineweb);
  const measureAll = config.signals;

  return (doc): Verdict => {
    let text = doc.text;
    let language = typeof doc.meta.language === 'string' ? doc.meta.language : undefined;
    // Written when language ID runs or in signals mode only.
    let meta: JsonObject | undefined;
    const signals: JsonObject = {};
    const out = new Outcome(measureAll);
    let analysis: TextAnalysis | undefined;
    const analyzed = (): TextAnalysis =>
      (analysis ??= new TextAnalysis(text, config.word_tokenizer === 'auto' ? ws.tokenizerFor(language) : ws.spacy, ws));

    for (const family of config.rules) {
      if (measureAll) out.signals = {};
      switch (family) {
        case 'language': {
          const guess = languageId!.run(text, out);
          language = guess.language;
          meta ??= {};
          meta.language = guess.language;
          meta.language_score = Math.round(guess.score * 1e4) / 1e4;
          break;
        }
        case 'gopher_repetition':
          gopherRepetition.run(analyzed(), out);
          break;
        case 'gopher_quality':
          gopherQuality.run(analyzed(), out);
          break;
        case 'c4': {
          const before = analyzed();
          const edited = c4.run(before, out);
          if (!measureAll && edited !== undefined && edited.text !== text) {
            text = edited.text;
            analysis = new TextAnalysis(text, before.tokenizer, ws, edited.tokens, edited.lines);
          }
          break;
        }
        case 'c4_badwords': {
          const error = badWords.run(analyzed(), doc.id, language, out);
          if (error) return fail(error, 'quality_missing_language');
          break;
        }
        case 'fineweb':
          fineweb.run(analyzed(), out);
          break;
      }
      if (measureAll) signals[family] = out.signals;
      else if (out.failed) {
        const f = out.failures[0];
        return {
          action: 'remove',
          rule: f.rule,
          value: f.value,
          threshold: f.threshold,
          details: { family, ...(f.details ?? {}) },
          ...(meta ? { meta } : {}),
          counters: out.counters,
          signals: out.measured,
        };
      }
    }
    if (measureAll) {
      signals.failed = out.failures.map((f) => f.rule);
      (meta ??= {}).quality = signals;
    }
    // Built in place: spreading optional parts into it (and a meta object per document) cost
    // 15 % of the stage without language ID.
    const verdict: KeepVerdict = { action: 'keep', counters: out.counters, signals: out.measured };
    if (text !== doc.text) verdict.text = text;
    if (meta) verdict.meta = meta;
    return verdict;
  };
}

export const qualityStage = defineStage<QualityConfig>({
  name: 'quality',
  description: 'rule-based quality filters (Gopher, C4, FineWeb) and fastText language ID, with datatrove\'s defaults',
  schema: QualityConfig,
  kind: 'doc',
  createDoc: (config) => createQualityDecider(config),
});

/**
 * The `safety` stage: a safe-search classifier. Blocklists first (a listed URL or domain removes
 * the document with `url_blocklist` before any model runs), then the URL model on the document's
 * URL, then the text classifier, on the whole text or paragraph by paragraph.
 *
 * Runs as a `doc` stage in the worker pool with the embedded fastText model (each worker loads
 * the models once), or as a `batch` stage on the main thread calling an HTTP classifier service.
 * Either way each document ends with `meta.safety = {label, score, flagged, source, scores}`.
 */
import type { Logger } from 'pino';
import { type Doc, type JsonObject, type Verdict, fail, keep, remove } from '../../core/doc.js';
import { WinnowError } from '../../core/errors.js';
import { type BatchStage, type DocDecider, defineStage } from '../../core/stage.js';
import { type BlocklistMatch, UrlBlocklist } from './blocklist.js';
import { SafetyConfig } from './config.js';
import { type TextClassifier, loadClassifier, resolveModelPath } from './embedded.js';
import { googleHarmfulLabels } from './http/adapters.js';
import { ClassifierClient, type Outcome } from './http/client.js';
import { type Judgement, type LabelPolicy, type Limits, type RawScores, type Source, documentVerdict, judge, withUrl } from './judge.js';
import { isBlank, paragraphVerdict, splitParagraphs } from './paragraphs.js';

export { SafetyConfig } from './config.js';

/** What every backend shares: blocklists, the URL model, labels and limits. */
export interface SafetyContext {
  config: SafetyConfig;
  blocklist: UrlBlocklist;
  urlModel: TextClassifier | null;
  textPolicy: LabelPolicy;
  urlPolicy: LabelPolicy;
  limits: Limits;
  urlLimits: Limits;
}

export async function loadContext(config: SafetyConfig): Promise<SafetyContext> {
  const http = config.backend === 'http' ? config.http : undefined;
  const harmful = http ? (http.harmful_labels ?? (http.protocol === 'google' ? googleHarmfulLabels : null)) : config.embedded.harmful_labels;
  return {
    config,
    blocklist: await UrlBlocklist.load(config.blocklists),
    urlModel: config.url_model === null ? null : await loadClassifier(resolveModelPath(config.url_model, 'url'), 'url'),
    textPolicy: { labels: http ? http.labels : config.embedded.labels, harmful, combine: http ? http.combine : 'auto' },
    urlPolicy: { labels: config.url_labels, harmful: null, combine: 'auto' },
    limits: { maxScore: config.max_score, labelMaxScores: config.label_max_scores },
    urlLimits: { maxScore: config.max_url_score, labelMaxScores: config.label_max_scores },
  };
}

export function blocklistVerdict(match: BlocklistMatch, action: 'remove' | 'tag'): Verdict {
  const meta: JsonObject = { safety: { label: match.label, score: 1, flagged: true, source: 'blocklist', scores: {}, blocklist: match.entry } };
  if (action === 'tag') return keep({ meta });
  return { ...remove('url_blocklist', match.entry, null, { list: match.label, kind: match.kind }), meta };
}

/** Work for one document before the text classifier: a final verdict (blocklist), or the URL judgement. */
function before(ctx: SafetyContext, doc: Doc): { verdict: Verdict } | { url: Judgement | null } {
  const match = ctx.blocklist.match(doc.url);
  if (match) return { verdict: blocklistVerdict(match, ctx.config.action) };
  const url = ctx.urlModel && doc.url ? judge(ctx.urlModel.classify(doc.url), ctx.urlPolicy, ctx.urlLimits, 'url_model') : null;
  return { url };
}

const emptyScores: RawScores = { labels: [], scores: [], exclusive: true, empty: true };

/** The verdict once the text classifier answered (`scores` per text unit: the document, or each paragraph). */
function after(ctx: SafetyContext, doc: Doc, url: Judgement | null, scores: RawScores[], source: Source): Verdict {
  const { config } = ctx;
  if (config.granularity === 'document') return documentVerdict(withUrl(judge(scores[0], ctx.textPolicy, ctx.limits, source), url), config.action);
  const paragraphs = splitParagraphs(doc.text);
  let next = 0;
  const judgements = paragraphs.parts.map((part) => (isBlank(part) ? null : judge(scores[next++], ctx.textPolicy, ctx.limits, source)));
  return paragraphVerdict(paragraphs, judgements, config.action, url, source);
}

/** The texts the classifier must score for a document, in order (none when blank). */
function units(config: SafetyConfig, doc: Doc): string[] {
  if (config.granularity === 'document') return isBlank(doc.text) ? [] : [doc.text];
  return splitParagraphs(doc.text).parts.filter((p) => !isBlank(p));
}

/** The embedded backend's pure per-document decision. */
export function embeddedDecider(ctx: SafetyContext, model: TextClassifier): DocDecider {
  return (doc) => {
    const pre = before(ctx, doc);
    if ('verdict' in pre) return pre.verdict;
    const texts = units(ctx.config, doc);
    const scores = texts.length === 0 ? [emptyScores] : texts.map((t) => model.classify(t));
    return after(ctx, doc, pre.url, scores, 'embedded');
  };
}

/** The HTTP backend: one batch of documents → requests → verdicts; failures follow `on_error`. */
class HttpSafety implements BatchStage {
  /**
   * Batches of documents in flight: enough texts for every request slot (`http.concurrency`) to
   * carry a full `batch_size` request plus one more waiting, so that the client's dynamic
   * batching makes large requests from the runner's smaller batches.
   */
  readonly concurrency: number;
  private failedDocs = 0;

  constructor(
    private readonly ctx: SafetyContext,
    private readonly client: ClassifierClient,
    private readonly log: Logger,
    runBatch: number,
  ) {
    const slots = ctx.config.http!.concurrency;
    // At most 256 batches (64 k documents at the default batch size) whatever the settings.
    this.concurrency = Math.min(256, Math.max(2, slots, Math.ceil(((slots + 1) * client.maxBatch) / runBatch)));
  }

  async process(docs: Doc[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array(docs.length);
    const pending: { index: number; url: Judgement | null; first: number; count: number }[] = [];
    const texts: string[] = [];
    docs.forEach((doc, index) => {
      const pre = before(this.ctx, doc);
      if ('verdict' in pre) {
        verdicts[index] = pre.verdict;
        return;
      }
      const mine = units(this.ctx.config, doc);
      pending.push({ index, url: pre.url, first: texts.length, count: mine.length });
      for (const text of mine) texts.push(text);
    });
    const outcomes: Outcome[] = texts.length > 0 ? await this.client.classify(texts) : [];
    for (const { index, url, first, count } of pending) {
      const scores: RawScores[] = [];
      let failed: string | null = null;
      for (let i = first; i < first + count && failed === null; i++) {
        const o = outcomes[i];
        if (o.ok) scores.push(o.scores);
        else failed = o.error;
      }
      if (failed !== null) verdicts[index] = this.onError(docs[index], url, failed);
      else verdicts[index] = after(this.ctx, docs[index], url, count === 0 ? [emptyScores] : scores, 'http');
    }
    return verdicts;
  }

  private onError(doc: Doc, url: Judgement | null, reason: string): Verdict {
    const { config } = this.ctx;
    // The URL model needs no service: a URL it flags removes the document all the same.
    if (url?.flagged) return documentVerdict(url, config.action);
    this.failedDocs++;
    if (config.on_error === 'fail') throw new WinnowError('stage', `safety: ${reason} (on_error: fail; use keep or quarantine to carry on)`);
    if (config.on_error === 'keep') {
      if (this.failedDocs === 1) this.log.warn({ reason }, 'classifier failed: keeping unclassified documents with meta.safety.error');
      return keep({ meta: { safety: { label: 'unknown', score: null, flagged: false, source: 'http', error: reason } } });
    }
    if (this.failedDocs === 1) this.log.warn({ reason }, 'classifier failed: documents go to errors/ (on_error: quarantine)');
    return fail(`safety classifier failed: ${reason}`, 'classifier_error');
  }

  summary(): JsonObject {
    return { ...this.client.summary(), documents_failed: this.failedDocs, on_error: this.ctx.config.on_error };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export const safetyStage = defineStage<SafetyConfig>({
  name: 'safety',
  description: 'safe-search classifier (embedded fastText model or an HTTP service) with URL blocklists: remove or tag harmful documents',
  schema: SafetyConfig,
  kind: (config) => (config.backend === 'http' ? 'batch' : 'doc'),
  signalThresholds: (config) => ({ score: config.max_score }),
  async createDoc(config) {
    const ctx = await loadContext(config);
    const e = config.embedded;
    const model = await loadClassifier(resolveModelPath(e.model, 'text'), e.preprocess, e.runtime);
    return embeddedDecider(ctx, model);
  },
  async createBatch(config, { log, batchSize }) {
    const http = config.http!;
    let apiKey: string | undefined;
    if (http.api_key_env) {
      apiKey = process.env[http.api_key_env];
      if (!apiKey) throw new WinnowError('config', `safety: the environment variable ${http.api_key_env} (http.api_key_env) is not set`);
    }
    let ctx: SafetyContext;
    try {
      ctx = await loadContext(config);
    } catch (error) {
      throw new WinnowError('config', `safety: ${(error as Error).message}`, { cause: error });
    }
    return new HttpSafety(ctx, new ClassifierClient(http, apiKey, log), log, batchSize);
  },
});

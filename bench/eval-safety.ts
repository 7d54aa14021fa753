/**
 * `npm run eval:safety`: the bundled safety models on the held-out `test` split (never trained
 * on; fixed seed, src/stages/safety/train-data.ts), next to keyword baselines. Writes
 * bench/results/safety-eval.json; skips (exit 0) when ../shared/corpora is absent.
 *
 * Text (Davidson tweets): precision, recall and F1 per label (hate / offensive / neither, by the
 * model's top label) and for harmful (hate or offensive) vs neither at the stage's default
 * `max_score`, macro-F1 and ROC AUC; the same for the LDNOOBW English word list (C4's "bad words":
 * harmful when any listed word or phrase occurs). Targets: macro-F1 >= 0.85, AUC >= 0.95, clearly
 * above the word list. Clean-text false positives: held-out news paragraphs, Reuters stories, GSM8K
 * questions (none of these are tweets).
 *
 * URLs: recall on held-out UT1 adult URLs and false-positive rate on held-out clean domains (press,
 * university library list, sexual education) and clean URLs with a path, for the URL model at its
 * default threshold and at a few others, for UT1's own adult regular expression, and for the
 * blocklist built from the training split's adult URLs (held-out URLs are not in it).
 * Target: recall >= 0.90 with <= 1 % false positives on clean domains. Also the share of a
 * hand-written probe of 56 ordinary pages on the sites whose adult pages fill the training list
 * (test/stages/safety/fixtures/platform-urls.txt) that each threshold flags.
 *
 * Flags: `--no-write`, `--url-model <path>` (evaluate another URL model too, e.g. one trained with
 * `winnow safety train --counterparts 0,0 --platform-min-urls 0`, which learns site names).
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/config/load.js';
import { UrlBlocklist } from '../src/stages/safety/blocklist.js';
import { SafetyConfig } from '../src/stages/safety/config.js';
import { loadClassifier, resolveModelPath } from '../src/stages/safety/embedded.js';
import { evaluateUrls, hostOf, probeFlagRates, scoreTexts, textPolicy, urlPolicy } from '../src/stages/safety/evaluate.js';
import { textFeatures } from '../src/stages/safety/features.js';
import { type LabelMetrics, binaryReport, perLabel, rate, round } from '../src/stages/safety/metrics.js';
import { corpusNames, loadTextExamples, loadUrlExamples, readProbe } from '../src/stages/safety/train-data.js';
import { hasShared, reutersStories, sharedCorpora, sharedPath } from './corpora.js';
import { machine } from './harness.js';

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const extraUrlModel = args.includes('--url-model') ? args[args.indexOf('--url-model') + 1] : null;

/** LDNOOBW terms as token sequences, matched on token boundaries of the same features the model reads. */
function keywordMatcher(file: string): (text: string) => boolean {
  const terms = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((t) => textFeatures(t))
    .filter((t) => t !== '');
  const single = new Set(terms.filter((t) => !t.includes(' ')));
  const phrases = terms.filter((t) => t.includes(' ')).map((t) => ` ${t} `);
  return (text) => {
    const f = textFeatures(text);
    for (const token of f.split(' ')) if (single.has(token)) return true;
    const padded = ` ${f} `;
    return phrases.some((p) => padded.includes(p));
  };
}

/** UT1's `adult/very_restrictive_expression`: one regular expression per line, any match = adult. */
function ut1Expression(file: string): (url: string) => boolean {
  const patterns = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((p) => new RegExp(p));
  return (url) => {
    const u = url.replace(/^[a-z]+:\/\//, '').toLowerCase();
    return patterns.some((p) => p.test(u));
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/**
 * A hand-written probe, not a data set: ordinary pages on the sites whose adult pages fill UT1's
 * URL list (tumblr, blogspot, etsy, quora, freepik, ...). A URL model that learnt site names flags
 * them. Never used for training or for choosing the model (models/safety/platform-probe-dev.txt is).
 */
const platformProbe = readProbe(path.join(packageRoot, 'test', 'stages', 'safety', 'fixtures', 'platform-urls.txt'));

/** Where the URL model is read: the default threshold (0.1) up to the platform-safe one (0.8; config.ts). */
const urlOperatingPoints = [0.1, 0.15, 0.3, 0.5, 0.8];


async function main(): Promise<void> {
  if (!hasShared(corpusNames.davidson) || !hasShared(corpusNames.ut1)) {
    process.stdout.write('eval:safety: ../shared/corpora not found, skipping\n');
    return;
  }
  const defaults = SafetyConfig.parse({ kind: 'safety' });
  const threshold = defaults.max_score;
  const urlThreshold = defaults.max_url_score;
  const textModel = await loadClassifier(resolveModelPath('bundled', 'text'), 'winnow', 'js');
  const urlModel = await loadClassifier(resolveModelPath('bundled', 'url'), 'url', 'js');
  const keywords = keywordMatcher(sharedPath(corpusNames.ldnoobw, 'en'));

  // --- text ---
  const text = loadTextExamples(sharedCorpora);
  const test = text.filter((e) => e.split === 'test');
  const tweets = test.filter((e) => e.source === 'davidson');
  const gold = tweets.map((e) => e.label !== 'neither');
  const scored = scoreTexts(textModel, tweets.map((e) => e.text), textPolicy);
  const modelBinary = binaryReport(gold, scored.scores, threshold);
  const modelThree = perLabel(
    tweets.map((e) => e.label),
    scored.top.map((l) => (l === 'safe' ? 'neither' : l)),
    ['hate', 'offensive', 'neither'],
  );
  const kwFlags = tweets.map((e) => keywords(e.text));
  const kwBinary = binaryReport(
    gold,
    kwFlags.map((f) => (f ? 1 : 0)),
    0.5,
  );
  // The word list cannot tell hate from offensive: per label, "harmful" is credited to both.
  const kwPerLabel: Record<string, LabelMetrics> = {};
  for (const label of ['hate', 'offensive'] as const) {
    kwPerLabel[label] = perLabel(
      tweets.map((e) => (e.label === label ? label : 'other')),
      kwFlags.map((f) => (f ? label : 'other')),
      [label],
    ).labels[label];
  }
  kwPerLabel.neither = kwBinary.safe;

  const clean: Record<string, string[]> = {
    news_paragraphs_heldout: test.filter((e) => e.source === 'aeb').map((e) => e.text),
    reuters_stories: reutersStories().map((s) => s.text),
  };
  const gsm = sharedPath('benchmark-gsm8k-test', 'test.jsonl');
  if (fs.existsSync(gsm)) {
    clean.gsm8k_questions = fs
      .readFileSync(gsm, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { question: string }).question);
  }
  const cleanText: Record<string, { n: number; model_flagged: number; keywords_flagged: number }> = {};
  for (const [name, texts] of Object.entries(clean)) {
    if (texts.length === 0) continue;
    const s = scoreTexts(textModel, texts, textPolicy).scores;
    cleanText[name] = { n: texts.length, model_flagged: rate(s.map((x) => x > threshold)), keywords_flagged: rate(texts.map(keywords)) };
  }

  // --- URLs ---
  const urls = loadUrlExamples(sharedCorpora);
  const urlTrain = urls.filter((e) => e.split === 'train');
  const urlTest = urls.filter((e) => e.split === 'test');
  const trainHosts = new Set(urlTrain.map((e) => hostOf(e.url)));
  const modelAt = (t: number) => evaluateUrls(urlModel, urlTest, t, trainHosts);
  const regex = ut1Expression(sharedPath(corpusNames.ut1, 'adult', 'very_restrictive_expression'));
  const blocklist = new UrlBlocklist();
  for (const e of urlTrain) if (e.label === 'adult') blocklist.add(e.url, 'adult', 'url');
  const urlScores = scoreTexts(urlModel, urlTest.map((e) => e.url), urlPolicy).scores;
  const baseline = (flag: (e: (typeof urlTest)[number], i: number) => boolean) => {
    const f = urlTest.map((e, i) => ({ e, flagged: flag(e, i) }));
    const isDomain = (e: (typeof urlTest)[number]): boolean => e.source.endsWith('/domains');
    return {
      adult_recall: rate(f.filter((x) => x.e.label === 'adult').map((x) => x.flagged)),
      clean_domains_fp_rate: rate(f.filter((x) => x.e.label === 'clean' && isDomain(x.e)).map((x) => x.flagged)),
      clean_urls_fp_rate: rate(f.filter((x) => x.e.label === 'clean' && !isDomain(x.e)).map((x) => x.flagged)),
    };
  };
  const extra = extraUrlModel ? await loadClassifier(path.resolve(extraUrlModel), 'url', 'js') : null;
  const operatingPoints = (model: typeof urlModel) =>
    Object.fromEntries(
      urlOperatingPoints.map((t) => {
        const e = evaluateUrls(model, urlTest, t, trainHosts);
        const probe = probeFlagRates(model, platformProbe, [t])[String(t)];
        return [String(t), { adult_recall: e.adult_recall.recall, adult_recall_unseen_hosts: e.adult_recall_unseen_hosts.recall, clean_domains_fp_rate: e.clean_domains.fp_rate, clean_urls_fp_rate: e.clean_urls.fp_rate, platform_probe_flagged: probe.flagged, platform_probe_rate: probe.rate }];
      }),
    );

  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    split: 'test (20 %, never trained on; see models/safety/training.json)',
    text: {
      threshold,
      n: tweets.length,
      model: { binary: modelBinary, three_way: modelThree },
      keyword_baseline: {
        list: `${corpusNames.ldnoobw}/en`,
        binary: kwBinary,
        per_label: kwPerLabel,
      },
      macro_f1_gain_over_keywords: round(modelBinary.macro_f1 - kwBinary.macro_f1),
      clean_text_false_positives: cleanText,
      targets: { macro_f1: modelBinary.macro_f1 >= 0.85, roc_auc: modelBinary.roc_auc >= 0.95, above_keywords: modelBinary.macro_f1 > kwBinary.macro_f1 + 0.05 },
    },
    urls: {
      threshold: urlThreshold,
      model: modelAt(urlThreshold),
      // Recall, clean-domain and clean-URL false positives and the platform probe, per threshold.
      operating_points: operatingPoints(urlModel),
      ut1_expression_baseline: baseline((e) => regex(e.url)),
      training_blocklist: { ...baseline((e) => blocklist.match(e.url) !== null), note: 'held-out URLs are not in it: only parent-domain and path-prefix matches can fire' },
      blocklist_then_model: baseline((e, i) => blocklist.match(e.url) !== null || urlScores[i] > urlThreshold),
      platform_probe: { file: 'test/stages/safety/fixtures/platform-urls.txt', n: platformProbe.length, model: probeFlagRates(urlModel, platformProbe, urlOperatingPoints) },
      ...(extra ? { extra_model: { file: extraUrlModel, operating_points: operatingPoints(extra) } } : {}),
    },
  };
  const m = result.urls.model;
  process.stdout.write(
    [
      `text (held-out tweets, n=${tweets.length}, threshold ${threshold}): model macro-F1 ${modelBinary.macro_f1}, ROC AUC ${modelBinary.roc_auc}; keywords macro-F1 ${kwBinary.macro_f1}`,
      `  per label (model): ${Object.entries(modelThree.labels).map(([l, x]) => `${l} P ${x.precision} R ${x.recall} F1 ${x.f1}`).join('; ')}`,
      `  clean text flagged: ${Object.entries(cleanText).map(([k, v]) => `${k} ${pct(v.model_flagged)} (keywords ${pct(v.keywords_flagged)})`).join(', ')}`,
      `urls (held-out: ${m.adult_recall.n} adult URLs, ${m.clean_domains.n} clean domains, ${m.clean_urls.n} clean URLs with a path; platform probe: ${platformProbe.length} ordinary pages):`,
      ...Object.entries(result.urls.operating_points).map(
        ([t, x]) => `  at ${t}${Number(t) === urlThreshold ? ' (default)' : ''}: adult recall ${x.adult_recall}, clean domains FP ${pct(x.clean_domains_fp_rate)}, clean URLs FP ${pct(x.clean_urls_fp_rate)}, platform probe flagged ${x.platform_probe_flagged}/${platformProbe.length}`,
      ),
      ...(result.urls.extra_model
        ? Object.entries(result.urls.extra_model.operating_points).map(
            ([t, x]) => `  ${extraUrlModel} at ${t}: adult recall ${x.adult_recall}, clean domains FP ${pct(x.clean_domains_fp_rate)}, clean URLs FP ${pct(x.clean_urls_fp_rate)}, platform probe flagged ${x.platform_probe_flagged}/${platformProbe.length}`,
          )
        : []),
      `  UT1 expression: recall ${result.urls.ut1_expression_baseline.adult_recall}, FP ${pct(result.urls.ut1_expression_baseline.clean_domains_fp_rate)} / ${pct(result.urls.ut1_expression_baseline.clean_urls_fp_rate)}`,
      '',
    ].join('\n'),
  );
  if (write) {
    const dir = path.join(packageRoot, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'safety-eval.json'), JSON.stringify(result, null, 2) + '\n');
  }
}

await main();

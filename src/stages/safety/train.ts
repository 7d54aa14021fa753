/**
 * `winnow safety train`: trains the bundled models from ../shared/corpora with the fastText
 * command-line tool (Debian: `apt-get install fasttext`, version 0.9.2), quantises them and
 * measures them.
 *
 * Reproducible: the split is a seeded hash (train-data.ts), training data is shuffled with a
 * fixed seed, and fastText runs with `-seed` and one thread (its Hogwild threads would race).
 * The held-out `test` split is never written to a training file; `dev` only picks the operating
 * point and is reported.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadClassifier, safetyModelsDir } from './embedded.js';
import { evaluateText, evaluateUrls, hostOf, probeFlagRates } from './evaluate.js';
import { textFeatures, urlFeatures } from './features.js';
import { type TextExample, type UrlExample, corpusNames, loadTextExamples, loadUrlExamples, readProbe, splitSeed } from './train-data.js';
import { type CounterpartOptions, bannedWords, cleanVocabulary, platformStructure, prng, urlCounterparts } from './url-counterparts.js';

const run = promisify(execFile);

/** Chosen on the dev split (see docs/safety.md): unigrams are as accurate as bigrams here and twice as fast. */
export const textParams = { dim: 16, epoch: 10, lr: 0.05, minCount: 3, wordNgrams: 1, loss: 'softmax', seed: 7 } as const;
/**
 * Character n-grams find words inside concatenated host names (`xxxindiansex`, `sexdollsilicon`).
 * Not quantised: product quantisation moved this model's scores by up to ±0.1 around the
 * threshold (its n-gram rows are many and small), and dense it is 2.2 MB.
 */
export const urlParams = { dim: 8, epoch: 50, lr: 0.1, minCount: 1, wordNgrams: 2, minn: 3, maxn: 6, bucket: 50_000, loss: 'softmax', seed: 7 } as const;
/**
 * Synthetic clean counterparts of the adult training URLs (url-counterparts.ts): one per adult URL
 * on a platform (a site with 5+ adult training URLs: tumblr, blogspot, etsy, quora, freepik...),
 * two per other adult URL; the 300 most frequent words of clean text are kept. Chosen on the dev
 * split and the dev platform probe (models/safety/platform-probe-dev.txt) among 0.25-2 copies and
 * 100-1000 common words: more counterparts flag fewer ordinary platform pages and find fewer adult
 * URLs (docs/safety.md, "URL model").
 */
export const counterpartOptions: CounterpartOptions = { platformMinUrls: 5, structuralShare: 0.25, platformCopies: 1, otherCopies: 2, seed: 12345 };
export const commonWords = 300;
/** Kept for reports: the platforms are the sites with this many adult training URLs. */
export const platformMinUrls = counterpartOptions.platformMinUrls;
/** `neither` examples are repeated this often: Davidson is 83 % harmful, the web is not (a prior correction). */
export const neitherCopies = 2;
/** Product quantisation with one dimension per sub-quantiser and quantised norms: small, near-lossless. */
export const quantizeArgs = ['-qnorm', '-dsub', '1'] as const;
/**
 * The operating points the stage's defaults use (`max_score`, `max_url_score`), read off the dev
 * split: text at 0.5 (dev macro-F1 within 0.001 of its best); URL at 0.1, the highest threshold
 * (in steps of 0.05) at which dev recall of adult URLs is at least 0.92 — the 0.90 with a
 * margin for a dev split of 87 adult URLs. `urlSafe` is the platform-safe operating point: at 0.8
 * the model acts only when sure (few ordinary platform pages and no clean article URL on dev).
 */
export const thresholds = { text: 0.5, url: 0.1, urlSafe: 0.8 } as const;
/** URL thresholds reported in training.json (dev and test). */
const urlReportThresholds = [0.1, 0.15, 0.2, 0.3, 0.5, 0.8] as const;

export interface TrainOptions {
  /** The folder holding the corpora (`../shared/corpora`). */
  corpora: string;
  /** Where text.ftz, url.ftz and training.json go. */
  output: string;
  /** The fastText binary. @default fasttext */
  fasttext?: string;
  onProgress?: (message: string) => void;
  /** Override of `counterpartOptions.platformMinUrls`; 0 = no platform counterparts (the model then learns site names). */
  platformMinUrls?: number;
  /** Override of `counterpartOptions.platformCopies` and `otherCopies` (0 and 0 = no counterparts at all). */
  counterparts?: { platform: number; other: number };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  const random = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Ordinary platform pages for choosing training options (never trained on; the test probe is a separate file). */
export const devProbeFile = path.join(safetyModelsDir, 'platform-probe-dev.txt');

const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function flagArgs(params: Record<string, string | number>): string[] {
  return Object.entries(params)
    .filter(([k]) => k !== 'seed')
    .flatMap(([k, v]) => [`-${k}`, String(v)]);
}

async function fastText(bin: string, args: string[]): Promise<void> {
  try {
    await run(bin, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`the fastText tool "${bin}" was not found: install it (Debian/Ubuntu: apt-get install fasttext) or pass --fasttext <path>`);
    throw new Error(`fasttext ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

async function fastTextVersion(): Promise<string> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f', '${Version}', 'fasttext']);
    return `fasttext (Debian package) ${stdout.trim()}`;
  } catch {
    return 'fasttext (version unknown)';
  }
}

type Counts = Record<string, Record<string, number>>;

function count<T extends { split: string; label: string; source: string }>(examples: T[]): Counts {
  const out: Counts = {};
  for (const e of examples) {
    const key = `${e.source}:${e.label}`;
    out[e.split] ??= {};
    out[e.split][key] = (out[e.split][key] ?? 0) + 1;
  }
  return out;
}

/** The LDNOOBW lists of every language (never structure words in counterparts); none when absent. */
function ldnoobwLists(corpora: string): { texts: string[]; files: string[] } {
  const dir = path.join(corpora, corpusNames.ldnoobw);
  if (!fs.existsSync(dir)) return { texts: [], files: [] };
  const files = fs
    .readdirSync(dir)
    .filter((f) => f !== 'LICENSE' && !f.includes('.'))
    .sort()
    .map((f) => path.join(dir, f));
  return { texts: files.map((f) => fs.readFileSync(f, 'utf8')), files };
}

async function trainOne(bin: string, work: string, name: string, lines: string[], params: Record<string, string | number>, quantize: boolean): Promise<string> {
  const input = path.join(work, `${name}.train.txt`);
  fs.writeFileSync(input, lines.join(''));
  const prefix = path.join(work, name);
  await fastText(bin, ['supervised', '-input', input, '-output', prefix, ...flagArgs(params), '-seed', String(params.seed), '-thread', '1', '-verbose', '0']);
  if (!quantize) return `${prefix}.bin`;
  await fastText(bin, ['quantize', '-input', input, '-output', prefix, ...quantizeArgs, '-thread', '1', '-verbose', '0']);
  return `${prefix}.ftz`;
}

export async function trainSafetyModels(options: TrainOptions): Promise<Record<string, unknown>> {
  const bin = options.fasttext ?? 'fasttext';
  const say = options.onProgress ?? (() => undefined);
  const text = loadTextExamples(options.corpora);
  const urls = loadUrlExamples(options.corpora);
  if (!urls.some((u) => u.label === 'adult')) throw new Error(`no adult URLs found under ${path.join(options.corpora, corpusNames.ut1)}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-safety-train-'));
  try {
    const textTrain = shuffled(
      text.filter((e) => e.split === 'train').flatMap((e) => Array<TextExample>(e.label === 'neither' ? neitherCopies : 1).fill(e)),
      textParams.seed,
    );
    const urlTrain = urls.filter((e) => e.split === 'train');
    const ldnoobw = ldnoobwLists(options.corpora);
    const banned = bannedWords(ldnoobw.texts);
    const vocabulary = cleanVocabulary(
      text.filter((e) => e.split === 'train' && e.source === 'aeb').map((e) => e.text),
      urlTrain.filter((e) => e.label === 'clean' && !e.source.endsWith('/domains')).map((e) => e.url),
      banned,
      commonWords,
    );
    const counterOptions: CounterpartOptions = {
      ...counterpartOptions,
      ...(options.platformMinUrls !== undefined ? { platformMinUrls: options.platformMinUrls } : {}),
      ...(options.counterparts ? { platformCopies: options.counterparts.platform, otherCopies: options.counterparts.other } : {}),
    };
    const platforms = platformStructure(urlTrain, counterOptions, banned);
    const synthetic = urlCounterparts(urlTrain, vocabulary, counterOptions);
    const urlLines = shuffled(
      [...urlTrain.map((e: UrlExample) => `__label__${e.label} ${urlFeatures(e.url)}\n`), ...synthetic.map((url) => `__label__clean ${urlFeatures(url)}\n`)],
      urlParams.seed,
    );
    say(`text model: ${textTrain.length} training examples`);
    const textModel = await trainOne(bin, work, 'text', textTrain.map((e: TextExample) => `__label__${e.label} ${textFeatures(e.text)}\n`), textParams, true);
    say(`url model: ${urlLines.length} training examples (${synthetic.length} synthetic clean counterparts; ${platforms.size} platform sites)`);
    const urlModel = await trainOne(bin, work, 'url', urlLines, urlParams, false);

    fs.mkdirSync(options.output, { recursive: true });
    const textOut = path.join(options.output, 'text.ftz');
    const urlOut = path.join(options.output, 'url.bin');
    fs.copyFileSync(textModel, textOut);
    fs.copyFileSync(urlModel, urlOut);

    say('measuring on the dev and held-out test splits');
    const tm = await loadClassifier(textOut, 'winnow', 'js');
    const um = await loadClassifier(urlOut, 'url', 'js');
    const trainHosts = new Set(urlTrain.map((e) => hostOf(e.url)));
    const devProbe = readProbe(devProbeFile);
    const report = {
      trained_with: await fastTextVersion(),
      split: { seed: splitSeed, rule: 'fnv1a(seed + key) mod 100: < 20 test, < 30 dev, else train; key = normalised text (tweets), article URL (paragraphs), URL without scheme/www (URLs)' },
      text: {
        file: 'text.ftz',
        sha256: sha256(textOut),
        bytes: fs.statSync(textOut).size,
        params: textParams,
        neither_copies: neitherCopies,
        quantize: quantizeArgs,
        labels: ['hate', 'offensive', 'neither'],
        threshold: thresholds.text,
        examples: count(text),
        dev: evaluateText(
          tm,
          text.filter((e) => e.split === 'dev'),
          thresholds.text,
        ),
        test: evaluateText(
          tm,
          text.filter((e) => e.split === 'test'),
          thresholds.text,
        ),
      },
      url: {
        file: 'url.bin',
        sha256: sha256(urlOut),
        bytes: fs.statSync(urlOut).size,
        params: urlParams,
        features: 'host words h_<word>, TLD t_<tld>, path and query words (letter runs of 2+): features.ts urlTokens',
        counterparts: { ...counterOptions, common_words: commonWords, vocabulary_words: vocabulary.words.length, count: synthetic.length },
        platform_sites: Object.fromEntries([...platforms].map(([site, words]) => [site, [...words].sort()])),
        quantize: null,
        labels: ['adult', 'clean'],
        threshold: thresholds.url,
        platform_safe_threshold: thresholds.urlSafe,
        examples: count(urls),
        dev: Object.fromEntries(
          urlReportThresholds.map((t) => [
            String(t),
            {
              ...evaluateUrls(
                um,
                urls.filter((e) => e.split === 'dev'),
                t,
                trainHosts,
              ),
              platform_probe_dev: probeFlagRates(um, devProbe, [t])[String(t)],
            },
          ]),
        ),
        test: evaluateUrls(
          um,
          urls.filter((e) => e.split === 'test'),
          thresholds.url,
          trainHosts,
        ),
      },
      data: Object.fromEntries(
        [
          [corpusNames.davidson, 'labeled_data.csv'],
          [corpusNames.ut1, 'adult/urls'],
          [corpusNames.aeb, 'ground-truth.json'],
          [corpusNames.trafilatura, 'evaldata-dev.json'],
          ...ldnoobw.files.map((f) => [corpusNames.ldnoobw, path.basename(f)]),
        ]
          .map(([dir, file]) => path.join(options.corpora, dir, file))
          .filter((f) => fs.existsSync(f))
          .map((f) => [path.relative(options.corpora, f), sha256(f)]),
      ),
    };
    fs.writeFileSync(path.join(options.output, 'training.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

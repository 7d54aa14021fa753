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
import { loadClassifier } from './embedded.js';
import { evaluateText, evaluateUrls, hostOf } from './evaluate.js';
import { siteOf, textFeatures, urlFeatures, urlHost } from './features.js';
import { type TextExample, type UrlExample, corpusNames, loadTextExamples, loadUrlExamples, splitSeed } from './train-data.js';

const run = promisify(execFile);

/** Chosen on the dev split (see docs/safety.md): unigrams are as accurate as bigrams here and twice as fast. */
export const textParams = { dim: 16, epoch: 10, lr: 0.05, minCount: 3, wordNgrams: 1, loss: 'softmax', seed: 7 } as const;
/**
 * Character n-grams find words inside concatenated host names (`xxxindiansex`, `sexdollsilicon`).
 * Not quantised: product quantisation moved this model's scores by up to ±0.1 around the
 * threshold (its n-gram rows are many and small), and dense it is 2.4 MB.
 */
export const urlParams = { dim: 8, epoch: 50, lr: 0.1, minCount: 1, wordNgrams: 2, minn: 3, maxn: 6, bucket: 50_000, loss: 'softmax', seed: 7 } as const;
/**
 * UT1 lists a URL (not its domain) when only some pages of a site are adult: tumblr posts, blogspot
 * blogs, stock-photo searches. A site with this many adult URLs in the training split is such a
 * platform; its own name must not become evidence, or every page of it would be flagged. So its
 * adult URLs are trained without the site's words, and the bare site is a clean example.
 */
export const platformMinUrls = 3;
/** `neither` examples are repeated this often: Davidson is 83 % harmful, the web is not (a prior correction). */
export const neitherCopies = 2;
/** Product quantisation with one dimension per sub-quantiser and quantised norms: small, near-lossless. */
export const quantizeArgs = ['-qnorm', '-dsub', '1'] as const;
/**
 * The operating points the stage's defaults use (`max_score`, `max_url_score`), read off the dev
 * split: text at 0.5 (dev macro-F1 within 0.001 of its best); URL at 0.8, the lowest threshold that
 * flags no clean URL with a path on dev: a corpus is mostly such URLs, so the URL model acts only
 * when sure and the text model does the rest.
 */
export const thresholds = { text: 0.5, url: 0.8 } as const;

export interface TrainOptions {
  /** The folder holding the corpora (`../shared/corpora`). */
  corpora: string;
  /** Where text.ftz, url.ftz and training.json go. */
  output: string;
  /** The fastText binary. @default fasttext */
  fasttext?: string;
  onProgress?: (message: string) => void;
  /** Override of `platformMinUrls`; 0 turns platform handling off (the model then learns site names). */
  platformMinUrls?: number;
}

/** mulberry32: a tiny seeded PRNG, so the shuffle is the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

/** Sites with at least `platformMinUrls` adult URLs (not domains) in the training split. */
export function platformSites(train: UrlExample[], minUrls = platformMinUrls): Set<string> {
  if (minUrls <= 0) return new Set();
  const counts = new Map<string, number>();
  for (const e of train) if (e.label === 'adult') counts.set(siteOf(urlHost(e.url)), (counts.get(siteOf(urlHost(e.url))) ?? 0) + 1);
  return new Set([...counts].filter(([, n]) => n >= minUrls).map(([site]) => site));
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
    const platforms = platformSites(urlTrain, options.platformMinUrls ?? platformMinUrls);
    const urlLines = shuffled(
      [
        ...urlTrain.map((e: UrlExample) => `__label__${e.label} ${urlFeatures(e.url, e.label === 'adult' && platforms.has(siteOf(urlHost(e.url))))}\n`),
        ...[...platforms].sort().map((site) => `__label__clean ${urlFeatures(`http://${site}/`)}\n`),
      ],
      urlParams.seed,
    );
    say(`text model: ${textTrain.length} training examples`);
    const textModel = await trainOne(bin, work, 'text', textTrain.map((e: TextExample) => `__label__${e.label} ${textFeatures(e.text)}\n`), textParams, true);
    say(`url model: ${urlLines.length} training examples (${platforms.size} platform sites)`);
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
        platform_sites: [...platforms].sort(),
        quantize: null,
        labels: ['adult', 'clean'],
        threshold: thresholds.url,
        examples: count(urls),
        dev: evaluateUrls(
          um,
          urls.filter((e) => e.split === 'dev'),
          thresholds.url,
          trainHosts,
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

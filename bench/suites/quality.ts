/**
 * The quality stage on real text (Reuters-21578 stories, or the reference corpus): MB/s of text
 * per core for all families with and without language ID, the families alone, and the stage in
 * the full pipeline; plus agreement with datatrove's decisions on the reference corpus.
 * Targets: all families >= 15 MB/s per core, without language ID >= 40 MB/s, agreement >= 98 %.
 *
 * The per-core cases call the stage's decision in this process, one thread, so MB/s is MB/s per
 * core; `extra.cpu_mb_per_s` divides by this process's CPU time instead of wall time, which
 * is steadier on a busy machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validatePipeline } from '../../src/config/load.js';
import type { Doc, Verdict } from '../../src/core/doc.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { TextAnalysis, Workspace } from '../../src/stages/quality/analysis.js';
import { QualityConfig } from '../../src/stages/quality/config.js';
import { DATATROVE_FILTERS } from '../../src/stages/quality/datatrove-filters.js';
import { qualityStage } from '../../src/stages/quality/stage.js';
import { jsonlCorpus, reutersStories, sharedCorpora } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';

const ALL = ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'c4_badwords', 'fineweb'];
const referenceDir = path.resolve(sharedCorpora, '..', 'reference');

/** Reuters stories, else the reference corpus's texts, else nothing (the cases then skip). */
function texts(): string[] {
  const stories = reutersStories();
  if (stories.length > 0) return stories.map((s) => s.text);
  const file = path.join(referenceDir, 'quality-corpus.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
}

/** Runs the stage's decision over the texts, `rounds` times after one warm-up round. */
function perCore(name: string, config: Record<string, unknown>, rounds = 3): BenchCase {
  return {
    name,
    stage: 'quality',
    async setup() {
      const corpus = texts();
      const bytes = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0);
      const decide = await qualityStage.createDoc!(QualityConfig.parse({ kind: 'quality', ...config }));
      const docs: Doc[] = corpus.map((text, i) => ({ id: `d${i}`, text, meta: {}, extra: {} }));
      const run = (): Record<string, number> => {
        const tally: Record<string, number> = {};
        for (const doc of docs) {
          const v: Verdict = decide({ ...doc, meta: {} });
          const key = v.action === 'remove' ? v.rule : v.action;
          tally[key] = (tally[key] ?? 0) + 1;
        }
        return tally;
      };
      run();
      return async () => {
        const cpu = process.cpuUsage();
        let tally: Record<string, number> = {};
        for (let r = 0; r < rounds; r++) tally = run();
        const used = process.cpuUsage(cpu);
        const cpuSeconds = (used.user + used.system) / 1e6;
        return {
          docs: docs.length * rounds,
          bytes: bytes * rounds,
          cores: 1,
          extra: { cpu_mb_per_s: Math.round((bytes * rounds) / 1e6 / cpuSeconds * 10) / 10, decisions: tally, rules: (config.rules as string[] | undefined) ?? 'default' },
        };
      };
    },
  };
}

/** The FineWeb recipe's quality stage through the runner: JSONL in, zstd out, all cores. */
function pipeline(): BenchCase {
  return {
    name: 'fineweb-stage-in-pipeline',
    stage: 'pipeline',
    async setup() {
      const corpus = jsonlCorpus('reuters-quality', 50_000_000, texts());
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-quality-'));
      const workers = os.availableParallelism();
      const pipe = validatePipeline(
        { name: 'quality-bench', run: { workers }, stages: [{ kind: 'quality', rules: ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'fineweb'], c4: { filter_no_terminal_punct: false } }] },
        'bench',
      );
      return async () => {
        const result = await runPipeline({ pipeline: pipe, inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
        fs.rmSync(out, { recursive: true, force: true });
        const m = result.manifest;
        return { docs: m.counts.input, bytes: corpus.bytes, cores: workers, extra: { kept: m.counts.kept, removed: m.counts.removed } };
      };
    },
  };
}

/** Agreement with datatrove's decisions per family (the parity test's comparison, timed too). */
function agreement(): BenchCase {
  return {
    name: 'reference-agreement',
    stage: 'quality',
    async setup() {
      const corpusFile = path.join(referenceDir, 'quality-corpus.jsonl');
      const refFile = path.join(referenceDir, 'datatrove-decisions.jsonl');
      const docs = fs.existsSync(corpusFile) ? fs.readFileSync(corpusFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; text: string }) : [];
      const refs = fs.existsSync(refFile)
        ? fs.readFileSync(refFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { filters: Record<string, { kept: boolean; edited_text?: string }> })
        : [];
      const deciders = new Map<string, (doc: Doc) => Verdict>();
      for (const [name, cfg] of Object.entries(DATATROVE_FILTERS)) {
        deciders.set(name, await qualityStage.createDoc!(QualityConfig.parse({ kind: 'quality', word_tokenizer: 'spacy_en', ...cfg })));
      }
      const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0) * deciders.size;
      return async () => {
        const agree: Record<string, number> = {};
        for (const [name, decide] of deciders) {
          let same = 0;
          docs.forEach((doc, i) => {
            const ref = refs[i].filters[name];
            const v = decide({ id: doc.id, text: doc.text, meta: {}, extra: {} });
            // Keep/remove only here; the parity test also compares rules and C4's edited text.
            if ((v.action === 'keep') === ref.kept) same++;
          });
          agree[name] = docs.length ? Math.round((same / docs.length) * 10000) / 100 : 0;
        }
        return { docs: docs.length * deciders.size, bytes, cores: 1, extra: { agreement_percent: agree } };
      };
    },
  };
}

/**
 * The token stream alone (spaCy's English rules, with each token's hash, length and flags and
 * the text's newlines): the step every family but language ID and bad words shares.
 */
function tokenStream(): BenchCase {
  return {
    name: 'shared-token-stream',
    stage: 'quality',
    async setup() {
      const corpus = texts();
      const bytes = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0);
      const ws = new Workspace();
      const run = (): number => corpus.reduce((n, t) => n + new TextAnalysis(t, ws.spacy, ws).tokens.count, 0);
      run();
      return async () => {
        const cpu = process.cpuUsage();
        let tokens = 0;
        for (let r = 0; r < 3; r++) tokens += run();
        const used = process.cpuUsage(cpu);
        return { docs: corpus.length * 3, bytes: bytes * 3, cores: 1, extra: { cpu_mb_per_s: Math.round((bytes * 3) / 1e6 / ((used.user + used.system) / 1e6) * 10) / 10, tokens } };
      };
    },
  };
}

/**
 * A fixed trivial workload (count spaces and newlines with charCodeAt) on the same texts: how
 * fast this machine scans text right now. On a busy machine every figure drops; compare ratios.
 */
function calibration(): BenchCase {
  return {
    name: 'calibration-scan',
    stage: 'none',
    async setup() {
      const corpus = texts();
      const bytes = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0);
      const scan = (): number => {
        let n = 0;
        for (const t of corpus) for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 10) n++;
        return n;
      };
      scan();
      return async () => {
        const cpu = process.cpuUsage();
        let n = 0;
        for (let r = 0; r < 10; r++) n += scan();
        const used = process.cpuUsage(cpu);
        return { docs: corpus.length * 10, bytes: bytes * 10, cores: 1, extra: { cpu_mb_per_s: Math.round((bytes * 10) / 1e6 / ((used.user + used.system) / 1e6)), separators: n } };
      };
    },
  };
}

export const qualitySuite: BenchSuite = {
  name: 'quality',
  cases: [
    calibration(),
    tokenStream(),
    perCore('all-families', { rules: ALL, c4: { filter_no_terminal_punct: false } }),
    perCore('all-but-language', { rules: ALL.filter((f) => f !== 'language'), c4: { filter_no_terminal_punct: false } }),
    perCore('language', { rules: ['language'] }),
    perCore('gopher_quality', { rules: ['gopher_quality'] }),
    perCore('gopher_repetition', { rules: ['gopher_repetition'] }),
    perCore('c4', { rules: ['c4'], c4: { filter_no_terminal_punct: false } }),
    perCore('c4_badwords', { rules: ['c4_badwords'] }),
    perCore('fineweb', { rules: ['fineweb'] }),
    perCore('signals-all', { rules: ALL, signals: true }),
    pipeline(),
    agreement(),
  ],
};

/**
 * Contamination checks and split assignment. Targets: scanning >= 30 MB/s of text per core; an index
 * of 1 M n-grams in <= 32 MB.
 * - scan-benchmarks: Reuters text scanned against GSM8K + HumanEval + MBPP 13-grams, one thread.
 * - scan-1m-index: the same text against an index of 1 M n-grams (a held-out split's size), one
 *   thread; the index's memory in `extra`.
 * - index-build-1m: building that index (MB/s of held-out text indexed).
 * - split-assign: split assignment with exact-text group keys, one thread.
 * - decontaminate-pipeline: the `decontaminate` stage in the real pipeline on every core (only
 *   once the stage is registered).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validatePipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { registry } from '../../src/stages/registry.js';
import { type LoadedBenchmark, indexBenchmarks, loadBenchmark } from '../../src/stages/split/benchmarks.js';
import { NgramIndex } from '../../src/stages/split/ngram-index.js';
import { scanText } from '../../src/stages/split/scan.js';
import { SplitConfig, createSplitDecider } from '../../src/stages/split/split-stage.js';
import { benchTexts, hasShared, jsonlCorpus, randomWords, sharedPath } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';
import { round } from '../harness.js';

const MB = 1e6;

/**
 * MB per CPU-second of this process (all threads): the per-core rate even when other processes
 * share the cores, which wall-clock MB/s on a busy machine is not.
 */
async function cpuRated<T extends { bytes: number; extra?: Record<string, unknown> }>(run: () => Promise<T> | T): Promise<T> {
  const before = process.cpuUsage();
  const outcome = await run();
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { ...outcome, extra: { ...outcome.extra, cpu_seconds: round(cpuSeconds, 2), mb_per_cpu_second: round(outcome.bytes / MB / cpuSeconds, 1) } };
}

function benchmarkFiles(): { name: string; path: string; format: 'auto' }[] {
  return [
    { name: 'gsm8k', path: sharedPath('benchmark-gsm8k-test', 'test.jsonl'), format: 'auto' },
    { name: 'humaneval', path: sharedPath('benchmark-humaneval', 'HumanEval.jsonl.gz'), format: 'auto' },
    { name: 'mbpp', path: sharedPath('benchmark-mbpp', 'mbpp.jsonl'), format: 'auto' },
  ];
}

function sharedIndex(): NgramIndex {
  if (!hasShared('benchmark-gsm8k-test')) throw new Error('needs ../shared/corpora (the benchmarks)');
  const loaded: LoadedBenchmark[] = benchmarkFiles().map((b) => loadBenchmark(b));
  return indexBenchmarks(loaded, 13);
}

/** Texts totalling at least `minBytes` (Reuters repeated), and their UTF-8 size. */
function scanTexts(minBytes: number): { texts: string[]; bytes: number } {
  const base = benchTexts();
  const texts: string[] = [];
  let bytes = 0;
  while (bytes < minBytes) {
    for (const t of base) {
      texts.push(t);
      bytes += Buffer.byteLength(t);
    }
  }
  return { texts, bytes };
}

/** 1 M distinct 13-grams: 40 "held-out documents" of 25,012 random words. */
function heldOutDocs(): string[] {
  return Array.from({ length: 40 }, (_, d) => randomWords(25_012, d + 1, 50_000));
}

function buildMillionIndex(docs: string[]): NgramIndex {
  const index = new NgramIndex(13);
  const s = index.addSource('test', 'split');
  docs.forEach((t, i) => index.addItem(s, `held-${i}`, [t]));
  return index;
}

function scanCase(name: string, makeIndex: () => NgramIndex): BenchCase {
  return {
    name,
    stage: 'decontaminate',
    async setup() {
      const index = makeIndex();
      const { texts, bytes } = scanTexts(60 * MB);
      // Warm the JIT on a slice, as a long-running worker would be.
      for (let i = 0; i < 2000; i++) scanText(texts[i], index);
      return async () => cpuRated(() => {
        let matched = 0;
        for (const t of texts) matched += scanText(t, index).matched;
        return {
          docs: texts.length,
          bytes,
          cores: 1,
          extra: { index_ngrams: index.size, index_table_mb: round(index.tableBytes / 2 ** 20, 2), matched_ngrams: matched },
        };
      });
    },
  };
}

const cores = os.availableParallelism();

const cases: BenchCase[] = [
  scanCase('scan-benchmarks', sharedIndex),
  scanCase('scan-1m-index', () => buildMillionIndex(heldOutDocs())),
  {
    name: 'index-build-1m',
    stage: 'decontaminate',
    async setup() {
      const docs = heldOutDocs();
      const bytes = docs.reduce((s, t) => s + Buffer.byteLength(t), 0);
      return async () =>
        cpuRated(() => {
          const index = buildMillionIndex(docs);
          return { docs: docs.length, bytes, cores: 1, extra: { index_ngrams: index.size, index_table_mb: round(index.tableBytes / 2 ** 20, 2), serialised_mb: round(index.toBuffer().byteLength / 2 ** 20, 2) } };
        });
    },
  },
  {
    name: 'split-assign',
    stage: 'split',
    async setup() {
      const { texts, bytes } = scanTexts(60 * MB);
      const decide = createSplitDecider(SplitConfig.parse({ kind: 'split' }));
      const docs = texts.map((text, i) => ({ id: `d${i}`, text, meta: {}, extra: {} }));
      return async () =>
        cpuRated(() => {
          const counts: Record<string, number> = {};
          for (const d of docs) {
            const v = decide(d);
            const split = v.action === 'keep' ? (v.route ?? 'kept') : 'error';
            counts[split] = (counts[split] ?? 0) + 1;
          }
          return { docs: docs.length, bytes, cores: 1, extra: counts };
        });
    },
  },
  ...(registry.has('decontaminate')
    ? [
        {
          name: 'decontaminate-pipeline',
          stage: 'decontaminate',
          async setup() {
            const corpus = jsonlCorpus('reuters', 200_000_000);
            const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-out-'));
            const pipeline = validatePipeline({ name: 'decontaminate', output: { compression: 'zstd' }, run: { workers: cores }, stages: [{ kind: 'decontaminate', benchmarks: benchmarkFiles() }] }, 'decontaminate');
            return async () =>
              cpuRated(async () => {
                const result = await runPipeline({ pipeline, inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
                fs.rmSync(out, { recursive: true, force: true });
                const stage = result.manifest.stages.find((st) => st.name === 'decontaminate');
                // The stage's own CPU time, summed over workers: its per-core rate inside the pipeline.
                const stageMbPerCpuS = stage ? round(corpus.bytes / MB / (stage.busy_ms / 1000), 1) : null;
                return { docs: result.manifest.counts.input, bytes: corpus.bytes, cores, extra: { removed: result.manifest.counts.removed, stage_busy_ms: stage?.busy_ms ?? null, stage_mb_per_cpu_second: stageMbPerCpuS } };
              });
          },
        } satisfies BenchCase,
      ]
    : []),
];

export const decontamSuite: BenchSuite = { name: 'decontam', cases };

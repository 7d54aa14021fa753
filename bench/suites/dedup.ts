/**
 * Dedup benchmarks.
 * - signatures: the MinHash payload (normalise, shingle, 112 permutations) on one core, in process.
 *   Target: >= 35 MB/s of text per core.
 * - two-pass: the whole `winnow dedup` (read, exact + MinHash, spool, cluster, write kept and
 *   removed) on ~150 MB of Reuters-based text with planted duplicates. Target: >= 25 MB/s on 2 cores.
 *   Also exact only, with verify, and the one-pass online mode on the same corpus, and the runner's
 *   pass-through (no stage) on it for reference. Each records its CPU seconds (all threads).
 * - short-1m / short-2m (and -spill): 1 and 2 million short documents, for peak RSS per million
 *   documents (the slope between the two) with the default 1 GiB budget (all in memory) and with a
 *   64 MiB budget that spills. short-10m (WINNOW_BENCH_LARGE=1): the 10-million target in 4 GB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validatePipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { DedupConfig } from '../../src/stages/dedup/config.js';
import { payloadEncoder } from '../../src/stages/dedup/payload.js';
import { splitMix32 } from '../../src/stages/dedup/prng.js';
import { type CorpusFile, benchTexts, cachedJsonl } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';

const cores = os.availableParallelism();

/** Replaces about `rate` of the words with others from the vocabulary, deterministically. */
function mutate(words: string[], vocabulary: string[], rate: number, next: () => number): string {
  const out = words.slice();
  for (let i = 0; i < out.length; i++) if (next() % 1000 < rate * 1000) out[i] = vocabulary[next() % vocabulary.length];
  return out.join(' ');
}

/**
 * A corpus of at least `minBytes`: rounds of the base texts, each round with 30% of the words
 * replaced (so rounds are not duplicates of each other), plus 2% exact copies and 5% near copies
 * (3% of words replaced) of earlier documents. Cached under benchCache.
 */
export function plantedCorpus(name: string, minBytes: number, texts: string[]): CorpusFile {
  return cachedJsonl(`dedup-${name}-${minBytes}.jsonl`, (write) => {
    const next = splitMix32(20261129);
    const split = texts.map((t) => t.split(/\s+/).filter(Boolean));
    const vocabulary = [...new Set(split.flat())].slice(0, 50_000);
    let n = 0;
    const recent: string[] = [];
    for (let round = 0, bytes = 0; bytes < minBytes; round++) {
      const parts: string[] = [];
      for (const words of split) {
        const text = round === 0 ? words.join(' ') : mutate(words, vocabulary, 0.3, next);
        parts.push(JSON.stringify({ id: `d${n++}`, text }) + '\n');
        if (recent.length < 1000) recent.push(text);
        else recent[next() % 1000] = text;
        const roll = next() % 100;
        if (roll < 2) parts.push(JSON.stringify({ id: `d${n++}`, text: recent[next() % recent.length] }) + '\n');
        else if (roll < 7) parts.push(JSON.stringify({ id: `d${n++}`, text: mutate(recent[next() % recent.length].split(' '), vocabulary, 0.03, next) }) + '\n');
      }
      bytes = write(parts.join(''));
    }
    return n;
  });
}

/** The words of the base texts' sentences. */
function sentenceWords(texts: string[]): string[][] {
  const out: string[][] = [];
  for (const t of texts) for (const s of t.split(/(?<=[.!?])\s+/)) {
    const words = s.split(/\s+/).filter(Boolean);
    if (words.length >= 6) out.push(words);
  }
  return out;
}

/**
 * At least `docs` short documents (10-25 words): each joins 2-4 runs of 4-8 consecutive words
 * taken from random sentences, so nearly every document is new (as in a crawl) and no base text
 * is repeated hundreds of times with variations (which would make candidate pairs grow with the
 * square of the corpus); 2% are exact copies and 5% near copies (one word replaced) of recent ones.
 */
function shortCorpus(docs: number): CorpusFile {
  return cachedJsonl(`dedup-short-${docs}.jsonl`, (write) => {
    const sentences = sentenceWords(benchTexts());
    const next = splitMix32(20261130);
    const recent: string[] = [];
    let n = 0;
    while (n < docs) {
      const parts: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const words: string[] = [];
        for (let runs = 2 + (next() % 3); runs > 0; runs--) {
          const s = sentences[next() % sentences.length];
          const len = Math.min(s.length, 4 + (next() % 5));
          const at = next() % (s.length - len + 1);
          words.push(...s.slice(at, at + len));
        }
        const text = words.join(' ');
        parts.push(JSON.stringify({ id: `s${n++}`, text }) + '\n');
        if (recent.length < 1000) recent.push(text);
        else recent[next() % 1000] = text;
        const roll = next() % 100;
        if (roll < 2) parts.push(JSON.stringify({ id: `s${n++}`, text: recent[next() % recent.length] }) + '\n');
        else if (roll < 7) {
          const copy = recent[next() % recent.length].split(' ');
          copy[next() % copy.length] = 'zqxj';
          parts.push(JSON.stringify({ id: `s${n++}`, text: copy.join(' ') }) + '\n');
        }
      }
      write(parts.join(''));
    }
    return n;
  });
}

const signatures: BenchCase = {
  name: 'signatures',
  stage: 'dedup',
  async setup() {
    const texts = benchTexts();
    const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
    const encode = payloadEncoder(DedupConfig.parse({ kind: 'dedup' }));
    // Warm-up: let V8 optimise the kernel first, as it is in a long run.
    for (let i = 0; i < 2000; i++) encode({ id: `w${i}`, text: texts[i % texts.length], meta: {}, extra: {} });
    return async () => {
      let docs = 0;
      for (let round = 0; round < 3; round++) for (const text of texts) encode({ id: `d${docs++}`, text, meta: {}, extra: {} });
      return { docs, bytes: 3 * bytes, cores: 1 };
    };
  },
};

function pipelineCase(name: string, corpus: () => CorpusFile, stage: Record<string, unknown> | null): BenchCase {
  return {
    name,
    stage: 'dedup',
    async setup() {
      const { file, bytes } = corpus();
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-dedup-'));
      // `stage` null: no stage at all, the runner's pass-through on the same file, for reference.
      const pipeline = validatePipeline({ name, run: { workers: cores }, stages: stage ? [{ kind: 'dedup', ...stage }] : [] }, name);
      return async () => {
        // CPU time of the whole process, worker threads included: on a shared machine it says more
        // than the wall time, and its ratio to the pass-through case of the same run is the figure.
        const cpu = process.cpuUsage();
        const result = await runPipeline({ pipeline, inputs: [file], output: out, overwrite: true, log: silentLogger() });
        const used = process.cpuUsage(cpu);
        const summary = result.manifest.stages.find((s) => s.name === 'dedup')?.summary ?? {};
        fs.rmSync(out, { recursive: true, force: true });
        return {
          docs: result.manifest.counts.input,
          bytes,
          cores,
          extra: {
            ...(stage ?? { passthrough: true }),
            cpu_seconds: Math.round((used.user + used.system) / 1e4) / 100,
            pass_ms: result.manifest.passes.map((p) => p.wall_ms),
            removed: result.manifest.counts.removed,
            summary_duplicates: summary.duplicates ?? null,
            memory: summary.memory ?? null,
            finish_ms: summary.finish_ms ?? null,
          },
        };
      };
    },
  };
}

const reuters150 = () => plantedCorpus('reuters', 150_000_000, benchTexts());

export const dedupSuite: BenchSuite = {
  name: 'dedup',
  cases: [
    signatures,
    pipelineCase('passthrough', reuters150, null),
    pipelineCase('two-pass', reuters150, {}),
    pipelineCase('two-pass-exact', reuters150, { method: 'exact' }),
    pipelineCase('two-pass-verify', reuters150, { verify: true }),
    pipelineCase('online', reuters150, { online: true }),
    pipelineCase('short-1m', () => shortCorpus(1_000_000), {}),
    pipelineCase('short-2m', () => shortCorpus(2_000_000), {}),
    pipelineCase('short-1m-spill', () => shortCorpus(1_000_000), { memory: '64M' }),
    pipelineCase('short-2m-spill', () => shortCorpus(2_000_000), { memory: '64M' }),
    // The 10-million-document target (several minutes): only with WINNOW_BENCH_LARGE=1.
    ...(process.env.WINNOW_BENCH_LARGE ? [pipelineCase('short-10m', () => shortCorpus(10_000_000), {})] : []),
  ],
};

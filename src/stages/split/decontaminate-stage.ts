/**
 * Stage `decontaminate`: scans every document for word n-grams of public benchmarks (or of any
 * prebuilt index, e.g. the held-out splits) and drops, redacts or flags the ones that overlap.
 * The GPT-3 13-gram method (Brown et al. 2020, appendix C); n from 8 to 50.
 *
 * A per-document stage: each worker builds the index once, in `createDoc`, from the benchmark
 * files (about 0.3 s for GSM8K + HumanEval + MBPP), or loads a serialised index file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WinnowError, errorMessage } from '../../core/errors.js';
import { defineStage, stageSchema } from '../../core/stage.js';
import { RedactOptions, contaminationActions, contaminationVerdict } from './actions.js';
import { BenchmarkSource, type LoadedBenchmark, indexBenchmarks, loadBenchmark } from './benchmarks.js';
import { CommonNgramCounter } from './common-ngrams.js';
import { NgramIndex } from './ngram-index.js';
import { MAX_N, MIN_N } from './ngrams.js';
import { scanText } from './scan.js';
import type { JsonObject } from '../../core/doc.js';
import { HeldOutIndexBuilder, heldOutPayload, heldOutReplay, loadFinalIndex } from './held-out-index.js';
import { writeContaminationReport } from './report-from-output.js';

export const DecontaminateConfig = stageSchema('decontaminate', {
  /** Benchmark files to index (`{name, path, preset?, fields?, id_field?, format?}`). */
  benchmarks: z.array(BenchmarkSource).default([]),
  /** A serialised n-gram index (`NgramIndex.toBuffer`) to scan against instead of benchmark files. */
  index_file: z.string().min(1).optional(),
  /** Words per n-gram. @default 13 (GPT-3) */
  n: z.number().int().min(MIN_N).max(MAX_N).default(13),
  /** `drop` the document, `redact` the matched spans (GPT-3), or `flag` it in meta.contamination. */
  action: z.enum(contaminationActions).default('drop'),
  /** A document is contaminated when it shares more n-grams than this with the index. @default 0 */
  max_matched_ngrams: z.number().int().min(0).default(0),
  /** The GPT-3 redaction parameters (200 characters, 200 characters, 10 pieces). */
  redact: RedactOptions.default(RedactOptions.parse({})),
  /**
   * Per-n-gram training-document counts of this index (`CommonNgramCounter.toBuffer`, from a
   * counting pass over the training data); with it, n-grams in more than `max_ngram_docs`
   * documents are ignored as common phrases.
   */
  ngram_doc_counts_file: z.string().min(1).optional(),
  /** Ignore n-grams found in more training documents than this. @default 10 (GPT-3) */
  max_ngram_docs: z.number().int().min(1).default(10),
  /**
   * Splits of this run (meta.split, set by the split stage before) whose documents are indexed too;
   * the stage then scans only the other documents. Makes the stage global (two passes).
   */
  held_out: z.array(z.string().min(1)).default([]),
});
export type DecontaminateConfig = z.infer<typeof DecontaminateConfig>;

export interface DecontaminationIndex {
  index: NgramIndex;
  /** The benchmark files as loaded (empty for an index file). */
  benchmarks: LoadedBenchmark[];
}

/** The index a config describes. Relative paths resolve against `baseDir`. */
export function buildDecontaminationIndex(config: DecontaminateConfig, baseDir: string = process.cwd()): DecontaminationIndex {
  if (config.index_file !== undefined && config.benchmarks.length > 0) {
    throw new WinnowError('config', 'decontaminate: give either benchmarks or index_file, not both (build one index holding both instead)');
  }
  if (config.index_file !== undefined) {
    const file = path.resolve(baseDir, config.index_file);
    let index: NgramIndex;
    try {
      index = NgramIndex.fromBuffer(fs.readFileSync(file));
    } catch (error) {
      throw new WinnowError('config', `decontaminate: cannot load index ${file}: ${errorMessage(error)}`, { cause: error });
    }
    if (index.n !== config.n) throw new WinnowError('config', `decontaminate: ${file} holds ${index.n}-grams but n is ${config.n}`);
    return { index, benchmarks: [] };
  }
  if (config.benchmarks.length === 0) {
    if (config.held_out.length > 0) return { index: new NgramIndex(config.n), benchmarks: [] };
    throw new WinnowError('config', 'decontaminate: no benchmarks, no index_file and no held_out splits: nothing to check against');
  }
  const names = new Set<string>();
  for (const b of config.benchmarks) {
    if (names.has(b.name)) throw new WinnowError('config', `decontaminate: benchmark name "${b.name}" is used twice`);
    names.add(b.name);
  }
  const benchmarks = config.benchmarks.map((b) => loadBenchmark(b, baseDir));
  return { index: indexBenchmarks(benchmarks, config.n), benchmarks };
}

/** The common-phrase mask of `ngram_doc_counts_file` for this index. */
export function commonNgramMask(config: DecontaminateConfig, index: NgramIndex, baseDir: string = process.cwd()): Uint8Array {
  const file = path.resolve(baseDir, config.ngram_doc_counts_file!);
  let counter: CommonNgramCounter;
  try {
    counter = CommonNgramCounter.fromBuffer(fs.readFileSync(file));
  } catch (error) {
    throw new WinnowError('config', `decontaminate: cannot load n-gram counts ${file}: ${errorMessage(error)}`, { cause: error });
  }
  if (counter.counts.length !== index.capacity) throw new WinnowError('config', `decontaminate: ${file} counts n-grams of another index`);
  return counter.ignoreMask(config.max_ngram_docs);
}

export const decontaminateStage = defineStage<DecontaminateConfig>({
  name: 'decontaminate',
  description: 'drop, redact (GPT-3) or flag documents sharing word n-grams with benchmarks or held-out splits',
  schema: DecontaminateConfig,
  // Against benchmarks only: one pass. Against this run's held-out splits: a global stage.
  kind: (config) => (config.held_out.length > 0 ? 'global' : 'doc'),
  createDoc(config) {
    const { index } = buildDecontaminationIndex(config);
    const options = { action: config.action, max_matched_ngrams: config.max_matched_ngrams, redact: config.redact };
    const scan = { ...(config.ngram_doc_counts_file !== undefined ? { ignore: commonNgramMask(config, index) } : {}) };
    return (doc) => contaminationVerdict(doc.text, scanText(doc.text, index, scan), index, options);
  },
  prepare(config) {
    return heldOutPayload(config, config.benchmarks.length > 0 ? buildDecontaminationIndex({ ...config, held_out: [] }).index : null);
  },
  createGlobal(config, ctx) {
    const build = (): DecontaminationIndex => buildDecontaminationIndex(config);
    const benchmarks = config.benchmarks.length > 0 ? build().index : new NgramIndex(config.n);
    return new HeldOutIndexBuilder(config, build, benchmarks, ctx);
  },
  replay: (config, ctx) => heldOutReplay(config, ctx),
  async finishRun(config, ctx) {
    const built: DecontaminationIndex =
      config.held_out.length === 0
        ? buildDecontaminationIndex(config)
        : { index: loadFinalIndex(ctx.stateDir), benchmarks: config.benchmarks.length > 0 ? buildDecontaminationIndex({ ...config, held_out: [] }).benchmarks : [] };
    const report = await writeContaminationReport({ outputDir: ctx.outputDir, stageName: ctx.name, config, built });
    return { report: 'contamination.json', benchmarks: Object.keys((report.benchmarks as JsonObject | undefined) ?? {}).length };
  },
});

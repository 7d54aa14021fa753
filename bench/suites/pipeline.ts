/**
 * The runner's own cost: parse JSONL → one fused per-document stage chain in the pool (here with
 * no stages, the pass-through) → write .jsonl.zst. Target: >= 80 MB/s of input on 2 cores.
 * The 1 GB case shows that peak RSS does not grow with the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validatePipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { jsonlCorpus } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';

function passthrough(name: string, compression: 'zstd' | 'gzip' | 'none', workers: number, level?: number, corpusBytes = 200_000_000): BenchCase {
  return {
    name,
    stage: 'pipeline',
    async setup() {
      const corpus = jsonlCorpus('reuters', corpusBytes);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-out-'));
      const pipeline = validatePipeline({ name, output: { compression, ...(level !== undefined ? { level } : {}) }, run: { workers }, stages: [] }, name);
      return async () => {
        const result = await runPipeline({ pipeline, inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
        fs.rmSync(out, { recursive: true, force: true });
        return { docs: result.manifest.counts.input, bytes: corpus.bytes, cores: Math.min(workers, os.availableParallelism()), extra: { compression, level: level ?? null, workers, output_mb: result.manifest.bytes.output_on_disk / 1e6 } };
      };
    },
  };
}

const cores = os.availableParallelism();

export const pipelineSuite: BenchSuite = {
  name: 'pipeline',
  cases: [
    passthrough('passthrough-zstd', 'zstd', cores),
    passthrough('passthrough-zstd-level-1', 'zstd', cores, 1),
    passthrough('passthrough-none', 'none', cores),
    passthrough('passthrough-zstd-1-worker', 'zstd', 1),
    // Five times the input, the same peak RSS: memory is bounded by the batches in flight, not the input.
    passthrough('passthrough-zstd-1gb', 'zstd', cores, undefined, 1_000_000_000),
  ],
};

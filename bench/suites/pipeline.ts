/**
 * The runner's own cost: parse JSONL → one fused per-document stage chain in the pool (here with
 * no stages, the pass-through) → write .jsonl.zst. Target: >= 80 MB/s of input on 2 cores.
 * `passthrough-zstd-noop-stage` puts one real per-document stage in the chain that changes
 * nothing (extract, on records without HTML), as the issue words the figure.
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

function passthrough(name: string, compression: 'zstd' | 'gzip' | 'none', workers: number, level?: number, corpusBytes = 200_000_000, stages: Record<string, unknown>[] = []): BenchCase {
  return {
    name,
    stage: 'pipeline',
    async setup() {
      const corpus = jsonlCorpus('reuters', corpusBytes);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-out-'));
      const pipeline = validatePipeline({ name, output: { compression, ...(level !== undefined ? { level } : {}) }, run: { workers }, stages }, name);
      return async () => {
        const result = await runPipeline({ pipeline, inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
        fs.rmSync(out, { recursive: true, force: true });
        // A no-op stage keeps every document and every character.
        const notKept = result.manifest.stages.reduce((n, s) => n + (s.in - s.kept), 0);
        const charsChanged = result.manifest.stages.reduce((n, s) => n + (s.chars_in - s.chars_out), 0);
        return { docs: result.manifest.counts.input, bytes: corpus.bytes, cores: Math.min(workers, os.availableParallelism()), extra: { compression, level: level ?? null, workers, stages: stages.map((s) => s.kind), not_kept: notKept, chars_changed: charsChanged, output_mb: result.manifest.bytes.output_on_disk / 1e6 } };
      };
    },
  };
}

const cores = os.availableParallelism();

export const pipelineSuite: BenchSuite = {
  name: 'pipeline',
  cases: [
    passthrough('passthrough-zstd', 'zstd', cores),
    passthrough('passthrough-zstd-noop-stage', 'zstd', cores, undefined, undefined, [{ kind: 'extract' }]),
    passthrough('passthrough-zstd-level-1', 'zstd', cores, 1),
    passthrough('passthrough-none', 'none', cores),
    passthrough('passthrough-zstd-1-worker', 'zstd', 1),
    // Five times the input, the same peak RSS: memory is bounded by the batches in flight, not the input.
    passthrough('passthrough-zstd-1gb', 'zstd', cores, undefined, 1_000_000_000),
  ],
};

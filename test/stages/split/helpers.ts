/** Shared pieces of the split tests (not a test file itself). */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Doc } from '../../../src/core/doc.js';
import { type LoadedBenchmark, loadBenchmark } from '../../../src/stages/split/benchmarks.js';
import { sharedCorpus } from '../../helpers/index.js';
import type { WorkerJob } from './worker-helper.js';

export const doc = (id: string, text: string, extra: Partial<Doc> = {}): Doc => ({ id, text, meta: {}, extra: {}, ...extra });

export function inWorker<T>(job: WorkerJob): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-helper.js', import.meta.url), { workerData: job });
    worker.once('message', (m: T) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before answering`)));
  });
}

export const gsm8kDir = sharedCorpus('benchmark-gsm8k-test');
export const humanevalDir = sharedCorpus('benchmark-humaneval');
export const mbppDir = sharedCorpus('benchmark-mbpp');
export const reutersDir = sharedCorpus('text-corpus-reuters21578-part-a');
export const haveBenchmarks = Boolean(gsm8kDir && humanevalDir && mbppDir);

/** The three shared benchmarks with their presets (call only when haveBenchmarks). */
export function sharedBenchmarks(): LoadedBenchmark[] {
  return [
    loadBenchmark({ name: 'gsm8k', path: path.join(gsm8kDir!, 'test.jsonl'), format: 'auto' }),
    loadBenchmark({ name: 'humaneval', path: path.join(humanevalDir!, 'HumanEval.jsonl.gz'), format: 'auto' }),
    loadBenchmark({ name: 'mbpp', path: path.join(mbppDir!, 'mbpp.jsonl'), format: 'auto' }),
  ];
}

export { randomWords } from '../../../bench/corpora.js';

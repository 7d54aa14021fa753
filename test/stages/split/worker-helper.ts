/**
 * Runs split assignment or index scanning inside a real worker thread, for the tests that check
 * identical results in any thread (not a test file itself).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Doc } from '../../../src/core/doc.js';
import { NgramIndex } from '../../../src/stages/split/ngram-index.js';
import { scanText } from '../../../src/stages/split/scan.js';
import { SplitConfig, splitStage } from '../../../src/stages/split/split-stage.js';

export type WorkerJob =
  | { task: 'split'; config: unknown; docs: Doc[] }
  | { task: 'scan'; index: Uint8Array; texts: string[] };

const job = workerData as WorkerJob;
if (job.task === 'split') {
  const decide = await splitStage.createDoc!(SplitConfig.parse(job.config));
  const splits = job.docs.map((doc) => {
    const v = decide(doc);
    return v.action === 'keep' ? (v.route ?? null) : null;
  });
  parentPort!.postMessage(splits);
} else {
  // The index is a view of a SharedArrayBuffer: loaded without copying its tables.
  const index = NgramIndex.fromBuffer(job.index);
  parentPort!.postMessage(job.texts.map((t) => scanText(t, index).matched));
}

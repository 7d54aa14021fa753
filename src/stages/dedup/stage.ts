/**
 * The `dedup` stage: exact and MinHash near-duplicate removal.
 *
 * - batch (default): a global stage. `prepare` computes each document's payload (exact hash,
 *   signature, keep value, id) in the worker pool, fused after the per-document stages before
 *   it; `finish` clusters; pass 2 removes the duplicates (batch-dedup.ts).
 * - `online: true`: a main-thread batch stage, one pass, first seen wins (online.ts).
 * - `decisions_from`: pass 2 applies a staged run's decisions (staged/filter-stage.ts).
 */
import { WinnowError } from '../../core/errors.js';
import { defineStage } from '../../core/stage.js';
import { BatchDedup } from './batch-dedup.js';
import { DedupConfig } from './config.js';
import { OnlineDedup } from './online.js';
import { payloadEncoder } from './payload.js';
import { StagedDecisions } from './staged/filter-stage.js';

const EMPTY = new Uint8Array(0);

function checkConfig(config: DedupConfig): void {
  if (config.online && config.keep !== 'first') throw new WinnowError('config', `dedup: online mode keeps the first document seen; keep: ${config.keep} needs the batch mode`);
  if (config.online && config.decisions_from) throw new WinnowError('config', 'dedup: online and decisions_from cannot be combined');
  if (config.decisions_from && (config.index || config.against)) throw new WinnowError('config', 'dedup: index/against are not supported in the staged mode');
}

export const dedupStage = defineStage<DedupConfig>({
  name: 'dedup',
  description: 'remove exact and MinHash near-duplicate documents, keeping one per cluster by a stated rule, with a cluster report',
  schema: DedupConfig,
  kind: (config) => (config.online ? 'batch' : 'global'),
  prepare(config) {
    checkConfig(config);
    if (config.decisions_from) return () => EMPTY;
    return payloadEncoder(config);
  },
  createGlobal(config, ctx) {
    checkConfig(config);
    if (config.decisions_from) return new StagedDecisions(config, config.decisions_from);
    return new BatchDedup(config, ctx);
  },
  createBatch(config, ctx) {
    checkConfig(config);
    return new OnlineDedup(config, ctx);
  },
});

/**
 * The piscina worker: one task = one batch through a fused chain of per-document stages, or one
 * output frame to compress. Chains are built once per worker (models load once), cached by group.
 */
import { Piscina } from 'piscina';
import { compressFrame } from '../io/compression.js';
import { type Chain, buildChain, resultBuffers, runChain } from './fused.js';
import type { CompressTask, Task, TaskResult } from './protocol.js';

const chains = new Map<string, Promise<Chain>>();

/** Results are moved to the main thread, not copied (their buffers are never shared). */
const moved = <T extends object>(value: T, buffers: ArrayBuffer[]): T =>
  Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: value } as unknown as Parameters<typeof Piscina.move>[0]) as unknown as T;

export default async function runTask(task: Task | CompressTask): Promise<TaskResult | Uint8Array> {
  if ('kind' in task) {
    const frame = compressFrame(task.compression, task.bytes, task.level);
    return moved(frame, [frame.buffer as ArrayBuffer]);
  }
  let chain = chains.get(task.group);
  if (!chain) {
    chain = buildChain(task.stages, task.prepare, task.replay);
    chains.set(task.group, chain);
  }
  const result = runChain(task, await chain);
  return moved(result, resultBuffers(result));
}

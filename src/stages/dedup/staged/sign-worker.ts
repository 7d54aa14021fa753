/**
 * Worker of `winnow dedup signatures`: parses one read batch (the runner's own parsing, so keys
 * and ids are the ones a single-process run assigns) and computes each document's payload.
 */
import { Piscina } from 'piscina';
import { BatchOutput, readBatch } from '../../../core/fused.js';
import type { Doc } from '../../../core/doc.js';
import type { FieldMapping, ReadBatch } from '../../../core/protocol.js';
import type { DedupConfig } from '../config.js';
import { payloadEncoder } from '../payload.js';

export interface SignTask {
  input: ReadBatch;
  unit: number;
  firstPos: number;
  mapping: FieldMapping;
  maxDocBytes: number;
  config: DedupConfig;
}

export interface SignResult {
  keys: number[];
  payloads: Uint8Array[];
  /** Records that could not be read (they go to errors/ in the filter step). */
  errors: number;
}

let encoder: ((doc: Doc) => Uint8Array) | null = null;
let encoderConfig = '';

export default function sign(task: SignTask): SignResult {
  const configText = JSON.stringify(task.config);
  if (!encoder || configText !== encoderConfig) {
    encoder = payloadEncoder(task.config);
    encoderConfig = configText;
  }
  const out = new BatchOutput();
  const envs = readBatch(task.input, task.unit, task.firstPos, task.mapping, task.maxDocBytes, out);
  const payloads = envs.map((env) => encoder!(env.doc));
  const result: SignResult = { keys: envs.map((e) => e.key), payloads, errors: out.finish({ lineCount: 0 }).errorCount };
  return Piscina.move({ [Piscina.transferableSymbol]: payloads.map((p) => p.buffer as ArrayBuffer), [Piscina.valueSymbol]: result } as unknown as Parameters<typeof Piscina.move>[0]) as unknown as SignResult;
}

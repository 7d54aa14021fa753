/**
 * `winnow dedup signatures --task i --tasks N`: reads the input units u with u % N == i and writes
 * each unit's documents (keys, exact hashes, signatures, ids) as chunk files in the shared
 * directory. Reading and parsing are the runner's own, so every document gets the key it has in a
 * single-process run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { Pipeline } from '../../../config/schema.js';
import { WinnowError } from '../../../core/errors.js';
import type { FieldMapping } from '../../../core/protocol.js';
import { expandInputs } from '../../../io/input-files.js';
import { readUnit } from '../../../io/read-unit.js';
import { writeFileAtomic } from '../../../io/shard-writer.js';
import { planUnits } from '../../../io/units.js';
import { CHUNK_DOCS, ChunkBuilder, writeChunkFile } from '../chunks.js';
import { type DedupConfig, compatOf } from '../config.js';
import { PayloadReader } from '../payload.js';
import { checkTask, fixParams, fixPlan, paths } from './layout.js';
import type { SignResult, SignTask } from './sign-worker.js';
import { type WorkerName, workerEntry } from '../../../core/worker-files.js';

export interface SignaturesRequest {
  dir: string;
  pipeline: Pipeline;
  task: number;
  tasks: number;
  log: Logger;
}

export async function runSignatures(request: SignaturesRequest): Promise<{ units: number[]; documents: number; skipped: number[] }> {
  const { dir, pipeline, task, tasks, log } = request;
  checkTask(task, tasks);
  const config = pipeline.stages[0] as DedupConfig;
  if (pipeline.stages.length !== 1 || config.kind !== 'dedup') throw new WinnowError('usage', 'the staged mode runs the dedup stage alone');
  if (config.online || config.index || config.against) throw new WinnowError('usage', 'the staged mode does not support --online, --index or --against');
  const compat = compatOf(config);
  const { files } = await expandInputs(pipeline.input.paths, pipeline.input.format);
  if (files.some((f) => f.path === '-')) throw new WinnowError('usage', 'the staged mode needs input files (every task reads them), not standard input');
  await fixParams(dir, { format: 'winnow-dedup-staged', compat, pipeline });
  const p = paths(dir);
  const done = p.signTaskDone(task, tasks);
  const units = await planUnits(files, pipeline.run.unit_bytes);
  await fixPlan(dir, units, files.map((f) => ({ rel: f.rel, size: f.size })));
  const mine = units.filter((u) => u.index % tasks === task);
  if (fs.existsSync(done)) {
    log.info({ task, tasks }, 'signatures: task already complete');
    return { units: [], documents: 0, skipped: mine.map((u) => u.index) };
  }
  const mapping: FieldMapping = { text_field: pipeline.input.text_field, id_field: pipeline.input.id_field, html_field: pipeline.input.html_field, url_field: pipeline.input.url_field };
  const workers = pipeline.run.workers;
  const pool = new Piscina({ filename: workerEntry, name: 'signatures' satisfies WorkerName, minThreads: workers, maxThreads: workers });
  const minhash = config.method === 'minhash';
  const k = minhash ? config.bands * config.rows : 0;
  const written: number[] = [];
  const skipped: number[] = [];
  let documents = 0;
  try {
    for (const unit of mine) {
      if (fs.existsSync(p.unitDone(unit.index))) {
        skipped.push(unit.index);
        continue;
      }
      // An interrupted attempt may have left parts: they are rewritten.
      const prefix = `u${String(unit.index).padStart(5, '0')}-`;
      fs.mkdirSync(p.signatures, { recursive: true });
      for (const name of fs.readdirSync(p.signatures).filter((n) => n.startsWith(prefix) || n.startsWith(`.${prefix}`))) fs.rmSync(path.join(p.signatures, name), { force: true });
      let part = 0;
      const reader = new PayloadReader(k, minhash ? config.bands : 0);
      let builder = new ChunkBuilder(CHUNK_DOCS, k, minhash ? config.bands : 0);
      const flush = (): void => {
        if (builder.count === 0 && part > 0) return;
        writeChunkFile(p.unitPart(unit.index, part++), compat, builder.seal().arrays, { unit: unit.index });
        builder = new ChunkBuilder(CHUNK_DOCS, k, minhash ? config.bands : 0);
      };
      // Batches go to the pool in order and come back in order, a bounded number in flight.
      const inFlight: Promise<SignResult>[] = [];
      const drain = async (): Promise<void> => {
        const result = await inFlight.shift()!;
        for (let i = 0; i < result.keys.length; i++) {
          builder.add(result.keys[i], reader.at(result.payloads[i]));
          if (builder.full) flush();
        }
        documents += result.keys.length;
      };
      let pos = 0;
      for await (const piece of readUnit(unit, files, { batchSize: pipeline.run.batch_size, batchBytes: pipeline.run.batch_bytes, maxDocBytes: pipeline.input.max_doc_bytes })) {
        if (piece.batch) {
          const signTask: SignTask = { input: piece.batch, unit: unit.index, firstPos: pos, mapping, maxDocBytes: pipeline.input.max_doc_bytes, config };
          const transfer = piece.batch.kind === 'jsonl' ? [piece.batch.bytes.buffer as ArrayBuffer] : [];
          inFlight.push(pool.run(signTask, { transferList: transfer }) as Promise<SignResult>);
          if (inFlight.length >= workers * 4) await drain();
        }
        pos += piece.slots;
      }
      while (inFlight.length > 0) await drain();
      flush();
      await writeFileAtomic(p.unitDone(unit.index), JSON.stringify({ unit: unit.index, parts: part }));
      written.push(unit.index);
      log.info({ unit: unit.index, parts: part }, 'signatures: unit written');
    }
  } finally {
    await pool.destroy();
  }
  await writeFileAtomic(done, JSON.stringify({ task, tasks, units: mine.map((u) => u.index), host: os.hostname() }));
  return { units: written, documents, skipped };
}

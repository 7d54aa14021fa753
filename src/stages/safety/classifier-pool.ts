/**
 * The text model in worker threads (a piscina pool), one task per request: serve-classifier's
 * engine. The model is what costs (about 20 ms of CPU per MB of text); the server's event loop
 * only moves bytes (reads a body, hands it over, writes the reply), so with N threads the server
 * classifies N requests at once while it reads the next ones.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import type { Preprocess, Runtime } from './embedded.js';
import { type WorkerName, workerEntry } from '../../core/worker-files.js';

/** What a worker needs to load the model: plain, cloneable data. */
export interface ClassifierSpec {
  /** A fastText model file. */
  file: string;
  preprocess: Preprocess;
  runtime: Runtime;
  /** Renames of model labels (after `__label__` is stripped). */
  labels: Record<string, string>;
}

/** A request body in the generic protocol (moved to the worker), or texts already in hand. */
export type ClassifierTask = { body: Uint8Array } | { texts: readonly string[] };

/** The JSON text of the replies, `[[{label, score}, ...], ...]` (replies.ts), or why the body was refused. */
export type TaskReply = { ok: true; reply: string; single: boolean } | { ok: false; status: 400; error: string };

/** `{"inputs": string | string[]}` → the texts, and whether a single string came (answered flat). */
export function parseInputs(body: string): { ok: true; texts: string[]; single: boolean } | { ok: false; status: 400; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, error: 'the body is not valid JSON' };
  }
  const inputs = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { inputs?: unknown }).inputs : undefined;
  if (typeof inputs === 'string') return { ok: true, texts: [inputs], single: true };
  if (Array.isArray(inputs)) {
    let strings = true;
    for (let i = 0; i < inputs.length && strings; i++) strings = typeof inputs[i] === 'string';
    if (strings) return { ok: true, texts: inputs as string[], single: false };
  }
  return { ok: false, status: 400, error: 'expected {"inputs": string | string[]}' };
}

export class ClassifierPool {
  private constructor(
    private readonly pool: Piscina,
    readonly threads: number,
  ) {}

  /**
   * Starts `threads` workers (default: one per core) and waits until one has loaded the model, so
   * a model the workers cannot load fails here, not on the first request.
   */
  static async start(spec: ClassifierSpec, threads: number = os.availableParallelism()): Promise<ClassifierPool> {
    const pool = new Piscina({
      filename: workerEntry,
      name: 'classifier' satisfies WorkerName,
      workerData: spec,
      minThreads: threads,
      maxThreads: threads,
      // The server keeps its pool for its whole life: idle workers must not unload the model
      // (piscina skips its idle timer for Infinity).
      idleTimeout: Infinity,
    });
    const self = new ClassifierPool(pool, threads);
    try {
      await self.predict(['']);
    } catch (error) {
      await pool.destroy();
      throw error;
    }
    return self;
  }

  /**
   * A request body, parsed and answered in a worker. `body` must own its ArrayBuffer (not a slice
   * of Node's shared pool): it is moved to the worker and unusable here afterwards.
   */
  answer(body: Uint8Array): Promise<TaskReply> {
    const task: ClassifierTask = { body };
    return this.pool.run(task, { transferList: [body.buffer as ArrayBuffer] }) as Promise<TaskReply>;
  }

  /** The JSON text of the texts' replies (texts are copied to the worker). */
  async predict(texts: readonly string[]): Promise<string> {
    const task: ClassifierTask = { texts };
    return ((await this.pool.run(task)) as { reply: string }).reply;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

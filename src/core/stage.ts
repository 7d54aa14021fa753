/**
 * The stage contract. A stage is one module exporting a `StageDef` and one line in
 * `stages/registry.ts`; YAML, the CLI and the workers all resolve stages there.
 *
 * Three kinds, chosen per configuration (a classifier is `doc` when embedded, `batch` over HTTP):
 * - `doc`: a pure per-document decision, run in the worker pool; consecutive `doc` stages are fused
 *   into one task per batch.
 * - `batch`: calls out (I/O) with a batch of documents, run on the main thread with bounded concurrency.
 * - `global`: needs the whole corpus (dedup, split): pass 1 observes a compact payload per document
 *   (computed in the pool by `prepare`), `finish` decides, pass 2 replays the spooled documents
 *   through `decide` in input order.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Doc, JsonObject, Verdict } from './doc.js';

export type StageKind = 'doc' | 'batch' | 'global';

/** A pure per-document decision. It must not throw for a bad document: return an error verdict. */
export type DocDecider = (doc: Doc) => Verdict;

export interface BatchStage {
  /** One verdict per document, same order. */
  process(docs: Doc[]): Promise<Verdict[]>;
  /** Batches in flight through this stage at once. @default 2 */
  concurrency?: number;
  /** Summary for the manifest (e.g. requests, retries); never secrets. */
  summary?(): JsonObject;
  close(): Promise<void>;
}

/** Orders documents across the corpus: unit index * 2^32 + position in the unit. */
export type DocKey = number;
export const docKey = (unit: number, pos: number): DocKey => unit * 4294967296 + pos;
export const keyUnit = (key: DocKey): number => Math.floor(key / 4294967296);
export const keyPos = (key: DocKey): number => key % 4294967296;

export interface GlobalStage {
  /**
   * Pass 1: one call per surviving document, with what `prepare` computed for it:
   * `data[start, end)`, 8-byte aligned in its buffer, which it shares with the other payloads of
   * its batch (valid during the call only). Any order.
   */
  observe(key: DocKey, data: Uint8Array, start: number, end: number): void;
  /** After every document is observed. Returns a summary for the manifest. Must be deterministic. */
  finish(): Promise<JsonObject>;
  /** Pass 2, in input order: the verdict for each observed document. */
  decide(key: DocKey): Verdict;
  close?(): Promise<void>;
}

export interface StageContext {
  /** The stage instance's name (`removed/<name>/`, the manifest entry). */
  name: string;
  log: Logger;
  /** The run's output directory (reports go here), or an auxiliary directory when writing to stdout. */
  outputDir: string;
  /** Private scratch space for this stage instance (spills, indexes); survives `--resume`. */
  stateDir: string;
  workers: number;
  /** Documents per batch the runner reads (`run.batch_size`; fewer when `batch_bytes` cuts it). */
  batchSize: number;
}

export interface StageDef<C extends { kind: string } = { kind: string }> {
  /** The YAML `kind` and registry key. */
  name: string;
  /** One line for `--help` and `winnow stages`. */
  description: string;
  schema: z.ZodType<C>;
  kind: StageKind | ((config: C) => StageKind);
  createDoc?(config: C): DocDecider | Promise<DocDecider>;
  createBatch?(config: C, ctx: StageContext): BatchStage | Promise<BatchStage>;
  /** Global stages: the per-document payload, computed in the pool. */
  prepare?(config: C): ((doc: Doc) => Uint8Array) | Promise<(doc: Doc) => Uint8Array>;
  createGlobal?(config: C, ctx: StageContext): GlobalStage | Promise<GlobalStage>;
  /**
   * Global stages: a per-document decision run in the pool on every document `decide` kept, at the
   * start of the next pass. It can read what `finish` saved under `stateDir` (e.g. an index too
   * large to decide on the main thread).
   */
  replay?(config: C, ctx: WorkerStageContext): DocDecider | Promise<DocDecider>;
  /**
   * After the whole run, once manifest.json is written: a stage report built from the run's
   * outputs (e.g. contamination.json). Returns a summary merged into the stage's manifest entry.
   */
  finishRun?(config: C, ctx: StageContext): Promise<JsonObject | void>;
  /** The limit each signal the stage reports is compared against, for the report's histograms. */
  signalThresholds?(config: C): Record<string, number>;
}

/** What a stage can know inside a worker: plain paths, no logger. */
export interface WorkerStageContext {
  outputDir: string;
  stateDir: string;
}

/** A stage as it appears in a resolved pipeline: its registry kind, instance name and config. */
export interface StageSpec {
  kind: string;
  /** Unique in the pipeline; names `removed/<name>/` and the manifest entry. */
  name: string;
  config: { kind: string } & Record<string, unknown>;
}

const stageName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, "_" or "-", starting with a letter')
  .optional()
  .describe('instance name for removed/<name>/ and the manifest; defaults to the kind');

/** Every stage schema is a strict object with its `kind` literal and an optional instance `name`. */
export function stageSchema<K extends string, S extends z.ZodRawShape>(kind: K, shape: S) {
  return z.strictObject({ kind: z.literal(kind), name: stageName, ...shape });
}

export function stageKind(def: StageDef, config: { kind: string }): StageKind {
  // The def's schema produced this config, so the cast only restores its precise type.
  return typeof def.kind === 'function' ? def.kind(config as never) : def.kind;
}

/** Identity with inference, so a stage module's config type flows from its schema. */
export function defineStage<C extends { kind: string }>(def: StageDef<C>): StageDef<C> {
  return def;
}

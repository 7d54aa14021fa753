/**
 * The runner: readers → steps → writers as async streams with bounded batches in flight, output
 * in input order, unit by unit with completion markers so a killed run resumes where it stopped.
 *
 * Output directory:
 *   kept/part-<unit>-<shard>.jsonl.zst     removed/<stage>/part-<unit>-<shard>…
 *   errors/part-p<pass>-<unit>-<shard>.jsonl  manifest.json  _state/ (plan, unit markers, spools)
 */
import fs from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { Pipeline } from '../config/schema.js';
import { configHash, resolveStages } from '../config/load.js';
import { hasNativeZstd, type Compression } from '../io/compression.js';
import { type InputFile, expandInputs } from '../io/input-files.js';
import { type ReadPiece, readUnit } from '../io/read-unit.js';
import { type LineSink, type ShardOptions, ShardWriter, StdoutSink, writeFileAtomic } from '../io/shard-writer.js';
import { type Unit, planUnits } from '../io/units.js';
import { getStage } from '../stages/registry.js';
import type { JsonObject, Verdict } from './doc.js';
import { WinnowError, errorMessage } from './errors.js';
import { BatchOutput, PLAIN_KEEP, isPlainKeep } from './fused.js';
import { type Manifest, buildAudit, buildManifest, readMarkers } from './manifest.js';
import { orderedMap } from './ordered.js';
import { type Pass, type Step, planPasses } from './plan.js';
import type { CompressTask, DocEnvelope, FieldMapping, OutputChunk, ReadBatch, Task, TaskResult } from './protocol.js';
import type { ErrorRecord } from './records.js';
import { type SpoolBlock, type SpoolCodec, SpoolWriter, observePayloads, readSpoolDocs, readSpoolPayloads, spoolDocsFile, spoolPayloadsFile } from './spool.js';
import { type BatchStage, type GlobalStage, type StageContext, type StageSpec, docKey } from './stage.js';
import { type BatchStats, addInto, emptyBatchStats } from './stats.js';
import { type Audit, mergeAudit } from './audit.js';
import { IndexBuilder, writeRunIndex } from './doc-index.js';
import { writeReport } from '../report/write.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import { type WorkerName, workerEntry } from './worker-files.js';

export interface Progress {
  pass(label: string, totalBytes: number | null, totalUnits: number): void;
  bytes(n: number): void;
  docs(n: number): void;
  stop(): void;
}

export interface RunRequest {
  pipeline: Pipeline;
  /** Input paths or `-`; defaults to the pipeline's `input.paths`. */
  inputs?: string[];
  /** Output directory, or `-` for kept documents on standard output. */
  output: string;
  /** Where removed/, errors/ and the manifest go when output is `-`. @default winnow-aux */
  auxDir?: string;
  resume?: boolean;
  overwrite?: boolean;
  log: Logger;
  progress?: Progress;
  signal?: AbortSignal;
  /** Recorded in the manifest: how the run was started. */
  command?: string;
  /**
   * Run only the units u with u % tasks === task: one task of a staged run over many machines
   * (`winnow dedup filter --task i --tasks N`). The plan is the same for every task.
   */
  taskUnits?: { task: number; tasks: number };
}

export interface RunResult {
  manifest: Manifest;
  outputDir: string;
}

/** What flows between steps: one batch of a unit, or the marker that the unit is finished. */
interface Flow {
  unit: number;
  end: boolean;
  firstPos: number;
  batch?: ReadBatch;
  docs?: DocEnvelope[];
  spool?: SpoolBlock;
  lineCount: number;
  kept?: OutputChunk;
  routed?: Record<string, OutputChunk>;
  removed: Map<string, OutputChunk[]>;
  errors: OutputChunk[];
  stats: BatchStats;
  audit?: Audit;
}

export interface UnitMarker {
  pass: number;
  unit: number;
  stats: BatchStats;
  files: string[];
  /** Compressed size of each frame of each compressed file (for random access). */
  frames: Record<string, number[]>;
  /** This unit's document index entries and the files they point into. */
  index: { entries: string; files: string[] };
  audit: Audit;
}

const unitName = (unit: number): string => String(unit).padStart(5, '0');
const markerPath = (stateDir: string, pass: number, unit: number): string => path.join(stateDir, 'done', `p${pass}-u${unitName(unit)}.json`);
const spoolPrefix = (pass: number, unit: number): string => `p${pass}-u${unitName(unit)}`;
const indexPath = (stateDir: string, pass: number, unit: number): string => path.join(stateDir, 'index', `p${pass}-u${unitName(unit)}.bin`);

export async function runPipeline(request: RunRequest): Promise<RunResult> {
  const started = Date.now();
  tuneGarbageCollector();
  const { pipeline, log } = request;
  const toStdout = request.output === '-';
  const outputDir = path.resolve(toStdout ? (request.auxDir ?? 'winnow-aux') : request.output);
  const stateDir = path.join(outputDir, '_state');
  const specs = resolveStages(pipeline);
  const passes = planPasses(specs);
  const hash = configHash(pipeline);
  const inputPaths = request.inputs && request.inputs.length > 0 ? request.inputs : pipeline.input.paths;
  const fromStdin = inputPaths.includes('-');
  if (request.resume && (toStdout || fromStdin)) {
    throw new WinnowError('usage', '--resume needs files as input and a directory as output, not standard input/output');
  }

  const workers = pipeline.run.workers;
  // Started before planning, which reads the whole input to number its lines: the threads boot
  // (~100-200 ms each) meanwhile.
  const pool = new Piscina({
    filename: workerEntry,
    name: 'pipeline' satisfies WorkerName,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    // piscina's per-task timing histograms are never read here; recording them costs per task.
    recordTiming: false,
    // A worker holds its next task while it runs one (tasks are synchronous, so they run one after
    // the other): it starts that task without waiting for the main thread to answer its last one.
    concurrentTasksPerWorker: 2,
  });
  let files: InputFile[];
  let skipped: Awaited<ReturnType<typeof expandInputs>>['skipped'];
  let plan: Awaited<ReturnType<typeof loadOrPlan>>;
  try {
    await prepareOutputDir(outputDir, Boolean(request.resume), Boolean(request.overwrite));
    ({ files, skipped } = await expandInputs(inputPaths, pipeline.input.format));
    plan = await loadOrPlan(stateDir, files, pipeline, hash, Boolean(request.resume));
    if (request.resume && fs.existsSync(path.join(stateDir, 'complete'))) {
      log.info({ output: outputDir }, 'resume: the run is already complete');
      const manifest = JSON.parse(await fs.promises.readFile(path.join(outputDir, 'manifest.json'), 'utf8')) as Manifest;
      await pool.destroy();
      return { manifest, outputDir };
    }
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  const units = plan.units;
  log.info({ files: files.length, units: units.length, passes: passes.length, stages: specs.map((s) => s.name) }, 'plan');

  const context = (spec: StageSpec): StageContext => ({
    name: spec.name,
    log: log.child({ stage: spec.name }),
    outputDir,
    stateDir: path.join(stateDir, 'stages', spec.name),
    workers,
    batchSize: pipeline.run.batch_size,
  });
  const batchStages = new Map<string, BatchStage>();
  const globals = new Map<string, GlobalStage>();
  const globalSummaries: Record<string, JsonObject> = {};
  const passWall: number[] = [];
  const stdoutSink = toStdout ? new StdoutSink() : null;
  const compressInPool = (compression: Compression, level?: number) =>
    compression === 'none'
      ? undefined
      : (bytes: Uint8Array): Promise<Uint8Array> =>
          pool.run({ kind: 'compress', compression, level, bytes } satisfies CompressTask, { transferList: [bytes.buffer as ArrayBuffer] });
  const spoolCodec: SpoolCodec = hasNativeZstd() ? 'zstd' : 'gzip';
  const mapping: FieldMapping = {
    text_field: pipeline.input.text_field,
    id_field: pipeline.input.id_field,
    html_field: pipeline.input.html_field,
    url_field: pipeline.input.url_field,
  };

  try {
    for (const pass of passes) {
      const passStarted = Date.now();
      const last = pass.index === passes.length - 1;
      for (const step of pass.steps) {
        if (step.kind === 'batch' && !batchStages.has(step.stage.name)) {
          const def = getStage(step.stage.kind);
          batchStages.set(step.stage.name, await def.createBatch!(step.stage.config, context(step.stage)));
        }
      }
      let observer: GlobalStage | undefined;
      if (pass.observe) {
        const def = getStage(pass.observe.kind);
        observer = await def.createGlobal!(pass.observe.config, context(pass.observe));
        globals.set(pass.observe.name, observer);
      }
      const mine = (u: Unit): boolean => !request.taskUnits || u.index % request.taskUnits.tasks === request.taskUnits.task;
      const done = new Set(units.filter((u) => mine(u) && fs.existsSync(markerPath(stateDir, pass.index, u.index))).map((u) => u.index));
      if (observer) {
        for (const u of done) await replayObservations(stateDir, pass.index, u, observer);
      }
      const todo = units.filter((u) => mine(u) && !done.has(u.index));
      const totalBytes = pass.index === 0 ? sumBytes(todo, files) : null;
      request.progress?.pass(passes.length > 1 ? `pass ${pass.index + 1}/${passes.length}` : 'run', totalBytes, todo.length);
      if (done.size > 0) log.info({ pass: pass.index, skipped_units: done.size }, 'resume: skipping finished units');

      const source = passSource(pass, todo, files, pipeline, stateDir, globals, request);
      let flows: AsyncIterable<Flow> = source;
      // The replayed global stage's per-document step runs in the pass's first worker task.
      const replay = pass.replay && getStage(pass.replay.kind).replay ? { spec: pass.replay, outputDir, stateDir: context(pass.replay).stateDir } : undefined;
      pass.steps.forEach((step, i) => {
        flows = runStep(flows, step, pool, workers, batchStages, mapping, pipeline.input.max_doc_bytes, spoolCodec, i === 0 ? replay : undefined);
      });

      // The sink: writers per unit; a unit's marker is written once all its files are renamed.
      let writers: UnitWriters | null = null;
      for await (const flow of flows) {
        if (request.signal?.aborted) throw new WinnowError('interrupted', 'interrupted; rerun with --resume to continue');
        writers ??= new UnitWriters(outputDir, stateDir, pass, flow.unit, last, pipeline, stdoutSink, compressInPool);
        if (flow.end) {
          const marker = await writers.close();
          await writeFileAtomic(markerPath(stateDir, pass.index, flow.unit), JSON.stringify(marker));
          writers = null;
          continue;
        }
        if (pipeline.run.strict && flow.errors.length > 0) throw strictError(flow.errors[0].bytes);
        await writers.write(flow, observer);
        request.progress?.docs(flow.stats.records || flow.lineCount);
      }
      if (observer) {
        const finishStarted = Date.now();
        globalSummaries[pass.observe!.name] = { ...(await observer.finish()), finish_ms: Date.now() - finishStarted };
      }
      passWall.push(Date.now() - passStarted);
    }
  } finally {
    request.progress?.stop();
    await pool.destroy();
    for (const stage of batchStages.values()) await stage.close().catch(() => undefined);
    for (const stage of globals.values()) await stage.close?.().catch(() => undefined);
  }

  const batchSummaries: Record<string, JsonObject> = {};
  for (const [name, stage] of batchStages) if (stage.summary) batchSummaries[name] = stage.summary();
  const markers = await readMarkers(stateDir);
  const frameTables = new Map(markers.flatMap((m) => Object.entries(m.frames)));
  const { documents: indexedDocuments } = await writeRunIndex(
    outputDir,
    markers.map((m) => ({ entries: path.join(stateDir, m.index.entries), files: m.index.files })),
    frameTables,
  );
  await writeFileAtomic(path.join(outputDir, 'audit.json'), JSON.stringify(buildAudit(markers)) + '\n');
  const manifest = await buildManifest({
    pipeline,
    hash,
    specs,
    passes,
    files,
    skipped,
    units,
    stateDir,
    outputDir,
    toStdout,
    wallMs: Date.now() - started,
    passWall,
    globalSummaries,
    batchSummaries,
    command: request.command,
    workers,
    indexedDocuments,
  }, markers);
  await writeFileAtomic(path.join(outputDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  // Stage reports built from the finished outputs; their summaries join the manifest.
  let reported = false;
  for (const spec of specs) {
    const def = getStage(spec.kind);
    if (!def.finishRun) continue;
    const summary = await def.finishRun(spec.config, context(spec));
    const entry = manifest.stages.find((s) => s.name === spec.name);
    if (summary && entry) {
      entry.summary = { ...(entry.summary ?? {}), ...summary };
      reported = true;
    }
  }
  if (reported) await writeFileAtomic(path.join(outputDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeReport(outputDir);
  // Spools are only needed to finish or resume this run; the marker says nothing is left to do.
  await writeFileAtomic(path.join(stateDir, 'complete'), manifest.finished_at);
  await fs.promises.rm(path.join(stateDir, 'spool'), { recursive: true, force: true });
  if (!manifest.check.ok) {
    throw new WinnowError('accounting', `accounting check failed: ${manifest.check.equation}`);
  }
  return { manifest, outputDir };
}

function sumBytes(units: Unit[], files: InputFile[]): number | null {
  let total = 0;
  for (const unit of units) {
    for (const part of unit.parts) {
      const file = files[part.file];
      if (Number.isNaN(file.size)) return null;
      total += (part.end ?? file.size) - part.start;
    }
  }
  return total;
}

async function prepareOutputDir(dir: string, resume: boolean, overwrite: boolean): Promise<void> {
  const entries = await fs.promises.readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0 && !resume) {
    if (!overwrite) {
      throw new WinnowError('usage', `output directory ${dir} is not empty: use --resume to continue a run there, or --overwrite to replace it`);
    }
    for (const entry of entries) await fs.promises.rm(path.join(dir, entry), { recursive: true, force: true });
  }
  await fs.promises.mkdir(dir, { recursive: true });
}

interface Plan {
  config_hash: string;
  inputs: { path: string; rel: string; size: number; mtime_ms: number }[];
  units: Unit[];
}

async function loadOrPlan(stateDir: string, files: InputFile[], pipeline: Pipeline, hash: string, resume: boolean): Promise<Plan> {
  const planFile = path.join(stateDir, 'plan.json');
  const inputs = await Promise.all(
    files.map(async (f) => ({ path: f.path, rel: f.rel, size: f.size, mtime_ms: f.path === '-' ? 0 : Math.trunc((await fs.promises.stat(f.path)).mtimeMs) })),
  );
  if (resume && fs.existsSync(planFile)) {
    const stored = JSON.parse(await fs.promises.readFile(planFile, 'utf8')) as Plan;
    if (stored.config_hash !== hash) {
      throw new WinnowError('usage', 'cannot resume: the pipeline configuration changed since the interrupted run (config hash differs)');
    }
    if (JSON.stringify(stored.inputs) !== JSON.stringify(inputs)) {
      throw new WinnowError('usage', 'cannot resume: the input files changed since the interrupted run');
    }
    return stored;
  }
  const plan: Plan = { config_hash: hash, inputs, units: await planUnits(files, pipeline.run.unit_bytes) };
  await writeFileAtomic(planFile, JSON.stringify(plan));
  return plan;
}

function strictError(chunk: Uint8Array): WinnowError {
  const first = Buffer.from(chunk).toString('utf8').split('\n')[0];
  const error = JSON.parse(first) as ErrorRecord;
  return new WinnowError('strict', `--strict: bad record at ${error.source}:${error.line}${error.stage ? ` (stage ${error.stage})` : ''}: ${error.code}: ${error.reason}`);
}

const newFlow = (unit: number, firstPos: number, end: boolean): Flow => ({
  unit,
  end,
  firstPos,
  lineCount: 0,
  removed: new Map(),
  errors: [],
  stats: emptyBatchStats(),
});

/** Pass input: pass 0 reads the input units; later passes replay the previous pass's spool. */
async function* passSource(
  pass: Pass,
  units: Unit[],
  files: InputFile[],
  pipeline: Pipeline,
  stateDir: string,
  globals: Map<string, GlobalStage>,
  request: RunRequest,
): AsyncGenerator<Flow> {
  const removing = pass.removing;
  for (const unit of units) {
    await cleanUnit(path.dirname(stateDir), stateDir, pass.index, unit.index, removing);
    let pos = 0;
    const pieces: AsyncIterable<ReadPiece> =
      pass.index === 0
        ? readUnit(unit, files, {
            batchSize: pipeline.run.batch_size,
            batchBytes: pipeline.run.batch_bytes,
            maxDocBytes: pipeline.input.max_doc_bytes,
            onBytes: (n) => request.progress?.bytes(n),
          })
        : readSpool(stateDir, pass.index - 1, unit.index, pass.replay!.name, globals.get(pass.replay!.name)!, 4 * pipeline.run.batch_size);
    for await (const piece of pieces) {
      if (request.signal?.aborted) throw new WinnowError('interrupted', 'interrupted; rerun with --resume to continue');
      const flow = newFlow(unit.index, pos, false);
      if (piece.batch) flow.batch = piece.batch;
      if (piece.errors.length > 0) {
        const out = new BatchOutput();
        for (const e of piece.errors) out.readError(e);
        mergeResult(flow, out.finish({ lineCount: 0 }));
      }
      pos += piece.slots;
      yield flow;
    }
    yield newFlow(unit.index, pos, true);
  }
}

/**
 * A unit's spool as batches with the global stage's verdicts: one code byte per document, plain
 * keeps (the common case) as PLAIN_KEEP and the rest as verdicts in order. Pass 2 does little per
 * document, so consecutive blocks (one per pass-1 batch) travel together, up to `maxDocs`
 * documents or REPLAY_BATCH_BYTES compressed: fewer, larger worker tasks.
 */
async function* readSpool(stateDir: string, pass: number, unit: number, stage: string, global: GlobalStage, maxDocs: number): AsyncGenerator<ReadPiece> {
  let bodies: Uint8Array[] = [];
  let codec: SpoolCodec = 'zstd';
  let codes: number[] = [];
  let verdicts: Verdict[] = [];
  let bytes = 0;
  const flush = (): ReadPiece => {
    const piece: ReadPiece = { batch: { kind: 'spool', codec, bodies, codes: Uint8Array.from(codes), verdicts, stage }, errors: [], slots: codes.length };
    bodies = [];
    codes = [];
    verdicts = [];
    bytes = 0;
    return piece;
  };
  for await (const block of readSpoolDocs(spoolDocsFile(path.join(stateDir, 'spool'), spoolPrefix(pass, unit)))) {
    if (bodies.length > 0 && (block.codec !== codec || codes.length + block.keys.length > maxDocs || bytes + block.body.byteLength > REPLAY_BATCH_BYTES)) yield flush();
    codec = block.codec;
    bodies.push(block.body);
    bytes += block.body.byteLength;
    for (const key of block.keys) {
      const verdict = global.decide(key);
      if (isPlainKeep(verdict)) codes.push(PLAIN_KEEP);
      else {
        codes.push(PLAIN_KEEP + 1);
        verdicts.push(verdict);
      }
    }
  }
  if (bodies.length > 0) yield flush();
}

/** Compressed spool bytes per pass-2 task at most (see readSpool). */
const REPLAY_BATCH_BYTES = 4 * 1024 * 1024;

/** On resume: feed a finished unit's spooled payloads back to the global stage. */
async function replayObservations(stateDir: string, pass: number, unit: number, observer: GlobalStage): Promise<void> {
  for await (const block of readSpoolPayloads(spoolPayloadsFile(path.join(stateDir, 'spool'), spoolPrefix(pass, unit)))) observePayloads(block, observer);
}

/** Removes whatever an interrupted attempt left of this unit in this pass. */
async function cleanUnit(outputDir: string, stateDir: string, pass: number, unit: number, removing: string[]): Promise<void> {
  const u = unitName(unit);
  // Kept documents may be routed to any directory (splits): every other top-level directory.
  const routeDirs = (await fs.promises.readdir(outputDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && !['removed', 'errors', '_state'].includes(e.name))
    .map((e) => e.name);
  const targets: [string, string][] = [
    ...routeDirs.map((d): [string, string] => [path.join(outputDir, d), `part-${u}-`]),
    [path.join(outputDir, 'errors'), `part-p${pass}-${u}-`],
    [path.join(stateDir, 'spool'), `${spoolPrefix(pass, unit)}-`],
    [path.join(stateDir, 'index'), `${spoolPrefix(pass, unit)}.`],
    ...removing.map((stage): [string, string] => [path.join(outputDir, 'removed', stage), `part-${u}-`]),
  ];
  for (const [dir, prefix] of targets) {
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(prefix) || name.startsWith(`.${prefix}`)) await fs.promises.rm(path.join(dir, name), { force: true });
    }
  }
}

function mergeResult(flow: Flow, result: TaskResult): void {
  delete flow.batch;
  delete flow.docs;
  if (result.docs) flow.docs = result.docs;
  if (result.spool) flow.spool = result.spool;
  flow.lineCount = result.lineCount;
  if (result.kept) flow.kept = result.kept;
  if (result.routed) flow.routed = result.routed;
  for (const [stage, chunk] of Object.entries(result.removed)) {
    const chunks = flow.removed.get(stage);
    if (chunks) chunks.push(chunk);
    else flow.removed.set(stage, [chunk]);
  }
  if (result.errors) flow.errors.push(result.errors);
  addInto(flow.stats, result.stats);
  if (result.audit) flow.audit = mergeAudit(flow.audit ?? {}, result.audit);
}

function runStep(
  flows: AsyncIterable<Flow>,
  step: Step,
  pool: Piscina,
  workers: number,
  batchStages: Map<string, BatchStage>,
  mapping: FieldMapping,
  maxDocBytes: number,
  spoolCodec: SpoolCodec,
  replay?: Task['replay'],
): AsyncIterable<Flow> {
  if (step.kind === 'worker') {
    return orderedMap(
      flows,
      async (flow) => {
        const input = flow.docs ? ({ kind: 'docs', docs: flow.docs } as const) : flow.batch;
        if (flow.end || !input) return flow;
        const task: Task = {
          input,
          unit: flow.unit,
          firstPos: flow.firstPos,
          group: step.group,
          stages: step.stages,
          mapping,
          maxDocBytes,
          emit: step.emit,
          ...(step.emit === 'spool' ? { spoolCodec } : {}),
          ...(step.prepare ? { prepare: step.prepare } : {}),
          ...(replay ? { replay } : {}),
        };
        const transfer =
          input.kind === 'jsonl' ? [input.bytes.buffer as ArrayBuffer] : input.kind === 'spool' ? [...input.bodies.map((b) => b.buffer as ArrayBuffer), input.codes.buffer as ArrayBuffer] : [];
        const result = (await pool.run(task, { transferList: transfer })) as TaskResult;
        mergeResult(flow, result);
        return flow;
      },
      workers * 4,
    );
  }
  const stage = batchStages.get(step.stage.name)!;
  const name = step.stage.name;
  return orderedMap(
    flows,
    async (flow) => {
      if (flow.end || !flow.docs || flow.docs.length === 0) return flow;
      const out = new BatchOutput();
      const started = performance.now();
      let verdicts: Verdict[];
      try {
        verdicts = await stage.process(flow.docs.map((e) => e.doc));
      } catch (error) {
        if (error instanceof WinnowError) throw error;
        throw new WinnowError('stage', `stage ${name} failed: ${errorMessage(error)}`, { cause: error });
      }
      if (verdicts.length !== flow.docs.length) throw new WinnowError('stage', `stage ${name} returned ${verdicts.length} verdicts for ${flow.docs.length} documents`);
      const alive = flow.docs.filter((env, i) => out.apply(env, name, verdicts[i]));
      out.stats.stages[name].ms += performance.now() - started;
      mergeResult(flow, out.finish({ docs: alive, lineCount: alive.length }));
      return flow;
    },
    stage.concurrency ?? 2,
  );
}

/** The writers of one unit in one pass; every line written is entered in the document index. */
class UnitWriters {
  private readonly kept: LineSink | null;
  /** Kept documents routed elsewhere than kept/ (splits), by route. */
  private readonly routes = new Map<string, ShardWriter>();
  private readonly spool: SpoolWriter | null;
  private readonly removed = new Map<string, ShardWriter>();
  private errors: ShardWriter | null = null;
  private readonly stats = emptyBatchStats();
  private readonly audit: Audit = {};
  private readonly index = new IndexBuilder();
  private readonly keptExt: string;
  private readonly shardOptions: ShardOptions;

  constructor(
    private readonly outputDir: string,
    private readonly stateDir: string,
    private readonly pass: Pass,
    private readonly unit: number,
    last: boolean,
    private readonly pipeline: Pipeline,
    stdout: StdoutSink | null,
    compressInPool: (compression: Compression, level?: number) => ShardOptions['compress'],
  ) {
    const out = pipeline.output;
    this.keptExt = ShardWriter.fileExtension(out.compression);
    const compress = compressInPool(out.compression, out.level);
    this.shardOptions = { compression: out.compression, level: out.level, maxBytes: out.shard_max_bytes, maxDocs: out.shard_max_docs, ...(compress ? { compress } : {}) };
    this.kept = last ? (stdout ?? this.shardWriter('kept')) : null;
    this.spool = pass.observe ? new SpoolWriter(path.join(stateDir, 'spool'), spoolPrefix(pass.index, unit)) : null;
  }

  private shardWriter(dir: string): ShardWriter {
    return new ShardWriter(path.join(this.outputDir, dir), `part-${unitName(this.unit)}`, this.keptExt, this.shardOptions);
  }

  /** Writes a chunk and enters each of its lines (by id hash) in the document index. */
  private async put(sink: LineSink, chunk: OutputChunk): Promise<void> {
    const { hashes } = chunk;
    // A chunk's lines land in one or two files: resolve each file's id once, not per line.
    let lastFile = '';
    let lastId = -1;
    await sink.write(chunk.bytes, chunk.count, (file, offset, line) => {
      if (file !== lastFile) {
        lastFile = file;
        lastId = this.index.fileId(path.relative(this.outputDir, file));
      }
      this.index.add(hashes[2 * line], hashes[2 * line + 1], lastId, offset);
    });
  }

  async write(flow: Flow, observer: GlobalStage | undefined): Promise<void> {
    addInto(this.stats, flow.stats);
    if (flow.audit) mergeAudit(this.audit, flow.audit);
    if (flow.spool && this.spool && observer) {
      observePayloads(flow.spool, observer);
      await this.spool.write(flow.spool);
    }
    if (flow.kept && this.kept) await this.put(this.kept, flow.kept);
    for (const [route, chunk] of Object.entries(flow.routed ?? {})) {
      let writer = this.routes.get(route);
      if (!writer) this.routes.set(route, (writer = this.shardWriter(route)));
      await this.put(writer, chunk);
    }
    for (const [stage, chunks] of flow.removed) {
      let writer = this.removed.get(stage);
      if (!writer) this.removed.set(stage, (writer = this.shardWriter(path.join('removed', stage))));
      for (const chunk of chunks) await this.put(writer, chunk);
    }
    for (const chunk of flow.errors) {
      this.errors ??= new ShardWriter(path.join(this.outputDir, 'errors'), `part-p${this.pass.index}-${unitName(this.unit)}`, '.jsonl', {
        compression: 'none',
        maxBytes: this.pipeline.output.shard_max_bytes,
        maxDocs: 0,
      });
      await this.put(this.errors, chunk);
    }
  }

  async close(): Promise<UnitMarker> {
    const writers = [this.kept, ...this.routes.values(), ...this.removed.values(), this.errors].filter((w): w is LineSink => w !== null);
    const files: string[] = [];
    const frames: Record<string, number[]> = {};
    for (const writer of writers) {
      for (const file of await writer.close()) {
        const rel = path.relative(this.outputDir, file.path);
        files.push(rel);
        if (file.frames.length) frames[rel] = file.frames;
      }
    }
    if (this.spool) await this.spool.close();
    const entries = indexPath(this.stateDir, this.pass.index, this.unit);
    await writeFileAtomic(entries, this.index.bytes());
    return {
      pass: this.pass.index,
      unit: this.unit,
      stats: this.stats,
      files,
      frames,
      index: { entries: path.relative(this.stateDir, entries), files: this.index.files },
      audit: this.audit,
    };
  }
}

/**
 * Runs a chain of per-document stages over one batch: the body of a worker task. The same code
 * applies a main-thread stage's verdicts, so removal and error records have one shape.
 */
import { type Doc, type JsonObject, type Signals, type Verdict, applyKeep, docRecord, validRoute } from './doc.js';
import { type Audit, clip, histogramBin, offer, sampleHash, stageAudit } from './audit.js';
import { hashString64 } from './hash.js';
import type { DocEnvelope, FieldMapping, OutputChunk, ReadBatch, Task, TaskResult } from './protocol.js';
import { type ErrorRecord, errorLine, fileToDoc, isCanonicalRecord, jsonlLines, mapRecord, warcToDoc } from './records.js';
import { type DocDecider, type StageSpec, docKey } from './stage.js';
import { type BatchStats, emptyBatchStats, stageStats } from './stats.js';
import { SpoolDocs, encodeSpoolBlock } from './spool.js';
import { loadStage } from '../stages/catalog.js';

const encoder = new TextEncoder();
const textDecoder = new TextDecoder();
const NEWLINE = new Uint8Array([10]);
/** UTF-8 in a buffer of its own (never Node's shared pool), so it can be transferred, not copied. */
const encode = (text: string): Uint8Array => encoder.encode(text);

/** The buffers of a result, for a transfer list. */
export function resultBuffers(result: TaskResult): ArrayBuffer[] {
  const chunks = [result.kept, result.errors, ...Object.values(result.removed), ...Object.values(result.routed ?? {})].filter((c): c is OutputChunk => c !== undefined);
  const spool = result.spool ? [result.spool.keys, result.spool.body, result.spool.payloadData, result.spool.payloadEnds] : [];
  const views = [...spool, ...chunks.flatMap((c) => [c.bytes, c.hashes])];
  return views.map((v) => v.buffer as ArrayBuffer);
}

/** A keep verdict with no edits: pass 2 then copies the spooled record as it is. */
export const isPlainKeep = (v: Verdict): boolean =>
  v.action === 'keep' && v.text === undefined && v.url === undefined && v.html === undefined && v.meta === undefined && v.counters === undefined && v.signals === undefined && v.route === undefined;

/** What the runner sends for a document of a spool batch whose verdict is a plain keep (else the next of `verdicts`). */
export const PLAIN_KEEP = 0;
const KEEP: Verdict = { action: 'keep' };

export interface Chain {
  stages: { spec: StageSpec; decide: DocDecider }[];
  prepare?: (doc: Doc) => Uint8Array;
  replay?: DocDecider;
}

export async function buildChain(stages: StageSpec[], prepare?: StageSpec, replay?: Task['replay']): Promise<Chain> {
  const built: Chain['stages'] = [];
  for (const spec of stages) {
    const def = await loadStage(spec.kind);
    if (!def.createDoc) throw new Error(`stage ${spec.kind} cannot run per document`);
    built.push({ spec, decide: await def.createDoc(spec.config) });
  }
  let prep: Chain['prepare'];
  if (prepare) {
    const def = await loadStage(prepare.kind);
    if (!def.prepare) throw new Error(`stage ${prepare.kind} has no prepare step`);
    prep = await def.prepare(prepare.config);
  }
  const chain: Chain = { stages: built };
  if (prep) chain.prepare = prep;
  if (replay) {
    const def = await loadStage(replay.spec.kind);
    if (!def.replay) throw new Error(`stage ${replay.spec.kind} has no replay step`);
    chain.replay = await def.replay(replay.spec.config, { outputDir: replay.outputDir, stateDir: replay.stateDir });
  }
  return chain;
}

/**
 * Lines of one output (a removed/ stage, errors/, kept/ or a route) and the hashes of the ids they
 * hold, in order. Lines come as text, or as UTF-8 bytes already (records copied from the input
 * or a spool).
 */
class ChunkBuilder {
  /** Finished pieces, in order; `text` holds the lines added as strings since the last one. */
  private readonly pieces: Uint8Array[] = [];
  private text: string[] = [];
  private hashes = new Uint32Array(64);
  count = 0;

  private hash(hi: number, lo: number): void {
    if (2 * this.count + 2 > this.hashes.length) {
      const grown = new Uint32Array(2 * this.hashes.length);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[2 * this.count] = hi;
    this.hashes[2 * this.count + 1] = lo;
    this.count++;
  }

  private hashId(id: string): void {
    const { hi, lo } = hashString64(id);
    this.hash(hi, lo);
  }

  add(line: string, id: string): void {
    this.text.push(line);
    this.hashId(id);
  }

  /** One record, as text or as its UTF-8 bytes, without its newline. */
  addRecord(record: string | Uint8Array, id: string): void {
    if (typeof record === 'string') return this.add(record + '\n', id);
    this.flushText();
    this.pieces.push(record, NEWLINE);
    this.hashId(id);
  }

  /** Lines as bytes (`bytes` holds `hashes.length / 2` whole lines). */
  addBytes(bytes: Uint8Array, hashes: Uint32Array | number[]): void {
    this.flushText();
    this.pieces.push(bytes);
    for (let i = 0; i < hashes.length; i += 2) this.hash(hashes[i], hashes[i + 1]);
  }

  private flushText(): void {
    if (this.text.length === 0) return;
    this.pieces.push(encode(this.text.join('')));
    this.text = [];
  }

  build(): OutputChunk {
    this.flushText();
    let bytes: Uint8Array;
    // A single piece made here is already a buffer of its own.
    if (this.pieces.length === 1 && this.pieces[0].byteOffset === 0 && this.pieces[0].byteLength === this.pieces[0].buffer.byteLength) bytes = this.pieces[0];
    else {
      bytes = new Uint8Array(this.pieces.reduce((n, p) => n + p.byteLength, 0));
      let at = 0;
      for (const piece of this.pieces) {
        bytes.set(piece, at);
        at += piece.byteLength;
      }
    }
    return { bytes, count: this.count, hashes: this.hashes.slice(0, 2 * this.count) };
  }
}

/** Accumulates one batch's outputs as text, turned into bytes once at the end. */
export class BatchOutput {
  readonly stats: BatchStats = emptyBatchStats();
  readonly audit: Audit = {};
  private readonly removed = new Map<string, ChunkBuilder>();
  private readonly errors = new ChunkBuilder();
  /**
   * Signal histograms while the batch runs (stage → signal → bin → documents), added to `stats`
   * by `finish`: as keys of plain objects, every signal of every document cost a lookup by name
   * in a dictionary-mode object (3 % of a quality run's workers).
   */
  private readonly signalBins = new Map<string, Map<string, Map<string, number>>>();

  /** An error record; documents without an id are indexed by `source:line`. */
  error(error: ErrorRecord): void {
    this.errors.add(errorLine(error), error.id ?? `${error.source}:${error.line}`);
  }

  readError(error: ErrorRecord): void {
    this.stats.records++;
    this.stats.readErrors[error.code] = (this.stats.readErrors[error.code] ?? 0) + 1;
    this.error(error);
  }

  /** Records a stage's verdict on a document; returns whether the document survives. */
  apply(env: DocEnvelope, stage: string, verdict: Verdict): boolean {
    const s = stageStats(this.stats, stage);
    s.in++;
    const doc = env.doc;
    s.charsIn += doc.text.length || (doc.html?.length ?? 0);
    if (verdict.action === 'keep' && verdict.route !== undefined && !validRoute(verdict.route)) {
      verdict = { action: 'error', code: 'stage_error', reason: `invalid output route ${JSON.stringify(verdict.route)}` };
    }
    if (verdict.action !== 'error' && verdict.signals) this.countSignals(stage, verdict.signals);
    if (verdict.action === 'keep') {
      if (verdict.route !== undefined) env.route = verdict.route;
      if (verdict.text !== undefined || verdict.url !== undefined || verdict.html !== undefined || verdict.meta !== undefined) delete env.raw;
      if (verdict.text !== undefined && verdict.text !== doc.text) {
        const after = verdict.text;
        offer(stageAudit(this.audit, stage).edited, sampleHash(stage, env.key), doc.id, () => ({ text: clip(after), before: clip(doc.text || (doc.html ?? '')) }));
      }
      applyKeep(doc, verdict);
      if (verdict.counters) addCounters(s.counters, verdict.counters);
      s.kept++;
      s.charsOut += doc.text.length;
      return true;
    }
    if (verdict.action === 'remove') {
      s.removed++;
      s.rules[verdict.rule] = (s.rules[verdict.rule] ?? 0) + 1;
      if (verdict.counters) addCounters(s.counters, verdict.counters);
      if (verdict.meta) Object.assign(doc.meta, verdict.meta);
      const removal = { stage, rule: verdict.rule, value: verdict.value, threshold: verdict.threshold, ...(verdict.details ? { details: verdict.details } : {}) };
      let bucket = this.removed.get(stage);
      if (!bucket) this.removed.set(stage, (bucket = new ChunkBuilder()));
      bucket.add(JSON.stringify({ ...docRecord(doc), removal }) + '\n', doc.id);
      const samples = (stageAudit(this.audit, stage).removed[verdict.rule] ??= []);
      offer(samples, sampleHash(stage, env.key), doc.id, () => ({
        rule: removal.rule,
        value: removal.value,
        threshold: removal.threshold,
        ...(removal.details ? { details: removal.details } : {}),
        text: clip(doc.text || (doc.html ?? '')),
      }));
      return false;
    }
    s.errors++;
    this.error({
      source: env.loc.source,
      line: env.loc.line,
      ...(env.loc.offset !== undefined ? { offset: env.loc.offset } : {}),
      code: verdict.code ?? 'stage_error',
      reason: verdict.reason,
      stage,
      id: doc.id,
      record: docRecord(doc),
    });
    return false;
  }

  private countSignals(stage: string, signals: Signals): void {
    let byName = this.signalBins.get(stage);
    if (!byName) this.signalBins.set(stage, (byName = new Map()));
    const { names, values } = signals;
    for (let k = 0; k < names.length; k++) {
      const bin = histogramBin(values[k]);
      if (bin === null) continue;
      let bins = byName.get(names[k]);
      if (!bins) byName.set(names[k], (bins = new Map()));
      bins.set(bin, (bins.get(bin) ?? 0) + 1);
    }
  }

  finish(result: Omit<TaskResult, 'removed' | 'errors' | 'errorCount' | 'stats'>): TaskResult {
    for (const [stage, byName] of this.signalBins) {
      const histograms = stageStats(this.stats, stage).histograms;
      for (const [name, bins] of byName) {
        const h = (histograms[name] ??= {});
        for (const [bin, n] of bins) h[bin] = (h[bin] ?? 0) + n;
      }
    }
    this.signalBins.clear();
    const removed: Record<string, OutputChunk> = {};
    for (const [stage, chunk] of this.removed) removed[stage] = chunk.build();
    return {
      ...result,
      removed,
      ...(this.errors.count ? { errors: this.errors.build() } : {}),
      errorCount: this.errors.count,
      stats: this.stats,
      ...(Object.keys(this.audit).length ? { audit: this.audit } : {}),
    };
  }
}

function addCounters(into: Record<string, number>, add: Record<string, number>): void {
  for (const [k, v] of Object.entries(add)) into[k] = (into[k] ?? 0) + v;
}

/** Runs one stage over the surviving documents, in place, timing it. */
export function runStage(envs: DocEnvelope[], stage: string, decide: (doc: Doc) => Verdict, out: BatchOutput): DocEnvelope[] {
  const started = performance.now();
  const alive: DocEnvelope[] = [];
  for (const env of envs) {
    let verdict: Verdict;
    try {
      verdict = decide(env.doc);
    } catch (error) {
      verdict = { action: 'error', code: 'stage_exception', reason: `stage threw: ${(error as Error)?.message ?? String(error)}` };
    }
    if (out.apply(env, stage, verdict)) alive.push(env);
  }
  stageStats(out.stats, stage).ms += performance.now() - started;
  return alive;
}

/** Turns a read batch into documents; unreadable records become error records. */
export function readBatch(input: ReadBatch, unit: number, firstPos: number, mapping: FieldMapping, maxDocBytes: number, out: BatchOutput, replay?: DocDecider): DocEnvelope[] {
  const envs: DocEnvelope[] = [];
  const stats = out.stats;
  const add = (value: unknown, source: string, line: number, pos: number, bytes?: Uint8Array): void => {
    const loc = { source, line };
    const mapped = mapRecord(value, mapping, loc);
    if (mapped.ok) {
      stats.records++;
      const env: DocEnvelope = { doc: mapped.doc, loc, key: docKey(unit, pos) };
      if (bytes !== undefined && isCanonicalRecord(value as JsonObject, mapping)) env.raw = trimJsonEnd(bytes);
      envs.push(env);
    } else {
      out.readError({ source, line, code: mapped.code, reason: mapped.reason, raw: JSON.stringify(value) });
    }
  };
  switch (input.kind) {
    case 'jsonl': {
      stats.bytesIn += input.bytes.byteLength;
      let pos = firstPos;
      for (const item of jsonlLines(input.bytes, input.source, input.firstLine, input.firstOffset, maxDocBytes)) {
        if (item.kind === 'record') add(item.value, item.loc.source, item.loc.line, pos, item.bytes);
        else if (item.kind === 'blank') stats.blankLines++;
        else out.readError(item.error);
        pos++;
      }
      break;
    }
    case 'values':
      input.values.forEach((value, i) => add(value, input.source, input.firstIndex + i, firstPos + i));
      break;
    case 'files':
      input.files.forEach((file, i) => {
        stats.bytesIn += file.bytes.byteLength;
        const mapped = fileToDoc(file.source, file.format, file.bytes);
        if (mapped.ok) {
          stats.records++;
          envs.push({ doc: mapped.doc, loc: { source: file.source, line: 1 }, key: docKey(unit, firstPos + i) });
        } else {
          out.readError({ source: file.source, line: 1, code: mapped.code, reason: mapped.reason });
        }
      });
      break;
    case 'warc': {
      stats.bytesIn += input.bytes;
      if (Object.keys(input.skipped).length > 0) {
        stats.skipped ??= {};
        for (const [kind, n] of Object.entries(input.skipped)) stats.skipped[kind] = (stats.skipped[kind] ?? 0) + n;
      }
      input.records.forEach((item, i) => {
        const loc = { source: input.source, line: item.index, offset: item.offset };
        const mapped = warcToDoc(input.source, item);
        if (mapped.ok) {
          stats.records++;
          envs.push({ doc: mapped.doc, loc, key: docKey(unit, firstPos + i) });
        } else {
          out.readError({ ...loc, code: mapped.code, reason: mapped.reason });
        }
      });
      break;
    }
    case 'spool':
      return replaySpool(input, out, replay);
  }
  return envs;
}

/** The record as written: the input line itself while the document is unchanged. */
const recordJson = (env: DocEnvelope): string | Uint8Array => env.raw ?? JSON.stringify(docRecord(env.doc));

/** A JSON line without its trailing whitespace (JSON's own: space, tab, carriage return). */
function trimJsonEnd(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09 || bytes[end - 1] === 0x0d)) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}

type SpoolInput = Extract<ReadBatch, { kind: 'spool' }>;

/** The verdict of document i of a spool batch (the runner sends plain keeps as a code). */
function spoolVerdicts(input: SpoolInput): (i: number) => Verdict {
  let next = 0;
  return (i) => (input.codes[i] === PLAIN_KEEP ? KEEP : input.verdicts[next++]);
}

/**
 * Applies the global stage's verdicts to its spooled documents; a kept document then goes through
 * the stage's per-document replay step, if it has one (one verdict per document is counted).
 */
function replaySpool(input: SpoolInput, out: BatchOutput, replay?: DocDecider): DocEnvelope[] {
  const started = performance.now();
  const verdictOf = spoolVerdicts(input);
  const envs: DocEnvelope[] = [];
  let g = 0;
  for (const body of input.bodies) {
    const docs = new SpoolDocs(input.codec, body);
    for (let i = 0; i < docs.count; i++, g++) replayOne(docs.envelope(i), verdictOf(g));
  }
  stageStats(out.stats, input.stage).ms += performance.now() - started;
  return envs;

  function replayOne(env: DocEnvelope, verdict: Verdict): void {
    if (replay && verdict.action === 'keep') {
      applyKeep(env.doc, verdict);
      if (verdict.text !== undefined || verdict.meta !== undefined) delete env.raw;
      try {
        verdict = replay(env.doc);
      } catch (error) {
        verdict = { action: 'error', code: 'stage_exception', reason: `stage threw: ${(error as Error)?.message ?? String(error)}` };
      }
    }
    if (out.apply(env, input.stage, verdict)) envs.push(env);
  }
}

/**
 * Pass 2 when nothing follows the global stage: a document it keeps unchanged (most of them) is
 * counted and its spooled record copied to the output as bytes, runs of them at once; only the
 * others are parsed and go through the usual verdict path. The output is the same bytes either way.
 */
function replaySpoolToLines(input: SpoolInput, out: BatchOutput): TaskResult {
  const started = performance.now();
  const verdictOf = spoolVerdicts(input);
  const s = stageStats(out.stats, input.stage);
  const byRoute = new Map<string, ChunkBuilder>();
  const builder = (route: string): ChunkBuilder => {
    let chunk = byRoute.get(route);
    if (!chunk) byRoute.set(route, (chunk = new ChunkBuilder()));
    return chunk;
  };
  let survivors = 0;
  let g = 0;
  for (const body of input.bodies) {
    const docs = new SpoolDocs(input.codec, body);
    // The run of plain keeps being gathered: hashes.length / 2 documents from runFrom, of route runRoute.
    let runFrom = 0;
    let runRoute = '';
    const hashes: number[] = [];
    const flushRun = (): void => {
      if (hashes.length === 0) return;
      const last = runFrom + hashes.length / 2 - 1;
      builder(runRoute || 'kept').addBytes(docs.records.subarray(docs.start(runFrom), docs.end(last)), hashes);
      hashes.length = 0;
    };
    for (let i = 0; i < docs.count; i++, g++) {
      const verdict = verdictOf(g);
      if (verdict === KEEP) {
        const route = docs.route(i);
        if (route !== runRoute || hashes.length === 0) {
          flushRun();
          runFrom = i;
          runRoute = route;
        }
        hashes.push(docs.idHi(i), docs.idLo(i));
        s.in++;
        s.kept++;
        s.charsIn += docs.charsIn(i);
        s.charsOut += docs.charsOut(i);
        survivors++;
        continue;
      }
      flushRun();
      const env = docs.envelope(i);
      if (out.apply(env, input.stage, verdict)) {
        builder(env.route ?? 'kept').addRecord(recordJson(env), env.doc.id);
        survivors++;
      }
    }
    flushRun();
  }
  s.ms += performance.now() - started;
  return out.finish(lineChunks(byRoute, survivors, out));
}

/** The kept/ chunk and the routed ones, counted into the batch's stats. */
function lineChunks(byRoute: Map<string, ChunkBuilder>, survivors: number, out: BatchOutput): Omit<TaskResult, 'removed' | 'errors' | 'errorCount' | 'stats'> {
  const routed: Record<string, OutputChunk> = {};
  let kept: OutputChunk | undefined;
  for (const [route, builder] of byRoute) {
    const chunk = builder.build();
    out.stats.routes[route] = (out.stats.routes[route] ?? 0) + chunk.count;
    out.stats.keptBytes += chunk.bytes.byteLength;
    if (route === 'kept') kept = chunk;
    else routed[route] = chunk;
  }
  out.stats.kept += survivors;
  return { ...(kept ? { kept } : {}), lineCount: kept?.count ?? 0, ...(Object.keys(routed).length ? { routed } : {}) };
}

/** The whole worker task: read (or take documents), run the fused stages, emit. */
export function runChain(task: Task, chain: Chain): TaskResult {
  const out = new BatchOutput();
  if (task.input.kind === 'spool' && task.emit === 'lines' && chain.stages.length === 0 && !chain.replay) return replaySpoolToLines(task.input, out);
  let envs =
    task.input.kind === 'docs'
      ? task.input.docs
      : readBatch(task.input, task.unit, task.firstPos, task.mapping, task.maxDocBytes, out, chain.replay);
  for (const { spec, decide } of chain.stages) envs = runStage(envs, spec.name, decide, out);
  return emit(task, chain, envs, out);
}

function emit(task: Task, chain: Chain, envs: DocEnvelope[], out: BatchOutput): TaskResult {
  if (task.emit === 'docs') {
    // To the main thread: raw bytes would take their whole batch buffer along.
    for (const env of envs) if (env.raw instanceof Uint8Array) env.raw = textDecoder.decode(env.raw);
    return out.finish({ docs: envs, lineCount: envs.length });
  }
  if (task.emit === 'spool') {
    if (!chain.prepare || !task.prepare || !task.spoolCodec) throw new Error('spool output needs a prepare step and a codec');
    const name = task.prepare.name;
    const started = performance.now();
    const payloads = envs.map((env) => chain.prepare!(env.doc));
    stageStats(out.stats, name).ms += performance.now() - started;
    const spool = encodeSpoolBlock(envs, envs.map(recordJson), payloads, task.spoolCodec);
    return out.finish({ spool, lineCount: envs.length });
  }
  const byRoute = new Map<string, ChunkBuilder>();
  for (const env of envs) {
    const route = env.route ?? 'kept';
    let chunk = byRoute.get(route);
    if (!chunk) byRoute.set(route, (chunk = new ChunkBuilder()));
    chunk.addRecord(recordJson(env), env.doc.id);
  }
  return out.finish(lineChunks(byRoute, envs.length, out));
}

/**
 * Runs a chain of per-document stages over one batch: the body of a worker task. The same code
 * applies a main-thread stage's verdicts, so removal and error records have one shape.
 */
import { type Doc, type JsonObject, type Verdict, applyKeep, docFromRecord, docRecord, isJsonObject, validRoute } from './doc.js';
import type { DocEnvelope, FieldMapping, ReadBatch, RemovedChunk, Task, TaskResult } from './protocol.js';
import { type ErrorRecord, errorLine, fileToDoc, isCanonicalRecord, jsonlLines, mapRecord, warcToDoc } from './records.js';
import { type DocDecider, type StageSpec, docKey } from './stage.js';
import { type BatchStats, emptyBatchStats, stageStats } from './stats.js';
import { getStage } from '../stages/registry.js';

const encoder = new TextEncoder();
/** UTF-8 in a buffer of its own (never Node's shared pool), so it can be transferred, not copied. */
const encode = (text: string): Uint8Array => encoder.encode(text);

/** The buffers of a result, for a transfer list. */
export function resultBuffers(result: TaskResult): ArrayBuffer[] {
  const views = [result.lines, result.errors, ...Object.values(result.removed).map((r) => r.bytes), ...Object.values(result.routed ?? {}).map((r) => r.bytes)];
  return views.filter((v): v is Uint8Array => v !== undefined).map((v) => v.buffer as ArrayBuffer);
}

export interface Chain {
  stages: { spec: StageSpec; decide: DocDecider }[];
  prepare?: (doc: Doc) => Uint8Array;
  replay?: DocDecider;
}

export async function buildChain(stages: StageSpec[], prepare?: StageSpec, replay?: Task['replay']): Promise<Chain> {
  const built: Chain['stages'] = [];
  for (const spec of stages) {
    const def = getStage(spec.kind);
    if (!def.createDoc) throw new Error(`stage ${spec.kind} cannot run per document`);
    built.push({ spec, decide: await def.createDoc(spec.config) });
  }
  let prep: Chain['prepare'];
  if (prepare) {
    const def = getStage(prepare.kind);
    if (!def.prepare) throw new Error(`stage ${prepare.kind} has no prepare step`);
    prep = await def.prepare(prepare.config);
  }
  const chain: Chain = { stages: built };
  if (prep) chain.prepare = prep;
  if (replay) {
    const def = getStage(replay.spec.kind);
    if (!def.replay) throw new Error(`stage ${replay.spec.kind} has no replay step`);
    chain.replay = await def.replay(replay.spec.config, { outputDir: replay.outputDir, stateDir: replay.stateDir });
  }
  return chain;
}

/** Accumulates one batch's outputs as text, turned into bytes once at the end. */
export class BatchOutput {
  readonly stats: BatchStats = emptyBatchStats();
  private readonly removed = new Map<string, { parts: string[]; count: number }>();
  private readonly errors: string[] = [];

  error(error: ErrorRecord): void {
    this.errors.push(errorLine(error));
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
    if (verdict.action === 'keep' && verdict.route !== undefined && !validRoute(verdict.route)) {
      verdict = { action: 'error', code: 'stage_error', reason: `invalid output route ${JSON.stringify(verdict.route)}` };
    }
    if (verdict.action === 'keep') {
      if (verdict.route !== undefined) env.route = verdict.route;
      if (verdict.text !== undefined || verdict.url !== undefined || verdict.html !== undefined || verdict.meta !== undefined) delete env.raw;
      applyKeep(env.doc, verdict);
      if (verdict.counters) addCounters(s.counters, verdict.counters);
      s.kept++;
      return true;
    }
    if (verdict.action === 'remove') {
      s.removed++;
      s.rules[verdict.rule] = (s.rules[verdict.rule] ?? 0) + 1;
      if (verdict.counters) addCounters(s.counters, verdict.counters);
      if (verdict.meta) Object.assign(env.doc.meta, verdict.meta);
      const removal = { stage, rule: verdict.rule, value: verdict.value, threshold: verdict.threshold, ...(verdict.details ? { details: verdict.details } : {}) };
      let bucket = this.removed.get(stage);
      if (!bucket) this.removed.set(stage, (bucket = { parts: [], count: 0 }));
      bucket.parts.push(JSON.stringify({ ...docRecord(env.doc), removal }) + '\n');
      bucket.count++;
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
      id: env.doc.id,
      record: docRecord(env.doc),
    });
    return false;
  }

  finish(result: Omit<TaskResult, 'removed' | 'errors' | 'errorCount' | 'stats'>): TaskResult {
    const removed: Record<string, RemovedChunk> = {};
    for (const [stage, { parts, count }] of this.removed) removed[stage] = { bytes: encode(parts.join('')), count };
    return {
      ...result,
      removed,
      ...(this.errors.length ? { errors: encode(this.errors.join('')) } : {}),
      errorCount: this.errors.length,
      stats: this.stats,
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
  const add = (value: unknown, source: string, line: number, pos: number, text?: string): void => {
    const loc = { source, line };
    const mapped = mapRecord(value, mapping, loc);
    if (mapped.ok) {
      stats.records++;
      const env: DocEnvelope = { doc: mapped.doc, loc, key: docKey(unit, pos) };
      if (text !== undefined && isCanonicalRecord(value as JsonObject, mapping)) env.raw = text.trimEnd();
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
        if (item.kind === 'record') add(item.value, item.loc.source, item.loc.line, pos, item.text);
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
      return replaySpool(input.bytes, input.verdicts, input.stage, out, replay);
  }
  return envs;
}

/** The record as written: the input line itself while the document is unchanged. */
const recordJson = (env: DocEnvelope): string => env.raw ?? JSON.stringify(docRecord(env.doc));

/** A spool line: `key \t payload(base64) \t "source" \t line \t route \t record`. */
export function spoolLine(env: DocEnvelope, payload: Uint8Array): string {
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  return `${env.key}\t${b64}\t${JSON.stringify(env.loc.source)}\t${env.loc.line}\t${env.route ?? ''}\t${recordJson(env)}\n`;
}

export function parseSpoolLine(line: string): { key: number; payload: string; env: () => DocEnvelope } {
  const tab1 = line.indexOf('\t');
  const tab2 = line.indexOf('\t', tab1 + 1);
  const key = Number(line.slice(0, tab1));
  return {
    key,
    payload: line.slice(tab1 + 1, tab2),
    env: () => {
      const tab3 = line.indexOf('\t', tab2 + 1);
      const tab4 = line.indexOf('\t', tab3 + 1);
      const tab5 = line.indexOf('\t', tab4 + 1);
      const raw = line.slice(tab5 + 1);
      const record = JSON.parse(raw) as unknown;
      if (!isJsonObject(record)) throw new Error('corrupt spool line');
      const source = JSON.parse(line.slice(tab2 + 1, tab3)) as string;
      const route = line.slice(tab4 + 1, tab5);
      const env: DocEnvelope = { doc: docFromRecord(record), loc: { source, line: Number(line.slice(tab3 + 1, tab4)) }, key, raw };
      if (route) env.route = route;
      return env;
    },
  };
}

/**
 * Applies the global stage's verdicts to its spooled documents; a kept document then goes through
 * the stage's per-document replay step, if it has one (one verdict per document is counted).
 */
function replaySpool(bytes: Uint8Array, verdicts: Verdict[], stage: string, out: BatchOutput, replay?: DocDecider): DocEnvelope[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const envs: DocEnvelope[] = [];
  let start = 0;
  let i = 0;
  const started = performance.now();
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const env = parseSpoolLine(text.slice(start, end)).env();
    let verdict = verdicts[i++];
    if (replay && verdict.action === 'keep') {
      applyKeep(env.doc, verdict);
      if (verdict.text !== undefined || verdict.meta !== undefined) delete env.raw;
      try {
        verdict = replay(env.doc);
      } catch (error) {
        verdict = { action: 'error', code: 'stage_exception', reason: `stage threw: ${(error as Error)?.message ?? String(error)}` };
      }
    }
    if (out.apply(env, stage, verdict)) envs.push(env);
    start = end + 1;
  }
  stageStats(out.stats, stage).ms += performance.now() - started;
  return envs;
}

/** The whole worker task: read (or take documents), run the fused stages, emit. */
export function runChain(task: Task, chain: Chain): TaskResult {
  const out = new BatchOutput();
  let envs =
    task.input.kind === 'docs'
      ? task.input.docs
      : readBatch(task.input, task.unit, task.firstPos, task.mapping, task.maxDocBytes, out, chain.replay);
  for (const { spec, decide } of chain.stages) envs = runStage(envs, spec.name, decide, out);
  return emit(task, chain, envs, out);
}

function emit(task: Task, chain: Chain, envs: DocEnvelope[], out: BatchOutput): TaskResult {
  if (task.emit === 'docs') return out.finish({ docs: envs, lineCount: envs.length });
  if (task.emit === 'spool') {
    if (!chain.prepare || !task.prepare) throw new Error('spool output needs a prepare step');
    const name = task.prepare.name;
    const started = performance.now();
    const payloads = envs.map((env) => chain.prepare!(env.doc));
    stageStats(out.stats, name).ms += performance.now() - started;
    const lines = envs.map((env, i) => spoolLine(env, payloads[i])).join('');
    return out.finish({ lines: encode(lines), lineCount: envs.length, keys: envs.map((e) => e.key), payloads });
  }
  const byRoute = new Map<string, string[]>();
  for (const env of envs) {
    const route = env.route ?? 'kept';
    let lines = byRoute.get(route);
    if (!lines) byRoute.set(route, (lines = []));
    lines.push(recordJson(env) + '\n');
  }
  const routed: Record<string, RemovedChunk> = {};
  let kept: Uint8Array | undefined;
  for (const [route, lines] of byRoute) {
    const bytes = encode(lines.join(''));
    out.stats.routes[route] = (out.stats.routes[route] ?? 0) + lines.length;
    out.stats.keptBytes += bytes.byteLength;
    if (route === 'kept') kept = bytes;
    else routed[route] = { bytes, count: lines.length };
  }
  out.stats.kept += envs.length;
  const keptCount = byRoute.get('kept')?.length ?? 0;
  return out.finish({ ...(kept ? { lines: kept } : {}), lineCount: keptCount, ...(byRoute.size > (kept ? 1 : 0) ? { routed } : {}) });
}

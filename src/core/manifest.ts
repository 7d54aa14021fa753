/**
 * The run manifest, summed from the unit markers (so a resumed run reports the same totals as an
 * uninterrupted one) and checked: every input record is kept, removed or an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Pipeline } from '../config/schema.js';
import { winnowVersion } from '../config/load.js';
import type { InputFile } from '../io/input-files.js';
import type { Unit } from '../io/units.js';
import { getStage } from '../stages/registry.js';
import type { JsonObject } from './doc.js';
import type { Pass } from './plan.js';
import { type StageSpec, stageKind } from './stage.js';
import { type BatchStats, type StageStats, addInto, emptyBatchStats, emptyStageStats, sumValues } from './stats.js';
import type { UnitMarker } from './runner.js';
import { type Audit, mergeAudit } from './audit.js';

export interface StageEntry extends Omit<StageStats, 'ms' | 'histograms' | 'charsIn' | 'charsOut'> {
  name: string;
  kind: string;
  runs_as: string;
  pass: number;
  /** Time the stage ran, summed over workers: CPU time, not wall time (fused stages overlap). */
  busy_ms: number;
  /** Characters of content in (text, or HTML before extraction) and of text out of kept documents. */
  chars_in: number;
  chars_out: number;
  summary?: JsonObject;
}

export interface Manifest {
  winnow_version: string;
  node_version: string;
  command?: string;
  finished_at: string;
  wall_ms: number;
  workers: number;
  pipeline: string;
  config_hash: string;
  config: Pipeline;
  counts: { input: number; kept: number; removed: number; errors: number };
  stages: StageEntry[];
  /** `skipped_records`: WARC records that hold no document (requests, metadata, non-HTML), by kind. */
  read: { records: number; blank_lines: number; errors: Record<string, number>; skipped_files: Record<string, number>; skipped_records: Record<string, number> };
  bytes: { input_on_disk: number; input_decoded: number; kept_uncompressed: number; output_on_disk: number };
  passes: { index: number; stages: string[]; wall_ms: number }[];
  units: { total: number; completed: string[] };
  /** Documents in the run's document index (index/), which `winnow explain` searches. */
  indexed_documents: number;
  /** Kept documents per output directory: `kept`, or the splits (`train`, `test`, ...). */
  outputs: { routes: Record<string, number>; files: string[] };
  check: { ok: boolean; equation: string };
}

export interface ManifestInput {
  pipeline: Pipeline;
  hash: string;
  specs: StageSpec[];
  passes: Pass[];
  files: InputFile[];
  skipped: Record<string, number>;
  units: Unit[];
  stateDir: string;
  outputDir: string;
  toStdout: boolean;
  wallMs: number;
  passWall: number[];
  globalSummaries: Record<string, JsonObject>;
  batchSummaries: Record<string, JsonObject>;
  command?: string;
  workers: number;
  indexedDocuments: number;
}

/** audit.json: sampled documents per stage and rule, and the histograms of every stage's signals. */
export function buildAudit(markers: UnitMarker[]): { samples: Audit; histograms: Record<string, Record<string, Record<string, number>>> } {
  const samples: Audit = {};
  const total = emptyBatchStats();
  for (const marker of markers) {
    mergeAudit(samples, marker.audit);
    addInto(total, marker.stats);
  }
  const histograms: Record<string, Record<string, Record<string, number>>> = {};
  for (const [stage, stats] of Object.entries(total.stages)) if (Object.keys(stats.histograms).length) histograms[stage] = stats.histograms;
  return { samples, histograms };
}

export async function readMarkers(stateDir: string): Promise<UnitMarker[]> {
  const dir = path.join(stateDir, 'done');
  const names = (await fs.promises.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await fs.promises.readFile(path.join(dir, n), 'utf8')) as UnitMarker));
}

export async function buildManifest(input: ManifestInput, markers: UnitMarker[]): Promise<Manifest> {
  const perPass = new Map<number, BatchStats>();
  for (const marker of markers) addInto((perPass.get(marker.pass) ?? perPass.set(marker.pass, emptyBatchStats()).get(marker.pass)!), marker.stats);
  const total = emptyBatchStats();
  for (const stats of perPass.values()) addInto(total, stats);
  const last = input.passes.length - 1;

  const passOf = new Map<string, number>();
  for (const pass of input.passes) {
    for (const name of pass.removing) passOf.set(name, pass.index);
    if (pass.observe && !passOf.has(pass.observe.name)) passOf.set(pass.observe.name, pass.index + 1);
  }
  const stages: StageEntry[] = input.specs.map((spec) => {
    const { ms, histograms: _histograms, charsIn, charsOut, ...stats } = total.stages[spec.name] ?? emptyStageStats();
    const summary = input.globalSummaries[spec.name] ?? input.batchSummaries[spec.name];
    return {
      name: spec.name,
      kind: spec.kind,
      runs_as: stageKind(getStage(spec.kind), spec.config),
      pass: passOf.get(spec.name) ?? 0,
      ...stats,
      busy_ms: Math.round(ms),
      chars_in: charsIn,
      chars_out: charsOut,
      ...(summary ? { summary } : {}),
    };
  });
  const readErrors = sumValues(total.readErrors);
  const stageErrors = stages.reduce((a, s) => a + s.errors, 0);
  const counts = {
    input: total.records,
    kept: perPass.get(last)?.kept ?? 0,
    removed: stages.reduce((a, s) => a + s.removed, 0),
    errors: readErrors + stageErrors,
  };
  const ok = counts.input === counts.kept + counts.removed + counts.errors;
  const files = markers.flatMap((m) => m.files).sort();
  let onDisk = 0;
  for (const f of files) onDisk += (await fs.promises.stat(path.join(input.outputDir, f)).catch(() => ({ size: 0 }))).size;
  const inputOnDisk = input.files.reduce((a, f) => a + (Number.isNaN(f.size) ? 0 : f.size), 0);

  return {
    winnow_version: winnowVersion,
    node_version: process.version,
    ...(input.command ? { command: input.command } : {}),
    finished_at: new Date().toISOString(),
    wall_ms: input.wallMs,
    workers: input.workers,
    pipeline: input.pipeline.name,
    config_hash: input.hash,
    config: input.pipeline,
    counts,
    stages,
    read: { records: total.records, blank_lines: total.blankLines, errors: total.readErrors, skipped_files: input.skipped, skipped_records: total.skipped ?? {} },
    bytes: { input_on_disk: inputOnDisk, input_decoded: total.bytesIn, kept_uncompressed: total.keptBytes, output_on_disk: onDisk },
    passes: input.passes.map((p) => ({
      index: p.index,
      stages: [...p.removing, ...(p.observe ? [`${p.observe.name} (observe)`] : [])],
      wall_ms: input.passWall[p.index] ?? 0,
    })),
    units: {
      total: input.units.length,
      completed: markers.map((m) => `p${m.pass}-u${m.unit}`),
    },
    outputs: { routes: perPass.get(last)?.routes ?? {}, files },
    indexed_documents: input.indexedDocuments,
    check: {
      ok,
      equation: `input ${counts.input} ${ok ? '=' : '≠'} kept ${counts.kept} + removed ${counts.removed} + errors ${counts.errors}`,
    },
  };
}

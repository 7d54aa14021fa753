/**
 * The shared directory of a staged dedup run (one directory on storage every task can reach):
 *
 *   params.json                      the pipeline and compatibility record, fixed by the first task
 *   plan.json                        the input units (the same plan the runner makes)
 *   signatures/u<unit>-<part>.sig    chunk files, one or more per input unit
 *   signatures/u<unit>.done          the unit is complete
 *   signatures/task-<i>-of-<N>.done  signature task i finished
 *   buckets/task-<b>-of-<B>.edges    candidate edges and counters of bucket task b (its marker too)
 *   dedup/clusters.jsonl, dedup/summary.json   the cluster report
 *   decisions/u<unit>.jsonl          per input unit: the documents that are not plain keeps
 *   clusters.done                    the clusters step finished
 *   filter/task-<i>/                 filter task i's output (kept/, removed/, manifest.json)
 *
 * Every file is written to a temp name and renamed, and every step checks for its marker first,
 * so a task that is run twice (a retried pod, a requeued array job) does its work once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Pipeline } from '../../../config/schema.js';
import { WinnowError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../io/shard-writer.js';
import type { Unit } from '../../../io/units.js';
import { type Compat, type DedupConfig, compatDiff } from '../config.js';

export const pad = (n: number): string => String(n).padStart(5, '0');
export const taskName = (task: number, tasks: number): string => `task-${pad(task)}-of-${pad(tasks)}`;

export const paths = (dir: string) => ({
  params: path.join(dir, 'params.json'),
  plan: path.join(dir, 'plan.json'),
  signatures: path.join(dir, 'signatures'),
  unitPart: (unit: number, part: number) => path.join(dir, 'signatures', `u${pad(unit)}-${String(part).padStart(4, '0')}.sig`),
  unitDone: (unit: number) => path.join(dir, 'signatures', `u${pad(unit)}.done`),
  signTaskDone: (task: number, tasks: number) => path.join(dir, 'signatures', `${taskName(task, tasks)}.done`),
  buckets: path.join(dir, 'buckets'),
  bucketTask: (task: number, tasks: number) => path.join(dir, 'buckets', `${taskName(task, tasks)}.edges`),
  report: path.join(dir, 'dedup'),
  decisions: (unit: number) => path.join(dir, 'decisions', `u${pad(unit)}.jsonl`),
  clustersDone: path.join(dir, 'clusters.done'),
  filterOut: (task: number) => path.join(dir, 'filter', `task-${pad(task)}`),
});

export interface StagedParams {
  format: 'winnow-dedup-staged';
  compat: Compat;
  /** The validated pipeline: input mapping, run and output settings, and the one dedup stage. */
  pipeline: Pipeline;
}

export function dedupConfigOf(params: StagedParams): DedupConfig {
  return params.pipeline.stages[0] as DedupConfig;
}

export function readParams(dir: string): StagedParams {
  const file = paths(dir).params;
  if (!fs.existsSync(file)) throw new WinnowError('usage', `${dir} is not a staged dedup directory (no params.json): run \`winnow dedup signatures\` first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StagedParams;
}

/** Records the run's parameters, or checks that they equal what an earlier task recorded. */
export async function fixParams(dir: string, params: StagedParams): Promise<void> {
  const file = paths(dir).params;
  if (fs.existsSync(file)) {
    const stored = readParams(dir);
    const diff = compatDiff(stored.compat, params.compat);
    const a = stripWorkers(stored.pipeline) as Record<string, unknown>;
    const b = stripWorkers(params.pipeline) as Record<string, unknown>;
    for (const key of Object.keys({ ...a, ...b })) if (diff.length === 0 && JSON.stringify(a[key]) !== JSON.stringify(b[key])) diff.push(`${key} settings differ`);
    if (diff.length > 0) throw new WinnowError('config', `${dir} holds a staged run with different settings (${diff.join('; ')}); use a new directory or the same flags`);
    return;
  }
  await writeFileAtomic(file, JSON.stringify(params, null, 2) + '\n');
}

/** The worker count may differ between machines; nothing else may. */
function stripWorkers(pipeline: Pipeline): unknown {
  const { run, ...rest } = pipeline;
  const { workers: _workers, ...runRest } = run;
  return { ...rest, run: runRest };
}

export async function fixPlan(dir: string, units: Unit[], inputs: { rel: string; size: number }[]): Promise<void> {
  const file = paths(dir).plan;
  const plan = JSON.stringify({ inputs, units });
  if (fs.existsSync(file)) {
    if (fs.readFileSync(file, 'utf8') !== plan) throw new WinnowError('usage', `the input files differ from those the staged run in ${dir} was planned on`);
    return;
  }
  await writeFileAtomic(file, plan);
}

export function readPlan(dir: string): { inputs: { rel: string; size: number }[]; units: Unit[] } {
  const file = paths(dir).plan;
  if (!fs.existsSync(file)) throw new WinnowError('usage', `${dir}: no plan.json: run \`winnow dedup signatures\` first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs: { rel: string; size: number }[]; units: Unit[] };
}

/** Task index: the flag, else the array-job variables of Kubernetes and Slurm. */
export function taskIndex(flag: number | undefined): number {
  if (flag !== undefined) return flag;
  for (const name of ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID']) {
    const value = process.env[name];
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  throw new WinnowError('usage', 'missing --task (and neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set)');
}

export function checkTask(task: number, tasks: number): void {
  if (!Number.isInteger(tasks) || tasks < 1) throw new WinnowError('usage', `--tasks must be at least 1, got ${tasks}`);
  if (!Number.isInteger(task) || task < 0 || task >= tasks) throw new WinnowError('usage', `--task must be in 0..${tasks - 1}, got ${task}`);
}

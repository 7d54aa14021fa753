/**
 * `winnow dedup filter --task i --tasks N`: the runner over the input units u with u % N == i,
 * applying the staged run's decisions, so each task writes the kept/ and removed/ files of its
 * units exactly as a single-process run writes them. Output goes to filter/task-<i>/ (one
 * ordinary winnow output directory per task, with its manifest); a finished task is skipped and
 * an interrupted one resumes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { validatePipeline } from '../../../config/load.js';
import { WinnowError } from '../../../core/errors.js';
import { type Progress, type RunResult, runPipeline } from '../../../core/runner.js';
import { expandInputs } from '../../../io/input-files.js';
import { planUnits } from '../../../io/units.js';
import { checkTask, paths, readParams, readPlan } from './layout.js';

export interface FilterRequest {
  dir: string;
  task: number;
  tasks: number;
  output?: string;
  workers?: number;
  log: Logger;
  progress?: Progress;
  signal?: AbortSignal;
  command?: string;
}

export async function runFilter(request: FilterRequest): Promise<RunResult | null> {
  const { dir, task, tasks, log } = request;
  checkTask(task, tasks);
  const params = readParams(dir);
  const p = paths(dir);
  if (!fs.existsSync(p.clustersDone)) throw new WinnowError('usage', `${dir}: the clusters step has not finished; run \`winnow dedup clusters --dir ${dir}\` first`);
  const output = path.resolve(request.output ?? p.filterOut(task));
  if (fs.existsSync(path.join(output, 'manifest.json'))) {
    log.info({ task, tasks, output }, 'filter: task already complete');
    return null;
  }
  const raw = structuredClone(params.pipeline) as unknown as Record<string, unknown> & { stages: Record<string, unknown>[]; run: Record<string, unknown> };
  raw.stages[0] = { ...raw.stages[0], decisions_from: path.resolve(dir) };
  if (request.workers !== undefined) raw.run.workers = request.workers;
  const pipeline = validatePipeline(raw, `${p.params}`);
  const { files } = await expandInputs(pipeline.input.paths, pipeline.input.format);
  const units = await planUnits(files, pipeline.run.unit_bytes);
  const plan = readPlan(dir);
  if (JSON.stringify({ inputs: files.map((f) => ({ rel: f.rel, size: f.size })), units }) !== JSON.stringify(plan)) {
    throw new WinnowError('usage', `the input files differ from those the staged run in ${dir} was planned on`);
  }
  return runPipeline({
    pipeline,
    output,
    resume: fs.existsSync(output),
    log,
    taskUnits: { task, tasks },
    ...(request.progress ? { progress: request.progress } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    command: request.command ?? `winnow dedup filter --task ${task} --tasks ${tasks}`,
  });
}

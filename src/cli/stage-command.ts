/**
 * The shared plumbing of the one-stage commands (`extract`, `classify`, `filter`, `dedup`,
 * `split`, ...): the same input/output flags as `run`, plus the stage's own, building a one-stage
 * pipeline that goes through the same validation and runner. Stages compose with Unix pipes:
 *   winnow extract -i pages/ -o - | winnow filter -i - -o out/
 */
import type { Command } from 'commander';
import { executeRun } from './execute.js';
import { type RunFlags, addRunOptions } from './run-options.js';

export interface StageCommandSpec {
  command: string;
  summary: string;
  examples: string[];
  /** Adds the stage's own flags. */
  configure(cmd: Command): Command;
  /** The stage list (usually one stage) from the parsed flags. */
  stages(flags: Record<string, unknown>): Record<string, unknown>[];
  /** Commands of the stage that do not run a pipeline (e.g. `safety train`, `serve-classifier`). */
  register?(program: Command): void;
}

export function examplesHelp(examples: string[]): string {
  return '\nExamples:\n' + examples.map((e) => `  $ ${e}`).join('\n') + '\n';
}

export function registerStageCommand(program: Command, spec: StageCommandSpec): Command {
  const cmd = program.command(spec.command).description(spec.summary);
  spec.configure(addRunOptions(cmd));
  cmd.addHelpText('after', examplesHelp(spec.examples));
  cmd.action(async (flags: RunFlags & Record<string, unknown>) => {
    const raw = { name: spec.command, stages: spec.stages(flags) };
    await executeRun(raw, `winnow ${spec.command}`, flags, process.argv.slice(2).join(' '));
  });
  return cmd;
}

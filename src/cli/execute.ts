/**
 * Runs a pipeline from the command line: flags over config, validation, signals, the run itself,
 * and a one-line summary. Shared by `winnow run` and every stage command.
 */
import { applyOverride, validatePipeline } from '../config/load.js';
import { WinnowError } from '../core/errors.js';
import { type RunResult, runPipeline } from '../core/runner.js';
import { type RunFlags, flagOverrides, openSession } from './run-options.js';

export async function executeRun(raw: Record<string, unknown>, origin: string, flags: RunFlags, command: string): Promise<RunResult> {
  for (const override of flagOverrides(flags)) applyOverride(raw, override);
  const pipeline = validatePipeline(raw, origin);
  if (!flags.output) throw new WinnowError('usage', 'missing --output <dir|->');
  const { log, progress } = openSession(flags);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // a second ^C means now
    log.warn({ signal }, 'stopping after the batches in flight; rerun with --resume to continue');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runPipeline({
      pipeline,
      output: flags.output,
      ...(flags.auxDir ? { auxDir: flags.auxDir } : {}),
      resume: Boolean(flags.resume),
      overwrite: Boolean(flags.overwrite),
      log,
      ...(progress ? { progress } : {}),
      signal: controller.signal,
      command,
    });
    const m = result.manifest;
    log.info({ ...m.counts, wall_ms: m.wall_ms, output: result.outputDir }, m.check.equation);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

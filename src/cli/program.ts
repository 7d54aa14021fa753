/**
 * The `winnow` command line. Commands parse flags, call one core function and render; the single
 * error handler in main.ts maps failures to exit codes.
 */
import { Command } from 'commander';
import YAML from 'yaml';
import { applyOverride, loadPipeline, readPipelineYaml, resolvePipelinePath, winnowVersion } from '../config/load.js';
import { stageKind } from '../core/stage.js';
import { registry } from '../stages/registry.js';
import { registerAuditCommands } from './commands/audit.js';
import { stageCommands } from './commands/index.js';
import { executeRun } from './execute.js';
import { type RunFlags, addRunOptions, flagOverrides } from './run-options.js';
import { examplesHelp, registerStageCommand } from './stage-command.js';

export const exitCodesHelp = `
Exit codes:
  0    success: every input record is kept, removed or in errors/
  1    internal error (a bug; the log has the stack)
  2    bad usage or config, or a bad record under --strict
  3    the accounting check failed (input != kept + removed + errors)
  4    a stage failed for good (e.g. its service stayed down with on_error: fail)
  130  interrupted (SIGINT/SIGTERM): rerun with --resume
`;

export function buildProgram(): Command {
  const program = new Command('winnow')
    .description('Clean raw web and text corpora into language-model training data: extract, safety, quality, dedup, split.')
    .version(winnowVersion)
    .showHelpAfterError()
    .addHelpText('after', examplesHelp(['winnow run default -i fixtures/sample -o out/default', 'winnow run pipelines/fineweb.yaml -i crawl/ -o out/crawl --workers 8', 'winnow config print default']) + exitCodesHelp);

  const run = program
    .command('run')
    .description('run a pipeline (a YAML file, or the name of a bundled one in pipelines/)')
    .argument('<pipeline>', 'pipeline file or bundled name');
  addRunOptions(run, { pipelineInput: true });
  run.addHelpText(
    'after',
    examplesHelp([
      'winnow run default -i fixtures/sample -o out/default',
      'winnow run my.yaml -i data/*.jsonl.gz -o out/run1 --workers 8',
      'winnow run my.yaml -i data/ -o out/run1 --resume      # after a crash or ^C',
      'zcat dump.jsonl.gz | winnow run my.yaml -i - -o - > clean.jsonl',
    ]) + exitCodesHelp,
  );
  run.action(async (name: string, flags: RunFlags) => {
    const file = resolvePipelinePath(name);
    const raw = readPipelineYaml(file) as Record<string, unknown>;
    await executeRun(raw, file, flags, process.argv.slice(2).join(' '));
  });

  const config = program.command('config').description('inspect pipeline configuration');
  config
    .command('print')
    .description('print a pipeline with every default filled in, as YAML')
    .argument('<pipeline>', 'pipeline file or bundled name')
    .option('--set <key=value>', 'override a value first (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print JSON instead of YAML')
    .addHelpText('after', examplesHelp(['winnow config print default', 'winnow config print my.yaml --set run.workers=4 --json']))
    .action((name: string, flags: { set?: string[]; json?: boolean }) => {
      const { pipeline } = loadPipeline(name, { overrides: flagOverrides({ set: flags.set ?? [] }) });
      process.stdout.write(flags.json ? JSON.stringify(pipeline, null, 2) + '\n' : YAML.stringify(pipeline));
    });

  program
    .command('stages')
    .description('list the stage kinds a pipeline can use')
    .option('--json', 'print JSON')
    .addHelpText('after', examplesHelp(['winnow stages']))
    .action((flags: { json?: boolean }) => {
      const rows = [...registry.values()].map((def) => ({ kind: def.name, description: def.description }));
      process.stdout.write(flags.json ? JSON.stringify(rows, null, 2) + '\n' : rows.map((r) => `${r.kind.padEnd(16)} ${r.description}`).join('\n') + '\n');
    });

  for (const spec of stageCommands) registerStageCommand(program, spec);
  for (const spec of stageCommands) spec.register?.(program);
  registerAuditCommands(program);
  return program;
}

// Re-exported for tests that check help and overrides without a process.
export { applyOverride, stageKind };

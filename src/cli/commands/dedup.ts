/**
 * `winnow dedup`: the dedup stage alone (exact + MinHash by default, `--online` for one pass in a
 * pipe), and the staged mode for many machines as sub-commands:
 *
 *   winnow dedup signatures --dir shared/ --task i --tasks N -i corpus/
 *   winnow dedup buckets    --dir shared/ --task b --tasks B
 *   winnow dedup clusters   --dir shared/
 *   winnow dedup filter     --dir shared/ --task i --tasks N
 *
 * The dedup flags (`--method`, `--bands`, ...) and the run flags (`-i`, `--workers`, ...) belong to
 * `dedup` itself; a sub-command reads them from there, wherever they appear on the line.
 */
import { type Command, Option } from 'commander';
import { validatePipeline } from '../../config/load.js';
import { WinnowError } from '../../core/errors.js';
import { runBuckets } from '../../stages/dedup/staged/buckets.js';
import { runClusters } from '../../stages/dedup/staged/clusters-step.js';
import { runFilter } from '../../stages/dedup/staged/filter.js';
import { taskIndex } from '../../stages/dedup/staged/layout.js';
import { runSignatures } from '../../stages/dedup/staged/signatures.js';
import { type RunFlags, flagOverrides, openSession, parseCount, parseSize } from '../run-options.js';
import type { StageCommandSpec } from '../stage-command.js';
import { examplesHelp } from '../stage-command.js';
import { applyOverride } from '../../config/load.js';

const parseFraction = (text: string): number => {
  const x = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || x < 0 || x > 1) throw new WinnowError('usage', `not a number in 0..1: "${text}"`);
  return x;
};

/** The stage config from the flags that were given (the rest keep the schema defaults). */
function dedupStageConfig(flags: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = { kind: 'dedup' };
  const map: [string, string][] = [
    ['method', 'method'],
    ['keep', 'keep'],
    ['action', 'action'],
    ['seed', 'seed'],
    ['bands', 'bands'],
    ['rows', 'rows'],
    ['shingle', 'shingle'],
    ['shingleSize', 'shingle_size'],
    ['verify', 'verify'],
    ['minJaccard', 'min_jaccard'],
    ['checkOneIn', 'check_one_in'],
    ['memory', 'memory'],
    ['online', 'online'],
    ['index', 'index'],
    ['against', 'against'],
  ];
  for (const [flag, key] of map) if (flags[flag] !== undefined) config[key] = flags[flag];
  return config;
}

function addDedupOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--method <method>', 'exact, or minhash (exact first, then MinHash near-duplicates) (default: minhash)').choices(['exact', 'minhash']))
    .option('--keep <rule>', 'which cluster member stays: first, longest, or max:<meta field> (default: first)')
    .addOption(new Option('--action <action>', 'remove duplicates, or only tag them in meta.dedup (default: remove)').choices(['remove', 'tag']))
    .option('--bands <n>', 'LSH bands (default: 14)', parseCount)
    .option('--rows <n>', 'rows per band; permutations = bands x rows (default: 8)', parseCount)
    .option('--seed <n>', 'seed of the MinHash permutations (default: 1)', parseCount)
    .addOption(new Option('--shingle <unit>', 'word or character n-grams (default: words)').choices(['words', 'chars']))
    .option('--shingle-size <n>', 'n of the n-grams (default: 5)', parseCount)
    .option('--verify', 'test candidate pairs on their exact Jaccard instead of the MinHash estimate (keeps shingle sets)')
    .option('--min-jaccard <x>', 'a candidate pair is a near duplicate when its Jaccard (estimate, or exact with --verify) reaches this (default: 0.7)', parseFraction)
    .option('--check-one-in <n>', 'exact-Jaccard check of the pairs in one LSH bucket in n (0 = off) (default: 256)', parseCount)
    .option('--memory <size>', 'memory for signatures and band keys before they spill to disk (default: 1G)', parseSize)
    .option('--online', 'one pass, first seen wins, nothing spooled (for the middle of a pipe)')
    .option('--index <dir>', 'save the kept documents\' band keys to this index (adds a segment)')
    .option('--against <dir>', 'also remove documents that duplicate the index saved in this directory');
}

type Flags = RunFlags & Record<string, unknown>;

/** The pipeline a staged step runs: the dedup stage from the flags, with the run flags applied. */
function stagedPipeline(flags: Flags) {
  const raw: Record<string, unknown> = { name: 'dedup-staged', stages: [dedupStageConfig(flags)] };
  for (const override of flagOverrides(flags)) applyOverride(raw, override);
  return validatePipeline(raw, 'winnow dedup signatures');
}

function addStagedCommands(dedup: Command): void {
  const merged = (sub: Command): Flags => ({ ...(dedup.opts() as Flags), ...(sub.opts() as Flags) });
  const taskOptions = (cmd: Command): Command =>
    cmd
      .requiredOption('--dir <dir>', 'the shared directory of the staged run')
      .option('--task <i>', 'this task\'s index (default: $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID)', parseCount)
      .requiredOption('--tasks <n>', 'the number of tasks of this step', parseCount);

  const signatures = taskOptions(dedup.command('signatures').description('staged step 1: MinHash signatures of the input units of task i of N (takes -i and the dedup flags)'));
  signatures.addHelpText('after', examplesHelp(['winnow dedup signatures --dir /shared/run1 --task 0 --tasks 3 -i /data/corpus/ --workers 8']));
  signatures.action(async () => {
    const flags = merged(signatures);
    const { log } = openSession(flags);
    const pipeline = stagedPipeline(flags);
    const result = await runSignatures({ dir: String(flags.dir), pipeline, task: taskIndex(flags.task as number | undefined), tasks: Number(flags.tasks), log });
    log.info(result, 'signatures: done');
  });

  const buckets = taskOptions(dedup.command('buckets').description('staged step 2: LSH buckets of a share of the bands (task b of B)'));
  buckets.addHelpText('after', examplesHelp(['winnow dedup buckets --dir /shared/run1 --task 0 --tasks 4']));
  buckets.action(async () => {
    const flags = merged(buckets);
    const { log } = openSession(flags);
    const result = await runBuckets({ dir: String(flags.dir), task: taskIndex(flags.task as number | undefined), tasks: Number(flags.tasks), log });
    log.info(result, 'buckets: done');
  });

  const clusters = dedup.command('clusters').description('staged step 3 (one task): union-find, keep rule, the cluster report and decisions').requiredOption('--dir <dir>', 'the shared directory of the staged run');
  clusters.addHelpText('after', examplesHelp(['winnow dedup clusters --dir /shared/run1']));
  clusters.action(async () => {
    const flags = merged(clusters);
    const { log } = openSession(flags);
    const summary = await runClusters({ dir: String(flags.dir), log });
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  });

  const filter = taskOptions(dedup.command('filter').description('staged step 4: write the kept and removed documents of the input units of task i of N'));
  filter.addHelpText('after', examplesHelp(['winnow dedup filter --dir /shared/run1 --task 0 --tasks 3   # output in /shared/run1/filter/task-00000/']));
  filter.action(async () => {
    const flags = merged(filter);
    const { log, progress } = openSession(flags);
    const result = await runFilter({
      dir: String(flags.dir),
      task: taskIndex(flags.task as number | undefined),
      tasks: Number(flags.tasks),
      ...(flags.output ? { output: flags.output } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      log,
      ...(progress ? { progress } : {}),
      command: process.argv.slice(2).join(' '),
    });
    if (result) log.info({ ...result.manifest.counts, output: result.outputDir }, result.manifest.check.equation);
  });
}

export const dedupCommand: StageCommandSpec = {
  command: 'dedup',
  summary: 'remove exact and near-duplicate documents (MinHash + LSH), one kept per cluster, with a cluster report in dedup/',
  examples: [
    'winnow dedup -i corpus.jsonl.zst -o out/dedup',
    'winnow dedup -i corpus/ -o out/dedup --keep max:quality.score --verify',
    'winnow dedup -i corpus/ -o out/exact --method exact',
    'cat corpus.jsonl | winnow dedup --online -i - -o - > unique.jsonl',
    'winnow dedup -i new/ -o out/new --against index/ --index index/   # dedup against an earlier corpus, then extend its index',
    'winnow dedup signatures --dir shared/ --task 0 --tasks 3 -i corpus/   # staged mode: see the sub-commands',
  ],
  configure: (cmd) => {
    addDedupOptions(cmd);
    addStagedCommands(cmd);
    return cmd;
  },
  stages: (flags) => [dedupStageConfig(flags)],
};

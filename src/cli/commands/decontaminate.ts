import path from 'node:path';
import { Option } from 'commander';
import { WinnowError } from '../../core/errors.js';
import { contaminationActions } from '../../stages/split/actions.js';
import { type BenchmarkSource, parseBenchmarkFlag, presetNames } from '../../stages/split/benchmarks.js';
import type { StageCommandSpec } from '../stage-command.js';
import { parseCount } from '../run-options.js';

const collectBenchmark = (value: string, previous: BenchmarkSource[] = []): BenchmarkSource[] => {
  const source = parseBenchmarkFlag(value);
  // Workers and the report resolve the same absolute path, whatever their working directory.
  return [...previous, { ...source, path: path.resolve(source.path) }];
};

function stageConfig(flags: Record<string, unknown>): Record<string, unknown> {
  const benchmarks = flags.benchmark as BenchmarkSource[] | undefined;
  if (!benchmarks?.length && !flags.index && !flags.heldOut) {
    throw new WinnowError('usage', `give at least one --benchmark NAME=PATH[:fields] (presets: ${presetNames.join(', ')}), --index FILE or --held-out SPLITS`);
  }
  return {
    kind: 'decontaminate',
    ...(benchmarks?.length ? { benchmarks } : {}),
    ...(flags.index ? { index_file: path.resolve(String(flags.index)) } : {}),
    action: flags.action,
    n: flags.ngram,
    max_matched_ngrams: flags.maxMatchedNgrams,
    ...(flags.heldOut ? { held_out: flags.heldOut } : {}),
  };
}

export const decontaminateCommand: StageCommandSpec = {
  command: 'decontaminate',
  summary: 'drop, redact (GPT-3 method) or flag documents that share word 13-grams with benchmarks; writes contamination.json',
  examples: [
    'winnow decontaminate --benchmark gsm8k=../shared/corpora/benchmark-gsm8k-test/test.jsonl -i corpus.jsonl -o out/clean',
    'winnow decontaminate --benchmark humaneval=HumanEval.jsonl.gz --benchmark mbpp=mbpp.jsonl --action redact -i corpus/ -o out/redacted',
    'winnow decontaminate --benchmark mine=qa.csv:question,answer --action flag --ngram 8 -i corpus.jsonl -o out/flagged',
  ],
  configure: (cmd) =>
    cmd
      .option('--benchmark <NAME=PATH[:fields]>', `a benchmark file (JSONL, JSON or CSV, gzip/zstd or not); NAME a preset (${presetNames.join(', ')}) or any name with :field,field (repeatable)`, collectBenchmark)
      .option('--index <file>', 'a serialised n-gram index to check against instead of benchmark files')
      .addOption(new Option('--action <action>', 'what to do with a contaminated document').choices([...contaminationActions]).default('drop'))
      .option('--ngram <n>', 'words per n-gram, 8 to 50', parseCount, 13)
      .option('--max-matched-ngrams <n>', 'tolerate this many matched n-grams per document', parseCount, 0)
      .option('--held-out <splits>', 'also index the documents of these splits (meta.split, e.g. test,validation) and scan only the others', (v: string) => v.split(',').filter(Boolean)),
  stages: (flags) => [stageConfig(flags)],
};

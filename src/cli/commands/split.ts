import { Option } from 'commander';
import { WinnowError } from '../../core/errors.js';
import { groupModes } from '../../stages/split/split-stage.js';
import type { StageCommandSpec } from '../stage-command.js';
import { parseCount } from '../run-options.js';

/** `train=0.98,validation=0.01,test=1000,rest` → the split stage's `splits` map. */
export function parseSplits(text: string): Record<string, number | 'rest'> {
  const splits: Record<string, number | 'rest'> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, size] = part.split('=');
    if (!name || size === undefined) throw new WinnowError('usage', `--splits expects name=size pairs, got "${part}"`);
    splits[name.trim()] = size.trim() === 'rest' ? 'rest' : Number(size);
  }
  return splits;
}

export const splitCommand: StageCommandSpec = {
  command: 'split',
  summary: 'assign documents to train/validation/test (any names) by a seeded hash of their group, written to one directory per split',
  examples: [
    'winnow split -i clean/kept -o out/splits',
    'winnow split -i clean/kept -o out/splits --splits train=0.9,validation=0.05,test=0.05 --seed 7',
    'winnow split -i corpus.jsonl -o out/by-site --group-by domain --splits train=rest,test=0.02',
  ],
  configure: (cmd) =>
    cmd
      .option('--splits <name=size,...>', 'split sizes: fractions, counts (with --expected-documents) or rest (default train=0.98,validation=0.01,test=0.01)', parseSplits)
      .option('--seed <n>', 'seed of the assignment hash', parseCount)
      .addOption(new Option('--group-by <mode>', 'what keeps documents together (default auto: dedup cluster, else exact text)').choices([...groupModes]))
      .option('--group-field <field>', 'meta field for --group-by field')
      .option('--stratify-by <field>', 'meta field to stratify by')
      .option('--expected-documents <n>', 'corpus size that count-valued splits refer to', parseCount),
  stages: (flags) => [
    {
      kind: 'split',
      ...(flags.splits ? { splits: flags.splits } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      ...(flags.groupBy ? { group_by: flags.groupBy } : {}),
      ...(flags.groupField ? { group_field: flags.groupField } : {}),
      ...(flags.stratifyBy ? { stratify_by: flags.stratifyBy } : {}),
      ...(flags.expectedDocuments ? { expected_documents: flags.expectedDocuments } : {}),
    },
  ],
};

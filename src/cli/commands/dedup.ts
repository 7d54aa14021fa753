import { Option } from 'commander';
import type { StageCommandSpec } from '../stage-command.js';

export const dedupCommand: StageCommandSpec = {
  command: 'dedup',
  summary: 'remove duplicate documents (exact: same normalised text); keeps the first in input order',
  examples: [
    'winnow dedup -i corpus.jsonl.zst -o out/dedup',
    'cat corpus.jsonl | winnow dedup -i - -o - > unique.jsonl',
  ],
  configure: (cmd) => cmd.addOption(new Option('--method <method>', 'dedup method').choices(['exact']).default('exact')),
  stages: (flags) => [{ kind: 'dedup', method: flags.method }],
};

import { WinnowError } from '../../core/errors.js';
import { FAMILIES } from '../../stages/quality/config.js';
import type { StageCommandSpec } from '../stage-command.js';

/** `a,b c` → ['a', 'b', 'c']: lists may be given with commas, spaces, or both. */
const list = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

function families(names: string[]): string[] {
  const unknown = names.filter((n) => !(FAMILIES as readonly string[]).includes(n));
  if (unknown.length) throw new WinnowError('usage', `unknown rule famil${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; known: ${FAMILIES.join(', ')}`);
  return names;
}

export const filterCommand: StageCommandSpec = {
  command: 'filter',
  summary: 'rule-based quality filters (Gopher, C4, FineWeb) and fastText language ID, with datatrove\'s defaults; --signals measures without removing',
  examples: [
    'winnow filter -i corpus.jsonl.zst -o out/filtered',
    'winnow filter -i corpus.jsonl -o out/gopher --rules gopher_repetition,gopher_quality',
    'winnow filter -i corpus.jsonl -o out/c4 --rules c4,c4_badwords --set stages.quality.c4.filter_no_terminal_punct=false',
    'winnow filter -i corpus.jsonl -o - --signals --rules gopher_quality,fineweb > with-signals.jsonl',
    'winnow filter -i corpus.jsonl -o out/de --rules language --languages de,en',
  ],
  configure: (cmd) =>
    cmd
      .option('--rules <families>', `rule families to run, in order (default: language,gopher_repetition,gopher_quality,c4,fineweb); known: ${FAMILIES.join(', ')}`, list)
      .option('--signals', 'write every rule\'s value to meta.quality and remove nothing')
      .option('--languages <codes>', 'languages the language family keeps (default: en)', list)
      .option('--min-language-score <score>', 'minimum fastText score of the top language (default: 0.65)', (v: string) => {
        const n = Number(v);
        if (!(n >= 0 && n <= 1)) throw new WinnowError('usage', `--min-language-score expects a number from 0 to 1, got "${v}"`);
        return n;
      }),
  stages: (flags) => {
    const rules = flags.rules as string[] | undefined;
    const languages = flags.languages as string[] | undefined;
    const minScore = flags.minLanguageScore as number | undefined;
    return [
      {
        kind: 'quality',
        ...(rules ? { rules: families(rules) } : {}),
        ...(flags.signals ? { signals: true } : {}),
        ...(languages || minScore !== undefined
          ? { language: { ...(languages ? { languages } : {}), ...(minScore !== undefined ? { min_score: minScore } : {}) } }
          : {}),
      },
    ];
  },
};

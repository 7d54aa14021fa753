/**
 * `winnow safety train` (and the registration of the other safety commands that are not
 * one-stage runs): trains the bundled safety models from ../shared/corpora.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../../config/load.js';
import { WinnowError } from '../../core/errors.js';
import { trainSafetyModels } from '../../stages/safety/train.js';
import { examplesHelp } from '../stage-command.js';
import { registerServeClassifier } from './serve-classifier.js';

interface TrainFlags {
  platformMinUrls?: number;
  counterparts?: { platform: number; other: number };
  corpora: string;
  output: string;
  fasttext: string;
  json?: boolean;
}

export function registerSafetyCommands(program: Command): void {
  const safety = program.command('safety').description('the safety classifier\'s own tools');
  safety
    .command('train')
    .description('train the bundled safety models (text: hate/offensive/neither; URL: adult/clean) with the fastText tool, quantise them and measure them on a held-out split')
    .option('--corpora <dir>', 'the labelled corpora', path.resolve(packageRoot, '..', 'shared', 'corpora'))
    .option('--output <dir>', 'where text.ftz, url.bin and training.json go', path.join(packageRoot, 'models', 'safety'))
    .option('--fasttext <path>', 'the fastText command-line tool (Debian/Ubuntu: apt-get install fasttext)', 'fasttext')
    .option('--platform-min-urls <n>', 'sites with this many adult training URLs are platforms: their clean counterparts keep the site and its structure words (default: 5; 0 = none)', (v: string) => {
      if (!/^\d+$/.test(v)) throw new WinnowError('usage', `--platform-min-urls expects a whole number, got "${v}"`);
      return Number(v);
    })
    .option('--counterparts <platform,other>', 'synthetic clean counterparts per adult URL on a platform and per other adult URL (default: 1,2; 0,0 = none: the model then learns site names)', (v: string) => {
      const m = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(v);
      if (!m) throw new WinnowError('usage', `--counterparts expects two numbers like 1,2, got "${v}"`);
      return { platform: Number(m[1]), other: Number(m[2]) };
    })
    .option('--json', 'print the training report as JSON')
    .addHelpText('after', examplesHelp(['npm run train:safety', 'winnow safety train --output /tmp/models --json', 'winnow safety train --counterparts 0,0 --output /tmp/site-names   # no counterparts: the model learns site names']))
    .action(async (flags: TrainFlags) => {
      let report: Record<string, unknown>;
      try {
        report = await trainSafetyModels({
          corpora: flags.corpora,
          output: flags.output,
          fasttext: flags.fasttext,
          ...(flags.platformMinUrls !== undefined ? { platformMinUrls: flags.platformMinUrls } : {}),
          ...(flags.counterparts ? { counterparts: flags.counterparts } : {}),
          onProgress: (m) => process.stderr.write(`winnow safety train: ${m}\n`),
        });
      } catch (error) {
        throw new WinnowError('usage', `safety train: ${(error as Error).message}`, { cause: error });
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      process.stdout.write(renderReport(report, flags.output));
    });
  registerServeClassifier(program);
}

interface Summary {
  text: { sha256: string; bytes: number; test: { binary: { macro_f1: number; roc_auc: number }; clean_paragraphs: { flagged_rate: number } } };
  url: { sha256: string; bytes: number; threshold: number; test: { adult_recall: { recall: number }; clean_domains: { fp_rate: number }; clean_urls: { fp_rate: number } } };
}

function renderReport(report: Record<string, unknown>, output: string): string {
  const r = report as unknown as Summary;
  const t = r.text.test;
  const u = r.url.test;
  return [
    `text model ${path.join(output, 'text.ftz')} (${r.text.bytes} bytes, sha256 ${r.text.sha256.slice(0, 12)})`,
    `  held-out tweets: macro-F1 ${t.binary.macro_f1}, ROC AUC ${t.binary.roc_auc}; clean news paragraphs flagged ${(t.clean_paragraphs.flagged_rate * 100).toFixed(2)}%`,
    `url model ${path.join(output, 'url.bin')} (${r.url.bytes} bytes, sha256 ${r.url.sha256.slice(0, 12)})`,
    `  held-out adult URLs recall ${u.adult_recall.recall} at ${r.url.threshold}; clean domains flagged ${(u.clean_domains.fp_rate * 100).toFixed(2)}%, clean URLs flagged ${(u.clean_urls.fp_rate * 100).toFixed(2)}%`,
    `report: ${path.join(output, 'training.json')}`,
    '',
  ].join('\n');
}

import { Option } from 'commander';
import { parseSize } from '../run-options.js';
import type { StageCommandSpec } from '../stage-command.js';

export const extractCommand: StageCommandSpec = {
  command: 'extract',
  summary: 'HTML (records with an html field, .html files, WARC/WET) to text that keeps its line and paragraph structure',
  examples: [
    'winnow extract -i crawl.warc.gz -o out/extract',
    'winnow extract -i pages/ -o out/all --mode all',
    'winnow extract -i pages.jsonl.gz --html-field raw_html -o - | winnow dedup -i - -o out/dedup',
  ],
  configure: (cmd) =>
    cmd
      .addOption(new Option('--mode <mode>', 'all: every visible text; main: the main content without boilerplate').choices(['all', 'main']).default('main'))
      .option('--keep-html', 'keep the html field on output documents')
      .option('--include-comments', 'main mode: keep comment sections')
      .option('--max-html-bytes <size>', 'pages larger than this become error records (default: 16M)', parseSize)
      .option('--max-ms <n>', 'per-page time limit in milliseconds, 0 = none (default: 10000)', (v: string) => {
        if (!/^\d+$/.test(v)) throw new Error(`not a whole number: "${v}"`);
        return Number(v);
      }),
  stages: (flags) => [
    {
      kind: 'extract',
      mode: flags.mode,
      ...(flags.keepHtml ? { keep_html: true } : {}),
      ...(flags.includeComments ? { include_comments: true } : {}),
      ...(flags.maxHtmlBytes !== undefined ? { max_html_bytes: flags.maxHtmlBytes } : {}),
      ...(flags.maxMs !== undefined ? { max_ms: flags.maxMs } : {}),
    },
  ],
};

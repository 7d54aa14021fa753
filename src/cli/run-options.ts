/**
 * The input/output/run flags every running command shares (`run` and each stage command), and
 * how they become config overrides, so flags and YAML go through one validation.
 */
import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { type Override, parseSetFlag } from '../config/load.js';
import { WinnowError } from '../core/errors.js';
import { type LogFormat, createLogger } from '../core/log.js';
import { inputFormats } from '../io/input-files.js';
import { TerminalProgress } from './progress.js';

export interface RunFlags {
  input?: string[];
  output?: string;
  inputFormat?: string;
  textField?: string;
  idField?: string;
  htmlField?: string;
  urlField?: string;
  maxDocBytes?: number;
  compression?: string;
  shardMaxBytes?: number;
  shardMaxDocs?: number;
  workers?: number;
  batchSize?: number;
  unitBytes?: number;
  strict?: boolean;
  resume?: boolean;
  overwrite?: boolean;
  auxDir?: string;
  set?: string[];
  logFormat?: LogFormat;
  logLevel?: string;
  progress?: boolean;
}

const sizeUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `1048576`, `64k`, `256M`, `2G` (binary units). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!match) throw new WinnowError('usage', `not a size: "${text}" (examples: 4096, 64k, 256M, 2G)`);
  return Math.round(Number(match[1]) * sizeUnits[match[2].toLowerCase()]);
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new WinnowError('usage', `not a whole number: "${text}"`);
  return Number(text);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addRunOptions(cmd: Command, { pipelineInput = false } = {}): Command {
  return cmd
    .option('-i, --input <paths...>', `input files or directories, or - for standard input${pipelineInput ? ' (default: the pipeline\'s input.paths)' : ''}`)
    .option('-o, --output <dir>', 'output directory, or - to write kept documents to standard output')
    .addOption(new Option('--input-format <format>', 'force the input format (default: by extension)').choices(['auto', ...inputFormats]))
    .option('--text-field <name>', 'input field holding the text (default: text)')
    .option('--id-field <name>', 'input field holding the id (default: id)')
    .option('--html-field <name>', 'input field holding raw HTML (default: html)')
    .option('--url-field <name>', 'input field holding the URL (default: url)')
    .option('--max-doc-bytes <size>', 'records larger than this go to errors/ (default: 64M)', parseSize)
    .addOption(new Option('--compression <codec>', 'output compression (default: zstd)').choices(['none', 'gzip', 'zstd']))
    .option('--shard-max-bytes <size>', 'roll output shards at this uncompressed size (default: 256M)', parseSize)
    .option('--shard-max-docs <n>', 'roll output shards after this many documents (default: no limit)', parseCount)
    .option('-w, --workers <n>', 'worker threads (default: number of cores)', parseCount)
    .option('--batch-size <n>', 'documents per worker task (default: 256)', parseCount)
    .option('--unit-bytes <size>', 'resume granularity for large JSONL files (default: 128M)', parseSize)
    .option('--strict', 'stop at the first bad record with exit code 2 instead of writing it to errors/')
    .option('--resume', 'continue an interrupted run in the same output directory')
    .option('--overwrite', 'replace a non-empty output directory')
    .option('--aux-dir <dir>', 'with --output -: where removed/, errors/ and the manifest go (default: winnow-aux)')
    .option('--set <key=value>', 'override any config value, e.g. --set stages.quality.gopher_quality.min_words=30 (repeatable)', collect)
    .addOption(new Option('--log-format <format>', 'log format on stderr (default: pretty on a terminal, else json)').choices(['json', 'pretty']))
    .option('--log-level <level>', 'trace, debug, info, warn, error (default: info)')
    .option('--no-progress', 'no progress bar');
}

/** Flags as config overrides, applied to the raw pipeline before validation. */
export function flagOverrides(flags: RunFlags): Override[] {
  const o: Override[] = [];
  const put = (path: string, value: unknown): void => {
    if (value !== undefined) o.push({ path, value });
  };
  put('input.paths', flags.input);
  put('input.format', flags.inputFormat);
  put('input.text_field', flags.textField);
  put('input.id_field', flags.idField);
  put('input.html_field', flags.htmlField);
  put('input.url_field', flags.urlField);
  put('input.max_doc_bytes', flags.maxDocBytes);
  put('output.compression', flags.compression);
  put('output.shard_max_bytes', flags.shardMaxBytes);
  put('output.shard_max_docs', flags.shardMaxDocs);
  put('run.workers', flags.workers);
  put('run.batch_size', flags.batchSize);
  put('run.unit_bytes', flags.unitBytes);
  if (flags.strict) put('run.strict', true);
  for (const set of flags.set ?? []) o.push(parseSetFlag(set));
  return o;
}

export interface Session {
  log: Logger;
  progress?: TerminalProgress;
}

export function openSession(flags: RunFlags): Session {
  const tty = Boolean(process.stderr.isTTY);
  const format: LogFormat = flags.logFormat ?? (tty ? 'pretty' : 'json');
  const progress = tty && format === 'pretty' && flags.progress !== false ? new TerminalProgress() : undefined;
  const log = createLogger({ format, level: flags.logLevel, ...(progress ? { write: (line: string) => progress.log(line) } : {}) });
  return progress ? { log, progress } : { log };
}

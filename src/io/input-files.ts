/**
 * Expands `--input` paths into an ordered list of input files: directories recursively, sorted by
 * relative path (code-point order, not locale, so every machine agrees), hidden files skipped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { WinnowError } from '../core/errors.js';
import { type Compression, compressionOfPath, stripCompressionSuffix } from './compression.js';

/** `json` is a JSON array of records (or a single record). */
export const inputFormats = ['jsonl', 'json', 'txt', 'html', 'warc'] as const;
export type InputFormat = (typeof inputFormats)[number];

export interface InputFile {
  /** Absolute path, or `-` for standard input. */
  path: string;
  /** Path relative to the input root: document ids and error records use it. */
  rel: string;
  /** Bytes on disk (NaN for standard input). */
  size: number;
  format: InputFormat;
  compression: Compression;
}

export interface ExpandedInputs {
  files: InputFile[];
  /** Files inside directories that no reader handles, by extension, counted in the manifest. */
  skipped: Record<string, number>;
}

export function formatOfPath(file: string): InputFormat | null {
  const base = stripCompressionSuffix(file).toLowerCase();
  if (/\.(jsonl|ndjson)$/.test(base)) return 'jsonl';
  if (base.endsWith('.json')) return 'json';
  if (base.endsWith('.txt')) return 'txt';
  if (/\.(html|htm|xhtml)$/.test(base)) return 'html';
  // WARC, WET (`.warc.wet`), WAT (`.warc.wat`: metadata only, all skipped) and ARC.
  if (/\.(warc|wet|wat|arc)$/.test(base)) return 'warc';
  return null;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    // A symbolic link counts as what it points to.
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await fs.stat(full).catch(() => null))?.isDirectory());
    if (isDir) out.push(...(await walk(full)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(full);
  }
  return out;
}

/**
 * @param forced `--input-format`: applies to every file (and to standard input); `auto` decides by
 *   extension, and an explicitly named file without a known extension is an error.
 */
export async function expandInputs(paths: string[], forced: InputFormat | 'auto'): Promise<ExpandedInputs> {
  if (paths.length === 0) throw new WinnowError('usage', 'no input: give --input <paths...> or - for standard input');
  const files: InputFile[] = [];
  const skipped: Record<string, number> = {};
  for (const given of paths) {
    if (given === '-') {
      files.push({ path: '-', rel: 'stdin', size: Number.NaN, format: forced === 'auto' ? 'jsonl' : forced, compression: 'none' });
      continue;
    }
    const abs = path.resolve(given);
    const stat = await fs.stat(abs).catch((error: NodeJS.ErrnoException) => {
      throw new WinnowError('usage', `input not found: ${given} (${error.code ?? error.message})`);
    });
    if (stat.isDirectory()) {
      for (const file of await walk(abs)) {
        const format = forced === 'auto' ? formatOfPath(file) : forced;
        const rel = path.relative(abs, file).split(path.sep).join('/');
        if (!format) {
          const ext = path.extname(file).toLowerCase() || '(none)';
          skipped[ext] = (skipped[ext] ?? 0) + 1;
          continue;
        }
        const size = (await fs.stat(file)).size;
        files.push({ path: file, rel, size, format, compression: compressionOfPath(file) });
      }
    } else {
      const format = forced === 'auto' ? formatOfPath(abs) : forced;
      if (!format) {
        throw new WinnowError('usage', `cannot tell the format of ${given}: use a known extension or --input-format`);
      }
      files.push({ path: abs, rel: path.basename(abs), size: stat.size, format, compression: compressionOfPath(abs) });
    }
  }
  return { files, skipped };
}

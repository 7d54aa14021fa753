/**
 * Benchmark files for contamination checks: JSONL, JSON or CSV, gzip- or zstd-compressed or not,
 * with the text fields named by the user or by a preset (GSM8K, HumanEval, MBPP).
 *
 * On the command line a benchmark is `NAME=PATH[:field,field...]`; NAME is a preset or any name,
 * the fields after the last `:` name the text fields (a preset's fields when omitted).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { z } from 'zod';
import { WinnowError, errorMessage } from '../../core/errors.js';
import { parseCsv } from './csv.js';
import { NgramIndex } from './ngram-index.js';

/** The text fields of the public benchmarks in ../shared/corpora (see each SOURCE.md). */
export const benchmarkPresets = {
  /** GSM8K test: `{question, answer}`, no id field (items are numbered by line). */
  gsm8k: { fields: ['question', 'answer'], id_field: undefined },
  /** HumanEval: `{task_id, prompt, canonical_solution, test, entry_point}`. */
  humaneval: { fields: ['prompt', 'canonical_solution', 'test'], id_field: 'task_id' },
  /** MBPP: `{task_id, text, code, test_list: [...]}`; test_list is joined with line breaks. */
  mbpp: { fields: ['text', 'code', 'test_list'], id_field: 'task_id' },
} as const satisfies Record<string, { fields: readonly string[]; id_field: string | undefined }>;

export type PresetName = keyof typeof benchmarkPresets;
export const presetNames = Object.keys(benchmarkPresets) as PresetName[];
const isPreset = (name: string): name is PresetName => Object.hasOwn(benchmarkPresets, name);

export const benchmarkFormats = ['auto', 'jsonl', 'json', 'csv', 'tsv'] as const;

export const BenchmarkSource = z.strictObject({
  /** Names the benchmark in reports and removal records. */
  name: z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, 'letters, digits, ".", "_" or "-" (at most 64)'),
  path: z.string().min(1),
  /** Field preset; defaults to `name` when that is a preset's name. */
  preset: z.enum(presetNames as [PresetName, ...PresetName[]]).optional(),
  /** Text fields (dotted paths allowed); override the preset's. Arrays are joined with line breaks. */
  fields: z.array(z.string().min(1)).min(1).optional(),
  /** Field holding the item id; the 1-based record number when unset or missing. */
  id_field: z.string().min(1).optional(),
  /** `auto` decides by extension (after .gz/.zst), then by content. */
  format: z.enum(benchmarkFormats).default('auto'),
});
export type BenchmarkSource = z.infer<typeof BenchmarkSource>;

export interface BenchmarkItem {
  id: string;
  /** One text per field present, in field order. */
  texts: string[];
}

export interface LoadedBenchmark {
  name: string;
  fields: string[];
  items: BenchmarkItem[];
  /** Records read, including those without any of the fields (which are not items). */
  records: number;
  without_text: number;
}

const fieldList = /^[A-Za-z_][\w.-]*(,[A-Za-z_][\w.-]*)*$/;

/**
 * `gsm8k=data/test.jsonl`, `mine=data/x.csv.gz:question,answer`. The fields are what follows the
 * last `:` when it looks like a field list, so a path containing `:` needs explicit fields.
 */
export function parseBenchmarkFlag(flag: string): BenchmarkSource {
  const eq = flag.indexOf('=');
  if (eq <= 0 || eq === flag.length - 1) {
    throw new WinnowError('usage', `--benchmark expects NAME=PATH[:field,field...], got "${flag}" (presets: ${presetNames.join(', ')})`);
  }
  const name = flag.slice(0, eq);
  let file = flag.slice(eq + 1);
  let fields: string[] | undefined;
  const colon = file.lastIndexOf(':');
  if (colon > 0 && fieldList.test(file.slice(colon + 1))) {
    fields = file.slice(colon + 1).split(',');
    file = file.slice(0, colon);
  }
  const raw = { name, path: file, ...(fields ? { fields } : {}) };
  const parsed = BenchmarkSource.safeParse(raw);
  if (!parsed.success) throw new WinnowError('usage', `--benchmark ${flag}: ${z.prettifyError(parsed.error)}`);
  resolveFields(parsed.data); // a generic name without fields is a usage error now, not at run time
  return parsed.data;
}

/** The text fields and id field a source uses. */
export function resolveFields(source: BenchmarkSource): { fields: string[]; idField: string | undefined } {
  const preset = source.preset ?? (isPreset(source.name) ? source.name : undefined);
  const base = preset ? benchmarkPresets[preset] : undefined;
  const fields = source.fields ?? (base ? [...base.fields] : undefined);
  if (!fields) {
    throw new WinnowError('usage', `benchmark "${source.name}" is not a preset (${presetNames.join(', ')}): name its text fields, e.g. ${source.name}=${source.path}:question,answer`);
  }
  return { fields, idField: source.id_field ?? base?.id_field };
}

/** File bytes as text, gunzipped or zstd-decompressed by magic bytes (not by name). */
export function readTextFile(file: string): string {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  else if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) bytes = zstdDecompress(bytes);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text;
}

type Format = Exclude<(typeof benchmarkFormats)[number], 'auto'>;

function formatOf(file: string, text: string): Format {
  const ext = path.extname(file.replace(/\.(gz|zst|zstd)$/i, '')).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.jsonlines') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv') return 'tsv';
  const first = text.trimStart()[0];
  return first === '[' ? 'json' : first === '{' ? 'jsonl' : 'csv';
}

function parseJsonl(text: string): unknown[] {
  const records: unknown[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const t = raw.trim();
    if (!t) continue;
    try {
      records.push(JSON.parse(t));
    } catch (error) {
      throw new Error(`line ${line}: not JSON (${errorMessage(error)})`);
    }
  }
  return records;
}

/**
 * A JSON benchmark: an array of records; an object with one array-valued property holding the
 * records (`{"data": [...]}`); or an object of records keyed by id.
 */
function parseJson(text: string): { records: unknown[]; keys?: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Many ".json" benchmark files are JSON Lines.
    if (text.trim().includes('\n')) return { records: parseJsonl(text) };
    throw new Error(`not JSON (${errorMessage(error)})`);
  }
  if (Array.isArray(value)) return { records: value };
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const arrays = entries.filter(([, v]) => Array.isArray(v));
    if (arrays.length === 1) return { records: arrays[0][1] as unknown[] };
    if (entries.every(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
      return { records: entries.map(([, v]) => v), keys: entries.map(([k]) => k) };
    }
  }
  throw new Error('expected an array of records, an object holding one array of records, or an object of records keyed by id');
}

function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(record, field)) return record[field];
  let node: unknown = record;
  for (const part of field.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A field's text: strings as they are, numbers as written, arrays joined with line breaks. */
function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(asText).filter((t): t is string => t !== null && t.length > 0);
    return parts.length ? parts.join('\n') : null;
  }
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return null;
}

/** Reads one benchmark file into items. Relative paths resolve against `baseDir`. */
export function loadBenchmark(source: BenchmarkSource, baseDir: string = process.cwd()): LoadedBenchmark {
  const { fields, idField } = resolveFields(source);
  const file = path.resolve(baseDir, source.path);
  const where = `benchmark ${source.name} (${file})`;
  let text: string;
  try {
    text = readTextFile(file);
  } catch (error) {
    throw new WinnowError('config', `${where}: cannot read: ${errorMessage(error)}`, { cause: error });
  }
  let records: unknown[];
  let keys: string[] | undefined;
  try {
    const format = source.format === 'auto' ? formatOf(file, text) : source.format;
    if (format === 'jsonl') records = parseJsonl(text);
    else if (format === 'json') ({ records, keys } = parseJson(text));
    else records = parseCsv(text, format === 'tsv' ? '\t' : ',');
  } catch (error) {
    throw new WinnowError('config', `${where}: ${errorMessage(error)}`, { cause: error });
  }
  const items: BenchmarkItem[] = [];
  let withoutText = 0;
  records.forEach((record, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new WinnowError('config', `${where}: record ${i + 1} is not an object`);
    }
    const r = record as Record<string, unknown>;
    const texts = fields.map((f) => asText(fieldValue(r, f))).filter((t): t is string => t !== null && t.length > 0);
    if (texts.length === 0) {
      withoutText++;
      return;
    }
    const id = idField !== undefined ? asText(fieldValue(r, idField)) : null;
    items.push({ id: id ?? keys?.[i] ?? String(i + 1), texts });
  });
  if (items.length === 0) {
    throw new WinnowError('config', `${where}: none of the ${records.length} records has any of the fields ${fields.join(', ')}`);
  }
  return { name: source.name, fields, items, records: records.length, without_text: withoutText };
}

/** Adds loaded benchmarks to an index (a new one of size n unless given). */
export function indexBenchmarks(benchmarks: LoadedBenchmark[], n: number, index?: NgramIndex): NgramIndex {
  // No size estimate: the table doubles as it fills, ending at the smallest power of two that fits.
  const target = index ?? new NgramIndex(n);
  if (target.n !== n) throw new WinnowError('config', `the index uses ${target.n}-grams, the benchmarks were asked for ${n}-grams`);
  for (const b of benchmarks) {
    const source = target.addSource(b.name, 'benchmark');
    for (const item of b.items) target.addItem(source, item.id, item.texts);
  }
  return target;
}

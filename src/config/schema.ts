/**
 * The pipeline file: input mapping, output layout, run settings and the stage list. Every object
 * is strict, so a misspelt key is an error rather than a silently ignored setting.
 */
import os from 'node:os';
import { z } from 'zod';
import { inputFormats } from '../io/input-files.js';
import { registry } from '../stages/registry.js';

const MiB = 1024 * 1024;

export const InputOptions = z.strictObject({
  /** Input paths; `--input` on the command line replaces them. */
  paths: z.array(z.string()).default([]),
  /** `auto` decides per file by extension. */
  format: z.enum(['auto', ...inputFormats]).default('auto'),
  text_field: z.string().min(1).default('text'),
  id_field: z.string().min(1).default('id'),
  html_field: z.string().min(1).default('html'),
  url_field: z.string().min(1).default('url'),
  /** A record (JSONL line, file) over this many bytes goes to errors/ unread. @default 64 MiB */
  max_doc_bytes: z.number().int().positive().default(64 * MiB),
});
export type InputOptions = z.infer<typeof InputOptions>;

export const OutputOptions = z.strictObject({
  compression: z.enum(['none', 'gzip', 'zstd']).default('zstd'),
  /** Codec level; gzip 6 and zstd 3 when unset. */
  level: z.number().int().min(-7).max(22).optional(),
  /** Roll to a new shard before this many uncompressed bytes. @default 256 MiB */
  shard_max_bytes: z.number().int().positive().default(256 * MiB),
  /** Roll to a new shard after this many documents; 0 = no limit. */
  shard_max_docs: z.number().int().min(0).default(0),
});
export type OutputOptions = z.infer<typeof OutputOptions>;

export const RunOptions = z.strictObject({
  /** Worker threads for per-document stages. @default the number of cores */
  workers: z.number().int().min(1).max(256).default(() => os.availableParallelism()),
  /** Documents per worker task (a task is one batch through all fused stages). */
  batch_size: z.number().int().min(1).max(100_000).default(256),
  /** Bytes per worker task, whichever limit comes first. @default 1 MiB */
  batch_bytes: z.number().int().min(1024).default(MiB),
  /** Resume granularity: large plain JSONL files split into byte ranges of this size. @default 128 MiB */
  unit_bytes: z.number().int().min(1024).default(128 * MiB),
  /** Stop at the first unreadable record (exit code 2) instead of writing it to errors/. */
  strict: z.boolean().default(false),
});
export type RunOptions = z.infer<typeof RunOptions>;

function stageUnion() {
  const schemas = [...registry.values()].map((def) => def.schema) as unknown as z.ZodObject[];
  if (schemas.length === 1) return schemas[0];
  return z.discriminatedUnion('kind', schemas as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
}

let cached: ReturnType<typeof build> | undefined;

function build() {
  return z.strictObject({
    name: z.string().default('pipeline'),
    description: z.string().optional(),
    input: InputOptions.default(InputOptions.parse({})),
    output: OutputOptions.default(OutputOptions.parse({})),
    run: RunOptions.default(() => RunOptions.parse({})),
    stages: z.array(stageUnion()).default([]),
  });
}

/** Built on first use from the registry, so a new stage needs no change here. */
export function pipelineSchema() {
  return (cached ??= build());
}

export type StageConfig = { kind: string; name?: string } & Record<string, unknown>;

export interface Pipeline {
  name: string;
  description?: string;
  input: InputOptions;
  output: OutputOptions;
  run: RunOptions;
  stages: StageConfig[];
}

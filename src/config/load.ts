/**
 * Loads a pipeline: YAML → overrides from the command line → schema validation → resolved stage
 * specs. Every problem is reported with its path in the file and, where there is a fixed set, the
 * allowed values or keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { WinnowError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { StageSpec } from '../core/stage.js';
import { registry } from '../stages/registry.js';
import { type Pipeline, pipelineSchema } from './schema.js';

export { packageRoot };

/** A path, or the name of a bundled pipeline (`default` → pipelines/default.yaml). */
export function resolvePipelinePath(nameOrPath: string): string {
  if (fs.existsSync(nameOrPath)) return path.resolve(nameOrPath);
  const bundled = path.join(packageRoot, 'pipelines', nameOrPath.endsWith('.yaml') ? nameOrPath : `${nameOrPath}.yaml`);
  if (fs.existsSync(bundled)) return bundled;
  const names = fs.readdirSync(path.join(packageRoot, 'pipelines')).filter((f) => f.endsWith('.yaml'));
  throw new WinnowError('usage', `pipeline not found: ${nameOrPath} (bundled: ${names.map((f) => f.replace(/\.yaml$/, '')).join(', ')})`);
}

export function readPipelineYaml(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new WinnowError('config', `${file}: invalid YAML\n${doc.errors.map((e) => '  ' + e.message).join('\n')}`);
  }
  return doc.toJS() ?? {};
}

export interface Override {
  path: string;
  value: unknown;
}

/** `--set a.b=value`: the value is YAML (so `3`, `true`, `[a, b]` work). */
export function parseSetFlag(flag: string): Override {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new WinnowError('usage', `--set expects key.path=value, got "${flag}"`);
  return { path: flag.slice(0, eq), value: YAML.parse(flag.slice(eq + 1)) };
}

/**
 * Sets `value` at a dotted path, creating objects on the way. Under `stages`, a segment may be an
 * index or a stage's name or kind (`stages.quality.rules`).
 */
export function applyOverride(raw: Record<string, unknown>, override: Override): void {
  const parts = override.path.split('.');
  let node: Record<string, unknown> | unknown[] = raw;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(part) ? Number(part) : node.findIndex((s) => isNamed(s, part));
      if (index < 0) throw new WinnowError('usage', `--set ${override.path}: no stage named "${part}"`);
      if (last) node[index] = override.value;
      else {
        if (typeof node[index] !== 'object' || node[index] === null) node[index] = {};
        node = node[index] as Record<string, unknown>;
      }
      continue;
    }
    if (last) node[part] = override.value;
    else {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
  }
}

function isNamed(stage: unknown, name: string): boolean {
  if (typeof stage !== 'object' || stage === null) return false;
  const s = stage as { name?: unknown; kind?: unknown };
  return s.name === name || (s.name === undefined && s.kind === name);
}

export function validatePipeline(raw: unknown, origin: string): Pipeline {
  const schema = pipelineSchema();
  const result = schema.safeParse(raw);
  if (result.success) return result.data as Pipeline;
  const lines = result.error.issues.map((issue) => '  ' + describeIssue(issue, raw, schema));
  throw new WinnowError('config', `${origin}: invalid pipeline\n${lines.join('\n')}`);
}

function pathText(p: PropertyKey[]): string {
  return p.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '') || '(top level)';
}

function valueAt(data: unknown, p: PropertyKey[]): unknown {
  let node = data;
  for (const seg of p) node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
  return node;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, schema: z.ZodType): string {
  const where = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(schema, raw, issue.path);
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${allowed ? `; allowed: ${allowed.join(', ')}` : ''}`;
  }
  if (issue.path[0] === 'stages' && issue.path.length <= 3 && (issue.code === 'invalid_union' || issue.path[2] === 'kind')) {
    const stagePath = issue.path.slice(0, 2);
    const kind = (valueAt(raw, stagePath) as { kind?: unknown } | undefined)?.kind;
    if (typeof kind !== 'string' || !registry.has(kind)) {
      return `${pathText(stagePath)}.kind: unknown stage kind ${JSON.stringify(kind)}; known: ${[...registry.keys()].join(', ')}`;
    }
  }
  return `${where}: ${issue.message}`;
}

/** Walks the schema along the data to the object at `p`, unwrapping defaults and choosing union members by `kind`. */
function allowedKeys(schema: z.ZodType, data: unknown, p: PropertyKey[]): string[] | null {
  let node: z.ZodType = schema;
  let value = data;
  for (let i = 0; i <= p.length; i++) {
    node = unwrap(node);
    if (node instanceof z.ZodDiscriminatedUnion || node instanceof z.ZodUnion) {
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      const match = (node.options as z.ZodType[]).find((o) => {
        const shape = unwrap(o) instanceof z.ZodObject ? (unwrap(o) as z.ZodObject).shape : undefined;
        const literal = shape?.kind;
        return literal instanceof z.ZodLiteral && literal.value === kind;
      });
      if (!match) return null;
      node = unwrap(match);
    }
    if (i === p.length) break;
    const seg = p[i];
    if (node instanceof z.ZodObject) node = node.shape[String(seg)] as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return null;
    if (!node) return null;
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : null;
}

function unwrap(node: z.ZodType): z.ZodType {
  let current = node;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodPrefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** Names each stage instance: its `name`, else its kind, with `-2`, `-3` for repeats. */
export function resolveStages(pipeline: Pipeline): StageSpec[] {
  const seen = new Map<string, number>();
  return pipeline.stages.map((config) => {
    const base = config.name ?? config.kind;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { kind: config.kind, name: n === 1 ? base : `${base}-${n}`, config };
  });
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Hash of everything that can change the output: the worker count cannot, so it is left out. */
export function configHash(pipeline: Pipeline): string {
  const { run, ...rest } = pipeline;
  const { workers: _workers, ...runRest } = run;
  return crypto.createHash('sha256').update(JSON.stringify(canonical({ ...rest, run: runRest }))).digest('hex');
}

export interface LoadOptions {
  overrides?: Override[];
}

export function loadPipeline(nameOrPath: string, options: LoadOptions = {}): { pipeline: Pipeline; file: string } {
  const file = resolvePipelinePath(nameOrPath);
  const raw = readPipelineYaml(file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WinnowError('config', `${file}: a pipeline is a YAML mapping`);
  }
  for (const override of options.overrides ?? []) applyOverride(raw as Record<string, unknown>, override);
  return { pipeline: validatePipeline(raw, file), file };
}

export const winnowVersion: string = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

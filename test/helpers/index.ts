/**
 * Shared test plumbing: temp dirs, running the real CLI as a child process, reading outputs.
 * Tests go through public entry points (the CLI, runPipeline, stage defs), never internals.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { packageRoot, validatePipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { type RunResult, runPipeline } from '../../src/core/runner.js';

export const root = packageRoot;
export const cliPath = path.join(packageRoot, 'dist', 'src', 'cli', 'main.js');

export async function tempDir(prefix = 'winnow-test-'): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export function runCli(args: string[], options: { stdin?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? packageRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

export function decompressFile(file: string): Buffer {
  const raw = fs.readFileSync(file);
  if (file.endsWith('.gz')) return zlib.gunzipSync(raw);
  if (file.endsWith('.zst')) return Buffer.from(fzstdDecompress(raw));
  return raw;
}

export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** All records of the part files in a directory (recursively), in file-name order. */
export function readRecords(dir: string): Record<string, unknown>[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return files.flatMap((f) => parseJsonl(decompressFile(f).toString('utf8')));
}

/** sha256 of every file under `dir` (relative path → hex), skipping paths that match `exclude`. */
export function treeDigest(dir: string, exclude: RegExp = /^(_state\/|manifest\.json$|report\.html$)/): Map<string, string> {
  const digests = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (exclude.test(rel)) continue;
    digests.set(rel, crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex'));
  }
  return new Map([...digests].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function readManifest(dir: string): {
  counts: { input: number; kept: number; removed: number; errors: number };
  check: { ok: boolean };
  stages: { name: string; removed: number; rules: Record<string, number>; summary?: Record<string, unknown> }[];
  read: { errors: Record<string, number>; blank_lines: number };
} & Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

/** Runs a pipeline (a plain object, as YAML would give) in this process. */
export async function runInProcess(raw: Record<string, unknown>, inputs: string[], output: string, extra: { resume?: boolean; overwrite?: boolean } = {}): Promise<RunResult> {
  const pipeline = validatePipeline(raw, 'test');
  return runPipeline({ pipeline, inputs, output, log: silentLogger(), ...extra });
}

/** A folder of ../shared/corpora, or null when it is absent (a user's clone): tests skip then. */
export function sharedCorpus(name: string): string | null {
  const dir = path.resolve(packageRoot, '..', 'shared', 'corpora', name);
  return fs.existsSync(dir) ? dir : null;
}

export function sharedReference(): string | null {
  const dir = path.resolve(packageRoot, '..', 'shared', 'reference');
  return fs.existsSync(dir) ? dir : null;
}

export function writeJsonl(file: string, records: unknown[]): void {
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

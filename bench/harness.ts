/**
 * Benchmark cases and how they are measured: each case runs in its own child process so its
 * peak RSS is its own; docs/s and MB/s come from the timed part only (setup is not timed).
 */
import os from 'node:os';

export interface CaseOutcome {
  docs: number;
  /** Input bytes processed (the MB/s figure). */
  bytes: number;
  /** Cores the timed part could use (worker threads); MB/s per core divides by it. */
  cores?: number;
  extra?: Record<string, unknown>;
}

export interface BenchCase {
  name: string;
  /** The stage measured, or `pipeline`. */
  stage: string;
  /** Untimed preparation; returns the timed part. */
  setup(): Promise<() => Promise<CaseOutcome>>;
}

export interface BenchSuite {
  name: string;
  cases: BenchCase[];
}

export interface CaseResult {
  suite: string;
  case: string;
  stage: string;
  docs: number;
  bytes: number;
  seconds: number;
  docs_per_s: number;
  mb_per_s: number;
  cores: number;
  mb_per_s_per_core: number;
  peak_rss_mb: number;
  extra?: Record<string, unknown>;
}

export async function measure(suite: string, c: BenchCase): Promise<CaseResult> {
  const run = await c.setup();
  const started = performance.now();
  const outcome = await run();
  const seconds = (performance.now() - started) / 1000;
  const cores = outcome.cores ?? 1;
  const mbps = outcome.bytes / 1e6 / seconds;
  return {
    suite,
    case: c.name,
    stage: c.stage,
    docs: outcome.docs,
    bytes: outcome.bytes,
    seconds: round(seconds, 3),
    docs_per_s: Math.round(outcome.docs / seconds),
    mb_per_s: round(mbps, 1),
    cores,
    mb_per_s_per_core: round(mbps / cores, 1),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(outcome.extra ? { extra: outcome.extra } : {}),
  };
}

export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export const machine = (): Record<string, unknown> => ({
  cpus: os.availableParallelism(),
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  total_memory_gb: Math.round(os.totalmem() / 1024 ** 3),
});

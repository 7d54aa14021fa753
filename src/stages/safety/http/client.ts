/**
 * The HTTP classifier client (node-fetch, as the design chose): texts go in requests of
 * `batch_size`, at most `concurrency` in flight over keep-alive connections; each request has a
 * timeout covering the whole exchange, and is retried on 429/5xx, timeouts, reset or refused
 * connections and unreadable replies, with jittered exponential backoff or the service's
 * `Retry-After`. A circuit breaker stops calling a service that keeps failing.
 *
 * node-fetch 3 has open keep-alive bugs on Node >= 19 (ECONNRESET or "Premature close" when a
 * kept-alive socket died, e.g. after a server restart): those surface as connection errors here
 * and are retried on a fresh socket, which is why connection errors are always retryable.
 *
 * Secrets: the API key only ever goes into a request header. Errors are described by their code
 * (never by a message that could quote a URL), and logs name the endpoint without its query.
 */
import http from 'node:http';
import https from 'node:https';
import fetch from 'node-fetch';
import type { Logger } from 'pino';
import type { JsonObject } from '../../../core/doc.js';
import type { HttpOptions } from '../config.js';
import type { RawScores } from '../judge.js';
import { type Adapter, ProtocolError, adapterFor } from './adapters.js';
import { CircuitBreaker } from './breaker.js';
import { backoffDelay, parseRetryAfter, retryableStatus, sleep } from './retry.js';

export type Outcome = { ok: true; scores: RawScores } | { ok: false; error: string };

/** A request that failed for good (after its retries, or at once when the circuit is open). */
export class RequestFailed extends Error {
  constructor(message: string, readonly code: 'retries_exhausted' | 'not_retryable' | 'circuit_open') {
    super(message);
    this.name = 'RequestFailed';
  }
}

interface Failure {
  reason: string;
  retryable: boolean;
  retryAfterMs: number | null;
  /** Whether this attempt counts against the breaker (a 4xx means the service is up). */
  serviceDown: boolean;
}

/** The endpoint for logs and errors: scheme, host, port and path only. */
export function endpointName(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Cut at `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code < 0xdc00 ? max - 1 : max);
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class ClassifierClient {
  private readonly adapter: Adapter;
  private readonly breaker: CircuitBreaker;
  private readonly gate: Semaphore;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly headers: Record<string, string>;
  private readonly endpoint: string;
  private readonly counts = {
    requests: 0,
    attempts: 0,
    retries: 0,
    failed_requests: 0,
    inputs: 0,
    timeouts: 0,
    connection_errors: 0,
    bad_replies: 0,
    retry_after_waits: 0,
    circuit_rejections: 0,
  };
  private readonly statuses: Record<string, number> = {};

  constructor(
    private readonly options: HttpOptions,
    apiKey: string | undefined,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.adapter = adapterFor(options.protocol, options.batch_size, options.model);
    this.breaker = new CircuitBreaker(options.breaker_failures, options.breaker_cooldown_ms);
    this.gate = new Semaphore(options.concurrency);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.headers = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      ...(apiKey ? this.adapter.auth(apiKey) : {}),
    };
    this.endpoint = endpointName(options.url);
  }

  get maxBatch(): number {
    return this.adapter.maxBatch;
  }

  /** One outcome per text, in order. Never throws for a failing service: failed texts carry the reason. */
  async classify(texts: string[]): Promise<Outcome[]> {
    const out: Outcome[] = new Array(texts.length);
    const jobs: Promise<void>[] = [];
    for (let start = 0; start < texts.length; start += this.adapter.maxBatch) {
      const slice = texts.slice(start, start + this.adapter.maxBatch).map((t) => truncate(t, this.options.max_input_chars));
      const at = start;
      jobs.push(
        this.gate.run(async () => {
          try {
            const scores = await this.request(slice);
            scores.forEach((s, i) => (out[at + i] = { ok: true, scores: s }));
          } catch (error) {
            if (!(error instanceof RequestFailed)) throw error;
            this.counts.failed_requests++;
            for (let i = 0; i < slice.length; i++) out[at + i] = { ok: false, error: error.message };
          }
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  private async request(texts: string[]): Promise<RawScores[]> {
    this.counts.requests++;
    this.counts.inputs += texts.length;
    const body = JSON.stringify(this.adapter.body(texts));
    for (let attempt = 0; ; attempt++) {
      if (!this.breaker.allow()) {
        this.counts.circuit_rejections++;
        throw new RequestFailed(`classifier service ${this.endpoint} is failing: circuit open, not calling it for ${this.options.breaker_cooldown_ms} ms`, 'circuit_open');
      }
      this.counts.attempts++;
      const result = await this.attempt(texts.length, body);
      if (!('reason' in result)) {
        this.breaker.success();
        return result.scores;
      }
      const failure = result;
      const opened = this.breaker.opened;
      if (failure.serviceDown) this.breaker.failure();
      else this.breaker.success();
      if (this.breaker.opened > opened) this.log.warn({ endpoint: this.endpoint, reason: failure.reason }, 'classifier service keeps failing: circuit opened');
      const attempts = attempt + 1;
      if (!failure.retryable) throw new RequestFailed(`classifier service ${this.endpoint}: ${failure.reason}`, 'not_retryable');
      if (attempt >= this.options.max_retries) {
        throw new RequestFailed(`classifier service ${this.endpoint} failed ${attempts} time${attempts > 1 ? 's' : ''}: ${failure.reason}`, 'retries_exhausted');
      }
      let delay = backoffDelay(attempt, this.options.backoff_ms, this.options.max_backoff_ms, this.random);
      if (failure.retryAfterMs !== null) {
        this.counts.retry_after_waits++;
        delay = Math.min(failure.retryAfterMs, this.options.max_retry_after_ms);
      }
      this.counts.retries++;
      this.log.debug({ endpoint: this.endpoint, attempt: attempts, reason: failure.reason, delay_ms: delay }, 'retrying classifier request');
      await sleep(delay);
    }
  }

  /** One HTTP exchange; the timeout covers reading the reply too. */
  private async attempt(count: number, body: string): Promise<{ scores: RawScores[] } | Failure> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeout_ms);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: this.headers,
        body,
        agent: (url: URL) => (url.protocol === 'https:' ? this.httpsAgent : this.httpAgent),
        signal: controller.signal,
      });
      const text = await response.text();
      this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
      if (!response.ok) {
        const retryable = retryableStatus(response.status);
        return { reason: `HTTP ${response.status}`, retryable, retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : null, serviceDown: retryable };
      }
      let reply: unknown;
      try {
        reply = JSON.parse(text);
      } catch {
        // A reply cut short (a connection closed mid-body) reads as malformed JSON: retry it.
        this.counts.bad_replies++;
        return { reason: 'the reply is not valid JSON', retryable: true, retryAfterMs: null, serviceDown: true };
      }
      try {
        return { scores: this.adapter.parse(reply, count) };
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.counts.bad_replies++;
        return { reason: `unexpected reply: ${error.message}`, retryable: false, retryAfterMs: null, serviceDown: false };
      }
    } catch (error) {
      if (controller.signal.aborted) {
        this.counts.timeouts++;
        return { reason: `no complete reply within ${this.options.timeout_ms} ms`, retryable: true, retryAfterMs: null, serviceDown: true };
      }
      this.counts.connection_errors++;
      return { reason: `connection error ${errorCode(error)}`, retryable: true, retryAfterMs: null, serviceDown: true };
    } finally {
      clearTimeout(timer);
    }
  }

  summary(): JsonObject {
    return { endpoint: this.endpoint, protocol: this.options.protocol, ...this.counts, statuses: { ...this.statuses }, circuit_opened: this.breaker.opened };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** A connection error's code (ECONNRESET, ECONNREFUSED, ERR_STREAM_PREMATURE_CLOSE, ...), never its message. */
function errorCode(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && code !== 'FETCH_ERROR' && code !== 'ERR_FETCH') return code;
    if (typeof errno === 'string') return errno;
    e = (e as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'unknown';
}

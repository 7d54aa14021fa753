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
  constructor(message: string, readonly code: 'retries_exhausted' | 'not_retryable' | 'too_large' | 'circuit_open') {
    super(message);
    this.name = 'RequestFailed';
  }
}

interface Failure {
  reason: string;
  /** The reply's HTTP status, when there was one. */
  status?: number;
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

/**
 * Statuses that refuse a request for its size: 413, and 422, which text-embeddings-inference
 * answers when a batch is over its `--max-client-batch-size` (32 by default). Such a request is
 * split in two and each half sent again, down to single texts.
 */
const tooLargeStatus = (status: number | undefined): boolean => status === 413 || status === 422;

/** Cut at `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code < 0xdc00 ? max - 1 : max);
}

/** Texts of one `classify` call not yet answered; requests take them in order, across calls. */
interface Job {
  texts: string[];
  out: Outcome[];
  /** The next text to put in a request. */
  next: number;
  /** Texts still waiting for their outcome. */
  left: number;
  resolve(outcomes: Outcome[]): void;
  reject(error: unknown): void;
}

/** A run of one job's texts inside a request. */
interface Part {
  job: Job;
  start: number;
  count: number;
}

export class ClassifierClient {
  private readonly adapter: Adapter;
  private readonly breaker: CircuitBreaker;
  /** Calls whose texts are not all in a request yet, oldest first. */
  private readonly queue: Job[] = [];
  /** Requests in flight (at most `concurrency`). */
  private active = 0;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly headers: Record<string, string>;
  private readonly endpoint: string;
  /** Texts per request: `batch_size`, halved for good when the service refuses a request as too large. */
  private batchLimit: number;
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
    /** Requests split in two after a 413/422. */
    splits: 0,
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
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.headers = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      ...(apiKey ? this.adapter.auth(apiKey) : {}),
    };
    this.endpoint = endpointName(options.url);
    this.batchLimit = this.adapter.maxBatch;
  }

  /** Texts per request now (`batch_size`, or less after the service refused larger requests). */
  get maxBatch(): number {
    return this.batchLimit;
  }

  /**
   * One outcome per text, in order. Never rejects for a failing service: failed texts carry the
   * reason. Requests are filled from every pending call in order (dynamic batching): while all
   * `concurrency` requests are out, the texts of later calls wait and go together in the next
   * request, up to `batch_size`, so a service under load gets few large requests however small
   * the calls, and an idle one gets each call at once. A text's outcome does not depend on which
   * request carried it (serve-classifier scores every text alone).
   */
  classify(texts: string[]): Promise<Outcome[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const max = this.options.max_input_chars;
    const mine = texts.map((t) => (t.length > max ? truncate(t, max) : t));
    return new Promise((resolve, reject) => {
      this.queue.push({ texts: mine, out: new Array(mine.length), next: 0, left: mine.length, resolve, reject });
      this.dispatch();
    });
  }

  /** Sends requests while fewer than `concurrency` are out and texts wait. */
  private dispatch(): void {
    while (this.active < this.options.concurrency && this.queue.length > 0) {
      const parts: Part[] = [];
      const texts: string[] = [];
      while (texts.length < this.batchLimit && this.queue.length > 0) {
        const job = this.queue[0];
        const count = Math.min(job.texts.length - job.next, this.batchLimit - texts.length);
        parts.push({ job, start: job.next, count });
        for (let i = job.next; i < job.next + count; i++) texts.push(job.texts[i]);
        job.next += count;
        if (job.next === job.texts.length) this.queue.shift();
      }
      this.active++;
      const outcomes: Outcome[] = new Array(texts.length);
      this.send(texts, outcomes, 0).then(
        () => this.settle(parts, outcomes, null),
        (error: unknown) => this.settle(parts, outcomes, error),
      );
    }
  }

  /** Hands a finished request's outcomes to the calls it carried; frees its slot. */
  private settle(parts: Part[], outcomes: Outcome[], error: unknown): void {
    this.active--;
    let at = 0;
    for (const { job, start, count } of parts) {
      if (error !== null) {
        // A bug, not a failing service: the call fails, once, and sends nothing more.
        if (job.left >= 0) {
          job.left = -1;
          const waiting = this.queue.indexOf(job);
          if (waiting >= 0) this.queue.splice(waiting, 1);
          job.reject(error);
        }
      } else if (job.left > 0) {
        for (let i = 0; i < count; i++) job.out[start + i] = outcomes[at + i];
        job.left -= count;
        if (job.left === 0) job.resolve(job.out);
      }
      at += count;
    }
    this.dispatch();
  }

  /**
   * One request's texts into `out` from `at`: scores, or the reason they failed. A request refused
   * as too large is split in halves; when both halves then pass, that size is what the service
   * takes, and later requests are cut to it. (When a half still fails, a text was refused for
   * itself, not the batch for its size: the size stays.) True when every text was classified.
   */
  private async send(texts: string[], out: Outcome[], at: number): Promise<boolean> {
    try {
      const scores = await this.request(texts);
      for (let i = 0; i < scores.length; i++) out[at + i] = { ok: true, scores: scores[i] };
      return true;
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      if (error.code === 'too_large' && texts.length > 1) {
        const half = Math.ceil(texts.length / 2);
        this.counts.splits++;
        const first = await this.send(texts.slice(0, half), out, at);
        const second = await this.send(texts.slice(half), out, at + half);
        if (first && second && half < this.batchLimit) {
          this.batchLimit = half;
          this.log.warn({ endpoint: this.endpoint, batch_size: half }, 'classifier service refused a batch as too large: sending smaller ones');
        }
        return first && second;
      }
      this.counts.failed_requests++;
      for (let i = 0; i < texts.length; i++) out[at + i] = { ok: false, error: error.message };
      return false;
    }
  }

  private async request(texts: string[]): Promise<RawScores[]> {
    this.counts.requests++;
    this.counts.inputs += texts.length;
    // Bytes, not a string: node-fetch then sends them as they are, with their length (no chunked encoding).
    const body = Buffer.from(JSON.stringify(this.adapter.body(texts)));
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
      if (!failure.retryable) throw new RequestFailed(`classifier service ${this.endpoint}: ${failure.reason}`, tooLargeStatus(failure.status) ? 'too_large' : 'not_retryable');
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
  private async attempt(count: number, body: Buffer): Promise<{ scores: RawScores[] } | Failure> {
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
        return { reason: `HTTP ${response.status}`, status: response.status, retryable, retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : null, serviceDown: retryable };
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

/**
 * `winnow serve-classifier`: the embedded model behind HTTP in the generic protocol, so many
 * batch workers (or machines) can share one classifier process.
 *
 *   POST /predict  {"inputs": ["text", ...]}  →  [[{"label": "offensive", "score": 0.93}, ...], ...]
 *                  {"inputs": "text"}         →  [{"label": ..., "score": ...}, ...]
 *   GET  /health   →  {"status": "ok"}
 *   GET  /info     →  {"model", "labels", "runtime", "preprocess", "threads"}
 *
 * Labels are the model's after the configured renames (the bundled model's `neither` is served as
 * `safe`), each list sorted by score, as Hugging Face text-embeddings-inference answers.
 *
 * The event loop only moves bytes: it reads a body into one buffer and moves that buffer to a
 * worker thread (classifier-pool.ts), which parses it once, classifies every text of the request
 * and answers with the whole reply as one string, written as is. So the model runs on every core, and a request is read and parsed while
 * others are being classified. Too much work waiting for the pool gets 503 with `Retry-After`
 * (the HTTP backend waits and retries), not unbounded memory.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ClassifierPool, type TaskReply } from './classifier-pool.js';
import { type Preprocess, type Runtime, type TextClassifier, loadClassifier, resolveModelPath } from './embedded.js';
import { servedLabels } from './replies.js';

export interface ServerOptions {
  /** `bundled` or a fastText model path. */
  model: string;
  preprocess: Preprocess;
  runtime: Runtime;
  /** Renames of model labels (after `__label__` is stripped). */
  labels: Record<string, string>;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Worker threads running the model. @default one per core */
  threads?: number;
  /** Larger request bodies get 413. @default 32 MiB */
  maxBodyBytes?: number;
  /** Request bytes accepted but not yet answered; past it, requests get 503 + Retry-After. @default 256 MiB */
  maxPendingBytes?: number;
  log?: Logger;
}

export interface RunningServer {
  url: string;
  server: http.Server;
  /** The model as loaded on the main thread (labels, runtime; checked before the workers start). */
  classifier: TextClassifier;
  threads: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, JSON.stringify(body), status, headers);
}

function sendJson(res: http.ServerResponse, text: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Too large: answered, then the connection is closed (the rest of the body is not read). */
const tooLarge = (limit: number): HttpError => new HttpError(413, `request body over ${limit} bytes`, { connection: 'close' });

/**
 * The body as one buffer that owns its memory (it is moved to a worker): filled in place when the
 * length is announced, else joined once at the end.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const announced = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
    if (announced > limit) return reject(tooLarge(limit));
    const exact = Number.isSafeInteger(announced) && announced >= 0 ? new Uint8Array(announced) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > (exact ? exact.length : limit)) {
        req.off('data', onData);
        reject(tooLarge(limit));
        return;
      }
      if (exact) exact.set(chunk, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    req.on('data', onData);
    req.on('end', () => {
      if (exact) return resolve(size === exact.length ? exact : exact.slice(0, size));
      const body = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.length;
      }
      resolve(body);
    });
    req.on('error', reject);
  });
}

export async function startClassifierServer(options: ServerOptions): Promise<RunningServer> {
  const modelPath = resolveModelPath(options.model, 'text');
  // Loaded here first: a bad model file fails with its own message before any worker starts.
  const classifier = await loadClassifier(modelPath, options.preprocess, options.runtime);
  const pool = await ClassifierPool.start({ file: modelPath, preprocess: options.preprocess, runtime: options.runtime, labels: options.labels }, options.threads);
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxPending = options.maxPendingBytes ?? 256 * 1024 * 1024;
  let pending = 0;
  const info = {
    model: options.model === 'bundled' ? 'bundled (models/safety/text.ftz)' : modelPath,
    labels: servedLabels(classifier, options.labels),
    runtime: classifier.runtime,
    preprocess: options.preprocess,
    threads: pool.threads,
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/info') return send(res, 200, info);
    if (url.pathname !== '/predict' && url.pathname !== '/') throw new HttpError(404, `no route ${url.pathname} (POST /predict)`);
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    const body = await readBody(req, limit);
    const size = body.byteLength;
    if (pending > 0 && pending + size > maxPending) throw new HttpError(503, 'busy: too much work waiting for the classifier', { 'retry-after': '1' });
    pending += size;
    let answer: TaskReply;
    try {
      answer = await pool.answer(body);
    } finally {
      pending -= size;
    }
    if (!answer.ok) throw new HttpError(answer.status, answer.error);
    // A single input is answered with its own list, as text-embeddings-inference does.
    sendJson(res, answer.single ? answer.reply.slice(1, -1) : answer.reply);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) options.log?.error({ err: error }, 'serve-classifier: request failed');
      if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : String(error) }, error instanceof HttpError ? error.headers : {});
      else res.destroy();
    });
  });
  // Longer than the client's idle sockets live, so a kept-alive socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/predict`,
    server,
    classifier,
    threads: pool.threads,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}

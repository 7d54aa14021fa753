/**
 * `winnow serve-classifier`: the embedded model behind HTTP in the generic protocol, so many
 * batch workers (or machines) can share one classifier process.
 *
 *   POST /predict  {"inputs": ["text", ...]}  →  [[{"label": "offensive", "score": 0.93}, ...], ...]
 *                  {"inputs": "text"}         →  [{"label": ..., "score": ...}, ...]
 *   GET  /health   →  {"status": "ok"}
 *   GET  /info     →  {"model", "labels", "runtime", "preprocess"}
 *
 * Labels are the model's after the configured renames (the bundled model's `neither` is served as
 * `safe`), each list sorted by score, as Hugging Face text-embeddings-inference answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type Preprocess, type Runtime, type TextClassifier, loadClassifier, resolveModelPath } from './embedded.js';
import { labelName } from './judge.js';

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
  /** Larger request bodies get 413. @default 32 MiB */
  maxBodyBytes?: number;
  log?: Logger;
}

export interface RunningServer {
  url: string;
  server: http.Server;
  classifier: TextClassifier;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  sendJson(res, JSON.stringify(body), status);
}

function sendJson(res: http.ServerResponse, text: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One text → its labels and scores, best first. */
export function predictLabels(classifier: TextClassifier, renames: Record<string, string>, text: string): { label: string; score: number }[] {
  return JSON.parse(replyFor(classifier, labelNames(classifier, renames), text)) as { label: string; score: number }[];
}

/** The served name of each model label, by the label's raw name. */
function labelNames(classifier: TextClassifier, renames: Record<string, string>): Map<string, string> {
  return new Map(classifier.labels.map((l) => [l, labelName(renames[l] ?? l)]));
}

/**
 * One text's reply, `[{"label":…,"score":…},…]` best first, written as a string directly: the
 * server's own cost per text must stay small next to the model's (see docs/safety.md, Speed).
 */
function replyFor(classifier: TextClassifier, names: Map<string, string>, text: string): string {
  const raw = classifier.classify(text);
  const n = raw.labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const name = (i: number): string => names.get(raw.labels[i]) ?? labelName(raw.labels[i]);
  const score = (i: number): number => (raw.empty ? (name(i) === 'safe' ? 1 : 0) : Number(raw.scores[i]));
  order.sort((a, b) => score(b) - score(a) || (name(a) < name(b) ? -1 : 1));
  let out = '[';
  for (let k = 0; k < n; k++) {
    const i = order[k];
    out += `${k ? ',' : ''}{"label":${JSON.stringify(name(i))},"score":${JSON.stringify(score(i))}}`;
  }
  return out + ']';
}

export async function startClassifierServer(options: ServerOptions): Promise<RunningServer> {
  const modelPath = resolveModelPath(options.model, 'text');
  const classifier = await loadClassifier(modelPath, options.preprocess, options.runtime);
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const names = labelNames(classifier, options.labels);
  const info = { model: options.model === 'bundled' ? 'bundled (models/safety/text.ftz)' : modelPath, labels: classifier.labels.map((l) => labelName(options.labels[l] ?? l)), runtime: classifier.runtime, preprocess: options.preprocess };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/info') return send(res, 200, info);
    if (url.pathname !== '/predict' && url.pathname !== '/') throw new HttpError(404, `no route ${url.pathname} (POST /predict)`);
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    const body = await readBody(req, limit);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    const inputs = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { inputs?: unknown }).inputs : undefined;
    if (typeof inputs === 'string') return sendJson(res, replyFor(classifier, names, inputs));
    if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === 'string')) throw new HttpError(400, 'expected {"inputs": string | string[]}');
    sendJson(res, '[' + inputs.map((text: string) => replyFor(classifier, names, text)).join(',') + ']');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) options.log?.error({ err: error }, 'serve-classifier: request failed');
      if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/predict`,
    server,
    classifier,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

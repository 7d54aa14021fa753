/**
 * Small real HTTP servers on 127.0.0.1 for the HTTP backend's tests: a scriptable classifier that
 * can fail in the ways services fail, and corpora to run through it.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface Seen {
  /** Requests received (every attempt). */
  requests: number;
  /** Texts classified successfully. */
  texts: number;
  headers: http.IncomingHttpHeaders[];
  bodies: unknown[];
}

/** What to do with request number `n` (1-based): answer normally, or misbehave. */
export type Behaviour = (n: number, req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => boolean;

export interface TestServer {
  url: string;
  port: number;
  seen: Seen;
  close(): Promise<void>;
  /** Close every connection and listen again on the same port (a service restart). */
  restart(): Promise<void>;
}

/** The generic protocol's answer: `bad` in a text makes it toxic. */
export function genericAnswer(inputs: string[]): { label: string; score: number }[][] {
  return inputs.map((t) => (t.includes('bad') ? [{ label: 'toxic', score: 0.9 }, { label: 'safe', score: 0.1 }] : [{ label: 'safe', score: 0.95 }, { label: 'toxic', score: 0.05 }]));
}

export async function startServer(options: { path?: string; behave?: Behaviour; answer?: (body: unknown, req: http.IncomingMessage) => unknown } = {}): Promise<TestServer> {
  const seen: Seen = { requests: 0, texts: 0, headers: [], bodies: [] };
  const answer = options.answer ?? ((body: unknown) => genericAnswer((body as { inputs: string[] }).inputs));
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = ++seen.requests;
      seen.headers.push(req.headers);
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end('{"error":"bad json"}');
        return;
      }
      seen.bodies.push(body);
      if (options.behave?.(n, req, res, body)) return;
      const reply = JSON.stringify(answer(body, req));
      const inputs = (body as { inputs?: unknown; input?: unknown }).inputs ?? (body as { input?: unknown }).input;
      seen.texts += Array.isArray(inputs) ? inputs.length : 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
      res.end(reply);
    });
  };
  let server = http.createServer(handler);
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/predict'}`,
    port,
    seen,
    close: stop,
    async restart() {
      await stop();
      server = http.createServer(handler);
      await listen(port);
    },
  };
}

/** Misbehaviours. */
export const status = (code: number, headers: Record<string, string> = {}) => (res: http.ServerResponse): boolean => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end('{"error":"nope"}');
  return true;
};

export const malformed = (res: http.ServerResponse): boolean => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('[[{"label": "toxic", "score": 0.9}');
  return true;
};

/** Headers and half a body, then the connection is cut. */
export const cutMidReply = (res: http.ServerResponse): boolean => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('[[{"label": "to');
  setTimeout(() => res.socket?.destroy(), 20);
  return true;
};

/** Answers after `ms` (longer than the client's timeout). */
export const slow = (ms: number, body: unknown) => (res: http.ServerResponse): boolean => {
  const timer = setTimeout(() => {
    if (res.destroyed) return;
    const reply = JSON.stringify(genericAnswer((body as { inputs: string[] }).inputs));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(reply);
  }, ms);
  res.on('close', () => clearTimeout(timer));
  return true;
};

export interface Corpus {
  file: string;
  docs: { id: string; text: string }[];
}

/** `n` short documents; every third says `bad`. */
export function writeCorpus(dir: string, n = 12): Corpus {
  const docs = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: i % 3 === 0 ? `this is bad text number ${i}` : `a perfectly fine text number ${i}` }));
  const file = path.join(dir, 'in.jsonl');
  fs.writeFileSync(file, docs.map((d) => JSON.stringify(d) + '\n').join(''));
  return { file, docs };
}

/** A pipeline with the HTTP backend and fast retries (tests must not sleep for seconds). */
export function httpPipeline(url: string, http: Record<string, unknown> = {}, stage: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    run: { workers: 1, batch_size: 4 },
    output: { compression: 'none' },
    stages: [
      {
        kind: 'safety',
        backend: 'http',
        url_model: null,
        ...stage,
        http: { url, batch_size: 2, concurrency: 2, timeout_ms: 2000, backoff_ms: 1, max_backoff_ms: 5, breaker_cooldown_ms: 0, breaker_failures: 1000, ...http },
      },
    ],
  };
}

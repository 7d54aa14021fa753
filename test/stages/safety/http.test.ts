/**
 * The HTTP backend against real servers on 127.0.0.1: `winnow serve-classifier`'s server, and
 * small servers that fail the ways services fail (500s, 429 with Retry-After, replies slower than
 * the timeout, connections cut mid-reply, a restart, malformed JSON) or speak the OpenAI and
 * Google wire formats. Every run must account for every document: input = kept + removed + errors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startClassifierServer } from '../../../src/stages/safety/server.js';
import { readManifest, readRecords, runCli, runInProcess, tempDir } from '../../helpers/index.js';
import { type TestServer, cutMidReply, genericAnswer, httpPipeline, malformed, slow, startServer, status, writeCorpus } from './servers.js';

type Rec = { id: string; text: string; meta?: { safety?: Record<string, unknown> }; removal?: { rule: string } };
type ErrorRec = { id: string; code: string; reason: string; stage: string };

function summaryOf(out: string): Record<string, unknown> {
  return readManifest(out).stages.find((s) => s.name === 'safety')!.summary!;
}

/** Runs the corpus through `server`; checks the accounting; returns kept, removed, errors and the stage summary. */
async function runAgainst(server: TestServer, dir: string, http: Record<string, unknown> = {}, stage: Record<string, unknown> = {}, n = 12) {
  const corpus = writeCorpus(dir, n);
  const out = path.join(dir, 'out');
  await runInProcess(httpPipeline(server.url, http, stage), [corpus.file], out, { overwrite: true });
  const manifest = readManifest(out);
  assert.equal(manifest.check.ok, true, JSON.stringify(manifest.counts));
  assert.equal(manifest.counts.input, n);
  return {
    kept: readRecords(path.join(out, 'kept')) as Rec[],
    removed: readRecords(path.join(out, 'removed')) as Rec[],
    errors: readRecords(path.join(out, 'errors')) as ErrorRec[],
    summary: summaryOf(out),
    out,
  };
}

/** Bad texts removed, fine ones kept: the service's answers were all used. */
function assertClassified(r: Awaited<ReturnType<typeof runAgainst>>, n = 12): void {
  assert.equal(r.errors.length, 0, JSON.stringify(r.errors[0]));
  assert.equal(r.removed.length, Math.ceil(n / 3));
  assert.ok(r.removed.every((x) => x.text.includes('bad') && x.removal!.rule === 'unsafe_toxic'));
  assert.ok(r.kept.every((x) => !x.text.includes('bad') && x.meta!.safety!.source === 'http'));
}

test('against serve-classifier: the HTTP backend decides exactly as the embedded one', async () => {
  const dir = await tempDir();
  const served = await startClassifierServer({ model: 'bundled', preprocess: 'winnow', runtime: 'auto', labels: { neither: 'safe' }, host: '127.0.0.1', port: 0 });
  try {
    const texts = ['you stupid bitch shut up', 'The committee approved the budget for next year.', 'lmao that hoe is trippin', 'I love my grandmother so much', 'these niggas crazy', '', 'Weather tomorrow: sunny with light winds.'];
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, texts.map((text, i) => JSON.stringify({ id: `t${i}`, text }) + '\n').join(''));
    const pipeline = (backend: Record<string, unknown>) => ({ run: { workers: 1, batch_size: 3 }, output: { compression: 'none' }, stages: [{ kind: 'safety', action: 'tag', ...backend }] });
    await runInProcess(pipeline({}), [file], path.join(dir, 'embedded'));
    await runInProcess(pipeline({ backend: 'http', http: { url: served.url, batch_size: 2 } }), [file], path.join(dir, 'http'));
    const a = readRecords(path.join(dir, 'embedded', 'kept')) as Rec[];
    const b = readRecords(path.join(dir, 'http', 'kept')) as Rec[];
    assert.equal(a.length, texts.length);
    const strip = (r: Rec) => ({ ...r.meta!.safety, source: null });
    assert.deepEqual(b.map(strip), a.map(strip));
    assert.ok(a.filter((r) => r.meta!.safety!.flagged).length >= 2);
    assert.equal(b[0].meta!.safety!.source, 'http');
    // Paragraph by paragraph too: each paragraph is one input of the batch.
    const para = path.join(dir, 'para.jsonl');
    fs.writeFileSync(para, JSON.stringify({ id: 'p', text: 'The council met on Tuesday.\n\nshut up you stupid bitch\n\nThe budget passed.' }) + '\n');
    const paragraphs = (backend: Record<string, unknown>) => ({ ...pipeline(backend), stages: [{ kind: 'safety', granularity: 'paragraph', ...backend }] });
    await runInProcess(paragraphs({}), [para], path.join(dir, 'pe'));
    await runInProcess(paragraphs({ backend: 'http', http: { url: served.url } }), [para], path.join(dir, 'ph'));
    const [pe] = readRecords(path.join(dir, 'pe', 'kept')) as Rec[];
    const [ph] = readRecords(path.join(dir, 'ph', 'kept')) as Rec[];
    assert.equal(ph.text, 'The council met on Tuesday.\n\nThe budget passed.');
    assert.equal(ph.text, pe.text);
    assert.deepEqual(ph.meta!.safety!.flagged_paragraphs, [1]);
  } finally {
    await served.close();
  }
});

test('500s are retried until the service answers', async () => {
  const server = await startServer({ behave: (n, _req, res) => n <= 3 && status(500)(res) });
  try {
    const r = await runAgainst(server, await tempDir());
    assertClassified(r);
    assert.equal((r.summary.statuses as Record<string, number>)['500'], 3);
    assert.ok((r.summary.retries as number) >= 3);
  } finally {
    await server.close();
  }
});

test('a service that keeps failing: on_error quarantine sends the documents to errors/ with the reason', async () => {
  const server = await startServer({ behave: (_n, _req, res) => status(500)(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { max_retries: 2 }, { on_error: 'quarantine' });
    assert.equal(r.kept.length + r.removed.length, 0);
    assert.equal(r.errors.length, 12);
    assert.ok(r.errors.every((e) => e.code === 'classifier_error' && e.stage === 'safety' && /HTTP 500/.test(e.reason) && /3 times/.test(e.reason)));
    assert.equal(r.summary.documents_failed, 12);
    assert.equal(server.seen.requests, 6 * 3);
  } finally {
    await server.close();
  }
});

test('on_error keep keeps unclassified documents with meta.safety.error', async () => {
  const server = await startServer({ behave: (_n, _req, res) => status(503)(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { max_retries: 1 }, { on_error: 'keep' });
    assert.equal(r.kept.length, 12);
    assert.ok(r.kept.every((x) => x.meta!.safety!.label === 'unknown' && /HTTP 503/.test(String(x.meta!.safety!.error))));
  } finally {
    await server.close();
  }
});

test('on_error fail stops the run with exit code 4 and a clear message', async () => {
  const server = await startServer({ behave: (_n, _req, res) => status(500)(res) });
  const dir = await tempDir();
  try {
    const corpus = writeCorpus(dir);
    const r = await runCli(['classify', '-i', corpus.file, '-o', path.join(dir, 'out'), '--url', server.url, '--on-error', 'fail', '--retries', '1', '--set', 'stages.safety.http.backoff_ms=1', '--log-level', 'error']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /classifier service .* failed 2 times: HTTP 500 \(on_error: fail/);
  } finally {
    await server.close();
  }
});

test('429 with Retry-After: the client waits as told, then succeeds', async () => {
  const server = await startServer({ behave: (n, _req, res) => n === 1 && status(429, { 'retry-after': '1' })(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { concurrency: 1 });
    assertClassified(r);
    assert.equal(r.summary.retry_after_waits, 1);
    assert.equal((r.summary.statuses as Record<string, number>)['429'], 1);
  } finally {
    await server.close();
  }
});

test('a reply slower than the timeout is abandoned and retried', async () => {
  const server = await startServer({ behave: (n, _req, res, body) => n <= 2 && slow(3000, body)(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { timeout_ms: 250, concurrency: 1 });
    assertClassified(r);
    assert.equal(r.summary.timeouts, 2);
  } finally {
    await server.close();
  }
});

test('a connection closed mid-reply is retried', async () => {
  const server = await startServer({ behave: (n, _req, res) => (n === 1 || n === 4) && cutMidReply(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { concurrency: 1 });
    assertClassified(r);
    assert.equal((r.summary.connection_errors as number) + (r.summary.bad_replies as number), 2);
  } finally {
    await server.close();
  }
});

test('a server restart between requests: dead kept-alive sockets are retried on new ones', async () => {
  let server: TestServer;
  server = await startServer({
    behave: (n, _req, res) => {
      if (n === 2 || n === 4) res.once('finish', () => setImmediate(() => void server.restart()));
      return false;
    },
  });
  try {
    const r = await runAgainst(server, await tempDir(), { concurrency: 1 }, {}, 16);
    assertClassified(r, 16);
    assert.equal(server.seen.texts, 16);
  } finally {
    await server.close();
  }
});

test('malformed JSON: retried; when it persists the documents are quarantined', async () => {
  const once = await startServer({ behave: (n, _req, res) => n === 1 && malformed(res) });
  try {
    const r = await runAgainst(once, await tempDir(), { concurrency: 1 });
    assertClassified(r);
    assert.equal(r.summary.bad_replies, 1);
  } finally {
    await once.close();
  }
  const always = await startServer({ behave: (_n, _req, res) => malformed(res) });
  try {
    const r = await runAgainst(always, await tempDir(), { max_retries: 1 });
    assert.equal(r.errors.length, 12);
    assert.match(r.errors[0].reason, /not valid JSON/);
  } finally {
    await always.close();
  }
  // Valid JSON of the wrong shape is not retried: it will not change.
  const wrong = await startServer({ answer: () => ({ unexpected: true }) });
  try {
    const r = await runAgainst(wrong, await tempDir(), { max_retries: 3 });
    assert.equal(r.errors.length, 12);
    assert.match(r.errors[0].reason, /unexpected reply/);
    assert.equal(wrong.seen.requests, 6);
  } finally {
    await wrong.close();
  }
});

test('a dead service opens the circuit: later requests fail at once without calling', async () => {
  const server = await startServer({ behave: (_n, _req, res) => status(503)(res) });
  try {
    const r = await runAgainst(server, await tempDir(), { max_retries: 3, breaker_failures: 2, breaker_cooldown_ms: 60_000, concurrency: 1 }, {}, 20);
    assert.equal(r.errors.length, 20);
    assert.equal(server.seen.requests, 2);
    assert.equal(r.summary.circuit_opened, 1);
    assert.equal(r.summary.circuit_rejections, 10);
    assert.ok(r.errors.slice(2).every((e) => /circuit open/.test(e.reason)));
  } finally {
    await server.close();
  }
  // Nothing listening: connection refused, counted and quarantined.
  const gone = await startServer();
  await gone.close();
  const r = await runAgainst(gone, await tempDir(), { max_retries: 1 });
  assert.equal(r.errors.length, 12);
  assert.match(r.errors[0].reason, /connection error ECONNREFUSED/);
});

test('OpenAI /v1/moderations wire format, with the key from the environment', async () => {
  const key = 'sk-test-openai-4242';
  const server = await startServer({
    path: '/v1/moderations',
    answer: (body) => ({
      id: 'modr-1',
      model: (body as { model: string }).model,
      results: (body as { input: string[] }).input.map((t) => ({
        flagged: t.includes('bad'),
        categories: { sexual: t.includes('bad'), hate: false, 'self-harm/intent': false },
        category_scores: { sexual: t.includes('bad') ? 0.81 : 0.01, hate: 0.02, 'self-harm/intent': 0.001 },
      })),
    }),
  });
  process.env.WINNOW_TEST_OPENAI_KEY = key;
  try {
    const r = await runAgainst(server, await tempDir(), { protocol: 'openai', model: 'omni-moderation-latest', api_key_env: 'WINNOW_TEST_OPENAI_KEY', batch_size: 5 });
    assert.equal(r.removed.length, 4);
    assert.ok(r.removed.every((x) => x.removal!.rule === 'unsafe_sexual'));
    assert.deepEqual(Object.keys(r.kept[0].meta!.safety!.scores as object).sort(), ['hate', 'self_harm_intent', 'sexual']);
    assert.equal(server.seen.headers[0].authorization, `Bearer ${key}`);
    const body = server.seen.bodies[0] as { model: string; input: string[] };
    assert.equal(body.model, 'omni-moderation-latest');
    assert.ok(Array.isArray(body.input) && body.input.length > 1);
  } finally {
    delete process.env.WINNOW_TEST_OPENAI_KEY;
    await server.close();
  }
});

test('Google documents:moderateText wire format: one document per request, topical categories ignored', async () => {
  const key = 'AIza-test-google-7777';
  const server = await startServer({
    path: '/v2/documents:moderateText',
    answer: (body) => {
      const t = (body as { document: { type: string; content: string } }).document.content;
      return {
        moderationCategories: [
          { name: 'Toxic', confidence: t.includes('bad') ? 0.93 : 0.08 },
          { name: 'Finance', confidence: 0.99 },
          { name: 'Death, Harm & Tragedy', confidence: 0.02 },
        ],
        languageCode: 'en',
        languageSupported: true,
      };
    },
  });
  process.env.WINNOW_TEST_GOOGLE_KEY = key;
  try {
    const r = await runAgainst(server, await tempDir(), { protocol: 'google', api_key_env: 'WINNOW_TEST_GOOGLE_KEY' });
    assert.equal(server.seen.requests, 12);
    assert.equal(r.removed.length, 4);
    assert.ok(r.removed.every((x) => x.removal!.rule === 'unsafe_toxic'));
    assert.deepEqual(Object.keys(r.kept[0].meta!.safety!.scores as object).sort(), ['death_harm_tragedy', 'toxic']);
    assert.equal(server.seen.headers[0]['x-goog-api-key'], key);
    assert.equal((server.seen.bodies[0] as { document: { type: string } }).document.type, 'PLAIN_TEXT');
  } finally {
    delete process.env.WINNOW_TEST_GOOGLE_KEY;
    await server.close();
  }
});

test('the API key never appears in logs, outputs or the manifest', async () => {
  const key = 'sk-live-SECRET-do-not-leak-0123456789';
  const server = await startServer({ behave: (n, _req, res) => (n % 3 === 1 ? status(500)(res) : n % 3 === 2 ? malformed(res) : false) });
  const dir = await tempDir();
  try {
    const corpus = writeCorpus(dir);
    const out = path.join(dir, 'out');
    const r = await runCli(
      ['classify', '-i', corpus.file, '-o', out, '--url', server.url, '--api-key-env', 'WINNOW_SECRET', '--retries', '1', '--http-batch-size', '2', '--set', 'stages.safety.http.backoff_ms=1', '--log-level', 'debug', '--log-format', 'json', '--compression', 'none'],
      { env: { WINNOW_SECRET: key } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.seen.headers[0].authorization, `Bearer ${key}`);
    assert.match(r.stderr, /retrying classifier request/);
    assert.ok(!r.stderr.includes(key) && !r.stdout.toString().includes(key));
    assert.ok(!r.stderr.includes('do-not-leak'));
    const manifest = readManifest(out);
    assert.equal(manifest.check.ok, true);
    for (const entry of fs.readdirSync(out, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
      assert.ok(!text.includes(key), `${entry.name} contains the key`);
    }
    assert.match(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'), /"api_key_env": "WINNOW_SECRET"/);
  } finally {
    await server.close();
  }
});

test('a missing key variable is a usage error (exit 2)', async () => {
  const dir = await tempDir();
  const corpus = writeCorpus(dir);
  const r = await runCli(['classify', '-i', corpus.file, '-o', path.join(dir, 'out'), '--url', 'http://127.0.0.1:9/predict', '--api-key-env', 'WINNOW_NOT_SET_ANYWHERE'], { env: { WINNOW_NOT_SET_ANYWHERE: '' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /WINNOW_NOT_SET_ANYWHERE .* is not set/);
});

test('a batch refused as too large (422 as text-embeddings-inference, 413) is split in halves, and later requests are smaller', async () => {
  // Like text-embeddings-inference with --max-client-batch-size 3: 422 past it.
  const server = await startServer({
    behave: (_n, _req, res, body) => {
      const inputs = (body as { inputs: string[] }).inputs;
      if (inputs.length <= 3) return false;
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `batch size ${inputs.length} > maximum allowed batch size 3`, error_type: 'Validation' }));
      return true;
    },
  });
  try {
    const r = await runAgainst(server, await tempDir(), { batch_size: 8, concurrency: 1 }, {}, 24);
    assertClassified(r, 24);
    const sizes = server.seen.bodies.map((b) => (b as { inputs: string[] }).inputs.length);
    // The runner's batches hold 4 documents: the first request or two (one per batch in flight)
    // are refused and split 2 + 2; once learnt, requests hold at most 2 texts from the start.
    assert.ok((r.summary.splits as number) >= 1, JSON.stringify(r.summary));
    assert.ok(sizes.filter((n) => n > 3).length <= 2, String(sizes));
    assert.ok(sizes.slice(-4).every((n) => n <= 2), String(sizes));
    assert.equal(r.summary.failed_requests, 0);
  } finally {
    await server.close();
  }
  // 413 the same way; a text the service refuses on its own fails alone, the rest is classified.
  const picky = await startServer({
    behave: (_n, _req, res, body) => {
      const inputs = (body as { inputs: string[] }).inputs;
      if (!inputs.some((t) => t.endsWith(' 5'))) return false;
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end('{"error":"too large"}');
      return true;
    },
  });
  try {
    const r = await runAgainst(picky, await tempDir(), { batch_size: 4 }, { on_error: 'quarantine' });
    assert.deepEqual(
      r.errors.map((e) => e.id),
      ['d5'],
    );
    assert.match(r.errors[0].reason, /HTTP 413/);
    assert.equal(r.kept.length + r.removed.length, 11);
    // One refused text does not shrink the batches: the two other runner batches went whole.
    assert.equal(picky.seen.bodies.filter((b) => (b as { inputs: string[] }).inputs.length === 4).length, 3);
  } finally {
    await picky.close();
  }
});

test('dynamic batching: while the service is busy, the runner\'s small batches go together in larger requests, each text answered in its place', async () => {
  // A service that takes 40 ms per request: with one request slot, the batches of 4 documents
  // that arrive meanwhile wait and leave together, up to batch_size (10) texts a request.
  const server = await startServer({
    behave: (_n, _req, res, body) => {
      const reply = JSON.stringify(genericAnswer((body as { inputs: string[] }).inputs));
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply);
      }, 40);
      return true;
    },
  });
  try {
    const r = await runAgainst(server, await tempDir(), { batch_size: 10, concurrency: 1 }, {}, 60);
    assertClassified(r, 60);
    const sizes = server.seen.bodies.map((b) => (b as { inputs: string[] }).inputs.length);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 60);
    assert.ok(sizes.every((n) => n <= 10), String(sizes));
    // Requests span runner batches (sizes that are not multiples of 4) and most are full.
    assert.ok(sizes.some((n) => n % 4 !== 0), String(sizes));
    assert.ok(sizes.filter((n) => n === 10).length >= 3, String(sizes));
    // Every document's text went out once, in input order across the requests.
    const sent = server.seen.bodies.flatMap((b) => (b as { inputs: string[] }).inputs);
    assert.deepEqual(sent, Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `this is bad text number ${i}` : `a perfectly fine text number ${i}`)));
  } finally {
    await server.close();
  }
});

test('serve-classifier: the model in worker threads; malformed, oversized and wrong requests get 4xx, never a crash', async () => {
  const served = await startClassifierServer({ model: 'bundled', preprocess: 'winnow', runtime: 'auto', labels: { neither: 'safe' }, host: '127.0.0.1', port: 0, threads: 2, maxBodyBytes: 4096 });
  try {
    const post = (body: string | Buffer, headers: Record<string, string> = {}) => fetch(served.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const info = (await (await fetch(served.url.replace('/predict', '/info'))).json()) as { threads: number; labels: string[] };
    assert.equal(info.threads, 2);
    assert.deepEqual([...info.labels].sort(), ['hate', 'offensive', 'safe']);
    // Many requests at once: each answered in order of its own inputs.
    const texts = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'you stupid bitch' : `The weather on day ${i} was mild.`));
    const replies = await Promise.all(texts.map(async (t) => (await (await post(JSON.stringify({ inputs: [t, t] }))).json()) as { label: string; score: number }[][]));
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.length, 2);
      assert.deepEqual(reply[0], reply[1]);
      assert.equal(reply[0][0].label === 'safe', i % 2 === 0, `text ${i}`);
      assert.ok(reply[0][0].score >= reply[0][1].score);
    }
    const empty = (await (await post('{"inputs": [""]}')).json()) as { label: string; score: number }[][];
    assert.deepEqual(empty[0][0], { label: 'safe', score: 1 });
    assert.deepEqual((await (await post('{"inputs": []}')).json()) as unknown, []);
    assert.equal((await post('{"inputs": [1]}')).status, 400);
    assert.equal((await post('[1, 2]')).status, 400);
    assert.equal((await post(Buffer.from([0xff, 0xfe, 0x00]))).status, 400);
    const big = await post(JSON.stringify({ inputs: ['x'.repeat(5000)] }));
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('connection'), 'close');
    assert.equal((await fetch(served.url, { method: 'GET' })).status, 405);
    // Still serving after all that.
    assert.equal((await post('{"inputs": "fine"}')).status, 200);
  } finally {
    await served.close();
  }
});

/**
 * The HTTP client's pure parts: backoff with jitter, Retry-After, the circuit breaker's states,
 * truncation, and the wire-format adapters on malformed replies.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { genericAdapter, googleAdapter, openaiAdapter } from '../../../src/stages/safety/http/adapters.js';
import { CircuitBreaker } from '../../../src/stages/safety/http/breaker.js';
import { endpointName, truncate } from '../../../src/stages/safety/http/client.js';
import { backoffDelay, parseRetryAfter, retryableStatus } from '../../../src/stages/safety/http/retry.js';

test('backoff: exponential ceiling, full jitter, capped', () => {
  assert.equal(backoffDelay(0, 500, 30_000, () => 0.999), 499);
  assert.equal(backoffDelay(3, 500, 30_000, () => 0.5), 2000);
  assert.equal(backoffDelay(20, 500, 30_000, () => 0.999), 29_970);
  assert.equal(backoffDelay(1000, 500, 30_000, () => 0), 0);
});

test('Retry-After: seconds or an HTTP date; junk ignored', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now), 0);
  for (const junk of [null, '', 'soon', '-1', '1.5', '9'.repeat(400) + 'x']) assert.equal(parseRetryAfter(junk, now), null, String(junk));
  assert.deepEqual([429, 500, 503, 408, 400, 401, 404].map(retryableStatus), [true, true, true, true, false, false, false]);
});

test('circuit breaker: opens after N failures, one trial after the cooldown, closes on success', () => {
  let now = 0;
  const b = new CircuitBreaker(3, 1000, () => now);
  b.failure();
  b.failure();
  assert.equal(b.allow(), true);
  b.failure();
  assert.equal(b.current, 'open');
  assert.equal(b.allow(), false);
  now = 1000;
  assert.equal(b.allow(), true); // the one trial
  assert.equal(b.allow(), false); // others wait for it
  b.failure();
  assert.equal(b.current, 'open');
  assert.equal(b.opened, 2);
  now = 2500;
  assert.equal(b.allow(), true);
  b.success();
  assert.equal(b.current, 'closed');
  assert.equal(b.allow(), true);
});

test('truncation never splits a surrogate pair; endpoints lose their query', () => {
  assert.equal(truncate('abc', 10), 'abc');
  assert.equal(truncate('ab😀cd', 3), 'ab');
  assert.equal(truncate('ab😀cd', 4), 'ab😀');
  assert.equal(endpointName('https://h.example:8443/v2/documents:moderateText?key=SECRET'), 'https://h.example:8443/v2/documents:moderateText');
});

test('adapters reject replies of the wrong shape', () => {
  const g = genericAdapter(8);
  assert.deepEqual(g.parse([{ label: 'a', score: 0.2 }], 1)[0].labels, ['a']);
  for (const bad of [{}, [[{ label: 'a' }]], [[{ label: 1, score: 1 }]], [[{ label: 'a', score: 'x' }]], [[]].concat([[]]), null]) {
    assert.throws(() => g.parse(bad, 1), /result|reply|expected/, JSON.stringify(bad));
  }
  const o = openaiAdapter(8, 'm');
  assert.deepEqual(o.body(['x']), { model: 'm', input: ['x'] });
  assert.throws(() => o.parse({ results: [{}] }, 1), /category_scores/);
  assert.throws(() => o.parse({ results: [] }, 1), /0 results for 1/);
  const gg = googleAdapter();
  assert.equal(gg.maxBatch, 1);
  assert.deepEqual(gg.parse({}, 1)[0].labels, []);
  assert.throws(() => gg.parse({ moderationCategories: [{ name: 'x' }] }, 1), /name, confidence/);
});

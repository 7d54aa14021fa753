/**
 * The contamination report: its figures per benchmark and per held-out split, and merging:
 * partial reports of any partition of the documents, merged in any order, give the same report.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../../src/core/doc.js';
import { contaminationVerdict } from '../../../src/stages/split/actions.js';
import { NgramIndex } from '../../../src/stages/split/ngram-index.js';
import { ContaminationReport, type ReportState, ngramTexts, outcomeOf } from '../../../src/stages/split/report.js';
import { scanText } from '../../../src/stages/split/scan.js';
import { randomWords } from './helpers.js';

const n = 13;
const benchA = Array.from({ length: 10 }, (_, i) => randomWords(30, 100 + i));
const benchB = Array.from({ length: 4 }, (_, i) => randomWords(25, 200 + i));
const heldOut = Array.from({ length: 5 }, (_, i) => randomWords(40, 300 + i));

function buildIndex(): NgramIndex {
  const index = new NgramIndex(n);
  const a = index.addSource('bench-a', 'benchmark');
  benchA.forEach((t, i) => index.addItem(a, `A${i}`, [t]));
  const b = index.addSource('bench-b', 'benchmark');
  benchB.forEach((t, i) => index.addItem(b, `B${i}`, [t]));
  index.addItem(b, 'B-short', ['only five words in here']);
  const t = index.addSource('test', 'split');
  heldOut.forEach((text, i) => index.addItem(t, `doc-test-${i}`, [text]));
  return index;
}

/** 40 training documents: clean ones, and ones quoting items of each source. */
function trainingDocs(): { id: string; text: string }[] {
  return Array.from({ length: 40 }, (_, i) => {
    const pad = randomWords(120, 1000 + i);
    let text = pad;
    if (i % 4 === 1) text = `${pad} ${benchA[i % 3].toUpperCase()} ${randomWords(120, 2000 + i)}`;
    if (i % 4 === 2) text = `${pad} ${benchB[1]} then ${heldOut[(i >> 2) % 2]} ${randomWords(120, 3000 + i)}`;
    return { id: `train-${String(i).padStart(2, '0')}`, text };
  });
}

const options = { action: 'redact' as const, redact: { window_chars: 200, min_piece_chars: 200, max_pieces: 10 }, max_matched_ngrams: 0 };

function fill(report: ContaminationReport, index: NgramIndex, docs: { id: string; text: string }[]): void {
  for (const d of docs) {
    const scan = scanText(d.text, index);
    const verdict = contaminationVerdict(d.text, scan, index, options);
    report.observe(d.id, d.text, scan, outcomeOf(verdict, d.text.length));
  }
}

test('per benchmark and per split: items, contaminated items and fraction, documents, characters, n-grams, examples', () => {
  const index = buildIndex();
  const report = new ContaminationReport(index, { action: 'redact', examples: 3, topNgrams: 5 });
  const docs = trainingDocs();
  fill(report, index, docs);
  const json = report.toJSON();
  assert.equal(json.format, 'winnow-contamination/1');
  assert.equal(json.n, 13);
  assert.equal(json.documents_scanned, 40);
  assert.equal(json.characters_scanned, docs.reduce((s, d) => s + d.text.length, 0));
  assert.equal(json.documents_touched, 20);
  const a = (json.benchmarks as JsonObject)['bench-a'] as JsonObject;
  assert.equal(a.items, 10);
  assert.equal(a.items_indexed, 10);
  assert.equal(a.ngrams, 10 * 18);
  assert.deepEqual(a.contaminated_item_ids, ['A0', 'A1', 'A2']);
  assert.equal(a.contaminated_items, 3);
  assert.equal(a.contaminated_fraction, 0.3);
  assert.equal(a.documents_touched, 10);
  assert.equal(a.matched_ngrams, 10 * 18);
  const top = a.top_ngrams as JsonObject[];
  assert.equal(top.length, 5);
  // A1 is quoted by 4 documents (i = 1, 13, 25, 37): its n-grams lead; the text is normalised.
  assert.equal(top[0].documents, 4);
  assert.ok(benchA[1].includes(top[0].text as string), String(top[0].text));
  const examples = a.examples as JsonObject[];
  assert.deepEqual(examples.map((e) => e.doc_id), ['train-01', 'train-05', 'train-09']);
  assert.equal(examples[0].item, 'A1');
  assert.equal(examples[0].text, docs[1].text.slice(...(examples[0].span as [number, number])).slice(0, 300));
  const b = (json.benchmarks as JsonObject)['bench-b'] as JsonObject;
  assert.equal(b.items, 5);
  assert.equal(b.items_indexed, 4, 'the five-word item has no 13-gram');
  assert.deepEqual(b.contaminated_item_ids, ['B1']);
  assert.equal(b.contaminated_fraction, 0.2);
  const t = (json.splits as JsonObject).test as JsonObject;
  assert.deepEqual(t.contaminated_item_ids, ['doc-test-0', 'doc-test-1']);
  assert.equal(t.documents_touched, 10);
  // Characters removed: redaction cuts each span plus 2 × 200 characters (clamped), per document.
  let removed = 0;
  for (const d of docs) {
    const v = contaminationVerdict(d.text, scanText(d.text, index), index, options);
    removed += outcomeOf(v, d.text.length).charsRemoved;
  }
  assert.equal(json.characters_removed, removed);
  assert.ok(removed > 0);
});

test('merging: any partition of the documents, merged in any order through plain state, gives the same report', () => {
  const index = buildIndex();
  const docs = trainingDocs();
  const whole = new ContaminationReport(index, { action: 'redact' });
  fill(whole, index, docs);
  const parts = [0, 1, 2].map((k) => {
    const r = new ContaminationReport(index, { action: 'redact' });
    fill(r, index, docs.filter((_, i) => i % 3 === k));
    return structuredClone(r.toState()) as ReportState;
  });
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const merged = new ContaminationReport(index, { action: 'redact' });
    for (const k of order) merged.merge(parts[k]);
    assert.deepEqual(merged.toJSON(), whole.toJSON());
  }
  // Contiguous halves too (the way a runner cuts units).
  const first = new ContaminationReport(index, { action: 'redact' });
  fill(first, index, docs.slice(0, 17));
  const second = new ContaminationReport(index, { action: 'redact' });
  fill(second, index, docs.slice(17));
  second.merge(first);
  assert.deepEqual(second.toJSON(), whole.toJSON());
  assert.throws(() => whole.merge({ totals: parts[0].totals, sources: [] }), /different indexes/);
});

test('from record summaries (redacted documents read back): same items and documents; n-gram texts resolved from the items', () => {
  const index = buildIndex();
  const docs = trainingDocs();
  const direct = new ContaminationReport(index, { action: 'redact' });
  const fromSummaries = new ContaminationReport(index, { action: 'redact' });
  for (const d of docs) {
    const scan = scanText(d.text, index);
    const verdict = contaminationVerdict(d.text, scan, index, options);
    const outcome = outcomeOf(verdict, d.text.length);
    direct.observe(d.id, d.text, scan, outcome);
    const summary = verdict.action === 'keep' ? verdict.meta?.contamination : verdict.action === 'remove' ? verdict.details?.contamination : undefined;
    if (summary && typeof summary === 'object' && !Array.isArray(summary)) fromSummaries.observeSummary(d.id, d.text.length, summary, outcome);
    else fromSummaries.observeClean(d.text.length);
  }
  const a = direct.toJSON();
  const missing = fromSummaries.missingTexts();
  assert.ok(missing.length > 0);
  const texts = ngramTexts([...benchA, ...benchB, ...heldOut], n, missing);
  assert.equal(texts.size, missing.length);
  const b = fromSummaries.toJSON(texts);
  for (const key of ['documents_scanned', 'characters_scanned', 'documents_touched', 'documents_removed', 'characters_removed', 'matched_ngrams']) assert.equal(b[key], a[key], key);
  for (const section of ['benchmarks', 'splits'] as const) {
    for (const [name, entry] of Object.entries(a[section] as JsonObject)) {
      const other = (b[section] as JsonObject)[name] as JsonObject;
      const e = entry as JsonObject;
      assert.deepEqual(other.contaminated_item_ids, e.contaminated_item_ids, name);
      assert.equal(other.documents_touched, e.documents_touched, name);
      assert.deepEqual((other.top_ngrams as JsonObject[]).map((g) => [g.text, g.documents]), (e.top_ngrams as JsonObject[]).map((g) => [g.text, g.documents]), name);
    }
  }
});

/**
 * Split assignment: stable under corpus growth, identical in any thread, order or worker count,
 * groups kept together, proportions per stratum, and the same bits on every machine (goldens).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Doc, Verdict } from '../../../src/core/doc.js';
import { SCALE, assignSplit, resolveSplits, splitPoint, urlDomain } from '../../../src/stages/split/assign.js';
import { hashString64, hex64 } from '../../../src/stages/split/hash.js';
import { SplitConfig, splitStage } from '../../../src/stages/split/split-stage.js';
import { registry } from '../../../src/stages/registry.js';
import { readRecords, runCli, tempDir, writeJsonl } from '../../helpers/index.js';
import { reutersStories } from '../../../bench/corpora.js';
import { doc, inWorker, randomWords, reutersDir } from './helpers.js';

async function decider(config: Record<string, unknown> = {}): Promise<(d: Doc) => Verdict> {
  return splitStage.createDoc!(SplitConfig.parse({ kind: 'split', ...config }));
}

const splitOf = (v: Verdict): string => {
  assert.equal(v.action, 'keep');
  assert.ok(v.action === 'keep' && v.route);
  return v.action === 'keep' ? v.route! : '';
};

function corpus(count: number, offset = 0): Doc[] {
  return Array.from({ length: count }, (_, i) => doc(`d${offset + i}`, randomWords(30, offset + i + 1)));
}

test('the hash and the assignment are pinned: the same bits on every machine and Node version', () => {
  const table = resolveSplits({ train: 0.98, validation: 0.01, test: 0.01 });
  assert.deepEqual(table.bounds, [275845477176443, 278660226943550, SCALE]);
  const h = hashString64('t:0000000000000000', 0);
  assert.equal(hex64(h.hi, h.lo), '8eafe09b43d509fd');
  assert.equal(splitPoint('t:0000000000000000', 0), 156886038692821);
  assert.equal(splitPoint('t:0000000000000000', 7), 139692702242014);
  assert.equal(splitPoint('c:42', 0), 188461573734939);
  assert.equal(splitPoint('é😀', 0), 42684809199188);
  assert.equal(assignSplit('d:example.com', 0, table), 'train');
  // Sizes work directly too, with the same result as the resolved table.
  const sizes = { train: 0.98, validation: 0.01, test: 0.01 };
  for (const key of ['a', 'b', 'c:1', 'd:example.com']) assert.equal(assignSplit(key, 3, sizes), assignSplit(key, 3, table));
});

test('split sizes: fractions to integer intervals, rest, counts need a corpus size', () => {
  const t = resolveSplits({ test: 0.1, validation: 0.1, train: 'rest' });
  assert.deepEqual(t.names, ['test', 'validation', 'train']);
  assert.equal(t.bounds[2], SCALE);
  assert.equal(t.bounds[0], Math.round(0.1 * SCALE));
  const counted = resolveSplits({ test: 1000, train: 'rest' }, 1_000_000);
  assert.equal(counted.bounds[0], Math.round(0.001 * SCALE));
  assert.throws(() => resolveSplits({ test: 1000, train: 'rest' }), /expected corpus size/);
  assert.throws(() => resolveSplits({ train: 0.9, test: 0.05 }), /add up to 0\.95/);
  assert.throws(() => resolveSplits({ train: 0.9, test: 0.2, x: 'rest' }), /already take/);
  assert.throws(() => SplitConfig.parse({ kind: 'split', splits: { kept: 0.5, test: 0.5 } }), /reserved/);
  assert.throws(() => SplitConfig.parse({ kind: 'split', splits: { train: 1.5 } }), /fraction below 1 or a whole count/);
  assert.throws(() => SplitConfig.parse({ kind: 'split', splits: { a: 'rest', b: 'rest' } }), /at most one/);
});

test('the verdict keeps the document with meta.split and routes it to the split directory', async () => {
  const decide = await decider();
  const v = decide(doc('a', 'some text'));
  assert.equal(v.action, 'keep');
  if (v.action !== 'keep') return;
  assert.equal(v.meta?.split, v.route);
  assert.ok(['train', 'validation', 'test'].includes(v.route!));
  assert.deepEqual(v.counters, { group_by_text: 1 });
});

test('adding documents never moves an existing one (corpus growth, shuffled order)', async () => {
  const small = corpus(4000);
  const grown = [...corpus(4000), ...corpus(6000, 4000)].reverse();
  const before = new Map(small.map((d) => [d.id, '']));
  const first = await decider({ splits: { train: 0.8, validation: 0.1, test: 0.1 } });
  for (const d of small) before.set(d.id, splitOf(first(d)));
  const second = await decider({ splits: { train: 0.8, validation: 0.1, test: 0.1 } });
  let compared = 0;
  for (const d of grown) {
    const s = splitOf(second(d));
    if (before.has(d.id)) {
      assert.equal(s, before.get(d.id), d.id);
      compared++;
    }
  }
  assert.equal(compared, 4000);
  // A count turned into a fraction of the expected size is just as stable.
  const byCount = await decider({ splits: { test: 400, train: 'rest' }, expected_documents: 4000 });
  const byCount2 = await decider({ splits: { test: 400, train: 'rest' }, expected_documents: 4000 });
  const grownById = new Map(grown.map((g) => [g.id, g]));
  for (const d of small) assert.equal(splitOf(byCount(d)), splitOf(byCount2(grownById.get(d.id)!)));
});

test('identical assignment in the main thread and in 1 or 3 worker threads, in any order', async () => {
  const docs = corpus(3000);
  const config = { kind: 'split', splits: { train: 0.9, test: 0.1 }, seed: 12345 };
  const decide = await splitStage.createDoc!(SplitConfig.parse(config));
  const main = docs.map((d) => splitOf(decide(d)));
  const one = await inWorker<string[]>({ task: 'split', config, docs });
  assert.equal(one.filter((s, i) => s !== main[i]).length, 0);
  // Three workers, each on a third, fed in reverse order.
  const thirds = [docs.slice(0, 1000), docs.slice(1000, 2000), docs.slice(2000)];
  const parts = await Promise.all(thirds.map((part) => inWorker<string[]>({ task: 'split', config, docs: [...part].reverse() })));
  const merged = parts.flatMap((p) => [...p].reverse());
  // Compare element-wise: assert.deepEqual's diff of two long arrays is very slow when they differ.
  const differing = merged.map((s, i) => (s === main[i] ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(differing.slice(0, 5).map((i) => [docs[i].id, merged[i], main[i]]), []);
  assert.equal(merged.length, main.length);
});

test('group members land in one split: dedup clusters, exact duplicates up to normalisation, domains', async () => {
  const decide = await decider({ splits: { train: 0.5, test: 0.5 } });
  let sawBoth = new Set<string>();
  for (let c = 0; c < 300; c++) {
    // Three different texts in one near-duplicate cluster.
    const members = [0, 1, 2].map((k) => splitOf(decide(doc(`c${c}-${k}`, randomWords(20, c * 3 + k + 1), { meta: { dedup: { cluster: `cl-${c}` } } }))));
    assert.equal(new Set(members).size, 1, `cluster ${c}`);
    sawBoth.add(members[0]);
  }
  assert.equal(sawBoth.size, 2, 'clusters spread over both splits');
  // As the dedup stage writes it: the kept member (kept: true) and duplicates tagged with its id
  // share a split, and renumbering the cluster (the corpus grew) changes nothing.
  for (let c = 0; c < 100; c++) {
    const kept = doc(`k${c}`, randomWords(20, 7000 + c), { meta: { dedup: { cluster: c, size: 3, kept: true } } });
    const dups = [1, 2].map((k) => doc(`k${c}-dup${k}`, randomWords(20, 8000 + c * 2 + k), { meta: { dedup: { cluster: c, size: 3, kept: false, rule: 'near_duplicate', kept_id: `k${c}` } } }));
    const renumbered = doc(`k${c}`, kept.text, { meta: { dedup: { cluster: c + 57, size: 4, kept: true } } });
    assert.equal(new Set([kept, ...dups, renumbered].map((d) => splitOf(decide(d)))).size, 1, `cluster ${c}`);
  }
  // Exact duplicates that differ in case, punctuation, spacing, digits and accents.
  const variants = ['The Café opened in 1999, didn\'t it?', "the cafe opened in 2000 didn't it", '  THE  CAFÉ — opened in 1999; didn’t it!  '];
  assert.equal(new Set(variants.map((t, i) => splitOf(decide(doc(`v${i}`, t))))).size, 1);
  // By domain: every page of a site together.
  const byDomain = await decider({ splits: { train: 0.5, test: 0.5 }, group_by: 'domain' });
  sawBoth = new Set();
  for (let s = 0; s < 100; s++) {
    const pages = ['/', '/a', '/b?x=1'].map((p, k) => splitOf(byDomain(doc(`s${s}-${k}`, randomWords(10, s * 7 + k + 1), { url: `https://${k === 1 ? 'www.' : ''}site${s}.example.org${p}` }))));
    assert.equal(new Set(pages).size, 1);
    sawBoth.add(pages[0]);
  }
  assert.equal(sawBoth.size, 2);
  // group_by field, falling back to the cluster/text rule when the field is missing.
  const byField = await decider({ splits: { train: 0.5, test: 0.5 }, group_by: 'field', group_field: 'source.author' });
  const a = ['x', 'y', 'z'].map((t) => splitOf(byField(doc(t, randomWords(15, t.charCodeAt(0)), { meta: { source: { author: 'ann' } } }))));
  assert.equal(new Set(a).size, 1);
  const v = byField(doc('nometa', 'text without the field'));
  assert.equal(v.action === 'keep' && v.counters?.group_by_text, 1);
  await assert.rejects(async () => decider({ group_by: 'field' }), /needs group_field/);
});

test('urlDomain: host, lowercased, without www., undefined when unparsable', () => {
  assert.equal(urlDomain('https://WWW.Example.COM/path?q=1'), 'example.com');
  assert.equal(urlDomain('http://news.example.com.:8080/'), 'news.example.com');
  assert.equal(urlDomain('not a url'), undefined);
  assert.equal(urlDomain(undefined), undefined);
});

/** |observed - expected| within 4.5 standard deviations of a binomial draw. */
function assertProportion(hits: number, total: number, p: number, label: string): void {
  const sd = Math.sqrt(total * p * (1 - p));
  assert.ok(Math.abs(hits - total * p) <= 4.5 * sd, `${label}: ${hits} of ${total}, expected ${(total * p).toFixed(0)} ± ${(4.5 * sd).toFixed(0)}`);
}

test('proportions hold per stratum; counts can refer to each stratum', async () => {
  const strata = { en: 24000, fr: 2500, sw: 400 };
  const docs: Doc[] = [];
  for (const [lang, count] of Object.entries(strata)) {
    for (let i = 0; i < count; i++) docs.push(doc(`${lang}${i}`, `${lang} ${randomWords(12, docs.length + 1)}`, { meta: { lang } }));
  }
  const byFraction = await decider({ splits: { train: 0.8, validation: 0.1, test: 0.1 }, stratify_by: 'lang' });
  for (const [lang, count] of Object.entries(strata)) {
    const splits = docs.filter((d) => d.meta.lang === lang).map((d) => splitOf(byFraction(d)));
    assertProportion(splits.filter((s) => s === 'test').length, count, 0.1, `${lang} test`);
    assertProportion(splits.filter((s) => s === 'validation').length, count, 0.1, `${lang} validation`);
  }
  // 200 test documents in every language, whatever its size.
  const byCount = await decider({
    splits: { test: 200, train: 'rest' },
    stratify_by: 'meta.lang',
    expected_documents_per_stratum: strata,
  });
  for (const [lang, count] of Object.entries(strata)) {
    const tests = docs.filter((d) => d.meta.lang === lang && splitOf(byCount(d)) === 'test').length;
    assertProportion(tests, count, 200 / count, `${lang} test count`);
  }
  // A stratum without a size, when counts have no global size either: an error record, not a guess.
  const v = byCount(doc('x', 'text', { meta: { lang: 'de' } }));
  assert.equal(v.action, 'error');
  assert.equal(v.action === 'error' && v.code, 'split_unknown_stratum');
  await assert.rejects(async () => decider({ splits: { test: 200, train: 'rest' } }), /expected_documents/);
});

test('Reuters: natural exact duplicates share a split', { skip: !reutersDir && 'needs ../shared/corpora' }, async () => {
  const stories = reutersStories();
  const decide = await decider({ splits: { train: 0.5, test: 0.5 } });
  const byText = new Map<string, { splits: Set<string>; members: number }>();
  for (const s of stories) {
    const key = s.text.toLowerCase().replace(/\s+/g, ' ');
    let entry = byText.get(key);
    if (!entry) byText.set(key, (entry = { splits: new Set(), members: 0 }));
    entry.members++;
    entry.splits.add(splitOf(decide(doc(s.id, s.text))));
  }
  const duplicated = [...byText.values()].filter((e) => e.members > 1);
  assert.ok(duplicated.length > 5, `Reuters has natural duplicates (${duplicated.length})`);
  for (const { splits } of byText.values()) assert.equal(splits.size, 1);
});

test('through the runner: train/ and test/ directories, identical for 1 and 2 workers', { skip: !registry.has('split') && 'the split stage is not registered yet' }, async () => {
  const dir = await tempDir();
  const input = path.join(dir, 'in.jsonl');
  writeJsonl(input, Array.from({ length: 2000 }, (_, i) => ({ id: `d${i}`, text: randomWords(25, i + 1) })));
  const pipeline = path.join(dir, 'split.yaml');
  fs.writeFileSync(pipeline, 'stages:\n  - kind: split\n    splits: {train: 0.8, validation: 0.1, test: 0.1}\n');
  const outs: string[] = [];
  for (const workers of ['1', '2']) {
    const out = path.join(dir, `w${workers}`);
    const r = await runCli(['run', pipeline, '-i', input, '-o', out, '--workers', workers, '--log-format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    outs.push(out);
  }
  const decide = await decider({ splits: { train: 0.8, validation: 0.1, test: 0.1 } });
  for (const split of ['train', 'validation', 'test']) {
    const a = readRecords(path.join(outs[0], split)) as { id: string; text: string; meta: { split: string } }[];
    const b = readRecords(path.join(outs[1], split));
    assert.deepEqual(b, a);
    assert.ok(a.length > 0);
    for (const r of a) assert.equal(splitOf(decide(doc(r.id, r.text))), split);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * `npm run eval:decontam`: how well the 13-gram check finds benchmark items planted in real text,
 * and how often it fires on text that holds none.
 *
 * Items of the three shared benchmarks (GSM8K question, HumanEval prompt, MBPP problem statement:
 * the part most often quoted on the web) are planted into Reuters stories in six variants:
 * - `verbatim`: the item alone as a document;
 * - `embedded`: the item inside a Reuters story (at a paragraph break in its middle);
 * - `whitespace_case`: embedded, every space replaced by a random run of spaces, tabs and line
 *   breaks, and the case changed (upper, lower, title or random per letter);
 * - `edited_1`, `edited_2`, `edited_3`: embedded, with 1, 2 or 3 words replaced by other words.
 * A planted document counts as detected when the scan attributes a match to the planted item.
 * For the edited variants the report also gives the share of items that still have an unedited run
 * of 13 words: a perfect 13-gram detector finds exactly those, so recall should equal it.
 * False positives: every unplanted Reuters story, scanned as it is.
 *
 * Targets: verbatim and embedded items of >= 13 words found 100 %; false positives under 0.1 %.
 * Writes bench/results/decontam-eval.json; exits 1 when a target is missed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/config/load.js';
import { RedactOptions, contaminationVerdict } from '../src/stages/split/actions.js';
import { type LoadedBenchmark, indexBenchmarks, loadBenchmark } from '../src/stages/split/benchmarks.js';
import { normalizedSpan, normalizedWords } from '../src/stages/split/ngrams.js';
import { scanText } from '../src/stages/split/scan.js';
import { hasShared, reutersStories, sharedPath } from './corpora.js';
import { machine, round } from './harness.js';

const N = 13;

/** xorshift32: the same plants on every run. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Plant {
  benchmark: string;
  item: number;
  itemId: string;
  text: string;
  words: number;
}

const variants = ['verbatim', 'embedded', 'whitespace_case', 'edited_1', 'edited_2', 'edited_3'] as const;
type Variant = (typeof variants)[number];

interface Tally {
  planted: number;
  detected: number;
  /** Items of at least 13 words. */
  planted_ge13: number;
  detected_ge13: number;
  /** Edited variants: items that keep an unedited run of 13 words. */
  detectable: number;
}

const emptyTally = (): Tally => ({ planted: 0, detected: 0, planted_ge13: 0, detected_ge13: 0, detectable: 0 });

/** Insert `item` at a paragraph or sentence break near the middle of `host`. */
function embed(host: string, item: string): string {
  const mid = Math.floor(host.length / 2);
  let at = host.indexOf('\n', mid);
  if (at < 0) at = host.indexOf('. ', mid) + 1;
  if (at <= 0) at = host.length;
  return `${host.slice(0, at)}\n\n${item}\n\n${host.slice(at)}`;
}

function whitespaceAndCase(text: string, random: () => number): string {
  const runs = [' ', '  ', '\n', '\t', ' \n ', '   ', '\r\n'];
  const spaced = text.replace(/[ ]+/g, () => runs[Math.floor(random() * runs.length)]);
  const mode = Math.floor(random() * 4);
  if (mode === 0) return spaced.toUpperCase();
  if (mode === 1) return spaced.toLowerCase();
  if (mode === 2) return spaced.replace(/\p{L}+/gu, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
  return [...spaced].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/**
 * Replace `k` distinct words (whitespace-separated tokens with a letter or digit) by words from
 * `vocabulary`; returns the text and whether a run of 13 unedited words is left.
 */
function editWords(text: string, k: number, vocabulary: string[], random: () => number): { text: string; detectable: boolean } {
  const tokens = text.split(/(\s+)/);
  const wordAt: number[] = [];
  tokens.forEach((t, i) => {
    if (i % 2 === 0 && normalizedWords(t).length === 1) wordAt.push(i);
  });
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, wordAt.length)) chosen.add(Math.floor(random() * wordAt.length));
  for (const c of chosen) {
    let replacement = vocabulary[Math.floor(random() * vocabulary.length)];
    while (normalizedSpan(replacement) === normalizedSpan(tokens[wordAt[c]])) replacement = vocabulary[Math.floor(random() * vocabulary.length)];
    tokens[wordAt[c]] = replacement;
  }
  // The longest run of unedited normalised words (tokens that are not single words count as they normalise).
  const edited = tokens.join('');
  const marks = tokens.flatMap((t, i) => (i % 2 === 1 ? [] : normalizedWords(t).map(() => (chosen.has(wordAt.indexOf(i)) ? 1 : 0))));
  let run = 0;
  let best = 0;
  for (const m of marks) {
    run = m ? 0 : run + 1;
    best = Math.max(best, run);
  }
  return { text: edited, detectable: best >= N };
}

function main(): void {
  const need = ['benchmark-gsm8k-test', 'benchmark-humaneval', 'benchmark-mbpp', 'text-corpus-reuters21578-part-a'];
  const missing = need.filter((n) => !hasShared(n));
  if (missing.length) {
    process.stderr.write(`eval-decontam needs ../shared/corpora (${missing.join(', ')} missing)\n`);
    process.exitCode = 1;
    return;
  }
  const started = performance.now();
  const benchmarks: LoadedBenchmark[] = [
    loadBenchmark({ name: 'gsm8k', path: sharedPath('benchmark-gsm8k-test', 'test.jsonl'), format: 'auto' }),
    loadBenchmark({ name: 'humaneval', path: sharedPath('benchmark-humaneval', 'HumanEval.jsonl.gz'), format: 'auto' }),
    loadBenchmark({ name: 'mbpp', path: sharedPath('benchmark-mbpp', 'mbpp.jsonl'), format: 'auto' }),
  ];
  const index = indexBenchmarks(benchmarks, N);
  const stories = reutersStories();
  const vocabulary = [...new Set(stories.slice(0, 500).flatMap((s) => s.text.split(/\s+/).filter((w) => /^[a-z]{3,}$/.test(w))))].sort();

  // What is planted: each item's first field (question, prompt, problem statement).
  const plants: Plant[] = [];
  let itemIndex = 0;
  for (const b of benchmarks) {
    for (const item of b.items) {
      plants.push({ benchmark: b.name, item: itemIndex, itemId: item.id, text: item.texts[0], words: normalizedWords(item.texts[0]).length });
      itemIndex++;
    }
  }

  // Hosts: the first 2,000 stories of some length; false positives: every story, unplanted.
  const hosts = stories.filter((s) => s.text.length > 600).slice(0, 2000);
  const tallies: Record<Variant, Record<string, Tally>> = Object.fromEntries(variants.map((v) => [v, {}])) as Record<Variant, Record<string, Tally>>;
  const misses: Record<string, unknown>[] = [];
  const random = rng(20240607);
  let residual = 0;
  let redacted = 0;
  const redactOptions = { action: 'redact' as const, max_matched_ngrams: 0, redact: RedactOptions.parse({}) };
  plants.forEach((p, i) => {
    const host = hosts[i % hosts.length].text;
    for (const variant of variants) {
      let text: string;
      let detectable = true;
      if (variant === 'verbatim') text = p.text;
      else if (variant === 'embedded') text = embed(host, p.text);
      else if (variant === 'whitespace_case') text = embed(host, whitespaceAndCase(p.text, random));
      else {
        const edited = editWords(p.text, Number(variant.slice(-1)), vocabulary, random);
        detectable = edited.detectable;
        text = embed(host, edited.text);
      }
      const scan = scanText(text, index);
      const found = scan.hits.some((h) => h.item === p.item);
      const t = (tallies[variant][p.benchmark] ??= emptyTally());
      t.planted++;
      if (found) t.detected++;
      if (p.words >= N) {
        t.planted_ge13++;
        if (found) t.detected_ge13++;
        if (detectable) t.detectable++;
      }
      if (!found && p.words >= N && detectable && misses.length < 20) misses.push({ variant, benchmark: p.benchmark, item: p.itemId, words: p.words });
      // After redaction, nothing of the item may remain findable.
      if (variant === 'embedded' && found) {
        const v = contaminationVerdict(text, scan, index, redactOptions);
        if (v.action === 'keep' && v.text !== undefined) {
          redacted++;
          if (scanText(v.text, index).matched > 0) residual++;
        }
      }
    }
  });

  let flagged = 0;
  const fpExamples: Record<string, unknown>[] = [];
  let fpBytes = 0;
  for (const s of stories) {
    fpBytes += Buffer.byteLength(s.text);
    const scan = scanText(s.text, index);
    if (scan.matched === 0) continue;
    flagged++;
    if (fpExamples.length < 10) {
      const top = scan.hits[0];
      fpExamples.push({ id: s.id, item: index.items[top.item].id, benchmark: index.sources[index.items[top.item].source].name, text: normalizedSpan(s.text.slice(top.start, top.end)) });
    }
  }

  // GPT-3 lowered n for datasets of short items (to their 5th-percentile length, at least 8): the
  // same embedded plants and the same unplanted stories with 8-grams show that trade-off.
  const index8 = indexBenchmarks(benchmarks, 8);
  let found8 = 0;
  let planted8 = 0;
  let found8ge8 = 0;
  plants.forEach((p, i) => {
    const hit = scanText(embed(hosts[i % hosts.length].text, p.text), index8).hits.some((h) => h.item === p.item);
    if (hit) found8++;
    if (p.words >= 8) {
      planted8++;
      if (hit) found8ge8++;
    }
  });
  let flagged8 = 0;
  for (const s of stories) if (scanText(s.text, index8).matched > 0) flagged8++;
  const n8 = {
    ngrams: index8.size,
    embedded_recall: round(found8 / plants.length, 4),
    embedded_recall_ge8: round(found8ge8 / planted8, 4),
    false_positives: flagged8,
    false_positive_rate: round(flagged8 / stories.length, 6),
  };

  const summarise = (byBench: Record<string, Tally>): Record<string, unknown> => {
    const all = Object.values(byBench).reduce((a, t) => {
      for (const k of Object.keys(a) as (keyof Tally)[]) a[k] += t[k];
      return a;
    }, emptyTally());
    const rate = (x: number, n: number): number | null => (n ? round(x / n, 4) : null);
    return {
      planted: all.planted,
      recall: rate(all.detected, all.planted),
      planted_ge13: all.planted_ge13,
      recall_ge13: rate(all.detected_ge13, all.planted_ge13),
      detectable_ge13: rate(all.detectable, all.planted_ge13),
      by_benchmark: Object.fromEntries(
        Object.entries(byBench).map(([b, t]) => [b, { planted: t.planted, recall: rate(t.detected, t.planted), planted_ge13: t.planted_ge13, recall_ge13: rate(t.detected_ge13, t.planted_ge13), detectable_ge13: rate(t.detectable, t.planted_ge13) }]),
      ),
    };
  };
  const results = Object.fromEntries(variants.map((v) => [v, summarise(tallies[v])]));
  const fpRate = flagged / stories.length;
  const verbatimOk = (['verbatim', 'embedded', 'whitespace_case'] as const).every((v) => (results[v] as { recall_ge13: number }).recall_ge13 === 1);
  const editsExact = (['edited_1', 'edited_2', 'edited_3'] as const).every((v) => {
    const r = results[v] as { recall_ge13: number; detectable_ge13: number };
    return r.recall_ge13 >= r.detectable_ge13;
  });
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    n: N,
    planted_field: { gsm8k: 'question', humaneval: 'prompt', mbpp: 'text' },
    index: { ngrams: index.size, table_mb: round(index.tableBytes / 2 ** 20, 2), sources: index.describe() },
    hosts: hosts.length,
    variants: results,
    with_n_8: n8,
    redaction: { documents_redacted: redacted, still_matching_after_redaction: residual },
    false_positives: { documents: stories.length, megabytes: round(fpBytes / 1e6, 2), flagged, rate: round(fpRate, 6), examples: fpExamples },
    misses_of_detectable_items: misses,
    targets: {
      verbatim_ge13_recall_is_1: verbatimOk,
      edited_recall_equals_detectable: editsExact,
      false_positive_rate_under_0_001: fpRate < 0.001,
    },
    seconds: round((performance.now() - started) / 1000, 1),
  };
  const dir = path.join(packageRoot, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'decontam-eval.json'), JSON.stringify(report, null, 2) + '\n');

  const line = (name: string, r: Record<string, unknown>): string =>
    `${name.padEnd(16)} planted ${String(r.planted).padStart(5)}  recall ${pct(r.recall)}  (>= 13 words: ${String(r.planted_ge13).padStart(5)}, recall ${pct(r.recall_ge13)}, detectable ${pct(r.detectable_ge13)})`;
  process.stdout.write(
    [
      `index: ${index.size} ${N}-grams, ${report.index.table_mb} MiB of tables; ${hosts.length} Reuters hosts`,
      ...variants.map((v) => line(v, results[v] as Record<string, unknown>)),
      `with n = 8: embedded recall ${pct(n8.embedded_recall)} (items of >= 8 words: ${pct(n8.embedded_recall_ge8)}), false positives ${flagged8} of ${stories.length}`,
      `redaction: ${redacted} embedded documents redacted, ${residual} still matching afterwards`,
      `false positives: ${flagged} of ${stories.length} unplanted Reuters stories (${(fpRate * 100).toFixed(3)} %)`,
      `targets: ${JSON.stringify(report.targets)}`,
      `wrote bench/results/decontam-eval.json (${report.seconds} s)`,
    ].join('\n') + '\n',
  );
  if (!verbatimOk || !editsExact || fpRate >= 0.001) process.exitCode = 1;
}

const pct = (x: unknown): string => (typeof x === 'number' ? `${(x * 100).toFixed(1).padStart(5)} %` : '   n/a ');

main();

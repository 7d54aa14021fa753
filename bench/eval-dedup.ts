/**
 * `npm run eval:dedup`: how well the dedup stage finds what it should, through the real pipeline
 * (runPipeline with the dedup stage, default settings unless stated). Writes
 * bench/results/dedup-eval.json; skips (exit 0) when ../shared/corpora is absent.
 *
 * (a) Clough & Stevenson short answers: each answer against the source text of its task,
 *     labelled cut / light / heavy / non. Reports, per label, how many are flagged (clustered with
 *     the source) next to their exact word-5-gram Jaccard; precision and recall against the labels
 *     (cut + light = reuse) and against exact Jaccard >= min_jaccard (what the settings target);
 *     at the defaults and at a low threshold (20 x 3, min_jaccard 0.35).
 * (b) Synthetic edit sweep on Reuters: every story plus a copy with 1-30% of its words replaced;
 *     recall per edit rate against the theoretical curve averaged over the pairs: the mean of
 *     P(detected | J) of the default rule (config.ts detectionProbability): share a band, then
 *     exact J >= 0.7 when both texts have at most max_exact_shingles shingles, else a MinHash
 *     estimate clearing the margin (85 of 112 positions at the defaults). The bare LSH curve 1 - (1 - J^r)^b and the old rule
 *     (estimate >= 0.7, no margin) are shown too. Target: within 3 points.
 * (c) Reuters' natural duplicates: stories whose normalised texts are equal (found here by string
 *     comparison, independently of the stage's hashing) must all be removed as exact duplicates.
 * (d) False positives on Reuters as it is: reported pairs (each removed near duplicate and the
 *     document it was matched with, `matched_id`) with exact Jaccard under 0.7, with verify off
 *     and on. Target: under 1%, and 0 with verify. Pairs (member, kept document) are counted too:
 *     they can be lower through chains (A ~ B ~ C). The price of the margin: the pairs verify
 *     reports (all J >= 0.7) that the default run does not put together, by Jaccard.
 *
 * Flags: `--no-write`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, validatePipeline } from '../src/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { runPipeline } from '../src/core/runner.js';
import { DedupConfig, candidateProbability, detectionProbability, similarityRule } from '../src/stages/dedup/config.js';
import { MinHasher, exactJaccard } from '../src/stages/dedup/minhash.js';
import { Normalization, normalizeText } from '../src/stages/dedup/normalize.js';
import { splitMix32 } from '../src/stages/dedup/prng.js';
import { hasShared, reutersStories, sharedPath } from './corpora.js';
import { machine, round } from './harness.js';

interface Doc {
  id: string;
  text: string;
}
interface ClusterLine {
  cluster: number;
  kept_id: string;
  members: { id: string; match: string; jaccard_estimate?: number; matched_id?: string }[];
}

const normalize = Normalization.parse({});
const hasher = new MinHasher({ seed: 1, bands: 14, rows: 8, shingle: { type: 'words', size: 5 }, normalize });
const scratch = new Uint32Array(112);
const defaults = DedupConfig.parse({ kind: 'dedup' });
const rule = similarityRule(defaults);
const oldRule = similarityRule({ ...defaults, max_exact_shingles: 0, max_false_accept: 1 });

function shingles(text: string): Uint32Array {
  hasher.sign(text, scratch);
  return hasher.shingleSet();
}

/** Whether a text is short for the default rule (it carries its shingle set: payload.ts). */
function isShort(text: string): boolean {
  return hasher.sign(text, scratch).shingles <= defaults.max_exact_shingles;
}

/** Runs the dedup stage over `docs` (in this order); returns the clusters report and summary. */
async function dedupRun(docs: Doc[], stage: Record<string, unknown> = {}): Promise<{ clusters: ClusterLine[]; clusterOf: Map<string, number>; summary: Record<string, unknown> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-eval-dedup-'));
  try {
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, docs.map((d) => JSON.stringify(d) + '\n').join(''));
    const pipeline = validatePipeline({ name: 'eval-dedup', output: { compression: 'none' }, stages: [{ kind: 'dedup', ...stage }] }, 'eval-dedup');
    await runPipeline({ pipeline, inputs: [input], output: path.join(dir, 'out'), log: silentLogger() });
    const clusters = fs
      .readFileSync(path.join(dir, 'out', 'dedup', 'clusters.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ClusterLine);
    const clusterOf = new Map<string, number>();
    for (const c of clusters) for (const m of c.members) clusterOf.set(m.id, c.cluster);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'dedup', 'summary.json'), 'utf8')) as Record<string, unknown>;
    return { clusters, clusterOf, summary };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const together = (clusterOf: Map<string, number>, a: string, b: string): boolean => clusterOf.has(a) && clusterOf.get(a) === clusterOf.get(b);
const pct = (x: number): number => round(100 * x, 1);

function prf(tp: number, fp: number, fn: number): { precision: number | null; recall: number | null } {
  return { precision: tp + fp > 0 ? round(tp / (tp + fp), 3) : null, recall: tp + fn > 0 ? round(tp / (tp + fn), 3) : null };
}

async function clough(): Promise<Record<string, unknown>> {
  const dir = sharedPath('near-dup-clough-stevenson-short-answers');
  const rows = fs
    .readFileSync(path.join(dir, 'file_information.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(','));
  const read = (file: string): string => fs.readFileSync(path.join(dir, file), 'latin1');
  const sources = rows.filter((r) => r[2] === 'orig');
  const answers = rows.filter((r) => r[2] !== 'orig');
  const docs: Doc[] = [...sources, ...answers].map(([file]) => ({ id: file, text: read(file) }));
  const sourceOf = (task: string): string => `orig_task${task}.txt`;
  const out: Record<string, unknown> = {};
  for (const [label, stage] of [
    ['default (14 x 8)', {}],
    ['low threshold (20 x 3, min_jaccard 0.35)', { bands: 20, rows: 3, min_jaccard: 0.35 }],
  ] as const) {
    const { clusterOf } = await dedupRun(docs, stage);
    const byLabel: Record<string, { pairs: number; flagged: number; jaccard: number[]; flagged_jaccard: number[] }> = {};
    let labelTp = 0;
    let labelFp = 0;
    let labelFn = 0;
    let jTp = 0;
    let jFp = 0;
    let jFn = 0;
    for (const [file, task, category] of answers) {
      const j = exactJaccard(shingles(read(file)), shingles(read(sourceOf(task))));
      const flagged = together(clusterOf, file, sourceOf(task));
      const entry = (byLabel[category] ??= { pairs: 0, flagged: 0, jaccard: [], flagged_jaccard: [] });
      entry.pairs++;
      entry.jaccard.push(round(j, 3));
      if (flagged) {
        entry.flagged++;
        entry.flagged_jaccard.push(round(j, 3));
      }
      const reuse = category === 'cut' || category === 'light';
      if (flagged && reuse) labelTp++;
      else if (flagged) labelFp++;
      else if (reuse) labelFn++;
      const similar = j >= ((stage as { min_jaccard?: number }).min_jaccard ?? 0.7);
      if (flagged && similar) jTp++;
      else if (flagged) jFp++;
      else if (similar) jFn++;
    }
    out[label] = {
      per_label: Object.fromEntries(
        Object.entries(byLabel).map(([k, v]) => [k, { pairs: v.pairs, flagged: v.flagged, mean_jaccard: round(v.jaccard.reduce((a, b) => a + b, 0) / v.pairs, 3), max_jaccard: Math.max(...v.jaccard), flagged_jaccard: v.flagged_jaccard }]),
      ),
      vs_labels_cut_light: prf(labelTp, labelFp, labelFn),
      vs_exact_jaccard: prf(jTp, jFp, jFn),
    };
  }
  return out;
}

/** Stories with at least 30 words, one per normalised text, in corpus order. */
function distinctStories(): Doc[] {
  const seen = new Set<string>();
  const out: Doc[] = [];
  for (const s of reutersStories()) {
    const key = normalizeText(s.text, normalize);
    if (seen.has(key) || key.split(' ').length < 30) continue;
    seen.add(key);
    out.push({ id: s.id, text: s.text });
  }
  return out;
}

async function sweep(): Promise<Record<string, unknown>[]> {
  const stories = distinctStories();
  const vocabulary = [...new Set(stories.flatMap((s) => s.text.split(/\s+/)))].filter((w) => /^[a-z]{3,}$/.test(w));
  const rows: Record<string, unknown>[] = [];
  for (const rate of [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.25, 0.3]) {
    const next = splitMix32(Math.round(rate * 1000) + 17);
    const copies = stories.map((s) => ({
      id: `${s.id}~copy`,
      text: s.text
        .split(/\s+/)
        .map((w) => (next() % 10000 < rate * 10000 ? vocabulary[next() % vocabulary.length] : w))
        .join(' '),
    }));
    const { clusterOf } = await dedupRun([...stories, ...copies]);
    let flagged = 0;
    let expected = 0;
    let expectedOld = 0;
    let lshOnly = 0;
    let jSum = 0;
    let shortPairs = 0;
    stories.forEach((s, i) => {
      const j = exactJaccard(shingles(s.text), shingles(copies[i].text));
      const short = isShort(s.text) && isShort(copies[i].text);
      if (short) shortPairs++;
      jSum += j;
      expected += detectionProbability(j, 14, 8, rule, short);
      expectedOld += detectionProbability(j, 14, 8, oldRule);
      lshOnly += candidateProbability(j, 14, 8);
      if (together(clusterOf, s.id, copies[i].id)) flagged++;
    });
    const n = stories.length;
    rows.push({
      edit_rate: rate,
      pairs: n,
      short_pairs: shortPairs,
      mean_jaccard: round(jSum / n, 3),
      recall_pct: pct(flagged / n),
      theoretical_pct: pct(expected / n),
      difference_points: round(pct(flagged / n) - pct(expected / n), 1),
      lsh_candidate_pct: pct(lshOnly / n),
      old_rule_theoretical_pct: pct(expectedOld / n),
    });
  }
  return rows;
}

async function naturalExact(): Promise<Record<string, unknown>> {
  const stories = reutersStories().map((s) => ({ id: s.id, text: s.text }));
  const firstOf = new Map<string, string>();
  const truth: [string, string][] = [];
  for (const s of stories) {
    const key = normalizeText(s.text, normalize);
    if (key === '') continue;
    const first = firstOf.get(key);
    if (first) truth.push([s.id, first]);
    else firstOf.set(key, s.id);
  }
  const { clusters, summary } = await dedupRun(stories, { method: 'exact' });
  const exactOf = new Map<string, string>();
  for (const c of clusters) for (const m of c.members) if (m.match === 'exact') exactOf.set(m.id, c.kept_id);
  const found = truth.filter(([id, first]) => exactOf.get(id) === first).length;
  // With MinHash (the default) a copy is removed in the cluster of its first copy; its rule says
  // exact_duplicate when the cluster's kept document is that text, else near_duplicate (a chain).
  const minhash = await dedupRun(stories);
  const removedWith = truth.filter(([id, first]) => together(minhash.clusterOf, id, first) && minhash.clusters[minhash.clusterOf.get(id)!].kept_id !== id).length;
  return {
    stories: stories.length,
    duplicates_by_string_comparison: truth.length,
    found_method_exact: found,
    recall_method_exact_pct: pct(found / truth.length),
    removed_method_minhash: removedWith,
    recall_method_minhash_pct: pct(removedWith / truth.length),
    extra_found: exactOf.size - found,
    summary_exact: summary.duplicates as Record<string, unknown>,
  };
}

async function falsePositives(): Promise<Record<string, unknown>> {
  const stories = reutersStories().map((s) => ({ id: s.id, text: s.text }));
  const textOf = new Map(stories.map((s) => [s.id, s.text]));
  const out: Record<string, unknown> = {};
  const runs: Record<string, { clusters: ClusterLine[]; clusterOf: Map<string, number> }> = {};
  for (const verify of [false, true]) {
    const run = await dedupRun(stories, { verify });
    const { clusters, summary } = run;
    runs[verify ? 'on' : 'off'] = run;
    let pairs = 0;
    let below = 0;
    let keptPairs = 0;
    let keptBelow = 0;
    let exactlyTested = 0;
    const belowPairs: { id: string; matched_id: string; jaccard: number; estimate: number | undefined }[] = [];
    for (const c of clusters) {
      const kept = shingles(textOf.get(c.kept_id)!);
      for (const m of c.members) {
        if (m.match !== 'near') continue;
        const own = shingles(textOf.get(m.id)!);
        const j = exactJaccard(own, shingles(textOf.get(m.matched_id!)!));
        pairs++;
        if (isShort(textOf.get(m.id)!) && isShort(textOf.get(m.matched_id!)!)) exactlyTested++;
        if (j < 0.7) {
          below++;
          belowPairs.push({ id: m.id, matched_id: m.matched_id!, jaccard: round(j, 4), estimate: (m as { matched_jaccard_estimate?: number }).matched_jaccard_estimate });
        }
        keptPairs++;
        if (exactJaccard(own, kept) < 0.7) keptBelow++;
      }
    }
    out[verify ? 'verify_on' : 'verify_off'] = {
      reported_pairs: pairs,
      ...(verify ? {} : { pairs_of_short_documents_tested_exactly: exactlyTested }),
      below_0_7: below,
      fp_rate_pct: pairs ? round((100 * below) / pairs, 2) : null,
      below_pairs: belowPairs,
      member_kept_pairs: keptPairs,
      member_kept_below_0_7: keptBelow,
      member_kept_rate_pct: keptPairs ? round((100 * keptBelow) / keptPairs, 2) : null,
      sampled_check: summary.false_positive_check as Record<string, unknown>,
    };
  }
  // What the margin costs: pairs that verify reports (exact J >= 0.7) but the default run does not
  // put in one cluster, by Jaccard and by whether they were short (tested exactly) or long.
  const missed: Record<string, { reported_with_verify: number; missed_by_default: number }> = {};
  for (const c of runs.on.clusters) {
    for (const m of c.members) {
      if (m.match !== 'near') continue;
      const a = textOf.get(m.id)!;
      const b = textOf.get(m.matched_id!)!;
      const j = exactJaccard(shingles(a), shingles(b));
      const band = j < 0.75 ? '0.70-0.75' : j < 0.8 ? '0.75-0.80' : j < 0.85 ? '0.80-0.85' : j < 0.9 ? '0.85-0.90' : '0.90-1.00';
      const key = `${isShort(a) && isShort(b) ? 'short' : 'long'} ${band}`;
      const entry = (missed[key] ??= { reported_with_verify: 0, missed_by_default: 0 });
      entry.reported_with_verify++;
      if (!together(runs.off.clusterOf, m.id, m.matched_id!)) entry.missed_by_default++;
    }
  }
  out.verify_pairs_missed_by_default = Object.fromEntries(Object.entries(missed).sort(([a], [b]) => a.localeCompare(b)));
  return out;
}

async function main(): Promise<void> {
  if (!hasShared('text-corpus-reuters21578-part-a') || !hasShared('near-dup-clough-stevenson-short-answers')) {
    process.stderr.write('eval:dedup: ../shared/corpora is absent; skipping\n');
    return;
  }
  const started = Date.now();
  const result: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
  result.clough_stevenson = await clough();
  process.stderr.write('(a) Clough & Stevenson\n' + JSON.stringify(result.clough_stevenson, null, 1) + '\n');
  const rows = await sweep();
  result.edit_sweep = rows;
  process.stderr.write('(b) edit sweep (recall vs theory)\n');
  for (const r of rows) process.stderr.write(`  edit ${String(r.edit_rate).padEnd(5)} J ${String(r.mean_jaccard).padEnd(6)} recall ${String(r.recall_pct).padStart(5)}%  theory ${String(r.theoretical_pct).padStart(5)}%  diff ${r.difference_points}\n`);
  result.natural_exact = await naturalExact();
  process.stderr.write('(c) natural exact duplicates\n' + JSON.stringify(result.natural_exact) + '\n');
  result.false_positives = await falsePositives();
  process.stderr.write('(d) false positives on Reuters\n' + JSON.stringify(result.false_positives) + '\n');
  result.seconds = round((Date.now() - started) / 1000, 1);
  if (!process.argv.includes('--no-write')) {
    const file = path.join(packageRoot, 'bench', 'results', 'dedup-eval.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    process.stderr.write(`wrote ${path.relative(packageRoot, file)}\n`);
  }
}

await main();

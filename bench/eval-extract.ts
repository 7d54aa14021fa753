/**
 * `npm run eval:extract`: scores the extractor against the ground truth in ../shared/corpora and
 * writes bench/results/extract-eval.json. Skips (exit 0) when the corpora are absent.
 *
 * - Scrapinghub AEB (181 articles, full article text) and CleanEval dev (58 pages, full cleaned
 *   text): token precision, recall and F1 over a bag of lowercased word tokens (letters and
 *   digits), each page scored alone, then the mean over pages. CleanEval also gets a block score:
 *   how many gold `<p>/<h>/<l>` blocks start a line of the extraction (recall), and how many
 *   content lines of the extraction start a gold block (precision), keyed by a block's first 4 tokens.
 * - trafilatura eval dev (100 multilingual pages, snippets): a "with" snippet found is a true
 *   positive, missing a false negative; a "without" snippet absent is a true negative, present a
 *   false positive (trafilatura's own scoring).
 *
 * Flags: `--mode all|main` (default both), `--set aeb|cleaneval|trafilatura` (default all),
 * `--pages N` prints the N worst pages per set and mode, `--no-write` leaves the results file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/config/load.js';
import { type ExtractMode, extractHtml } from '../src/stages/extract/extract.js';
import { machine, round } from './harness.js';
import { type Page, aebPages, cleanEvalPages, snippetPages } from './suites/extract.js';

const tokenPattern = /[\p{L}\p{N}]+/gu;

export function tokens(text: string): string[] {
  return text.toLowerCase().match(tokenPattern) ?? [];
}

function bag(words: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall, F1 of the extracted token bag against the gold bag (counts clipped). */
export function tokenPrf(extracted: string, gold: string): Prf {
  const e = bag(tokens(extracted));
  const g = bag(tokens(gold));
  let overlap = 0;
  let eTotal = 0;
  let gTotal = 0;
  for (const n of e.values()) eTotal += n;
  for (const [w, n] of g) {
    gTotal += n;
    overlap += Math.min(n, e.get(w) ?? 0);
  }
  const precision = eTotal === 0 ? (gTotal === 0 ? 1 : 0) : overlap / eTotal;
  const recall = gTotal === 0 ? 1 : overlap / gTotal;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

const marker = /^\s*<(p|h|l)>/i;

/** CleanEval gold: its blocks (each starts at a `<p>`, `<h>` or `<l>` marker) and plain text. */
export function cleanEvalGold(gold: string): { blocks: string[]; text: string } {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of gold.split('\n')) {
    if (marker.test(line)) {
      if (current) blocks.push(current.join(' '));
      current = [line.replace(marker, '')];
    } else if (current) current.push(line);
    else if (line.trim()) current = [line];
  }
  if (current) blocks.push(current.join(' '));
  return { blocks, text: blocks.join('\n') };
}

const keyLength = 4;
const key = (words: string[]): string => words.slice(0, keyLength).join(' ');

/** Block starts: gold blocks that start an extracted line; extracted content lines that start a gold block. */
export function blockScore(extracted: string, goldBlocks: string[]): Prf & { gold_blocks: number; content_lines: number } {
  const goldStarts = new Map<string, number>();
  const goldGrams = new Set<string>();
  let goldCount = 0;
  for (const block of goldBlocks) {
    const words = tokens(block);
    for (let i = 0; i + keyLength <= words.length; i++) goldGrams.add(words.slice(i, i + keyLength).join(' '));
    if (words.length < keyLength) continue;
    goldCount++;
    const k = key(words);
    goldStarts.set(k, (goldStarts.get(k) ?? 0) + 1);
  }
  const lineStarts = new Map<string, number>();
  let content = 0;
  let contentAtStart = 0;
  for (const line of extracted.split('\n')) {
    const words = tokens(line);
    if (words.length < keyLength) continue;
    const k = key(words);
    if (!goldGrams.has(k)) continue;
    content++;
    if (goldStarts.has(k)) contentAtStart++;
    lineStarts.set(k, (lineStarts.get(k) ?? 0) + 1);
  }
  let matched = 0;
  for (const [k, n] of goldStarts) matched += Math.min(n, lineStarts.get(k) ?? 0);
  const recall = goldCount === 0 ? 1 : matched / goldCount;
  const precision = content === 0 ? 1 : contentAtStart / content;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, gold_blocks: goldCount, content_lines: content };
}

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

interface Timed {
  text: string;
  ms: number;
}

function run(p: Page, mode: ExtractMode): Timed {
  const started = performance.now();
  let text: string;
  try {
    text = extractHtml(p.html, { mode, maxMs: 0 }).text;
  } catch (error) {
    process.stderr.write(`${p.id}: ${(error as Error).message}\n`);
    text = '';
  }
  return { text, ms: performance.now() - started };
}

interface PageScore {
  id: string;
  precision: number;
  recall: number;
  f1: number;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function speed(pages: Page[], ms: number): number {
  const bytes = pages.reduce((a, p) => a + p.bytes, 0);
  return round(bytes / 1e6 / (ms / 1000), 1);
}

function summary(scores: PageScore[]): Prf {
  return { precision: round(mean(scores.map((s) => s.precision)), 4), recall: round(mean(scores.map((s) => s.recall)), 4), f1: round(mean(scores.map((s) => s.f1)), 4) };
}

function worst(scores: PageScore[], n: number): PageScore[] {
  return [...scores]
    .sort((a, b) => a.f1 - b.f1)
    .slice(0, n)
    .map((s) => ({ id: s.id, precision: round(s.precision, 3), recall: round(s.recall, 3), f1: round(s.f1, 3) }));
}

function scoreFull(pages: (Page & { gold: string })[], mode: ExtractMode, goldText: (gold: string) => string) {
  let ms = 0;
  const scores: PageScore[] = pages.map((p) => {
    const out = run(p, mode);
    ms += out.ms;
    return { id: p.id, ...tokenPrf(out.text, goldText(p.gold)) };
  });
  return { scores, ms };
}

function scoreSnippets(pages: ReturnType<typeof snippetPages>, mode: ExtractMode) {
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  let ms = 0;
  const perPage: PageScore[] = [];
  for (const p of pages) {
    const out = run(p, mode);
    ms += out.ms;
    const text = normalise(out.text);
    let ptp = 0;
    let pfp = 0;
    for (const s of p.with) text.includes(normalise(s)) ? (tp++, ptp++) : fn++;
    for (const s of p.without) text.includes(normalise(s)) ? (fp++, pfp++) : tn++;
    const precision = ptp + pfp === 0 ? 1 : ptp / (ptp + pfp);
    const recall = p.with.length === 0 ? 1 : ptp / p.with.length;
    perPage.push({ id: p.id, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) });
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    counts: { true_positives: tp, false_negatives: fn, true_negatives: tn, false_positives: fp },
    precision: round(precision, 4),
    recall: round(recall, 4),
    f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), 4),
    accuracy: round((tp + tn) / Math.max(1, tp + fn + tn + fp), 4),
    perPage,
    ms,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const modes: ExtractMode[] = arg('--mode') ? [arg('--mode') as ExtractMode] : ['all', 'main'];
  const only = arg('--set');
  const showPages = Number(arg('--pages') ?? 0);
  const want = (set: string): boolean => !only || only === set;
  const aeb = want('aeb') ? aebPages() : [];
  const cleaneval = want('cleaneval') ? cleanEvalPages() : [];
  const snippets = want('trafilatura') ? snippetPages() : [];
  if (aeb.length + cleaneval.length + snippets.length === 0) {
    process.stdout.write('eval:extract: ../shared/corpora is absent (or the chosen set is): nothing to score, skipping\n');
    return;
  }
  // Warm the JIT so the first set's speed is not the cold start's.
  for (const p of [...aeb, ...cleaneval, ...snippets].slice(0, 30)) for (const mode of modes) run(p, mode);

  const sets: Record<string, Record<string, unknown>> = {};
  const lines: string[] = [];
  const line = (set: string, mode: string, prf: Prf, mbps: number, extra = ''): void => {
    lines.push(`${set.padEnd(12)} ${mode.padEnd(5)} P ${prf.precision.toFixed(3)}  R ${prf.recall.toFixed(3)}  F1 ${prf.f1.toFixed(3)}  ${String(mbps).padStart(6)} MB/s${extra}`);
  };
  const detail = (set: string, mode: string, scores: PageScore[]): void => {
    if (showPages <= 0) return;
    for (const s of worst(scores, showPages)) lines.push(`    ${set} ${mode} ${s.id} P ${s.precision} R ${s.recall} F1 ${s.f1}`);
  };

  if (aeb.length > 0) {
    const set: Record<string, unknown> = { pages: aeb.length, metric: 'mean over pages of bag-of-tokens precision/recall/F1 against articleBody' };
    for (const mode of modes) {
      const { scores, ms } = scoreFull(aeb, mode, (g) => g);
      const prf = summary(scores);
      set[mode] = { ...prf, mb_per_s_cold_one_pass: speed(aeb, ms), worst_pages: worst(scores, 10) };
      line('aeb', mode, prf, speed(aeb, ms));
      detail('aeb', mode, scores);
    }
    sets.scrapinghub_aeb = set;
  }
  if (cleaneval.length > 0) {
    const set: Record<string, unknown> = { pages: cleaneval.length, metric: 'mean over pages of bag-of-tokens precision/recall/F1 against the cleaned text; blocks: gold <p>/<h>/<l> starts vs extracted line starts' };
    for (const mode of modes) {
      const { scores, ms } = scoreFull(cleaneval, mode, (g) => cleanEvalGold(g).text);
      const blocks = cleaneval.map((p) => blockScore(run(p, mode).text, cleanEvalGold(p.gold).blocks));
      const prf = summary(scores);
      const blockPrf = {
        precision: round(mean(blocks.map((b) => b.precision)), 4),
        recall: round(mean(blocks.map((b) => b.recall)), 4),
        f1: round(mean(blocks.map((b) => b.f1)), 4),
      };
      set[mode] = { ...prf, blocks: blockPrf, mb_per_s_cold_one_pass: speed(cleaneval, ms), worst_pages: worst(scores, 10) };
      line('cleaneval', mode, prf, speed(cleaneval, ms), `   blocks P ${blockPrf.precision.toFixed(3)} R ${blockPrf.recall.toFixed(3)} F1 ${blockPrf.f1.toFixed(3)}`);
      detail('cleaneval', mode, scores);
    }
    sets.cleaneval_dev = set;
  }
  if (snippets.length > 0) {
    const set: Record<string, unknown> = { pages: snippets.length, metric: 'snippets: with found = TP, missing = FN; without absent = TN, present = FP' };
    for (const mode of modes) {
      const { perPage, ms, ...result } = scoreSnippets(snippets, mode);
      set[mode] = { ...result, mb_per_s_cold_one_pass: speed(snippets, ms), worst_pages: worst(perPage, 10) };
      line('trafilatura', mode, result, speed(snippets, ms), `   accuracy ${result.accuracy.toFixed(3)}`);
      detail('trafilatura', mode, perPage);
    }
    sets.trafilatura_eval_dev = set;
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (process.argv.includes('--no-write') || only || modes.length < 2) return;
  const file = path.join(packageRoot, 'bench', 'results', 'extract-eval.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machine(), sets }, null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

await main();

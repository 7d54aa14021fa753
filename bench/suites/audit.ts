/**
 * The audit targets of issue 8: `explain` answers in under a second for any document of a
 * million-document run (it binary-searches the run's index and decompresses one frame), and the
 * report of a run over the whole shared corpus opens in Chromium, with no console errors, in
 * under two seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { packageRoot, validatePipeline, loadPipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { explain } from '../../src/report/explain.js';
import { benchCache, hasShared, reutersStories, sharedPath } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';

const DOCS = 1_000_000;

/** A million short documents, run through the pass-through pipeline once and cached. */
async function millionDocRun(): Promise<string> {
  const out = path.join(benchCache, 'audit-1m-run');
  if (fs.existsSync(path.join(out, 'index', 'docs.bin'))) return out;
  fs.mkdirSync(benchCache, { recursive: true });
  const input = path.join(benchCache, 'audit-1m.jsonl');
  const fd = fs.openSync(input, 'w');
  for (let start = 0; start < DOCS; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < start + 10_000; i++) lines.push(JSON.stringify({ id: `doc-${i}`, text: `Document number ${i} of the audit benchmark, a short line of text.` }) + '\n');
    fs.writeSync(fd, lines.join(''));
  }
  fs.closeSync(fd);
  const pipeline = validatePipeline({ name: 'audit-1m', stages: [] }, 'audit-1m');
  await runPipeline({ pipeline, inputs: [input], output: out, overwrite: true, log: silentLogger() });
  return out;
}

const explainCase: BenchCase = {
  name: 'explain-1m-docs',
  stage: 'report',
  async setup() {
    const run = await millionDocRun();
    // Spread over the whole run: first, last and everything between.
    const ids = Array.from({ length: 200 }, (_, i) => `doc-${Math.floor((i * (DOCS - 1)) / 199)}`);
    return async () => {
      let slowest = 0;
      for (const id of ids) {
        const started = performance.now();
        const e = await explain(run, id);
        slowest = Math.max(slowest, performance.now() - started);
        if (e.outcome !== 'kept') throw new Error(`${id}: ${e.outcome}`);
      }
      return { docs: ids.length, bytes: 0, extra: { run_documents: DOCS, lookups: ids.length, slowest_ms: Math.round(slowest * 10) / 10 } };
    };
  },
};

/** Every shared corpus winnow can read, in one input directory (Reuters as JSONL). */
function sharedCorpusInput(): string {
  const dir = path.join(benchCache, 'shared-corpus-input');
  if (fs.existsSync(path.join(dir, '.done'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const link = (from: string, name: string): void => fs.symlinkSync(sharedPath(from), path.join(dir, name));
  link('html-extraction-scrapinghub-aeb/html', 'aeb');
  link('html-extraction-cleaneval-dev/input', 'cleaneval');
  link('html-extraction-trafilatura-eval-dev/html', 'trafilatura');
  link('raw-web-warc-samples', 'warc');
  link('text-corpus-dolma-cc-en-head-jsonl', 'dolma');
  fs.writeFileSync(path.join(dir, 'reuters.jsonl'), reutersStories().map((s) => JSON.stringify({ id: s.id, text: s.text }) + '\n').join(''));
  fs.writeFileSync(path.join(dir, '.done'), '');
  return dir;
}

const reportCase: BenchCase = {
  name: 'report-open-shared-corpus',
  stage: 'report',
  async setup() {
    if (!hasShared('text-corpus-reuters21578-part-a')) throw new Error('needs ../shared/corpora');
    const input = sharedCorpusInput();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-report-'));
    const { pipeline } = loadPipeline(path.join(packageRoot, 'pipelines', 'default.yaml'));
    const result = await runPipeline({ pipeline, inputs: [input], output: out, overwrite: true, log: silentLogger() });
    const size = fs.statSync(path.join(out, 'report.html')).size;
    return async () => {
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
      const problems: string[] = [];
      let loadMs = 0;
      try {
        const page = await browser.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        const started = performance.now();
        await page.goto('file://' + path.join(out, 'report.html'), { waitUntil: 'load' });
        loadMs = performance.now() - started;
      } finally {
        await browser.close();
        fs.rmSync(out, { recursive: true, force: true });
      }
      if (problems.length) throw new Error(`console errors: ${problems.join('; ')}`);
      return { docs: result.manifest.counts.input, bytes: size, extra: { load_ms: Math.round(loadMs), report_mb: Math.round((size / 1e6) * 100) / 100, console_errors: problems.length, run_documents: result.manifest.counts.input } };
    };
  },
};

export const auditSuite: BenchSuite = { name: 'audit', cases: [explainCase, reportCase] };

/**
 * Extraction speed on real pages: MB of HTML per second per core, for `all` and `main` mode, on
 * the pages of ../shared/corpora (Scrapinghub AEB, CleanEval dev, trafilatura eval dev; the
 * bundled fixture pages when it is absent). Two kinds of case: the extractor alone on one core,
 * and the `extract` stage through the whole pipeline (read JSONL, worker pool, write .jsonl.zst).
 * Targets (issue 3): all >= 50 MB/s per core, main >= 30 MB/s per core.
 *
 * The page loaders here are shared with bench/eval-extract.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Parser } from 'htmlparser2';
import { packageRoot, validatePipeline } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { runPipeline } from '../../src/core/runner.js';
import { decodeHtml } from '../../src/io/charset.js';
import { type ExtractMode, extractHtml } from '../../src/stages/extract/extract.js';
import { benchCache, hasShared, sharedPath } from '../corpora.js';
import type { BenchCase, BenchSuite } from '../harness.js';

export interface Page {
  /** The set and file it came from. */
  id: string;
  html: string;
  /** UTF-8 bytes of the decoded page (the MB/s figures count these). */
  bytes: number;
  url?: string;
}

export interface AebPage extends Page {
  gold: string;
}
export interface CleanEvalPage extends Page {
  /** Gold text with its `<p>`/`<h>`/`<l>` block markers, the `URL:` line removed. */
  gold: string;
}
export interface SnippetPage extends Page {
  with: string[];
  without: string[];
}

function page(id: string, raw: Uint8Array, url?: string): Page {
  const html = decodeHtml(raw).text;
  return { id, html, bytes: Buffer.byteLength(html), ...(url ? { url } : {}) };
}

export function aebPages(): AebPage[] {
  const name = 'html-extraction-scrapinghub-aeb';
  if (!hasShared(name)) return [];
  const truth = JSON.parse(fs.readFileSync(sharedPath(name, 'ground-truth.json'), 'utf8')) as Record<string, { articleBody: string; url: string }>;
  return Object.keys(truth)
    .sort()
    .map((id) => ({ ...page(`aeb/${id.slice(0, 12)}`, zlib.gunzipSync(fs.readFileSync(sharedPath(name, 'html', `${id}.html.gz`))), truth[id].url), gold: truth[id].articleBody }));
}

export function cleanEvalPages(): CleanEvalPage[] {
  const name = 'html-extraction-cleaneval-dev';
  if (!hasShared(name)) return [];
  const dir = sharedPath(name, 'input');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .flatMap((f) => {
      const goldFile = sharedPath(name, 'GoldStandard', f.replace(/\.html$/, '.txt'));
      if (!fs.existsSync(goldFile)) return [];
      const gold = fs.readFileSync(goldFile, 'utf8').replace(/^URL:[^\n]*\n/, '');
      return [{ ...page(`cleaneval/${f}`, fs.readFileSync(path.join(dir, f))), gold }];
    });
}

export function snippetPages(): SnippetPage[] {
  const name = 'html-extraction-trafilatura-eval-dev';
  if (!hasShared(name)) return [];
  const data = JSON.parse(fs.readFileSync(sharedPath(name, 'evaldata-dev.json'), 'utf8')) as Record<string, { file: string; with?: string[]; without?: string[] }>;
  return Object.keys(data)
    .sort()
    .flatMap((url) => {
      const entry = data[url];
      const file = sharedPath(name, 'html', entry.file);
      if (!fs.existsSync(file)) return [];
      return [{ ...page(`trafilatura/${entry.file}`, fs.readFileSync(file), url), with: entry.with ?? [], without: entry.without ?? [] }];
    });
}

/** Every real page available; the fixture pages when ../shared/corpora is absent. */
export function allPages(): Page[] {
  const pages: Page[] = [...aebPages(), ...cleanEvalPages(), ...snippetPages()];
  if (pages.length > 0) return pages;
  const dir = path.join(packageRoot, 'fixtures', 'sample', 'pages');
  const out = fs.readdirSync(dir).map((f) => page(`fixtures/${f}`, fs.readFileSync(path.join(dir, f))));
  const jsonl = zlib.gunzipSync(fs.readFileSync(path.join(packageRoot, 'fixtures', 'sample', 'web-pages.jsonl.gz'))).toString('utf8');
  for (const line of jsonl.split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { id: string; html: string };
    out.push({ id: record.id, html: record.html, bytes: Buffer.byteLength(record.html) });
  }
  return out;
}

/** The extractor alone, on one core, over the pages repeated up to at least `minBytes`. */
function direct(mode: ExtractMode, minBytes: number): BenchCase {
  return {
    name: `${mode}-direct`,
    stage: 'extract',
    async setup() {
      const pages = allPages();
      // Warm up the JIT on one round, as a long run would be.
      for (const p of pages) extractHtml(p.html, { mode });
      return async () => {
        let bytes = 0;
        let docs = 0;
        let chars = 0;
        while (bytes < minBytes) {
          for (const p of pages) {
            chars += extractHtml(p.html, { mode, maxMs: 0 }).text.length;
            bytes += p.bytes;
            docs++;
          }
        }
        return { docs, bytes, cores: 1, extra: { mode, pages: pages.length, text_chars_per_html_byte: Math.round((chars / bytes) * 1000) / 1000 } };
      };
    },
  };
}

/**
 * htmlparser2's Parser alone with empty callbacks over the same pages: the ceiling, measured in
 * the same conditions, so the extractor's figures can be read as a share of it on a busy machine.
 */
function parserOnly(minBytes: number): BenchCase {
  return {
    name: 'parser-baseline',
    stage: 'extract',
    async setup() {
      const pages = allPages();
      const noop = { onopentag() {}, onclosetag() {}, ontext() {} };
      for (const p of pages) new Parser(noop).end(p.html);
      return async () => {
        let bytes = 0;
        let docs = 0;
        while (bytes < minBytes) {
          for (const p of pages) {
            new Parser(noop).end(p.html);
            bytes += p.bytes;
            docs++;
          }
        }
        return { docs, bytes, cores: 1, extra: { pages: pages.length } };
      };
    },
  };
}

/** The stage in the pipeline: a JSONL file of {id, url, html} records through every worker. */
function pipeline(mode: ExtractMode, minBytes: number): BenchCase {
  const workers = os.availableParallelism();
  return {
    name: `${mode}-pipeline`,
    stage: 'extract',
    async setup() {
      const pages = allPages();
      fs.mkdirSync(benchCache, { recursive: true });
      const file = path.join(benchCache, `extract-pages-${minBytes}.jsonl`);
      let htmlBytes = 0;
      let docs = 0;
      // Written line by line: the peak RSS the harness reports is the whole process's, setup included.
      const fd = fs.openSync(file, 'w');
      while (htmlBytes < minBytes) {
        for (const p of pages) {
          fs.writeSync(fd, JSON.stringify({ id: `${p.id}#${docs}`, url: p.url ?? null, html: p.html }) + '\n');
          htmlBytes += p.bytes;
          docs++;
        }
      }
      fs.closeSync(fd);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-extract-'));
      const config = validatePipeline({ name: `extract-${mode}`, run: { workers }, stages: [{ kind: 'extract', mode }] }, 'bench');
      return async () => {
        const result = await runPipeline({ pipeline: config, inputs: [file], output: out, overwrite: true, log: silentLogger() });
        fs.rmSync(out, { recursive: true, force: true });
        return {
          docs: result.manifest.counts.input,
          bytes: htmlBytes,
          cores: workers,
          extra: { mode, workers, kept: result.manifest.counts.kept, input_jsonl_mb: Math.round(fs.statSync(file).size / 1e5) / 10 },
        };
      };
    },
  };
}

export const extractSuite: BenchSuite = {
  name: 'extract',
  cases: [parserOnly(150e6), direct('all', 150e6), direct('main', 100e6), pipeline('all', 150e6), pipeline('main', 150e6)],
};

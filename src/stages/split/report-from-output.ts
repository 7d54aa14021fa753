/**
 * Builds `contamination.json` after a run of the per-document `decontaminate` stage, from what the
 * run wrote: removed documents (their full text, rescanned: exact), flagged documents (text intact,
 * rescanned: exact), redacted documents (their `meta.contamination` summary, since the matched text
 * is gone), and the stage's manifest counters for the documents scanned.
 *
 * Only contaminated documents are parsed: a line is parsed only if it contains `"contamination"`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { type JsonObject, isJsonObject } from '../../core/doc.js';
import { writeFileAtomic } from '../../io/shard-writer.js';
import { compressionOfPath, decompressor } from '../../io/compression.js';
import type { DecontaminateConfig, DecontaminationIndex } from './decontaminate-stage.js';
import { ContaminationReport, ngramTexts } from './report.js';
import { scanText } from './scan.js';

/** Calls `onLine` for each line of a part file (.jsonl, .jsonl.gz, .jsonl.zst) that contains `marker`. */
async function grepLines(file: string, marker: string, onLine: (line: string) => void): Promise<void> {
  let rest = '';
  const decoder = new TextDecoder();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        const line = text.slice(start, nl);
        if (line.includes(marker)) onLine(line);
        start = nl + 1;
      }
      rest = text.slice(start);
      done();
    },
  });
  const compression = compressionOfPath(file);
  if (compression === 'none') await pipeline(fs.createReadStream(file), sink);
  else await pipeline(fs.createReadStream(file), decompressor(compression), sink);
  const last = rest + decoder.decode();
  if (last.includes(marker)) onLine(last);
}

function partFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && /\.jsonl(\.gz|\.zst)?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

interface ManifestView {
  stages?: { name: string; in: number; counters?: Record<string, number> }[];
  outputs?: { routes?: Record<string, number> };
}

export interface OutputReportRequest {
  outputDir: string;
  /** The stage instance name (`removed/<name>/`, the manifest entry). */
  stageName: string;
  config: DecontaminateConfig;
  built: DecontaminationIndex;
}

/** Reads the run's outputs, writes `<outputDir>/contamination.json`, returns the report object. */
export async function writeContaminationReport(request: OutputReportRequest): Promise<JsonObject> {
  const { outputDir, stageName, config, built } = request;
  const { index } = built;
  // Common phrases are filtered with a counts file, or always when indexing held-out splits.
  const filtered = config.ngram_doc_counts_file !== undefined || config.held_out.length > 0;
  const options = { action: config.action, maxNgramDocs: filtered ? config.max_ngram_docs : null };
  const report = new ContaminationReport(index, options);
  const marker = '"contamination"';
  const take = (line: string, removed: boolean): void => {
    const record: unknown = JSON.parse(line);
    if (!isJsonObject(record) || typeof record.text !== 'string') return;
    const id = String(record.id);
    const text = record.text;
    const meta = isJsonObject(record.meta) ? record.meta : {};
    const summary = meta.contamination;
    if (removed) {
      report.observe(id, text, scanText(text, index), { removed: true, charsRemoved: text.length });
    } else if (isJsonObject(summary) && summary.action === 'redact') {
      const chars = typeof summary.characters_removed === 'number' ? summary.characters_removed : 0;
      report.observeSummary(id, 0, summary, { removed: false, charsRemoved: chars });
    } else if (isJsonObject(summary)) {
      report.observe(id, text, scanText(text, index), { removed: false, charsRemoved: 0 });
    }
  };

  for (const file of partFiles(path.join(outputDir, 'removed', stageName))) await grepLines(file, marker, (l) => take(l, true));

  let manifest: ManifestView = {};
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(outputDir, 'manifest.json'), 'utf8')) as ManifestView;
  } catch {
    // No manifest (a run writing to stdout keeps it in the aux directory): totals stay as observed.
  }
  const routes = Object.keys(manifest.outputs?.routes ?? { kept: 0 });
  for (const route of routes.length ? routes : ['kept']) {
    for (const file of partFiles(path.join(outputDir, route))) await grepLines(file, marker, (l) => take(l, false));
  }

  const state = report.toState();
  const entry = manifest.stages?.find((s) => s.name === stageName);
  if (entry) {
    // Every document the stage saw, clean ones included, from the manifest's counters.
    state.totals.documents_scanned = entry.in;
    state.totals.characters_scanned = entry.counters?.characters_scanned ?? state.totals.characters_scanned;
  }
  const final = ContaminationReport.fromState(index, options, state);
  const texts = ngramTexts(
    built.benchmarks.flatMap((b) => b.items.flatMap((it) => it.texts)),
    index.n,
    final.missingTexts(),
  );
  const json = final.toJSON(texts);
  await writeFileAtomic(path.join(outputDir, 'contamination.json'), JSON.stringify(json, null, 2) + '\n');
  return json;
}

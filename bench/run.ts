/**
 * `npm run bench [suite...] [--case name]`: runs each case in a child process, prints docs/s, MB/s
 * and peak RSS per case, and writes bench/results/<suite>.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/config/load.js';
import { type CaseResult, machine, measure } from './harness.js';
import { suites } from './suites/index.js';

const self = fileURLToPath(import.meta.url);

async function child(suiteName: string, caseName: string): Promise<void> {
  const suite = suites.find((s) => s.name === suiteName)!;
  const c = suite.cases.find((x) => x.name === caseName)!;
  const result = await measure(suite.name, c);
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
}

function table(results: CaseResult[]): string {
  const head = ['suite', 'case', 'docs/s', 'MB/s', 'MB/s/core', 'peak RSS MB', 'seconds'];
  const rows = results.map((r) => [r.suite, r.case, String(r.docs_per_s), r.mb_per_s.toFixed(1), r.mb_per_s_per_core.toFixed(1), String(r.peak_rss_mb), r.seconds.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  const caseFilter = args.includes('--case') ? args[args.indexOf('--case') + 1] : null;
  const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--case');
  const chosen = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites;
  const all: CaseResult[] = [];
  for (const suite of chosen) {
    const results: CaseResult[] = [];
    for (const c of suite.cases) {
      if (caseFilter && c.name !== caseFilter) continue;
      const proc = spawnSync(process.execPath, [self, '--child', suite.name, c.name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
      const line = proc.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        process.stderr.write(`bench ${suite.name}/${c.name} failed (exit ${proc.status})\n${proc.stdout}\n`);
        process.exitCode = 1;
        continue;
      }
      const result = JSON.parse(line.slice(7)) as CaseResult;
      results.push(result);
      process.stderr.write(`${suite.name}/${c.name}: ${result.mb_per_s} MB/s, ${result.docs_per_s} docs/s, ${result.peak_rss_mb} MB peak\n`);
    }
    if (results.length === 0) continue;
    all.push(...results);
    const dir = path.join(packageRoot, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${suite.name}.json`);
    fs.writeFileSync(file, JSON.stringify({ suite: suite.name, date: new Date().toISOString(), machine: machine(), results }, null, 2) + '\n');
  }
  process.stdout.write(table(all) + '\n');
}

await main();

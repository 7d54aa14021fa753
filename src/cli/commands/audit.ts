/**
 * Commands that read a finished run: report, explain, inspect clusters, stats. Each parses its
 * flags, calls one function of src/report, and renders (`--json` gives the same data).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { WinnowError } from '../../core/errors.js';
import { writeReport } from '../../report/write.js';
import { explain } from '../../report/explain.js';
import { inspectClusters } from '../../report/inspect.js';
import { readManifestFile } from '../../report/collect.js';
import { ansiDiff, visible } from '../../report/terminal.js';
import { fmt } from '../../report/escape.js';
import { parseCount } from '../run-options.js';
import { examplesHelp } from '../stage-command.js';

const out = (text: string): boolean => process.stdout.write(text);

function runDir(dir: string): string {
  const resolved = path.resolve(dir);
  if (!fs.existsSync(path.join(resolved, 'manifest.json'))) throw new WinnowError('usage', `${dir} is not a finished winnow run (no manifest.json)`);
  return resolved;
}

export function registerAuditCommands(program: Command): void {
  program
    .command('report')
    .description('rebuild report.html of a run (a self-contained page: open it in a browser)')
    .argument('<run-dir>', 'output directory of a winnow run')
    .addHelpText('after', examplesHelp(['winnow report out/default', 'xdg-open out/default/report.html']))
    .action(async (dir: string) => {
      const file = await writeReport(runDir(dir));
      out(`${file}\n`);
    });

  program
    .command('explain')
    .description('where a document went and why: stage, rule, value and threshold; for duplicates the kept document and a diff')
    .argument('<run-dir>', 'output directory of a winnow run')
    .argument('<doc-id>', 'the document id (for an unreadable record: <file>:<line>)')
    .option('--json', 'print JSON')
    .option('--no-color', 'no ANSI colours in the diff')
    .addHelpText('after', examplesHelp(['winnow explain out/default aeb-0b7d2b4f4e0c', 'winnow explain out/default "mixed.jsonl:2" --json']))
    .action(async (dir: string, id: string, flags: { json?: boolean; color: boolean }) => {
      const e = await explain(runDir(dir), id);
      if (flags.json) {
        out(JSON.stringify(e, null, 2) + '\n');
        return;
      }
      const lines = [`${visible(e.id)}: ${e.outcome} (${e.file})`];
      if (e.stage) lines.push(`stage ${e.stage}${e.rule ? `, rule ${e.rule}` : ''}`);
      if (e.rule) lines.push(`value ${JSON.stringify(e.value)}, threshold ${JSON.stringify(e.threshold)}`);
      if (e.error) lines.push(`${e.error.code} at ${visible(e.error.source)}:${e.error.line}: ${visible(e.error.reason)}`);
      if (e.details) lines.push(`details ${visible(JSON.stringify(e.details))}`);
      if (e.duplicateOf) {
        const dup = e.duplicateOf;
        lines.push(`duplicate of ${visible(dup.id)}${dup.cluster !== undefined ? ` in cluster ${String(dup.cluster)}` : ''}${dup.jaccard !== undefined ? `, Jaccard estimate ${String(dup.jaccard)}` : ''}`);
        if (dup.diff) lines.push('diff (kept → this document):', ansiDiff(dup.diff, flags.color));
      } else if (e.text !== undefined) {
        lines.push('text:', visible(e.text.length > 2000 ? e.text.slice(0, 2000) + ' […]' : e.text));
      }
      out(lines.join('\n') + '\n');
    });

  program
    .command('inspect')
    .description('look inside a run')
    .command('clusters')
    .description('a sample of duplicate clusters with coloured diffs of each removed member against the kept one (pipe to less -R)')
    .argument('<run-dir>', 'output directory of a winnow run')
    .option('--min-size <n>', 'only clusters with at least this many documents', parseCount, 2)
    .option('--sample <k>', 'clusters shown (a fixed sample)', parseCount, 10)
    .option('--members <n>', 'removed members diffed per cluster', parseCount, 3)
    .option('--no-color', 'no ANSI colours')
    .addHelpText('after', examplesHelp(['winnow inspect clusters out/default | less -R', 'winnow inspect clusters out/run --min-size 10 --sample 5 --no-color']))
    .action(async (dir: string, flags: { minSize: number; sample: number; members: number; color: boolean }) => {
      for await (const chunk of inspectClusters(runDir(dir), flags)) out(chunk);
    });

  program
    .command('stats')
    .description("a run's counts as a table: documents in, kept, removed per stage and rule, errors")
    .argument('<run-dir>', 'output directory of a winnow run')
    .option('--json', 'print JSON')
    .addHelpText('after', examplesHelp(['winnow stats out/default', 'winnow stats out/default --json | jq .counts']))
    .action((dir: string, flags: { json?: boolean }) => {
      const m = readManifestFile(runDir(dir));
      const data = { counts: m.counts, check: m.check, stages: m.stages.map((s) => ({ name: s.name, kind: s.kind, in: s.in, kept: s.kept, removed: s.removed, errors: s.errors, rules: s.rules })), routes: m.outputs.routes, read: m.read, wall_ms: m.wall_ms };
      if (flags.json) {
        out(JSON.stringify(data, null, 2) + '\n');
        return;
      }
      const rows: string[][] = [['stage', 'in', 'kept', 'removed', 'errors', 'top rules']];
      for (const s of data.stages) {
        const rules = Object.entries(s.rules).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${r} ${fmt(n)}`).join(', ');
        rows.push([s.name, fmt(s.in), fmt(s.kept), fmt(s.removed), fmt(s.errors), rules]);
      }
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      const table = rows.map((r) => r.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
      const routes = Object.entries(data.routes).map(([r, n]) => `${r} ${fmt(n)}`).join(', ');
      out(`input ${fmt(m.counts.input)}  kept ${fmt(m.counts.kept)}  removed ${fmt(m.counts.removed)}  errors ${fmt(m.counts.errors)}  (${m.check.ok ? 'accounted' : 'NOT ACCOUNTED'})\noutput: ${routes || 'none'}\n\n${table}\n`);
    });
}

/**
 * report.html: one self-contained page, no network requests, no script. Charts are inline SVG
 * rendered on the server; every string that comes from data is escaped (see escape.ts), and a
 * Content-Security-Policy forbids scripts anyway, so hostile documents stay text.
 */
import type { Sample } from '../core/audit.js';
import { binRange, sortBins } from '../core/audit.js';
import type { JsonObject } from '../core/doc.js';
import { type Bars, barChart, lineChart } from './charts.js';
import type { ClusterView, DedupView, ReportData } from './collect.js';
import { diffWords } from './diff.js';
import { type Raw, escapeHtml, fmt, html, raw } from './escape.js';

const styles = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2a3a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header .sub{opacity:.8}main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #e4e8ee;padding:3px 10px;text-align:right;vertical-align:top}
th{background:#f0f3f6}td.l,th.l{text-align:left}
.ok{color:#2d6a2d;font-weight:600}.bad{color:#a12b2b;font-weight:600}
.doc{white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,monospace;background:#fafbfc;border:1px solid #e4e8ee;padding:6px 8px;max-height:260px;overflow:auto;margin:4px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}.meta{color:#5b6675;font-size:12px}
del{background:#fbd6d6;text-decoration:none}ins{background:#cdeccd;text-decoration:none}
details{margin:4px 0}summary{cursor:pointer;color:#27496d}.charts{display:flex;flex-wrap:wrap;gap:10px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #dde2e8;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}
`;

function card(label: string, value: unknown, cls = ''): Raw {
  return html`<div class="card"><span class="meta">${label}</span><b class="${cls}">${fmt(value)}</b></div>`;
}

function overview(data: ReportData): Raw {
  const m = data.manifest;
  const c = m.counts;
  return html`<section id="overview"><h2>Overview</h2>
<div class="cards">${card('input', c.input)}${card('kept', c.kept)}${card('removed', c.removed)}${card('errors', c.errors)}${card('wall time (s)', m.wall_ms / 1000)}${card('input MB', m.bytes.input_decoded / 1e6)}</div>
<p>Accounting: <span class="${m.check.ok ? 'ok' : 'bad'}">${m.check.equation}</span></p>
<p class="meta">pipeline ${m.pipeline} · winnow ${m.winnow_version} · node ${m.node_version} · ${m.workers} workers · config ${m.config_hash.slice(0, 12)} · finished ${m.finished_at}</p>
${m.command ? html`<p class="meta">command: <code>${m.command}</code></p>` : ''}</section>`;
}

function funnel(data: ReportData): Raw {
  const stages = data.manifest.stages;
  const categories = ['input', ...stages.map((s) => s.name)];
  const docs: Bars = {
    title: 'Documents after each stage',
    categories,
    series: [{ name: 'documents', values: [data.manifest.counts.input, ...stages.map((s) => s.kept)] }],
  };
  const chars: Bars = {
    title: 'Characters of text in and out of each stage (millions)',
    categories: stages.map((s) => s.name),
    series: [
      { name: 'in', values: stages.map((s) => round(s.chars_in / 1e6)) },
      { name: 'out', values: stages.map((s) => round(s.chars_out / 1e6)) },
    ],
  };
  const rows = stages.map(
    (s) => html`<tr><td class="l">${s.name}</td><td class="l">${s.kind} (${s.runs_as})</td><td>${fmt(s.in)}</td><td>${fmt(s.kept)}</td><td>${fmt(s.removed)}</td><td>${fmt(s.errors)}</td><td>${fmt(s.chars_in)}</td><td>${fmt(s.chars_out)}</td></tr>`,
  );
  return html`<section id="funnel"><h2>Funnel</h2><div class="charts">${raw(barChart(docs, 560, 260))}${raw(barChart(chars, 560, 260))}</div>
<table><tr><th class="l">stage</th><th class="l">kind</th><th>in</th><th>kept</th><th>removed</th><th>errors</th><th>chars in</th><th>chars out</th></tr>${rows}</table></section>`;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function sampleBlock(sample: Sample): Raw {
  const head = html`<div class="meta">${sample.id}${sample.rule ? html` · ${sample.rule}` : ''}${sample.value !== undefined ? html` · value ${JSON.stringify(sample.value)}` : ''}${sample.threshold !== undefined && sample.threshold !== null ? html` · threshold ${JSON.stringify(sample.threshold)}` : ''}</div>`;
  if (sample.before !== undefined) return html`${head}${diffPair(sample.before, sample.text, 'before', 'after')}`;
  return html`${head}<div class="doc">${sample.text}</div>${sample.details ? html`<div class="meta">details: ${JSON.stringify(sample.details).slice(0, 600)}</div>` : ''}`;
}

/** Two texts side by side, deleted spans marked on the left, inserted on the right. */
function diffPair(left: string, right: string, leftLabel: string, rightLabel: string): Raw {
  const spans = diffWords(left, right);
  const l = spans.filter((s) => s.op !== 'insert').map((s) => (s.op === 'delete' ? html`<del>${s.text}</del>` : html`${s.text}`));
  const r = spans.filter((s) => s.op !== 'delete').map((s) => (s.op === 'insert' ? html`<ins>${s.text}</ins>` : html`${s.text}`));
  return html`<div class="pair"><div><div class="meta">${leftLabel}</div><div class="doc">${l}</div></div><div><div class="meta">${rightLabel}</div><div class="doc">${r}</div></div></div>`;
}

function removals(data: ReportData): Raw {
  const parts: Raw[] = [];
  for (const stage of data.manifest.stages) {
    const audit = data.audit?.samples[stage.name];
    const rules = Object.entries(stage.rules).sort((a, b) => b[1] - a[1]);
    if (rules.length === 0 && !audit?.edited.length) continue;
    const chart = rules.length
      ? raw(barChart({ title: `${stage.name}: removals per rule`, categories: rules.map(([r]) => r), series: [{ name: 'documents', values: rules.map(([, n]) => n) }], horizontal: true }, 720, Math.max(120, 40 + rules.length * 24)))
      : '';
    const samples = rules.map(([rule, n]) => {
      const list = audit?.removed[rule] ?? [];
      return html`<details><summary>${rule}: ${fmt(n)} removed · ${list.length} sampled</summary>${list.map(sampleBlock)}</details>`;
    });
    const edits = audit?.edited.length
      ? html`<details><summary>${stage.name}: ${audit.edited.length} sampled edits (before → after)</summary>${audit.edited.map(sampleBlock)}</details>`
      : '';
    const counters = Object.entries(stage.counters);
    parts.push(
      html`<h3>${stage.name}</h3>${chart}${samples}${edits}${counters.length ? html`<p class="meta">counters: ${counters.map(([k, v]) => `${k} ${fmt(v)}`).join(' · ')}</p>` : ''}`,
    );
  }
  return html`<section id="removals"><h2>Removals per stage and rule</h2>${parts.length ? parts : html`<p>Nothing was removed.</p>`}</section>`;
}

function histograms(data: ReportData): Raw {
  const charts: Raw[] = [];
  for (const [stage, signals] of Object.entries(data.audit?.histograms ?? {})) {
    for (const [signal, bins] of Object.entries(signals)) {
      const order = sortBins(Object.keys(bins));
      const categories = order.map((b) => label(binRange(b)));
      const threshold = data.thresholds[stage]?.[signal];
      const markers = threshold === undefined ? [] : markerAt(order, threshold);
      charts.push(raw(barChart({ title: `${stage} · ${signal}`, categories, series: [{ name: 'documents', values: order.map((b) => bins[b]) }], markers }, 560, 240)));
    }
  }
  if (charts.length === 0) return html``;
  return html`<section id="signals"><h2>Signals</h2><p class="meta">Distributions of what the stages measured, thresholds dashed.</p><div class="charts">${charts}</div></section>`;
}

const label = ([lo, hi]: [number, number]): string => (hi <= 1 ? lo.toFixed(2) : lo < 10 ? lo.toFixed(1) : fmt(Math.round(lo)));

function markerAt(order: string[], threshold: number): { at: number; label: string }[] {
  const at = order.findIndex((b) => {
    const [lo, hi] = binRange(b);
    return threshold >= lo && threshold < hi;
  });
  return at < 0 ? [] : [{ at, label: `threshold ${fmt(threshold)}` }];
}

function clusterBlock(cluster: ClusterView): Raw {
  const members = cluster.members.map((m) =>
    m.text !== null && cluster.kept.text !== null
      ? html`<div class="meta">removed ${m.id}${m.jaccard !== null ? ` · Jaccard estimate ${fmt(m.jaccard)}` : ''} vs kept ${cluster.kept.id}</div>${diffPair(cluster.kept.text, m.text, `kept ${cluster.kept.id}`, `removed ${m.id}`)}`
      : html`<div class="meta">${m.id} (text not available)</div>`,
  );
  return html`<details><summary>cluster ${cluster.cluster}: ${fmt(cluster.size)} documents, kept ${cluster.kept.id}</summary>${members}</details>`;
}

function dedupSection(view: DedupView): Raw {
  const s = view.summary;
  const curve = Array.isArray(s.threshold_curve) ? (s.threshold_curve as JsonObject[]) : Array.isArray((s.lsh as JsonObject | undefined)?.curve) ? ((s.lsh as JsonObject).curve as JsonObject[]) : [];
  const curveChart = curve.length
    ? raw(lineChart({ title: 'Detection curve: P(candidate | Jaccard)', x: curve.map((p) => Number(p.jaccard ?? p.j)), series: [{ name: 'P(candidate)', values: curve.map((p) => Number(p.probability ?? p.p)) }], xLabel: 'Jaccard similarity' }, 560, 260))
    : '';
  const sizes = s.size_histogram ?? (s.clusters as JsonObject | undefined)?.size_histogram;
  const sizeChart = isRecord(sizes)
    ? raw(barChart({ title: 'Cluster sizes', categories: Object.keys(sizes), series: [{ name: 'clusters', values: Object.values(sizes).map(Number) }] }, 560, 260))
    : '';
  const jaccardChart = view.jaccard.some((n) => n > 0)
    ? raw(barChart({ title: 'Jaccard estimate of removed members to the kept document', categories: view.jaccard.map((_, i) => (i / 20).toFixed(2)), series: [{ name: 'documents', values: view.jaccard }] }, 560, 260))
    : '';
  const params = Object.entries(s).filter(([, v]) => typeof v !== 'object' || v === null);
  return html`<h3>${view.stage}</h3><table>${params.map(([k, v]) => html`<tr><td class="l">${k}</td><td class="l">${String(v)}</td></tr>`)}</table>
<details><summary>summary.json</summary><div class="doc">${JSON.stringify(s, null, 2)}</div></details>
<div class="charts">${curveChart}${sizeChart}${jaccardChart}</div><h3>Largest clusters</h3>${view.largest.length ? view.largest.map(clusterBlock) : html`<p>No clusters.</p>`}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function dedup(data: ReportData): Raw {
  if (data.dedup.length === 0) return html``;
  return html`<section id="dedup"><h2>Deduplication</h2>${data.dedup.map(dedupSection)}</section>`;
}

function contamination(data: ReportData): Raw {
  const c = data.contamination;
  if (!c) return html``;
  const groups = [...Object.entries((c.benchmarks as JsonObject) ?? {}).map(([k, v]) => ['benchmark', k, v] as const), ...Object.entries((c.splits as JsonObject) ?? {}).map(([k, v]) => ['split', k, v] as const)];
  const rows = groups.map(([kind, name, v]) => {
    const g = v as JsonObject;
    return html`<tr><td class="l">${name}</td><td class="l">${kind}</td><td>${fmt(g.items)}</td><td>${fmt(g.contaminated_items)}</td><td>${fmt(g.contaminated_fraction)}</td><td>${fmt(g.documents_touched)}</td><td>${fmt(g.documents_removed)}</td><td>${fmt(g.characters_removed)}</td></tr>`;
  });
  const examples = groups.flatMap(([, name, v]) =>
    ((v as JsonObject).examples as JsonObject[] | undefined ?? []).slice(0, 3).map((e) => html`<div class="meta">${name} · item ${String(e.item ?? '')} · document ${String(e.document ?? e.id ?? '')}</div><div class="doc">${String(e.span_text ?? e.text ?? JSON.stringify(e))}</div>`),
  );
  return html`<section id="contamination"><h2>Contamination</h2><p class="meta">${fmt(c.n)}-grams · action ${String(c.action)} · ${fmt(c.documents_scanned)} documents scanned · ${fmt(c.documents_touched)} touched</p>
<table><tr><th class="l">source</th><th class="l">kind</th><th>items</th><th>contaminated</th><th>fraction</th><th>docs touched</th><th>docs removed</th><th>chars removed</th></tr>${rows}</table>
${examples.length ? html`<details><summary>examples</summary>${examples}</details>` : ''}</section>`;
}

function splits(data: ReportData): Raw {
  const routes = Object.entries(data.manifest.outputs.routes);
  if (routes.length <= 1 && routes[0]?.[0] === 'kept') return html``;
  return html`<section id="splits"><h2>Splits</h2>${raw(barChart({ title: 'Documents per split', categories: routes.map(([r]) => r), series: [{ name: 'documents', values: routes.map(([, n]) => n) }] }, 480, 240))}</section>`;
}

function timings(data: ReportData): Raw {
  const m = data.manifest;
  const rows = m.stages.map((s) => {
    const seconds = s.busy_ms / 1000;
    return html`<tr><td class="l">${s.name}</td><td>${fmt(seconds)}</td><td>${seconds > 0 ? fmt(Math.round(s.in / seconds)) : '–'}</td><td>${seconds > 0 ? fmt(s.chars_in / 1e6 / seconds) : '–'}</td></tr>`;
  });
  const passes = m.passes.map((p) => html`<tr><td class="l">pass ${p.index + 1}</td><td class="l">${p.stages.join(', ')}</td><td>${fmt(p.wall_ms / 1000)}</td></tr>`);
  return html`<section id="timings"><h2>Timings</h2><p class="meta">Busy time is summed over worker threads (CPU time); passes are wall time.</p>
<table><tr><th class="l">stage</th><th>busy s</th><th>docs/s busy</th><th>M chars/s busy</th></tr>${rows}</table>
<table><tr><th class="l">pass</th><th class="l">stages</th><th>wall s</th></tr>${passes}</table></section>`;
}

function errors(data: ReportData): Raw {
  const byCode = Object.entries(data.manifest.read.errors);
  if (data.manifest.counts.errors === 0) return html``;
  return html`<section id="errors"><h2>Errors</h2><p>${byCode.map(([k, v]) => `${k} ${fmt(v)}`).join(' · ')}</p>
${data.errors.map((e) => html`<div class="meta">${e.source}:${e.line}${e.stage ? ` · ${e.stage}` : ''} · ${e.code}</div><div class="doc">${e.reason}${e.raw ? `\n${e.raw.slice(0, 500)}` : ''}</div>`)}</section>`;
}

export function renderReport(data: ReportData): string {
  const m = data.manifest;
  const body = html`<header><h1>winnow report: ${m.pipeline}</h1><div class="sub">${m.counts.input} documents in · ${m.counts.kept} kept</div></header>
<main>${overview(data)}${funnel(data)}${removals(data)}${histograms(data)}${dedup(data)}${contamination(data)}${splits(data)}${timings(data)}${errors(data)}</main>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>winnow report: ${escapeHtml(m.pipeline)}</title><style>${styles}</style></head>
<body>${body.html}</body></html>
`;
}

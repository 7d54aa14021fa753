/**
 * report.html in a real headless browser (Debian's chromium driven by playwright-core): documents
 * full of hostile HTML are shown as text, nothing executes, the charts render, and a screenshot is
 * saved in bench/results/ for people to look at. Skipped when /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { runCli, tempDir, writeJsonl } from '../helpers/index.js';

const chromiumPath = '/usr/bin/chromium';
const haveChromium = fs.existsSync(chromiumPath);

const hostile = [
  '<script>window.__pwned = "script"</script>',
  '</script><script>window.__pwned = "closing"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  '<a href="javascript:window.__pwned=\'link\'">click me</a>',
  '<!-- an unclosed comment',
  '<svg onload="window.__pwned = \'svg\'"></svg>',
  '"><iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
  '<style>body{display:none}</style>',
];

let dir: string;
let out: string;

before(async () => {
  dir = await tempDir();
  out = path.join(dir, 'out');
  const prose = 'The committee met on Tuesday to review the budget and the schedule for the new library, and the members agreed that the plan was sound. ';
  const records = [
    ...hostile.map((h, i) => ({ id: `hostile-${i}${h}`, text: h })),
    ...hostile.map((h, i) => ({ id: `long-${i}`, text: `${prose.repeat(4)}\n\n${h}\n\n${prose.repeat(3)}` })),
    ...hostile.map((h, i) => ({ id: `copy-${i}`, text: `${prose.repeat(4)}\n\n${h}\n\n${prose.repeat(3)}` })),
    { id: 'plain', text: prose.repeat(5) },
  ];
  writeJsonl(path.join(dir, 'hostile.jsonl'), records);
  fs.writeFileSync(path.join(dir, 'pipe.yaml'), 'name: hostile\nstages:\n  - kind: quality\n    rules: [gopher_quality]\n  - kind: dedup\n');
  const result = await runCli(['run', path.join(dir, 'pipe.yaml'), '-i', path.join(dir, 'hostile.jsonl'), '-o', out, '--log-format', 'json']);
  assert.equal(result.code, 0, result.stderr);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('report.html is self-contained and escapes every document string', () => {
  const page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.ok(!/<script/i.test(page), 'no script element at all');
  assert.ok(!/<[a-z][^>]*\son[a-z]+\s*=/i.test(page), 'no element with an event handler');
  assert.ok(!/(src|href)\s*=\s*["']?(https?:|javascript:|\/\/)/i.test(page), 'no external resource or javascript: URL');
  assert.match(page, /&lt;script&gt;window.__pwned/);
  assert.match(page, /Content-Security-Policy/);
  assert.ok(page.length < 10 * 1024 * 1024);
});

test('in Chromium: nothing executes, no console errors, the charts render', { skip: !haveChromium && 'needs /usr/bin/chromium (apt-get install chromium)' }, async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    // Load time is measured by the audit benchmark (bench/suites/audit.ts), not asserted here.
    await page.goto('file://' + path.join(out, 'report.html'), { waitUntil: 'load' });
    // Open every <details> so hidden samples render too.
    // (Page code is passed as strings: this project's TypeScript has no DOM types.)
    await page.evaluate("document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))");
    const pwned = await page.evaluate('window.__pwned ?? null');
    assert.equal(pwned, null, 'no document script ran');
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [], 'no network requests');
    const charts = (await page.evaluate("[...document.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().width > 100 && s.querySelectorAll('path,rect').length > 3).length")) as number;
    assert.ok(charts >= 3, `${charts} charts rendered`);
    const shown = (await page.evaluate('document.body.innerText')) as string;
    assert.ok(shown.includes('<script>window.__pwned = "script"</script>'), 'hostile text is shown as text');
    // The page renders to a real image (written to the test's temporary directory, not the tree).
    const shot = path.join(dir, 'report-screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual([...fs.readFileSync(shot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  } finally {
    await browser.close();
  }
});

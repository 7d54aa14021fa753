/**
 * WARC / WET / ARC input: documents from HTML responses (charset from the HTTP header, chunked
 * and gzip bodies), WET text passed through, other records skipped and counted (not as input),
 * malformed and truncated files ending in error records. Every file of the shared WARC samples
 * must parse or yield error records.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { readManifest, readRecords, runCli, runInProcess, sharedCorpus, tempDir } from '../helpers/index.js';

type Rec = Record<string, unknown>;

function warcRecord(type: string, headers: Record<string, string>, block: Buffer): Buffer {
  const head = [`WARC/1.0`, `WARC-Type: ${type}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${block.length}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]);
}

function response(url: string, id: string, contentType: string, body: Buffer, extra: string[] = []): Buffer {
  const http = Buffer.concat([Buffer.from(['HTTP/1.1 200 OK', `Content-Type: ${contentType}`, ...extra, '', ''].join('\r\n')), body]);
  return warcRecord('response', { 'WARC-Target-URI': url, 'WARC-Record-ID': `<urn:uuid:${id}>`, 'WARC-Date': '2024-05-01T00:00:00Z', 'Content-Type': 'application/http; msgtype=response' }, http);
}

const chunked = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);

/** Shift_JIS bytes of 日本語のページ (declared only in the HTTP header). */
const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc, 0x83, 0x79, 0x81, 0x5b, 0x83, 0x57]);

function crafted(): Buffer {
  const page = (title: string, body: string) => Buffer.from(`<html lang="en"><title>${title}</title><body><p>${body}</p></body></html>`);
  return Buffer.concat([
    warcRecord('warcinfo', { 'Content-Type': 'application/warc-fields' }, Buffer.from('software: test\r\n')),
    warcRecord('request', { 'WARC-Target-URI': 'http://a.example/' }, Buffer.from('GET / HTTP/1.1\r\n\r\n')),
    response('http://a.example/', 'a', 'text/html; charset=utf-8', page('A', 'First page text.')),
    response('http://b.example/jp', 'b', 'text/html; charset=Shift_JIS', Buffer.concat([Buffer.from('<p>'), sjis, Buffer.from('</p>')])),
    response('http://c.example/img.png', 'c', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47])),
    response('http://d.example/', 'd', 'text/html', chunked(zlib.gzipSync(page('D', 'Chunked and gzipped body.'))), ['Transfer-Encoding: chunked', 'Content-Encoding: gzip']),
    warcRecord('metadata', { 'WARC-Target-URI': 'http://a.example/' }, Buffer.from('fetchTimeMs: 10\r\n')),
    warcRecord('conversion', { 'WARC-Target-URI': 'http://e.example/', 'WARC-Record-ID': '<urn:uuid:e>', 'Content-Type': 'text/plain' }, Buffer.from('WET text\npasses through as it is.')),
  ]);
}

async function extract(files: Record<string, Buffer>, extraArgs: string[] = []) {
  const dir = await tempDir();
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(input, name), bytes);
  const out = path.join(dir, 'out');
  const res = await runCli(['extract', '-i', input, '-o', out, '--mode', 'all', '--compression', 'none', '--log-format', 'json', '--no-progress', ...extraArgs]);
  assert.equal(res.code, 0, res.stderr);
  return { out, manifest: readManifest(out) as ReturnType<typeof readManifest> & { read: { skipped_records: Record<string, number> } }, kept: readRecords(path.join(out, 'kept')), errors: readRecords(path.join(out, 'errors')) };
}

describe('WARC input', () => {
  test('HTML responses become documents, WET text passes, the rest is skipped and counted', async () => {
    const { manifest, kept } = await extract({ 'crawl.warc.gz': zlib.gzipSync(crafted()) });
    assert.ok(manifest.check.ok);
    assert.deepEqual(manifest.counts, { input: 4, kept: 4, removed: 0, errors: 0 });
    assert.deepEqual(manifest.read.skipped_records, { warcinfo: 1, request: 1, 'response:image/png': 1, metadata: 1 });
    assert.deepEqual(
      kept.map((r: Rec) => [r.id, r.url, r.text]),
      [
        ['urn:uuid:a', 'http://a.example/', 'First page text.'],
        ['urn:uuid:b', 'http://b.example/jp', '日本語のページ'],
        ['urn:uuid:d', 'http://d.example/', 'Chunked and gzipped body.'],
        ['urn:uuid:e', 'http://e.example/', 'WET text\npasses through as it is.'],
      ],
    );
    const meta = kept[1].meta as { warc: Rec };
    assert.equal(meta.warc.charset, 'shift_jis');
    assert.equal(meta.warc.charset_source, 'http');
    assert.equal(meta.warc.status, 200);
    assert.equal((kept[0].meta as { title: string }).title, 'A');
  });

  test('each gzip member or none: plain .warc, multi-member .warc.gz and a gzipped file without .gz read the same', async () => {
    const bytes = crafted();
    const members = Buffer.concat(bytes.toString('latin1').split(/(?=WARC\/1\.0\r\n)/).map((r) => zlib.gzipSync(Buffer.from(r, 'latin1'))));
    const a = await extract({ 'a.warc': bytes });
    const b = await extract({ 'b.warc.gz': members });
    const c = await extract({ 'c.warc': zlib.gzipSync(bytes) });
    const texts = (k: Rec[]) => k.map((r) => r.text);
    assert.deepEqual(texts(b.kept), texts(a.kept));
    assert.deepEqual(texts(c.kept), texts(a.kept));
  });

  test('a truncated .warc.gz keeps the records before the break and ends in an error record', async () => {
    const gz = zlib.gzipSync(crafted());
    const { manifest, kept, errors } = await extract({ 'cut.warc.gz': gz.subarray(0, Math.floor(gz.length * 0.8)) });
    assert.ok(manifest.check.ok);
    assert.ok(kept.length >= 1 && kept.length < 4, `${kept.length} kept`);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0].code), /truncated_input|malformed_warc/);
  });

  test('garbage between records is an error record at its offset; nothing crashes', async () => {
    const bytes = crafted();
    const cut = bytes.indexOf('WARC/1.0\r\nWARC-Type: response', 0, 'latin1');
    const broken = Buffer.concat([bytes.subarray(0, cut), Buffer.from('this is not a WARC header\r\nat all\r\n\r\n'), bytes.subarray(cut)]);
    const { manifest, errors } = await extract({ 'broken.warc': broken });
    assert.ok(manifest.check.ok);
    assert.ok(errors.length >= 1);
    assert.equal(errors[0].source, 'broken.warc');
    assert.equal(typeof errors[0].offset, 'number');
  });

  test('a record over --max-doc-bytes is an error record; the next one is still read', async () => {
    const big = response('http://big.example/', 'big', 'text/html', Buffer.from('<p>' + 'z'.repeat(20_000) + '</p>'));
    const small = response('http://small.example/', 'small', 'text/html', Buffer.from('<p>small</p>'));
    const { manifest, kept, errors } = await extract({ 'x.warc': Buffer.concat([big, small]) }, ['--max-doc-bytes', '8k']);
    assert.deepEqual(manifest.counts, { input: 2, kept: 1, removed: 0, errors: 1 });
    assert.equal(kept[0].url, 'http://small.example/');
    assert.equal(errors[0].code, 'too_large');
  });

  test('ARC v1 records (warcio misreads ARC, so winnow reads it itself)', async () => {
    const body = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\r\n<p>Caf\xe9 au lait.</p>', 'latin1');
    const version = Buffer.from('1 0 test\nURL IP-address Archive-date Content-type Archive-length\n');
    const arc = Buffer.concat([
      Buffer.from(`filedesc://test.arc 0.0.0.0 20080101000000 text/plain ${version.length}\n`),
      version,
      Buffer.from('\n'),
      Buffer.from(`http://arc.example/ 1.2.3.4 20080101000000 text/html ${body.length}\n`),
      body,
      Buffer.from('\n'),
    ]);
    const { manifest, kept } = await extract({ 'old.arc': arc });
    assert.deepEqual(manifest.counts, { input: 1, kept: 1, removed: 0, errors: 0 });
    assert.deepEqual([kept[0].url, kept[0].text], ['http://arc.example/', 'Café au lait.']);
    assert.deepEqual(manifest.read.skipped_records, { arcinfo: 1 });
  });
});

const samples = sharedCorpus('raw-web-warc-samples');

describe('the shared WARC/WET/ARC samples', () => {
  test('every file parses or yields error records; accounting holds', { skip: !samples && 'needs ../shared/corpora' }, async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'in');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (!e.name.endsWith('.md')) files.push(path.join(d, e.name));
      }
    };
    walk(samples!);
    for (const f of files) {
      const link = path.join(input, path.relative(samples!, f));
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(f, link);
    }
    const out = path.join(dir, 'out');
    // Forced format: `example-bad.warc.gz.bad` has no WARC extension.
    const result = await runInProcess({ name: 'warc', input: { format: 'warc' }, output: { compression: 'none' }, stages: [{ kind: 'extract', mode: 'main' }] }, [input], out);
    const m = result.manifest;
    assert.ok(m.check.ok, m.check.equation);
    const kept = readRecords(path.join(out, 'kept'));
    const removed = readRecords(path.join(out, 'removed'));
    const errors = readRecords(path.join(out, 'errors'));
    // The whirlwind triple: one Wikipedia page as WARC response and as WET conversion text.
    const escopete = kept.filter((r) => r.url === 'https://an.wikipedia.org/wiki/Escopete');
    assert.equal(escopete.length, 2, 'WARC response + WET conversion');
    for (const r of escopete) assert.match(String(r.text), /Escopete/);
    // The Common Crawl excerpt: 16 HTML responses, requests and metadata skipped.
    assert.ok(m.read.skipped_records.request >= 17 + 22 + 15);
    assert.ok(m.read.skipped_records.metadata >= 16);
    // warcio's deliberately broken fixtures end as error records, never a crash.
    assert.ok(errors.some((e) => e.source === 'warcio-test-data/bad.arc'));
    // The 2008 ARC: ~140 records, HTML kept (bodies stored decoded despite their gzip header).
    const arc = [...kept, ...removed].filter((r) => String(r.id).startsWith('copycat-commoncrawl-2008-arc/'));
    assert.ok(arc.length >= 130, `${arc.length} ARC documents`);
    assert.equal(errors.filter((e) => String(e.source).startsWith('copycat')).length, 0);
    const replacement = kept.filter((r) => String(r.text).includes('\ufffd')).length;
    assert.ok(replacement <= 3, `${replacement} documents with replacement characters`);
  });
});

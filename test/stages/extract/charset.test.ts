/**
 * Bytes to text before extraction: BOM, HTTP charset, <meta charset>/http-equiv, UTF-8 check,
 * windows-1252 fallback; legacy encodings with crafted bytes and with real pages of the shared
 * evaluation sets (skipped when ../shared/corpora is absent).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { contentTypeCharset, decodeHtml, declaredCharset } from '../../../src/io/charset.js';
import { extractHtml } from '../../../src/stages/extract/extract.js';
import { sharedCorpus } from '../../helpers/index.js';

const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const page = (head: string, body: number[]): Uint8Array => new Uint8Array([...ascii(`<html><head>${head}</head><body><p>`), ...body, ...ascii('</p></body></html>')]);
const text = (bytes: Uint8Array, hint?: string): string => extractHtml(decodeHtml(bytes, hint).text, { mode: 'all' }).text;

/** The same words in legacy encodings, as bytes (checked against TextDecoder below). */
const samples = [
  { label: 'shift_jis', declared: 'Shift_JIS', bytes: [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea], text: '日本語' },
  { label: 'gbk', declared: 'gb2312', bytes: [0xd6, 0xd0, 0xce, 0xc4], text: '中文' },
  { label: 'euc-kr', declared: 'EUC-KR', bytes: [0xc7, 0xd1, 0xb1, 0xb9, 0xbe, 0xee], text: '한국어' },
  { label: 'iso-8859-2', declared: 'ISO-8859-2', bytes: [0xa3, 0xf3, 0x64, 0xbc], text: 'Łódź' },
  { label: 'windows-1252', declared: 'windows-1252', bytes: [0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35], text: 'café €5' },
  { label: 'koi8-r', declared: 'KOI8-R', bytes: [0xf2, 0xd5, 0xd3, 0xd3, 0xcb, 0xc9, 0xca], text: 'Русский' },
];

describe('charset decoding', () => {
  test("windows-1252's 0x80-0x9F are €, quotes and dashes (Node 20's decoder gives C1 controls)", () => {
    const bytes = page('<meta charset="windows-1252">', [0x93, 0x71, 0x94, 0x20, 0x96, 0x20, 0x80, 0x20, 0x99, 0x20, 0x85]);
    assert.equal(text(bytes), '“q” – € ™ …');
  });

  for (const s of samples) {
    test(`${s.label}: <meta charset>, http-equiv, and the HTTP header alone`, () => {
      if (s.label !== 'windows-1252') assert.equal(new TextDecoder(s.label).decode(new Uint8Array(s.bytes)), s.text);
      assert.equal(text(page(`<meta charset="${s.declared}">`, s.bytes)), s.text);
      assert.equal(text(page(`<meta http-equiv="Content-Type" content="text/html; charset=${s.declared}">`, s.bytes)), s.text);
      assert.equal(text(page('', s.bytes), contentTypeCharset(`text/html; charset="${s.declared}"`) ?? undefined), s.text);
    });
  }

  test('order: BOM over the HTTP header over <meta>', () => {
    const utf8 = [...Buffer.from('日本語')];
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...page('<meta charset="windows-1252">', utf8)]);
    assert.deepEqual([decodeHtml(withBom, 'shift_jis').source, text(withBom, 'shift_jis')], ['bom', '日本語']);
    const sjis = page('<meta charset="windows-1252">', samples[0].bytes);
    assert.deepEqual([decodeHtml(sjis, 'shift_jis').charset, text(sjis, 'shift_jis')], ['shift_jis', '日本語']);
  });

  test('a page declaring a legacy charset that is really UTF-8 decodes as UTF-8', () => {
    const bytes = page('<meta charset="iso-8859-1">', [...Buffer.from('Grüße aus Köln')]);
    assert.deepEqual([decodeHtml(bytes).charset, text(bytes)], ['utf-8', 'Grüße aus Köln']);
  });

  test('no declaration: valid UTF-8 is UTF-8, anything else windows-1252', () => {
    assert.equal(text(page('', [...Buffer.from('naïve café')])), 'naïve café');
    assert.deepEqual([decodeHtml(page('', [0x6e, 0x61, 0xef, 0x76, 0x65])).source, text(page('', [0x6e, 0x61, 0xef, 0x76, 0x65]))], ['fallback', 'naïve']);
  });

  test('declared UTF-8 with a stray byte keeps the UTF-8 text (one replacement character)', () => {
    const bytes = page('<meta charset="utf-8">', [...Buffer.from('Straße '), 0xff, ...Buffer.from(' Ende')]);
    assert.equal(text(bytes), 'Straße \ufffd Ende');
  });

  test('unknown labels fall through; a <meta> declaring UTF-16 means UTF-8', () => {
    assert.equal(text(page('<meta charset="no-such-charset">', [...Buffer.from('plain ünï')])), 'plain ünï');
    assert.equal(decodeHtml(page('<meta charset="utf-16">', [...Buffer.from('x')])).charset, 'utf-8');
    assert.equal(declaredCharset(new TextEncoder().encode('<?xml version="1.0" encoding="ISO-8859-15"?><html>')), 'iso-8859-15');
  });
});

const trafilatura = sharedCorpus('html-extraction-trafilatura-eval-dev');
const cleaneval = sharedCorpus('html-extraction-cleaneval-dev');

describe('real pages in legacy encodings', () => {
  test('ISO-8859-1 pages of the trafilatura set: their must-include snippets survive decoding', { skip: !trafilatura && 'needs ../shared/corpora' }, () => {
    const data = JSON.parse(fs.readFileSync(path.join(trafilatura!, 'evaldata-dev.json'), 'utf8')) as Record<string, { file: string; with: string[] }>;
    let checked = 0;
    for (const entry of Object.values(data)) {
      const bytes = fs.readFileSync(path.join(trafilatura!, 'html', entry.file));
      const decoded = decodeHtml(bytes);
      if (decoded.charset !== 'windows-1252') continue;
      checked++;
      const extracted = extractHtml(decoded.text, { mode: 'all' }).text.replace(/\s+/g, ' ');
      assert.doesNotMatch(extracted, /\ufffd|Ã[¤¶¼Ÿ]/, entry.file);
      for (const snippet of entry.with) assert.ok(extracted.includes(snippet.replace(/\s+/g, ' ')), `${entry.file}: ${snippet}`);
    }
    assert.ok(checked >= 2, `${checked} legacy pages`);
  });

  test('CleanEval pages in windows-1252 / ISO-8859-1 decode without mojibake', { skip: !cleaneval && 'needs ../shared/corpora' }, () => {
    let legacy = 0;
    for (const file of fs.readdirSync(path.join(cleaneval!, 'input'))) {
      const decoded = decodeHtml(fs.readFileSync(path.join(cleaneval!, 'input', file)));
      if (decoded.charset === 'windows-1252') legacy++;
      assert.doesNotMatch(decoded.text, /Ã[©¨¤¶¼]|â€[™œ]/, file);
    }
    assert.ok(legacy >= 10, `${legacy} legacy pages`);
  });
});

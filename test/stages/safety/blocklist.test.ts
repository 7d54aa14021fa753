/**
 * Blocklists: UT1 directories and plain lists, parent-domain matching, URL prefixes at segment
 * boundaries, and junk that must not match or crash.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { UrlBlocklist, splitUrl } from '../../../src/stages/safety/blocklist.js';
import { tempDir } from '../../helpers/index.js';

test('UT1 category directory: domains (with parents), urls (prefix at a boundary), gzipped parts', async () => {
  const dir = await tempDir();
  const adult = path.join(dir, 'adult');
  fs.mkdirSync(adult);
  fs.writeFileSync(path.join(adult, 'domains'), 'badsite.com\n# comment\n\n10.0.0.1\n');
  fs.writeFileSync(path.join(adult, 'domains.2.gz'), zlib.gzipSync('other-bad.org\n'));
  fs.writeFileSync(path.join(adult, 'urls'), 'example.com/sk\nphotos.example.net/gallery/nsfw/\n');
  const list = await UrlBlocklist.load([{ path: adult, format: 'auto' }]);
  assert.deepEqual(list.size, { domains: 3, urls: 2 });
  const m = (u: string) => list.match(u);
  assert.deepEqual(m('https://www.badsite.com/x'), { entry: 'badsite.com', label: 'adult', kind: 'domain' });
  assert.equal(m('http://a.b.BADSITE.com:8080/')?.entry, 'badsite.com');
  assert.equal(m('http://notbadsite.com/'), null);
  assert.equal(m('http://badsite.com.evil.net/'), null);
  assert.equal(m('http://x.other-bad.org/')?.entry, 'other-bad.org');
  assert.equal(m('http://10.0.0.1/page')?.entry, '10.0.0.1');
  assert.equal(m('http://1.10.0.0.1/'), null);
  for (const hit of ['http://example.com/sk', 'http://example.com/sk/more', 'http://example.com/sk?x=1', 'http://example.com/sk.html', 'http://sub.example.com/SK']) {
    assert.equal(m(hit)?.entry, 'example.com/sk', hit);
  }
  for (const miss of ['http://example.com/skate', 'http://example.com/', 'http://example.com/x/sk']) assert.equal(m(miss), null, miss);
  assert.equal(m('https://photos.example.net/gallery/nsfw/1.jpg')?.kind, 'url');
  assert.equal(m('https://photos.example.net/gallery/sfw/1.jpg'), null);
});

test('plain lists: domains and URLs mixed, schemes and junk tolerated, custom label', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'mine.txt');
  fs.writeFileSync(file, ['spam.example', 'https://www.shop.example/promo/', '   ', '# note', 'not a url at all', '://', '[::1]'].join('\n'));
  const list = await UrlBlocklist.load([{ path: file, format: 'plain', label: 'spam' }]);
  assert.equal(list.match('http://www.spam.example/a')?.label, 'spam');
  assert.equal(list.match('http://shop.example/promo/x')?.entry, 'shop.example/promo/');
  assert.equal(list.match('http://shop.example/other'), null);
  for (const junk of [undefined, '', 'nonsense', '///', 'http://', 'http://[::1', 'mailto:x@y.z', 'http://a b.com/']) assert.doesNotThrow(() => list.match(junk));
  assert.equal(list.match('http://[::1]/x')?.entry, '[::1]');
});

test('loading errors name the list', async () => {
  const dir = await tempDir();
  await assert.rejects(UrlBlocklist.load([{ path: path.join(dir, 'none'), format: 'auto' }]), /blocklist not found/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await assert.rejects(UrlBlocklist.load([{ path: path.join(dir, 'empty'), format: 'auto' }]), /no domains or urls file/);
  await assert.rejects(UrlBlocklist.load([{ path: path.join(dir, 'empty'), format: 'plain' }]), /a plain list is a file/);
});

test('splitUrl normalises hosts and keeps paths with their query', () => {
  assert.deepEqual(splitUrl('HTTPS://User:pw@WWW2.Example.COM.:443/A/B?Q=1#frag'), { host: 'example.com', path: '/a/b?q=1' });
  assert.deepEqual(splitUrl('example.com'), { host: 'example.com', path: '/' });
  assert.deepEqual(splitUrl('www.com/x'), { host: 'www.com', path: '/x' });
});

/**
 * The URL model's synthetic clean counterparts (url-counterparts.ts) and what they buy: the
 * bundled URL model, read through the stage, on a committed probe of ordinary pages of the sites
 * whose adult pages fill UT1's list (fixtures/platform-urls.txt, hand-written, never trained on).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readProbe } from '../../../src/stages/safety/train-data.js';
import type { UrlExample } from '../../../src/stages/safety/train-data.js';
import { bannedWords, cleanVocabulary, platformStructure, urlCounterparts } from '../../../src/stages/safety/url-counterparts.js';
import { readManifest, readRecords, root, runInProcess, tempDir } from '../../helpers/index.js';

const adult = (url: string): UrlExample => ({ url, label: 'adult', source: 'test', split: 'train' });
const train: UrlExample[] = [
  ...['naughty-girls', 'my-smut-story', 'hot-sexy-pics', 'lesbian-kiss', 'sexy-lingerie'].map((slug, i) => adult(`http://${['alice', 'bobby', 'carol', 'dave', 'erin'][i]}.tumblr.com/post/12345${i}/${slug}`)),
  adult('http://xxxsite.com/videos/hot-sexy-babes'),
  adult('http://example.co.uk/the-sexy-page/42'),
  { url: 'http://news.example/politics/the-budget-vote', label: 'clean', source: 'test', split: 'train' },
];
const banned = bannedWords(['sexy\nsmut\nxxx', 'lingerie']);
const vocabulary = cleanVocabulary(['The council voted on the budget and the harbour of the town, the river and the market.'], ['http://news.example/politics/the-budget-vote'], banned, 3);
const options = { platformMinUrls: 5, structuralShare: 0.25, platformCopies: 1, otherCopies: 2, seed: 1 };

test('counterparts keep a platform, its structure words and common words; adult words never survive', () => {
  assert.deepEqual([...platformStructure(train, options, banned)].map(([site, words]) => [site, [...words]]), [['tumblr.com', ['post']]]);
  const out = urlCounterparts(train, vocabulary, options);
  assert.equal(out.length, 5 + 2 + 2);
  for (const url of out.slice(0, 5)) assert.match(url, /^http:\/\/[a-z]+\.tumblr\.com\/post\/12345\d\/[a-z-]+$/, url);
  // `dave` has 4 letters but is a blog name, not structure: replaced like the rest.
  assert.ok(out.slice(0, 5).every((url) => !/alice|bobby|carol|dave|erin/.test(url)));
  // Not platforms: an invented site with the same TLD (co.uk kept whole), digits kept.
  assert.match(out[5], /^http:\/\/[a-z]+\.com\/[a-z]+\/[a-z]+-[a-z]+-[a-z]+$/);
  assert.match(out[7], /^http:\/\/[a-z]+\.co\.uk\/the-[a-z]+-[a-z]+\/42$/);
  for (const url of out) for (const word of ['sexy', 'smut', 'xxx', 'lingerie', 'naughty', 'hot', 'babes', 'xxxsite']) assert.ok(!url.includes(word), `${word} in ${url}`);
  // Seeded: the same every time; another seed, other words.
  assert.deepEqual(urlCounterparts(train, vocabulary, options), out);
  assert.notDeepEqual(urlCounterparts(train, vocabulary, { ...options, seed: 2 }), out);
  assert.deepEqual(urlCounterparts(train, vocabulary, { ...options, platformCopies: 0, otherCopies: 0 }), []);
  assert.equal(urlCounterparts(train, vocabulary, { ...options, platformMinUrls: 0 }).length, 7 * 2);
});

test('hostile URLs: no scheme, IPs, ports, userinfo, Unicode and empty paths do not throw', () => {
  const odd = ['tumblr.com', 'http://127.0.0.1:8080/sexy', 'http://u:p@www.tumblr.com:443/post/1/ok?q=sexy#x', 'http://例え.テスト/セクシー', 'http://', 'http://a.b.c.d.e.tumblr.com/'].map(adult);
  const out = urlCounterparts([...train, ...odd], vocabulary, options);
  assert.ok(out.length >= 9);
  for (const url of out) assert.ok(!/sexy/.test(url), url);
});

const probe = readProbe(path.join(root, 'test', 'stages', 'safety', 'fixtures', 'platform-urls.txt'));

test('the bundled URL model on ordinary platform pages: about half flagged at the default, few at the platform-safe 0.8', async () => {
  assert.ok(probe.length >= 50);
  const dir = await tempDir();
  const input = path.join(dir, 'in.jsonl');
  const adultUrls = ['http://example.com/hot-naked-girls-sex-videos', 'https://someblog.tumblr.com/post/123/nsfw-boobs-and-sex', 'https://www.freepik.com/photos/sexy-nude-woman'];
  const docs = [...probe, ...adultUrls].map((url, i) => ({ id: `u${i}`, text: 'A short ordinary note.', url }));
  fs.writeFileSync(input, docs.map((d) => JSON.stringify(d) + '\n').join(''));
  const flagged = async (stage: Record<string, unknown>, out: string): Promise<Set<string>> => {
    await runInProcess({ run: { workers: 1 }, output: { compression: 'none' }, stages: [{ kind: 'safety', action: 'tag', ...stage }] }, [input], path.join(dir, out));
    assert.equal(readManifest(path.join(dir, out)).check.ok, true);
    const recs = readRecords(path.join(dir, out, 'kept')) as { id: string; meta: { safety: { flagged: boolean; source: string } } }[];
    return new Set(recs.filter((r) => r.meta.safety.flagged && r.meta.safety.source === 'url_model').map((r) => r.id));
  };
  const atDefault = await flagged({}, 'default');
  const safe = await flagged({ max_url_score: 0.8 }, 'safe');
  const adultIds = adultUrls.map((_, i) => `u${probe.length + i}`);
  for (const id of adultIds) assert.ok(atDefault.has(id) && safe.has(id), id);
  const ordinary = (s: Set<string>): number => [...s].filter((id) => !adultIds.includes(id)).length;
  // Measured: 32 of 56 at the default 0.1 and 5 of 56 at 0.8 (a model that learnt site names: 54 and 44).
  assert.ok(ordinary(atDefault) <= Math.ceil(probe.length * 0.65), `default flags ${ordinary(atDefault)} of ${probe.length}`);
  assert.ok(ordinary(safe) <= Math.ceil(probe.length * 0.15), `0.8 flags ${ordinary(safe)} of ${probe.length}`);
});

/**
 * Synthetic clean URLs for training the URL model: for each adult URL of the training split, a
 * "counterpart" with the same shape whose content words are ordinary words.
 *
 * Why: UT1 lists only the adult pages of the sites people also use for everything else (a third
 * of `adult/urls` are tumblr posts, then blogspot, freepik, etsy, quora...), and the clean lists
 * are press and library domains. Trained on that alone, a model learns that `tumblr`, `post`,
 * `listing` or a question-shaped slug are adult: it flags ordinary pages of those sites. A
 * counterpart keeps the site and its structure words and swaps the words that carry the content,
 * so the only thing that separates the pair is what the page is about:
 *
 *   adult  thedevilsoftruth.tumblr.com/post/777534164757020672/dont-i-know-you
 *   clean  ministry.tumblr.com/post/777534164757020672/dont-i-harvest-you
 *
 * - Platforms (sites with at least `platformMinUrls` adult URLs in the training split) keep their
 *   registered domain, their structure words (in at least `structuralShare` of the site's adult
 *   URLs: `post`, `listing`, `photos`) and common words of clean text (`what`, `the`, `how`).
 * - Other adult URLs get a counterpart on another (invented) site with the same TLD: the model
 *   learns that a path of ordinary words is clean, whatever the site, so the adult words decide.
 * - A word of the LDNOOBW lists (any language) is never kept: `sexy` in 12 of 25 123rf URLs is
 *   content, not structure.
 *
 * Deterministic: inputs are read in a fixed order and every choice comes from a seeded PRNG.
 */
import { siteOf, urlHost, urlPathWords } from './features.js';
import type { UrlExample } from './train-data.js';

export interface CounterpartOptions {
  /** Sites with this many adult URLs in the training split are platforms; 0 = none. */
  platformMinUrls: number;
  /** A word in at least this share of a platform's adult URLs is part of its structure. */
  structuralShare: number;
  /** Counterparts per adult URL on a platform (fractions: that chance of one more). */
  platformCopies: number;
  /** Counterparts per other adult URL. */
  otherCopies: number;
  seed: number;
}

export interface CleanVocabulary {
  /** Replacement words, sorted (picked uniformly). */
  words: readonly string[];
  /** The most frequent words of clean text: kept as they are. */
  common: ReadonlySet<string>;
  /** Words that are never structure (LDNOOBW terms). */
  banned: ReadonlySet<string>;
}

const letterRuns = /\p{L}+/gu;
const wordSplit = /[^\p{L}]+/u;
/** Replacement words look like the Latin-script words of the UT1 lists. */
const latinWord = /^[a-zà-ÿ]+$/;

/**
 * The vocabulary counterparts are made of: words (3+ letters) of clean text and of clean URL paths,
 * minus `banned`; the `commonCount` most frequent words of the clean text are kept in counterparts.
 */
export function cleanVocabulary(cleanTexts: readonly string[], cleanUrls: readonly string[], banned: ReadonlySet<string>, commonCount: number): CleanVocabulary {
  const words = new Set<string>();
  const frequency = new Map<string, number>();
  for (const url of cleanUrls) for (const w of urlPathWords(url)) if (w.length >= 3 && latinWord.test(w) && !banned.has(w)) words.add(w);
  for (const text of cleanTexts) {
    for (const w of text.toLowerCase().split(wordSplit)) {
      if (w.length < 2 || banned.has(w)) continue;
      frequency.set(w, (frequency.get(w) ?? 0) + 1);
      if (w.length >= 3 && latinWord.test(w)) words.add(w);
    }
  }
  const common = [...frequency].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, commonCount);
  return { words: [...words].sort(), common: new Set(common.map(([w]) => w)), banned };
}

/** LDNOOBW-style word lists (one term per line) → their words of 3+ letters, lowercased. */
export function bannedWords(lists: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const list of lists) for (const line of list.split('\n')) for (const w of line.toLowerCase().split(wordSplit)) if (w.length >= 3) out.add(w);
  return out;
}

/** Platforms (sites with `minUrls` adult training URLs) → their structure words. */
export function platformStructure(train: readonly UrlExample[], options: Pick<CounterpartOptions, 'platformMinUrls' | 'structuralShare'>, banned: ReadonlySet<string>): Map<string, Set<string>> {
  const bySite = new Map<string, string[]>();
  for (const e of train) {
    if (e.label !== 'adult') continue;
    const site = siteOf(urlHost(e.url));
    let urls = bySite.get(site);
    if (!urls) bySite.set(site, (urls = []));
    urls.push(e.url);
  }
  const out = new Map<string, Set<string>>();
  if (options.platformMinUrls <= 0) return out;
  for (const [site, urls] of [...bySite].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (urls.length < options.platformMinUrls) continue;
    const counts = new Map<string, number>();
    for (const url of urls) {
      const host = urlHost(url);
      const sub = host.length > site.length ? host.slice(0, host.length - site.length - 1) : '';
      for (const w of new Set([...sub.split(wordSplit), ...urlPathWords(url)].filter((x) => x.length >= 2))) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    out.set(site, new Set([...counts].filter(([w, n]) => n >= options.structuralShare * urls.length && !banned.has(w)).map(([w]) => w)));
  }
  return out;
}

/** mulberry32: a tiny seeded PRNG, so counterparts are the same everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const urlParts = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/is;

/** Synthetic clean URLs for the adult URLs of `train`, in order. */
export function urlCounterparts(train: readonly UrlExample[], vocabulary: CleanVocabulary, options: CounterpartOptions): string[] {
  const platforms = platformStructure(train, options, vocabulary.banned);
  const random = prng(options.seed);
  const pick = (): string => vocabulary.words[Math.floor(random() * vocabulary.words.length)];
  /** `copies` 1.5 → one, and a second half of the time. */
  const times = (copies: number): number => Math.floor(copies) + (random() < copies - Math.floor(copies) ? 1 : 0);
  const swap = (text: string, keep: ReadonlySet<string>): string =>
    text.replace(letterRuns, (w) => {
      const lower = w.toLowerCase();
      return lower.length < 2 || keep.has(lower) || vocabulary.common.has(lower) ? w : pick();
    });
  const out: string[] = [];
  for (const e of train) {
    if (e.label !== 'adult') continue;
    const [, scheme = '', rawHost, rest] = urlParts.exec(e.url) ?? [];
    if (rawHost === undefined) continue;
    const host = urlHost(e.url);
    const site = siteOf(host);
    const structure = platforms.get(site);
    const ip = !/\p{L}/u.test(host);
    const sub = host.length > site.length && !ip ? host.slice(0, host.length - site.length - 1) : '';
    const keep = structure ?? new Set<string>();
    for (let n = times(structure ? options.platformCopies : options.otherCopies); n > 0; n--) {
      const subdomain = sub === '' ? '' : sub.split('.').map((l) => (l.length <= 3 || keep.has(l) ? l : swap(l, keep))).join('.') + '.';
      // Not a platform: the site itself is invented too (same TLD), so its name is no evidence
      // either way. An IP address stays as it is (it has no name).
      const newSite = structure ? site : ip ? host : `${pick()}.${site.split('.').slice(1).join('.')}`;
      out.push(`${scheme}${subdomain}${newSite}${swap(rest, keep)}`);
    }
  }
  return out;
}

/**
 * The labelled data behind the bundled safety models, read from `../shared/corpora`, and the one
 * fixed split that training and `npm run eval:safety` share. The split is a seeded hash of each
 * example's key (normalised text, or URL), so it does not depend on file order and exact
 * duplicates (retweets) always land on the same side: nothing in `test` is ever trained on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { textFeatures } from './features.js';

export type Split = 'train' | 'dev' | 'test';

/** Part of the split's identity: changing it changes every assignment, so it is versioned. */
export const splitSeed = 'winnow-safety-split-v1';

/** FNV-1a 32-bit over UTF-16 code units: small, stable and identical on every platform. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** 70 % train, 10 % dev (choosing hyperparameters and the threshold), 20 % held-out test. */
export function splitOf(key: string): Split {
  const bucket = fnv1a(`${splitSeed}\u0000${key}`) % 100;
  return bucket < 20 ? 'test' : bucket < 30 ? 'dev' : 'train';
}

export type TextLabel = 'hate' | 'offensive' | 'neither';

export interface TextExample {
  text: string;
  label: TextLabel;
  /** `davidson` (tweets) or `aeb` (paragraphs of news articles, all `neither`). */
  source: 'davidson' | 'aeb';
  split: Split;
}

export type UrlLabel = 'adult' | 'clean';

export interface UrlExample {
  url: string;
  label: UrlLabel;
  /** The list it came from, e.g. `ut1/adult/urls`, `ut1/press/domains`, `aeb`. */
  source: string;
  split: Split;
}

/** The corpora the bundled models are trained and evaluated on. */
export const corpusNames = {
  davidson: 'harmful-davidson-hate-offensive',
  ut1: 'harmful-ut1-blacklists-subset',
  aeb: 'html-extraction-scrapinghub-aeb',
  trafilatura: 'html-extraction-trafilatura-eval-dev',
  ldnoobw: 'harmful-ldnoobw-wordlists',
} as const;

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The tweets are HTML-escaped (`&amp;`, `&#128514;`); web text reaching the stage is not. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi, (m, e: string) => {
    if (e[0] !== '#') return namedEntities[e.toLowerCase()] ?? m;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

const davidsonLabels: Record<string, TextLabel> = { '0': 'hate', '1': 'offensive', '2': 'neither' };

/** Davidson et al. (2017): `class` 0 hate speech, 1 offensive language, 2 neither. */
export function loadDavidson(dir: string): TextExample[] {
  const rows = parseCsv(fs.readFileSync(path.join(dir, 'labeled_data.csv'), 'utf8'));
  const header = rows[0];
  const classCol = header.indexOf('class');
  const tweetCol = header.indexOf('tweet');
  if (classCol < 0 || tweetCol < 0) throw new Error(`${dir}/labeled_data.csv: no class/tweet columns`);
  const out: TextExample[] = [];
  for (const row of rows.slice(1)) {
    if (row.length <= tweetCol) continue;
    const label = davidsonLabels[row[classCol]];
    if (!label) continue;
    const text = decodeEntities(row[tweetCol]);
    out.push({ text, label, source: 'davidson', split: splitOf(textFeatures(text)) });
  }
  return out;
}

interface AebEntry {
  articleBody: string;
  url: string;
}

function readAeb(dir: string): AebEntry[] {
  const data = JSON.parse(fs.readFileSync(path.join(dir, 'ground-truth.json'), 'utf8')) as Record<string, AebEntry>;
  return Object.keys(data)
    .sort()
    .map((k) => data[k]);
}

/**
 * Paragraphs of news and blog articles (Zyte's article-extraction benchmark, MIT): clean text of
 * the kind a web corpus holds, so the model does not learn "not a tweet" = harmful. Split by
 * article URL, so paragraphs of one article stay together.
 */
export function loadAebParagraphs(dir: string): TextExample[] {
  const out: TextExample[] = [];
  for (const entry of readAeb(dir)) {
    const split = splitOf(entry.url);
    for (const para of entry.articleBody.split(/\n+/)) {
      const text = para.trim();
      if (text.split(/\s+/).length < 5) continue;
      out.push({ text, label: 'neither', source: 'aeb', split });
    }
  }
  return out;
}

function lines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * URLs: UT1 `adult/urls` are the positives; the clean lists (press, university library
 * recommendations, sexual education) and real article URLs from two extraction benchmarks are
 * the negatives. UT1 entries have no scheme; `http://` is added so they look like crawled URLs.
 */
export function loadUrlExamples(corpora: string): UrlExample[] {
  const out: UrlExample[] = [];
  const ut1 = path.join(corpora, corpusNames.ut1);
  const add = (url: string, label: UrlLabel, source: string): void => {
    out.push({ url, label, source, split: splitOf(url.replace(/^https?:\/\//, '').replace(/^www\./, '')) });
  };
  for (const entry of lines(path.join(ut1, 'adult', 'urls'))) add(`http://${entry}`, 'adult', 'ut1/adult/urls');
  for (const category of ['press', 'liste_bu', 'sexual_education']) {
    for (const kind of ['domains', 'urls']) {
      for (const entry of lines(path.join(ut1, category, kind))) add(`http://${entry}${kind === 'domains' ? '/' : ''}`, 'clean', `ut1/${category}/${kind}`);
    }
  }
  const aeb = path.join(corpora, corpusNames.aeb);
  if (fs.existsSync(aeb)) for (const entry of readAeb(aeb)) add(entry.url, 'clean', 'aeb');
  const trafilatura = path.join(corpora, corpusNames.trafilatura, 'evaldata-dev.json');
  if (fs.existsSync(trafilatura)) {
    const data = JSON.parse(fs.readFileSync(trafilatura, 'utf8')) as Record<string, unknown>;
    for (const url of Object.keys(data).sort()) add(url, 'clean', 'trafilatura');
  }
  return out;
}

export function loadTextExamples(corpora: string): TextExample[] {
  const davidson = path.join(corpora, corpusNames.davidson);
  if (!fs.existsSync(davidson)) throw new Error(`training data not found: ${davidson}`);
  const aeb = path.join(corpora, corpusNames.aeb);
  return [...loadDavidson(davidson), ...(fs.existsSync(aeb) ? loadAebParagraphs(aeb) : [])];
}

/** A probe file: one URL per line; blank lines and `#` comments skipped. */
export function readProbe(file: string): string[] {
  return lines(file);
}

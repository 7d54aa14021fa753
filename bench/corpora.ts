/**
 * Real text for benchmarks and evaluations, read from ../shared/corpora when it exists (a user's
 * clone has no ../shared: then the bundled fixtures are scaled up instead).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/config/load.js';

export const sharedCorpora = path.resolve(packageRoot, '..', 'shared', 'corpora');
export const hasShared = (name: string): boolean => fs.existsSync(path.join(sharedCorpora, name));
export const sharedPath = (...parts: string[]): string => path.join(sharedCorpora, ...parts);

/** Where benchmark inputs are cached between runs. */
export const benchCache = path.join(os.tmpdir(), 'winnow-bench');

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeSgml(text: string): string {
  return text.replace(/&(#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : (entities[e.toLowerCase()] ?? m)));
}

export interface ReutersStory {
  id: string;
  title: string;
  text: string;
}

/**
 * A copy of `s` stored on its own, as the runner's JSON reader makes every text. `trim()` and
 * regex captures give views into the whole SGML file, which V8 reads about 20 % slower char by
 * char: a stage timed on those would be timed on strings it never gets.
 */
const flat = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

/** The Reuters-21578 stories (part A) with a body: `<BODY>` text, entities decoded, `\x03` dropped. */
export function reutersStories(): ReutersStory[] {
  const dir = sharedPath('text-corpus-reuters21578-part-a');
  if (!fs.existsSync(dir)) return [];
  const stories: ReutersStory[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sgm')).sort()) {
    const sgml = fs.readFileSync(path.join(dir, file), 'latin1');
    for (const m of sgml.matchAll(/<REUTERS[^>]*NEWID="(\d+)"[^>]*>([\s\S]*?)<\/REUTERS>/g)) {
      const body = /<BODY>([\s\S]*?)<\/BODY>/.exec(m[2]);
      if (!body) continue;
      const title = /<TITLE>([\s\S]*?)<\/TITLE>/.exec(m[2]);
      stories.push({ id: `reuters:${m[1]}`, title: title ? unescapeSgml(title[1]).trim() : '', text: flat(unescapeSgml(body[1]).replace(/\x03/g, '').trim()) });
    }
  }
  return stories;
}

/** Plain texts for throughput runs: Reuters when present, else the fixtures' texts. */
export function benchTexts(): string[] {
  const stories = reutersStories();
  if (stories.length > 0) return stories.map((s) => s.text);
  const file = path.join(packageRoot, 'fixtures', 'sample', 'common-crawl.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

export interface CorpusFile {
  file: string;
  docs: number;
  bytes: number;
}

/**
 * A generated JSONL file under benchCache, made once: `build` writes it chunk by chunk (`write`
 * returns the bytes written so far) and returns its document count, kept next to it in
 * `<file>.meta.json`. Repeated runs reuse both.
 */
export function cachedJsonl(fileName: string, build: (write: (chunk: string) => number) => number): CorpusFile {
  fs.mkdirSync(benchCache, { recursive: true });
  const file = path.join(benchCache, fileName);
  const metaFile = `${file}.meta.json`;
  if (!fs.existsSync(file) || !fs.existsSync(metaFile)) {
    const fd = fs.openSync(`${file}.tmp`, 'w');
    let bytes = 0;
    let docs: number;
    try {
      docs = build((chunk) => {
        fs.writeSync(fd, chunk);
        return (bytes += Buffer.byteLength(chunk));
      });
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(`${file}.tmp`, file);
    fs.writeFileSync(metaFile, JSON.stringify({ docs, bytes }));
  }
  return { file, ...(JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { docs: number; bytes: number }) };
}

/** A JSONL file of at least `minBytes`, the texts repeated with distinct ids (cached). */
export function jsonlCorpus(name: string, minBytes: number, texts: string[] = benchTexts()): CorpusFile {
  return cachedJsonl(`${name}-${minBytes}.jsonl`, (write) => {
    let n = 0;
    for (let bytes = 0; bytes < minBytes; ) {
      const parts: string[] = [];
      for (const text of texts) parts.push(JSON.stringify({ id: `d${n++}`, text, source: 'bench' }) + '\n');
      bytes = write(parts.join(''));
    }
    return n;
  });
}

/** Deterministic pseudo-random words (xorshift), for synthetic documents: all their long n-grams are distinct. */
export function randomWords(count: number, seed: number, vocabulary = 5000): string {
  let x = seed | 0 || 1;
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words.push('w' + ((x >>> 0) % vocabulary).toString(36));
  }
  return words.join(' ');
}

/**
 * Test corpora built from real text (the Common Crawl documents of the fixtures), cut into
 * passages, with planted duplicates whose ground truth the tests know.
 */
import fs from 'node:fs';
import path from 'node:path';
import { root, writeJsonl } from '../../helpers/index.js';
import { splitMix32 } from '../../../src/stages/dedup/prng.js';

/** Distinct passages of `words` words from the fixture documents (near-duplicate fixtures left out). */
export function passages(words = 80): string[] {
  const file = path.join(root, 'fixtures', 'sample', 'common-crawl.jsonl');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { id: string; text: string };
    if (/#|homework/.test(record.id)) continue;
    const all = record.text.split(/\s+/).filter(Boolean);
    for (let i = 0; i + words <= all.length; i += words) {
      const text = all.slice(i, i + words).join(' ');
      const key = text.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(text);
    }
  }
  return out;
}

/** A copy with word `at` replaced (J of word 5-grams for 80 words: 71/81 = 0.88). */
export function replaceWord(text: string, at: number): string {
  const words = text.split(/\s+/);
  words[at] = 'zqxjv';
  return words.join(' ');
}

/** A copy with about `rate` of its words replaced by made-up ones, deterministically. */
export function edit(text: string, rate: number, seed: number): string {
  const next = splitMix32(seed);
  return text
    .split(/\s+/)
    .map((w) => (next() % 100000 < rate * 100000 ? `zq${(next() % 26 + 10).toString(36)}x${(next() % 26 + 10).toString(36)}` : w))
    .join(' ');
}

export interface Planted {
  records: { id: string; text: string; meta?: Record<string, unknown> }[];
  /** Ids that must be removed as exact duplicates, with the id they duplicate. */
  exact: Map<string, string>;
  /** Ids that must be removed as near duplicates, with the kept id. */
  near: Map<string, string>;
}

/**
 * `count` distinct passages; every 5th has an exact copy (changed case and punctuation) later on,
 * every 7th a near copy with one word in the middle replaced (Jaccard 0.88).
 */
export function planted(count: number): Planted {
  const texts = passages().slice(0, count);
  const records: Planted['records'] = [];
  const exact = new Map<string, string>();
  const near = new Map<string, string>();
  const later: Planted['records'] = [];
  texts.forEach((text, i) => {
    const id = `p${i}`;
    records.push({ id, text });
    if (i % 5 === 0) {
      later.push({ id: `${id}-exact`, text: text.toUpperCase().replace(/[.,]/g, ' ; ') });
      exact.set(`${id}-exact`, id);
    } else if (i % 7 === 0) {
      later.push({ id: `${id}-near`, text: replaceWord(text, 40) });
      near.set(`${id}-near`, id);
    }
  });
  return { records: [...records, ...later], exact, near };
}

export function writeCorpus(dir: string, name: string, records: unknown[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeJsonl(file, records);
  return file;
}

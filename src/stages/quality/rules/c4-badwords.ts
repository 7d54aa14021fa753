/**
 * C4's bad-words rule (datatrove `C4BadWordsFilter`): remove a document whose lowercased text
 * contains a word of the LDNOOBW list for its language, flanked by non-word characters (Python
 * `\W`) or the text's ends; for Japanese, Thai and Chinese any occurrence counts. The lists ship
 * in `models/ldnoobw/` (CC-BY-4.0).
 *
 * Matching walks a trie of the list from every word start, so the cost is the text length times
 * at most the longest list entry, never a backtracking regex.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../core/package-root.js';
import type { TextAnalysis } from '../analysis.js';
import type { C4BadWordsConfig } from '../config.js';
import type { Outcome } from '../outcome.js';
import { hasBit, setBit } from '../text/bits.js';
import { LINE_BREAK, PY_WORD, isSpaceUnit } from '../text/python-text.js';
import { SEARCH_IN_JS } from './text-search.js';

/** Languages datatrove has a list for. */
export const BADWORD_LANGUAGES: ReadonlySet<string> = new Set([
  'ar', 'cs', 'da', 'de', 'en', 'eo', 'es', 'fa', 'fi', 'fil', 'fr', 'fr-CA-u-sd-caqc', 'hi', 'hu', 'it', 'ja', 'kab', 'ko',
  'nl', 'no', 'pl', 'pt', 'ru', 'sv', 'th', 'tlh', 'tr', 'zh',
]);
const UNSPACED = new Set(['ja', 'th', 'zh']);
/** Common sub-words in languages without spaces that datatrove allows (each hit >10 % of pages). */
const ALLOWLIST: Record<string, string[]> = { ja: ['sm', 'グロ', '女の子'], zh: ['性'] };

const WORD = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) WORD[c] = PY_WORD.has(c) ? 1 : 0;

/** Python `\w` at `i` (astral code points looked up whole). */
function isWordAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) return PY_WORD.has(text.codePointAt(i)!);
  if (c >= 0xdc00 && c <= 0xdfff && i > 0) return PY_WORD.has(text.codePointAt(i - 1)!);
  return WORD[c] === 1;
}

/**
 * A trie over UTF-16 units, stored flat: one open-addressing table maps (node, unit) to the
 * child node, so a step is a few integer operations. Node 0 is the root. text-search.wat walks the
 * same tables (`TextSearchKernel` copies them into its memory).
 */
export class BadWordList {
  readonly keys: Int32Array;
  readonly units: Int32Array;
  readonly children: Int32Array;
  readonly mask: number;
  /** The list's entries; `endIds` gives, per node, the entry ending there (-1 for none). */
  readonly entries: string[] = [];
  readonly endIds: Int32Array;
  /** Units that start some entry: other word starts are skipped at once. */
  readonly first = new Uint8Array(0x10000);
  /** Units that start an entry shorter than three units (`beginsEntry` does not apply there). */
  readonly short = new Uint8Array(0x10000);
  /**
   * `beginsEntry`'s filters, on units folded to their five low bits (case-blind for ASCII): a bit
   * per `fold3` of the three units of each three-unit entry, and per `fold4` of the first four of
   * each longer one.
   */
  readonly short3 = new Uint8Array(4096);
  readonly prefix4 = new Uint8Array(8192);
  /**
   * No entry starts or ends with whitespace or holds a line break (true of the shipped lists,
   * which are trimmed): a match then lies inside one line, clear of the whitespace around it.
   */
  readonly withinLines: boolean;

  constructor(words: Iterable<string>, readonly bounded: boolean) {
    const list = [...words].filter((w) => w.length > 0);
    this.withinLines = list.every((w) => !isSpaceUnit(w.charCodeAt(0)) && !isSpaceUnit(w.charCodeAt(w.length - 1)) && ![...w].some((ch) => LINE_BREAK.has(ch.codePointAt(0)!)));
    let cap = 16;
    const total = list.reduce((n, w) => n + w.length, 0);
    while (cap < total * 2) cap *= 2;
    this.keys = new Int32Array(cap).fill(-1);
    this.units = new Int32Array(cap);
    this.children = new Int32Array(cap);
    this.mask = cap - 1;
    const endIds = [-1];
    for (const word of list) {
      this.first[word.charCodeAt(0)] = 1;
      if (word.length < 3) this.short[word.charCodeAt(0)] = 1;
      else {
        const f = fold3(word.charCodeAt(0), word.charCodeAt(1), word.charCodeAt(2));
        if (word.length === 3) setBit(this.short3, f);
        else setBit(this.prefix4, fold4(f, word.charCodeAt(3)));
      }
      let node = 0;
      for (let i = 0; i < word.length; i++) {
        const c = word.charCodeAt(i);
        let child = this.child(node, c);
        if (child < 0) {
          child = endIds.length;
          endIds.push(-1);
          this.insert(node, c, child);
        }
        node = child;
      }
      endIds[node] = this.entries.length;
      this.entries.push(word);
    }
    this.endIds = Int32Array.from(endIds);
  }

  private slot(node: number, unit: number): number {
    return (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b)) >>> 0 & this.mask;
  }

  private child(node: number, unit: number): number {
    let s = this.slot(node, unit);
    for (;;) {
      const k = this.keys[s];
      if (k === -1) return -1;
      if (k === node && this.units[s] === unit) return this.children[s];
      s = (s + 1) & this.mask;
    }
  }

  private insert(node: number, unit: number, child: number): void {
    let s = this.slot(node, unit);
    while (this.keys[s] !== -1) s = (s + 1) & this.mask;
    this.keys[s] = node;
    this.units[s] = unit;
    this.children[s] = child;
  }

  /** The first listed word found in `lower` (already lowercased), or undefined. */
  find(lower: string): string | undefined {
    return this.bounded ? this.findBounded(lower) : this.findAnywhere(lower);
  }

  /** Matches that start anywhere (languages written without spaces). */
  private findAnywhere(lower: string): string | undefined {
    for (let p = 0; p < lower.length; p++) {
      const word = this.matchAt(lower, p);
      if (word !== undefined) return word;
    }
    return undefined;
  }

  /**
   * Matches that start at a word start (after a non-word character or at the text's start) and
   * end at a word end. One pass keeps whether the previous unit is a word character, so units
   * inside words cost one table lookup.
   */
  private findBounded(lower: string): string | undefined {
    const n = lower.length;
    let prevWord = false;
    for (let p = 0; p < n; p++) {
      const c = lower.charCodeAt(p);
      if (!prevWord) {
        const word = this.matchAt(lower, p);
        if (word !== undefined) return word;
      }
      prevWord = c < 0xd800 || c > 0xdfff ? WORD[c] === 1 : isWordAt(lower, p);
    }
    return undefined;
  }

  /**
   * Whether an entry of three or more units may begin with these four (lowercase) units: the three
   * are a three-unit entry's, or the four begin a longer one, up to folding. One English word start
   * in forty passes; by the first three units alone, one in eight would (they begin like "ass" or
   * "sex"). text-search.wat applies the same test.
   */
  private beginsEntry(c0: number, c1: number, c2: number, c3: number): boolean {
    const f = fold3(c0, c1, c2);
    return hasBit(this.short3, f) || hasBit(this.prefix4, fold4(f, c3));
  }

  /** The list entry that starts at `p` (ending at a word end when bounded), if any. */
  private matchAt(lower: string, p: number): string | undefined {
    const n = lower.length;
    const c0 = lower.charCodeAt(p);
    if (this.first[c0] === 0) return undefined;
    if (this.short[c0] === 0 && p + 3 < n && !this.beginsEntry(c0, lower.charCodeAt(p + 1), lower.charCodeAt(p + 2), lower.charCodeAt(p + 3))) return undefined;
    let node = 0;
    for (let q = p; q < n; q++) {
      node = this.child(node, lower.charCodeAt(q));
      if (node < 0) return undefined;
      const id = this.endIds[node];
      if (id >= 0 && (!this.bounded || q + 1 === n || !isWordAt(lower, q + 1))) return this.entries[id];
    }
    return undefined;
  }
}

/** Three units' five low bits each (15 bits), and with a fourth unit's xored in after a shift (16 bits). */
const fold3 = (a: number, b: number, c: number): number => ((a & 31) << 10) | ((b & 31) << 5) | (c & 31);
const fold4 = (f3: number, d: number): number => (f3 << 1) ^ (d & 31);

function listDir(): string {
  const dir = path.join(packageRoot, 'models', 'ldnoobw');
  if (!fs.existsSync(dir)) throw new Error('models/ldnoobw not found next to the winnow package');
  return dir;
}

const lists = new Map<string, BadWordList>();

/** The list of a language, loaded on first use (once per worker). */
export function badWordList(language: string): BadWordList {
  let list = lists.get(language);
  if (!list) {
    const words = new Set(fs.readFileSync(path.join(listDir(), language), 'utf8').split('\n').map((w) => w.trim()));
    for (const w of ALLOWLIST[language] ?? []) words.delete(w);
    list = new BadWordList(words, !UNSPACED.has(language));
    lists.set(language, list);
  }
  return list;
}

export class C4BadWords {
  constructor(private readonly cfg: C4BadWordsConfig) {}

  /** Looks in the text. Returns an error message when the language has no list and the config says so. */
  run(a: TextAnalysis, docId: string, language: string | undefined, out: Outcome): string | undefined {
    const lang = language ?? this.cfg.default_language;
    out.signal('language', lang);
    if (!BADWORD_LANGUAGES.has(lang)) {
      out.count('badwords_missing_language');
      if (this.cfg.missing_language === 'error') return `no bad-word list for language "${lang}"`;
      return undefined;
    }
    const word = findBadWord(a, badWordList(lang));
    out.signal('bad_word', word ?? null);
    if (word === undefined) return undefined;
    out.count('badwords_documents_with_bad_words');
    if (this.cfg.keep_fraction > 0 && keepDraw(docId, this.cfg.seed) < this.cfg.keep_fraction) {
      out.count('badwords_documents_kept_anyway');
      return undefined;
    }
    out.check(true, 'contains_bad_word', 1, 0, { word, language: lang });
    return undefined;
  }
}

/**
 * The first entry of `list` in the text, as `list.find(a.lower)` finds it. Where the text (or,
 * for C4's edit, the text whose lines it kept) is in the tokenizer kernel's memory, the kernel
 * searches it span by span, lowercasing as it reads; lines a citation was cut from, and spans the
 * kernel does not lowercase alone, are lowercased and searched here. When no entry holds a line
 * break or starts or ends with whitespace (`withinLines`), a match lies inside one of C4's kept
 * lines, clear of the whitespace around it, so the lines are searched one by one, and kept lines
 * with only whitespace between them in the text as one span.
 */
export function findBadWord(a: TextAnalysis, list: BadWordList): string | undefined {
  const kernel = a.workspace.textSearch;
  const lines = a.joined;
  const source = lines?.source ?? a.text;
  const textAt = kernel && list.bounded && (!lines || list.withinLines) ? a.workspace.spacy.placeText(source) : -1;
  if (textAt < 0) return list.find(a.lower);
  const inSpan = (start: number, end: number): string | undefined => {
    const id = kernel!.find(list, textAt, start, end);
    if (id === SEARCH_IN_JS) return list.find(source.slice(start, end).toLowerCase());
    return id < 0 ? undefined : list.entries[id];
  };
  if (!lines) return inSpan(0, source.length);
  for (let k = 0; k < lines.count; ) {
    const own = lines.replaced(k);
    if (own !== undefined) {
      const word = list.find(own.toLowerCase());
      if (word !== undefined) return word;
      k++;
      continue;
    }
    let last = k;
    while (last + 1 < lines.count && lines.replaced(last + 1) === undefined && onlySpaceBetween(source, lines.ends[last], lines.starts[last + 1])) last++;
    const word = inSpan(lines.starts[k], lines.ends[last]);
    if (word !== undefined) return word;
    k = last + 1;
  }
  return undefined;
}

function onlySpaceBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpaceUnit(text.charCodeAt(i))) return false;
  return from < to;
}

/**
 * A uniform draw in [0, 1) from the document id and the seed. datatrove draws from a seeded
 * generator in document order, which would make the result depend on how documents are split
 * across workers; a hash of the id does not.
 */
function keepDraw(id: string, seed: number): number {
  const h = crypto.createHash('sha1').update(`${seed}\u0000${id}`).digest();
  return h.readUInt32BE(0) / 4294967296;
}

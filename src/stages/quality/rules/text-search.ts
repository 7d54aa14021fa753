/**
 * text-search.wat, set up in the tokenizer kernel's memory: C4's searches over spans of a text
 * that memory holds (the document's text, or the lines of it C4 kept), lowercasing unit by unit:
 * the bad-words search, with the same result as BadWordList.find on the lowercased text, and the
 * check whether any of a few phrases occurs (tested against the JavaScript code). A list's or a
 * phrase set's tables are copied into the memory the first time it is searched with.
 */
import { WasmKernel, layOut } from '../../../core/wasm.js';
import type { KernelScratch } from '../tokenizer/spacy-english.js';
import { TEXT_SEARCH_KERNEL_WASM } from './text-search-kernel.js';
import { PY_WORD } from '../text/python-text.js';
import type { BadWordList } from './c4-badwords.js';

interface TextSearchExports {
  init(cls: number, lower: number, pairs: number): void;
  contains(phrases: number, text: number, start: number, end: number): number;
  find(list: number, text: number, start: number, end: number): number;
}

const textSearchKernel = new WasmKernel<TextSearchExports>(TEXT_SEARCH_KERNEL_WASM);

/** `find`'s answer for a span the kernel cannot search: lowercase it and ask the list. */
export const SEARCH_IN_JS = -2;

/** The code points whose surrogate pairs the kernel reads (symbols and emoji). */
const PAIRS_FROM = 0x1f000;
const PAIRS = 3 * 1024;
/** Room for the bad-word lists' tables (all of models/ldnoobw's take about 1.3 MB) and the phrase sets, placed as first used. */
const TABLE_BYTES = 1 << 21;

const regions = {
  cls: 0x10000,
  lower: 0x20000,
  pairs: PAIRS,
  tables: TABLE_BYTES,
};

interface UnitTables {
  cls: Uint8Array;
  lower: Uint16Array;
  pairs: Uint8Array;
}

let unitTables: UnitTables | undefined;

/**
 * Per UTF-16 unit, its lowercase and class (1: the lowercase is a Python word character; 2: not
 * lowercased alone as in a whole text: U+0130 becomes two units, the capital sigma depends on its
 * neighbours, surrogates are read in pairs; or lowercased to ASCII, as the Kelvin sign is, which
 * the phrase search's byte compares would miss); per code point of U+1F000-1FBFF, whether
 * its pair can be read as two non-word units. Built once per thread.
 */
function tables(): UnitTables {
  if (unitTables) return unitTables;
  const cls = new Uint8Array(0x10000);
  const lower = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const l = c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : String.fromCharCode(c).toLowerCase();
    const alone = l.length === 1 && c !== 0x3a3 && (c < 0xd800 || c > 0xdfff) && (c < 0x80 || l.charCodeAt(0) >= 0x80);
    lower[c] = l.length === 1 ? l.charCodeAt(0) : c;
    cls[c] = (alone && PY_WORD.has(lower[c]) ? 1 : 0) | (alone ? 0 : 2);
  }
  const pairs = new Uint8Array(PAIRS);
  for (let k = 0; k < PAIRS; k++) {
    const s = String.fromCodePoint(PAIRS_FROM + k);
    pairs[k] = s.toLowerCase() === s && !PY_WORD.has(PAIRS_FROM + k) ? 1 : 0;
  }
  return (unitTables = { cls, lower, pairs });
}

/** A bit per entry of a byte table (units that start an entry, or start one shorter than three). */
function bits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length >> 3);
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

export class TextSearchKernel {
  private readonly buffer: ArrayBuffer;
  /** Where each list's header is (-1: it did not fit, JavaScript searches with it). */
  private readonly lists = new Map<BadWordList, number>();
  /** Where each phrase set's table is (callers pass one array per set). */
  private readonly phraseSets = new Map<readonly string[], number>();
  /** The list searched last and its header (most corpora use one list). */
  private lastList: BadWordList | undefined;
  private lastHeader = -1;
  private nextTable: number;
  private readonly tablesEnd: number;

  /** Bytes it needs. */
  static bytes(): number {
    return layOut(0, regions).end;
  }

  /** In the tokenizer kernel's memory at `scratch.at`, or undefined where WebAssembly is not available. */
  static create(scratch: KernelScratch): TextSearchKernel | undefined {
    const exports = textSearchKernel.instantiate({ env: { memory: scratch.memory } });
    return exports ? new TextSearchKernel(exports, scratch) : undefined;
  }

  private constructor(private readonly exports: TextSearchExports, scratch: KernelScratch) {
    this.buffer = scratch.memory.buffer;
    const { at } = layOut(scratch.at, regions);
    const t = tables();
    new Uint8Array(this.buffer, at.cls, t.cls.length).set(t.cls);
    new Uint16Array(this.buffer, at.lower, t.lower.length).set(t.lower);
    new Uint8Array(this.buffer, at.pairs, t.pairs.length).set(t.pairs);
    exports.init(at.cls, at.lower, at.pairs);
    this.nextTable = at.tables;
    this.tablesEnd = at.tables + TABLE_BYTES;
  }

  /**
   * The id of the first entry of `list` in the text at byte `textAt` (UTF-16), span `[start,
   * end)`, its ends counting as non-word neighbours; -1 for none; SEARCH_IN_JS when the span has
   * units the kernel does not lowercase alone, or the list is not searched here.
   */
  find(list: BadWordList, textAt: number, start: number, end: number): number {
    if (list !== this.lastList) {
      this.lastList = list;
      this.lastHeader = list.bounded ? (this.lists.get(list) ?? this.place(list)) : -1;
    }
    return this.lastHeader < 0 ? SEARCH_IN_JS : this.exports.find(this.lastHeader, textAt, start, end);
  }

  /**
   * Whether any of `phrases` (lowercase ASCII, 2 to 30 units; the same array each time, it is
   * copied into the memory once) may occur in the lowercased text at
   * byte `textAt`, span `[start, end)`: false only when none does.
   */
  contains(phrases: readonly string[], textAt: number, start: number, end: number): boolean {
    let table = this.phraseSets.get(phrases);
    if (table === undefined) this.phraseSets.set(phrases, (table = this.placePhrases(phrases)));
    return table < 0 || this.exports.contains(table, textAt, start, end) !== 0;
  }

  /** Copies a phrase set into the memory; returns where, or -1 when it does not fit or is not ASCII. */
  private placePhrases(phrases: readonly string[]): number {
    const usable = phrases.every((p) => p.length >= 2 && p.length <= 30 && /^[\x00-\x7f]*$/.test(p) && p === p.toLowerCase());
    const { at, end } = layOut(this.nextTable, { table: 4 + 64 * phrases.length });
    if (!usable || end > this.tablesEnd) return -1;
    const view = new DataView(this.buffer, at.table, 4 + 64 * phrases.length);
    view.setInt32(0, phrases.length, true);
    phrases.forEach((p, k) => {
      view.setInt32(4 + 64 * k, p.length, true);
      for (let i = 0; i < p.length; i++) view.setUint16(8 + 64 * k + 2 * i, p.charCodeAt(i), true);
    });
    this.nextTable = end;
    return at.table;
  }

  /** Copies a list's tables into the memory; returns its header, or -1 when they do not fit. */
  private place(list: BadWordList): number {
    const cap = list.keys.length;
    const { at, end } = layOut(this.nextTable, {
      header: 64,
      first: 8192,
      short: 8192,
      keys: 4 * cap,
      units: 4 * cap,
      children: 4 * cap,
      endIds: 4 * list.endIds.length,
      short3: list.short3.length,
      prefix4: list.prefix4.length,
    });
    if (end > this.tablesEnd) {
      this.lists.set(list, -1);
      return -1;
    }
    const buffer = this.buffer;
    new Uint8Array(buffer, at.first, 8192).set(bits(list.first));
    new Uint8Array(buffer, at.short, 8192).set(bits(list.short));
    new Int32Array(buffer, at.keys, cap).set(list.keys);
    new Int32Array(buffer, at.units, cap).set(list.units);
    new Int32Array(buffer, at.children, cap).set(list.children);
    new Int32Array(buffer, at.endIds, list.endIds.length).set(list.endIds);
    new Uint8Array(buffer, at.short3, list.short3.length).set(list.short3);
    new Uint8Array(buffer, at.prefix4, list.prefix4.length).set(list.prefix4);
    new Int32Array(buffer, at.header, 9).set([at.first, at.short, at.keys, at.units, at.children, list.mask, at.endIds, at.short3, at.prefix4]);
    const firstAscii = new Uint8Array(buffer, at.header + 48, 16);
    for (let c = 0; c < 0x80; c++) if (list.first[c]) firstAscii[c & 15] |= 1 << (c >> 4);
    this.nextTable = end;
    this.lists.set(list, at.header);
    return at.header;
  }
}

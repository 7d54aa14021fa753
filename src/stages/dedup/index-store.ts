/**
 * Incremental dedup: a saved index of the band keys (and exact hashes) of kept documents, so a
 * later run can remove what duplicates an existing corpus (`against`) and add its own kept
 * documents (`index`). An index is a directory:
 *
 *   index.json              {format, compat, segments: [{name, documents}]}
 *   seg-<sha256/16>.idx      one segment per run: ids, then per band the sorted 52-bit keys with
 *                            their document numbers (band 0 = exact hash, also its high word)
 *
 * A segment's name is the hash of its content, so saving the same run twice (a resumed run)
 * adds nothing. Segments are written before index.json names them (temp + rename each), so a
 * crash leaves the old index intact. Lookups are binary searches in each segment's band.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../core/doc.js';
import { WinnowError } from '../../core/errors.js';
import { type BandOptions, lshValues } from './bands.js';
import { type ClusterResult, type IndexLink, Status } from './clusters.js';
import { type Compat, compatDiff } from './config.js';
import { FLAG_EMPTY, idText } from './payload.js';
import { type Sections, SectionedFile, writeSectioned } from './sectioned-file.js';
import { type DocTable, lowerBound } from './table.js';

const MAGIC = 'WNDDIDX1';
const TWO32 = 4294967296;

interface IndexManifest {
  format: 'winnow-dedup-index';
  compat: Compat;
  /** `run`: fingerprint of the input of the run that added the segment (see batch-dedup.ts). */
  segments: { name: string; documents: number; run?: string }[];
}

interface SegmentHeader {
  count: number;
  bands: number;
  sections: Sections;
}

/** One band of one segment in memory: keys ascending, document numbers (and exact high words). */
export interface SegmentBand {
  keys: Float64Array;
  docs: Uint32Array;
  his: Uint32Array | null;
}

export class Segment {
  readonly count: number;
  private readonly idOffsets: Uint32Array;

  constructor(
    readonly name: string,
    private readonly f: SectionedFile<SegmentHeader>,
  ) {
    this.count = f.header.count;
    this.idOffsets = new Uint32Array(f.read('idOffsets'));
  }

  band(t: number): SegmentBand {
    return {
      keys: new Float64Array(this.f.read(`keys${t}`)),
      docs: new Uint32Array(this.f.read(`docs${t}`)),
      his: t === 0 ? new Uint32Array(this.f.read('his0')) : null,
    };
  }

  id(doc: number): string {
    const from = this.idOffsets[doc];
    return idText(new Uint8Array(this.f.read('idBytes', from, this.idOffsets[doc + 1] - from)));
  }

  close(): void {
    this.f.close();
  }
}

export interface AgainstIndex {
  dir: string;
  segments: Segment[];
  close(): void;
}

function readManifest(dir: string): IndexManifest | null {
  const file = path.join(dir, 'index.json');
  if (!fs.existsSync(file)) return null;
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as IndexManifest;
  if (manifest.format !== 'winnow-dedup-index') throw new WinnowError('config', `${file}: not a winnow dedup index`);
  return manifest;
}

function checkCompat(dir: string, stored: Compat, compat: Compat): void {
  const diff = compatDiff(stored, compat);
  if (diff.length > 0) throw new WinnowError('config', `dedup index ${dir} was built with different settings (${diff.join('; ')}); it cannot be mixed with this run`);
}

/**
 * Opens a saved index; `missingOk` for an index that this run may be the first to write. Segments
 * added by a run over the same input (`skipRun`, an earlier or interrupted attempt of this run)
 * are left out, so rerunning or resuming a run that extends the index it reads decides the same.
 */
export function openIndex(dir: string, compat: Compat, missingOk: boolean, skipRun?: string): AgainstIndex | null {
  const manifest = readManifest(dir);
  if (!manifest) {
    if (missingOk) return null;
    throw new WinnowError('usage', `no dedup index in ${dir} (index.json missing); create one with --index ${dir}`);
  }
  checkCompat(dir, manifest.compat, compat);
  const segments = manifest.segments.filter((s) => !skipRun || s.run !== skipRun).map((s) => new Segment(s.name, new SectionedFile<SegmentHeader>(path.join(dir, `${s.name}.idx`), MAGIC, 'winnow dedup index segment')));
  return { dir, segments, close: () => segments.forEach((s) => s.close()) };
}

/** The index position of a key in one band of a segment, or -1 (exact band: high words must agree). */
export function lookup(band: SegmentBand, key: number, hi: number): number {
  let at = lowerBound(band.keys, key);
  while (at < band.keys.length && band.keys[at] === key) {
    if (!band.his || band.his[at] === hi) return band.docs[at];
    at++;
  }
  return -1;
}

/**
 * Matches this run's documents against the index, band by band (one band of one segment in
 * memory at a time). Index documents that matched become union-find nodes n, n+1, ... in
 * (segment, document) order; `edges` holds (ordinal, node) pairs.
 */
export function matchIndex(index: AgainstIndex, table: DocTable, options: BandOptions): IndexLink & { edges: Int32Array } {
  const n = table.n;
  const bandsMatched = new Uint8Array(n);
  let ords: number[] = [];
  let refs: number[] = [];
  const all = new Uint8Array(n).fill(1);
  const bandsTotal = options.minhash ? options.bands : 0;
  for (let t = 0; t <= bandsTotal; t++) {
    const values = t === 0 ? exactValues(table) : lshValues(table, t - 1, all);
    for (let s = 0; s < index.segments.length; s++) {
      const band = index.segments[s].band(t);
      for (let ord = 0; ord < n; ord++) {
        const v = values[ord];
        if (v < 0) continue;
        const doc = lookup(band, v, table.exactHi[ord]);
        if (doc < 0) continue;
        ords.push(ord);
        refs.push(s * TWO32 + doc);
        // An exact match counts as every band.
        bandsMatched[ord] = Math.min(255, t === 0 ? Math.max(bandsMatched[ord], bandsTotal + 1) : bandsMatched[ord] + 1);
      }
    }
  }
  const distinct = Float64Array.from(new Set(refs)).sort();
  const edges = new Int32Array(2 * ords.length);
  for (let e = 0; e < ords.length; e++) {
    edges[2 * e] = ords[e];
    edges[2 * e + 1] = n + lowerBound(distinct, refs[e]);
  }
  ords = [];
  refs = [];
  const nodeRef = (node: number): { s: number; doc: number } => {
    const ref = distinct[node - n];
    return { s: Math.floor(ref / TWO32), doc: ref % TWO32 };
  };
  return {
    count: distinct.length,
    edges,
    bandsMatched,
    id: (node) => {
      const { s, doc } = nodeRef(node);
      return index.segments[s].id(doc);
    },
    segment: (node) => index.segments[nodeRef(node).s].name,
  };
}

function exactValues(table: DocTable): Float64Array {
  const values = new Float64Array(table.n);
  for (let ord = 0; ord < table.n; ord++) values[ord] = table.flags[ord] & FLAG_EMPTY ? -1 : (table.exactHi[ord] & 0xfffff) * TWO32 + table.exactLo[ord];
  return values;
}

/** Sorted keys with their document numbers (ties in document order); values < 0 are left out. */
function sortedBand(values: Float64Array, his?: Uint32Array): { keys: Float64Array; docs: Uint32Array; his?: Uint32Array } {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] >= 0) m++;
  const used = new Float64Array(m);
  const usedDocs = new Uint32Array(m);
  m = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0) continue;
    used[m] = values[i];
    usedDocs[m++] = i;
  }
  const keys = used.slice().sort();
  const docs = new Uint32Array(m);
  const outHis = his ? new Uint32Array(m) : undefined;
  const taken = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const at = lowerBound(keys, used[i]);
    const slot = at + taken[at]++;
    docs[slot] = usedDocs[i];
    if (outHis && his) outHis[slot] = his[usedDocs[i]];
  }
  return outHis ? { keys, docs, his: outHis } : { keys, docs };
}

/** The documents a segment gets: 0 .. count-1, with their exact hashes and band keys. */
export interface SegmentSource {
  count: number;
  bands: number;
  id(doc: number): Uint8Array;
  exactHi: Uint32Array;
  exactLo: Uint32Array;
  /** No words: never matched. */
  empty(doc: number): boolean;
  /** Band b's 52-bit keys per document (< 0: none, e.g. no shingles). */
  band(b: number): Float64Array;
}

/** The kept documents of a batch run as a segment source. */
export function keptSource(table: DocTable, result: ClusterResult, bands: number): SegmentSource {
  const ords: number[] = [];
  for (let ord = 0; ord < table.n; ord++) {
    const s = result.status[ord];
    if (s === Status.single || s === Status.kept) ords.push(ord);
  }
  const count = ords.length;
  const exactHi = new Uint32Array(count);
  const exactLo = new Uint32Array(count);
  ords.forEach((ord, i) => {
    exactHi[i] = table.exactHi[ord];
    exactLo[i] = table.exactLo[ord];
  });
  const all = new Uint8Array(table.n).fill(1);
  return {
    count,
    bands,
    id: (doc) => table.id(ords[doc]),
    empty: (doc) => (table.flags[ords[doc]] & FLAG_EMPTY) !== 0,
    exactHi,
    exactLo,
    band: (b) => {
      const values = lshValues(table, b, all);
      return Float64Array.from(ords, (ord) => values[ord]);
    },
  };
}

/**
 * Adds documents to the index in `dir` (creating it) as one segment, unless the run `run` already
 * added one or there is nothing to add.
 */
export function saveSegment(dir: string, compat: Compat, source: SegmentSource, run?: string): JsonObject {
  const manifest = readManifest(dir);
  if (manifest) checkCompat(dir, manifest.compat, compat);
  const previous = run ? manifest?.segments.find((s) => s.run === run) : undefined;
  if (previous) return { dir, segment: previous.name, documents: previous.documents, segments: manifest!.segments.length, added: false };
  if (source.count === 0) return { dir, segment: null, documents: 0, segments: manifest?.segments.length ?? 0, added: false };
  const count = source.count;
  const idOffsets = new Uint32Array(count + 1);
  const ids: Uint8Array[] = [];
  for (let doc = 0; doc < count; doc++) {
    const id = source.id(doc).slice();
    ids.push(id);
    idOffsets[doc + 1] = idOffsets[doc] + id.length;
  }
  const idBytes = new Uint8Array(idOffsets[count]);
  ids.forEach((id, doc) => idBytes.set(id, idOffsets[doc]));
  const exactKeys = new Float64Array(count);
  for (let doc = 0; doc < count; doc++) exactKeys[doc] = source.empty(doc) ? -1 : (source.exactHi[doc] & 0xfffff) * TWO32 + source.exactLo[doc];
  const exact = sortedBand(exactKeys, source.exactHi);
  const parts: [string, ArrayBufferView][] = [
    ['idOffsets', idOffsets],
    ['idBytes', idBytes],
    ['keys0', exact.keys],
    ['docs0', exact.docs],
    ['his0', exact.his!],
  ];
  for (let b = 0; b < source.bands; b++) {
    const band = sortedBand(source.band(b));
    parts.push([`keys${b + 1}`, band.keys], [`docs${b + 1}`, band.docs]);
  }
  const hash = crypto.createHash('sha256');
  for (const [, view] of parts) hash.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const name = `seg-${hash.digest('hex').slice(0, 16)}`;
  const segments = manifest?.segments ?? [];
  const added = !segments.some((s) => s.name === name);
  if (added) {
    writeSectioned(path.join(dir, `${name}.idx`), MAGIC, { count, bands: source.bands }, parts);
    segments.push(run ? { name, documents: count, run } : { name, documents: count });
    const next: IndexManifest = { format: 'winnow-dedup-index', compat, segments };
    const tmp = path.join(dir, '.index.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
    fs.renameSync(tmp, path.join(dir, 'index.json'));
  }
  return { dir, segment: name, documents: count, segments: segments.length, added };
}

/** Fingerprint of a run's input: the ids and exact hashes of its documents, in input order. */
export function runFingerprint(table: DocTable): string {
  const hash = crypto.createHash('sha256');
  const words = new Uint32Array(2);
  for (let ord = 0; ord < table.n; ord++) {
    words[0] = table.exactHi[ord];
    words[1] = table.exactLo[ord];
    hash.update(new Uint8Array(words.buffer));
    hash.update(table.id(ord));
  }
  return hash.digest('hex').slice(0, 32);
}

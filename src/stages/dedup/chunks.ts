/**
 * Where observed documents live until clustering: chunks of up to 65,536 documents held as typed
 * arrays, in memory while they fit the `memory` budget, else in a chunk file. The staged mode's
 * per-unit signature files are chunk files too, so one reader serves both.
 *
 * Per document: key (f64), flags (u8), exact hash (2 x u32), keep value (f64), id (UTF-8), and for
 * MinHash its band keys (2 x u32 per band, stored band-major so one band reads as one range), its
 * stored signature (u16 per permutation) and optionally its shingle set. The small per-document arrays
 * stay in memory; band keys, signatures, ids and sets are what spills.
 *
 * File layout: "WNDDCHK1", u32 header length, header JSON (compat record, count, section offsets),
 * then 8-byte-aligned sections. Host byte order, which payload.ts requires to be little-endian.
 */
import { WinnowError } from '../../core/errors.js';
import { type Compat, compatDiff } from './config.js';
import { growBytes, growU32 } from './grow.js';
import { FLAG_SET, type PayloadReader } from './payload.js';
import { type Sections, SectionedFile, writeSectioned } from './sectioned-file.js';

export const CHUNK_DOCS = 65_536;
const MAGIC = 'WNDDCHK1';

export interface Chunk {
  readonly count: number;
  readonly keys: Float64Array;
  readonly flags: Uint8Array;
  /** hi, lo per document. */
  readonly exact: Uint32Array;
  readonly keepValues: Float64Array;
  /** Band b's keys: hi, lo per document. */
  band(b: number): Uint32Array;
  /** The stored (16-bit) signature; valid until the next call on this chunk. */
  signature(i: number): Uint16Array;
  id(i: number): Uint8Array;
  set(i: number): Uint32Array | null;
  /** Bytes held in memory. */
  memoryBytes(): number;
  close(): void;
}

/** Fills one chunk document by document; `seal` turns it into an in-memory chunk. */
export class ChunkBuilder {
  count = 0;
  readonly keys: Float64Array;
  readonly flags: Uint8Array;
  readonly exact: Uint32Array;
  readonly keepValues: Float64Array;
  readonly bandData: Uint32Array;
  readonly sigs: Uint16Array;
  readonly idOffsets: Uint32Array;
  readonly setOffsets: Uint32Array;
  private readonly ids = growBytes(1 << 16);
  private readonly sets = growU32(1 << 10);

  constructor(
    readonly capacity: number,
    readonly permutations: number,
    readonly bands: number,
  ) {
    this.keys = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.exact = new Uint32Array(2 * capacity);
    this.keepValues = new Float64Array(capacity);
    this.bandData = new Uint32Array(bands * 2 * capacity);
    this.sigs = new Uint16Array(permutations * capacity);
    this.idOffsets = new Uint32Array(capacity + 1);
    this.setOffsets = new Uint32Array(capacity + 1);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Adds the document whose payload `p` points at. */
  add(key: number, p: PayloadReader): void {
    const i = this.count++;
    const flags = p.flags;
    this.keys[i] = key;
    this.flags[i] = flags;
    this.exact[2 * i] = p.exactHi;
    this.exact[2 * i + 1] = p.exactLo;
    this.keepValues[i] = p.keepValue;
    const k = this.permutations;
    if (k > 0) {
      const sigs = this.sigs;
      const u16 = p.u16;
      for (let j = 0, from = p.signatureAt, to = i * k; j < k; j++) sigs[to + j] = u16[from + j];
      const stride = 2 * this.capacity;
      const u32 = p.u32;
      const keysAt = p.bandKeysAt;
      for (let b = 0; b < this.bands; b++) {
        this.bandData[b * stride + 2 * i] = u32[keysAt + 2 * b];
        this.bandData[b * stride + 2 * i + 1] = u32[keysAt + 2 * b + 1];
      }
    }
    if (flags & FLAG_SET) {
      const at = p.setAt;
      this.sets.push(p.u32, at + 1, at + 1 + p.u32[at]);
    }
    this.setOffsets[i + 1] = this.sets.length;
    this.ids.push(p.u8, p.idAt, p.end);
    this.idOffsets[i + 1] = this.ids.length;
  }

  seal(): MemoryChunk {
    const n = this.count;
    // A partly filled chunk gives back what it does not use.
    const trim = n < this.capacity / 2;
    const bandData = new Uint32Array(this.bands * 2 * n);
    for (let b = 0; b < this.bands; b++) bandData.set(this.bandData.subarray(b * 2 * this.capacity, b * 2 * this.capacity + 2 * n), b * 2 * n);
    return new MemoryChunk({
      count: n,
      permutations: this.permutations,
      bands: this.bands,
      keys: trim ? this.keys.slice(0, n) : this.keys.subarray(0, n),
      flags: trim ? this.flags.slice(0, n) : this.flags.subarray(0, n),
      exact: trim ? this.exact.slice(0, 2 * n) : this.exact.subarray(0, 2 * n),
      keepValues: trim ? this.keepValues.slice(0, n) : this.keepValues.subarray(0, n),
      bandData,
      sigs: trim ? this.sigs.slice(0, n * this.permutations) : this.sigs.subarray(0, n * this.permutations),
      idOffsets: this.idOffsets.slice(0, n + 1),
      idBytes: this.ids.slice(),
      setOffsets: this.setOffsets.slice(0, n + 1),
      setValues: this.sets.slice(),
    });
  }
}

export interface ChunkArrays {
  count: number;
  permutations: number;
  bands: number;
  keys: Float64Array;
  flags: Uint8Array;
  exact: Uint32Array;
  keepValues: Float64Array;
  bandData: Uint32Array;
  sigs: Uint16Array;
  idOffsets: Uint32Array;
  idBytes: Uint8Array;
  setOffsets: Uint32Array;
  setValues: Uint32Array;
}

export class MemoryChunk implements Chunk {
  readonly count: number;
  readonly keys: Float64Array;
  readonly flags: Uint8Array;
  readonly exact: Uint32Array;
  readonly keepValues: Float64Array;

  constructor(readonly arrays: ChunkArrays) {
    this.count = arrays.count;
    this.keys = arrays.keys;
    this.flags = arrays.flags;
    this.exact = arrays.exact;
    this.keepValues = arrays.keepValues;
  }
  band(b: number): Uint32Array {
    return this.arrays.bandData.subarray(b * 2 * this.count, (b + 1) * 2 * this.count);
  }
  signature(i: number): Uint16Array {
    const k = this.arrays.permutations;
    return this.arrays.sigs.subarray(i * k, (i + 1) * k);
  }
  id(i: number): Uint8Array {
    return this.arrays.idBytes.subarray(this.arrays.idOffsets[i], this.arrays.idOffsets[i + 1]);
  }
  set(i: number): Uint32Array | null {
    if (!(this.flags[i] & FLAG_SET)) return null;
    return this.arrays.setValues.subarray(this.arrays.setOffsets[i], this.arrays.setOffsets[i + 1]);
  }
  memoryBytes(): number {
    const a = this.arrays;
    return a.keys.byteLength + a.flags.byteLength + a.exact.byteLength + a.keepValues.byteLength + a.bandData.byteLength + a.sigs.byteLength + a.idOffsets.byteLength + a.idBytes.byteLength + a.setOffsets.byteLength + a.setValues.byteLength;
  }
  close(): void {}
}

interface Header {
  format: 'winnow-dedup-chunk';
  compat: Compat;
  count: number;
  sections: Sections;
  [extra: string]: unknown;
}

/** Writes a chunk file atomically (temp name, then rename). */
export function writeChunkFile(file: string, compat: Compat, a: ChunkArrays, extra: Record<string, unknown> = {}): void {
  writeSectioned(file, MAGIC, { format: 'winnow-dedup-chunk', compat, count: a.count, permutations: a.permutations, bands: a.bands, ...extra }, [
    ['keys', a.keys],
    ['flags', a.flags],
    ['exact', a.exact],
    ['keepValues', a.keepValues],
    ['bandData', a.bandData],
    ['sigs', a.sigs],
    ['idOffsets', a.idOffsets],
    ['idBytes', a.idBytes],
    ['setOffsets', a.setOffsets],
    ['setValues', a.setValues],
  ]);
}

/** A chunk in a file: the small per-document arrays are read at open, the rest on demand. */
export class FileChunk implements Chunk {
  readonly count: number;
  readonly keys: Float64Array;
  readonly flags: Uint8Array;
  readonly exact: Uint32Array;
  readonly keepValues: Float64Array;
  readonly header: Header;
  private readonly f: SectionedFile<Header>;
  private readonly idOffsets: Uint32Array;
  private readonly setOffsets: Uint32Array;
  private readonly permutations: number;
  private readonly sig: Uint16Array;

  constructor(
    readonly file: string,
    expected: Compat,
  ) {
    this.f = new SectionedFile<Header>(file, MAGIC, 'winnow dedup signature file');
    this.header = this.f.header;
    const diff = compatDiff(this.header.compat, expected);
    if (diff.length > 0) {
      this.f.close();
      throw new WinnowError('config', `${file}: signatures were made with different settings (${diff.join('; ')}); they cannot be mixed`);
    }
    this.count = this.header.count;
    this.permutations = expected.permutations;
    this.keys = new Float64Array(this.f.read('keys'));
    this.flags = new Uint8Array(this.f.read('flags'));
    this.exact = new Uint32Array(this.f.read('exact'));
    this.keepValues = new Float64Array(this.f.read('keepValues'));
    this.idOffsets = new Uint32Array(this.f.read('idOffsets'));
    this.setOffsets = new Uint32Array(this.f.read('setOffsets'));
    this.sig = new Uint16Array(this.permutations);
  }

  band(b: number): Uint32Array {
    return new Uint32Array(this.f.read('bandData', b * 8 * this.count, 8 * this.count));
  }
  signature(i: number): Uint16Array {
    const k = this.permutations;
    this.f.readInto(new Uint8Array(this.sig.buffer), this.f.offset('sigs') + 2 * k * i);
    return this.sig;
  }
  id(i: number): Uint8Array {
    const from = this.idOffsets[i];
    return new Uint8Array(this.f.read('idBytes', from, this.idOffsets[i + 1] - from));
  }
  set(i: number): Uint32Array | null {
    if (!(this.flags[i] & FLAG_SET)) return null;
    const from = this.setOffsets[i];
    return new Uint32Array(this.f.read('setValues', 4 * from, 4 * (this.setOffsets[i + 1] - from)));
  }
  memoryBytes(): number {
    return this.keys.byteLength + this.flags.byteLength + this.exact.byteLength + this.keepValues.byteLength + this.idOffsets.byteLength + this.setOffsets.byteLength;
  }
  close(): void {
    this.f.close();
  }
}

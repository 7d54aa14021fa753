/**
 * The per-document payload that `prepare` computes in the worker pool and the main thread
 * observes: the exact hash, the keep-rule value, the MinHash signature, the shingle set when the
 * document is needed for verification or the sampled check, and the document id.
 *
 * Layout (host byte order, which must be little-endian; checked at load):
 *   0 u8 flags (1 = empty: no words, never a duplicate; 2 = has shingle set; 4 = short: at most
 *   max_exact_shingles shingles, so its set is carried and its pairs with other short documents
 *   are tested exactly)   4 u32 exact hi
 *   8 u32 exact lo   16 f64 keep value   24 u32[2 x bands] band keys (hi, lo)
 *   then u16[permutations] stored signature (padded to 4 bytes)   then u32 n, u32[n] set   then id
 * The band keys come from the full 32-bit signature; only its top 16 bits are stored (minhash.ts).
 */
import os from 'node:os';
import type { Doc, Json } from '../../core/doc.js';
import { type DedupConfig, keepField } from './config.js';
import { MinHasher, bandKeys, storedSignature } from './minhash.js';
import { sampledBucket } from './sampling.js';

if (os.endianness() !== 'LE') throw new Error('winnow dedup needs a little-endian machine (signature files are little-endian)');

export const FLAG_EMPTY = 1;
export const FLAG_SET = 2;
export const FLAG_SHORT = 4;
const HEADER = 24;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function idText(id: Uint8Array): string {
  return decoder.decode(id);
}

/** The keep-rule value: text length for `longest`, the numeric meta (or input) field for `max:`. */
export function keepValueOf(doc: Doc, keep: string): number {
  if (keep === 'first') return 0;
  if (keep === 'longest') return doc.text.length;
  const pathParts = keepField(keep)!;
  const found = lookup(doc.meta, pathParts) ?? lookup(doc.extra, pathParts);
  return typeof found === 'number' && Number.isFinite(found) ? found : Number.NaN;
}

function lookup(root: Json, parts: string[]): Json | undefined {
  let node: Json | undefined = root;
  for (const part of parts) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, Json>)[part];
  }
  return node;
}

/** Builds the payload function for the workers. */
export function payloadEncoder(config: DedupConfig): (doc: Doc) => Uint8Array {
  const minhash = config.method === 'minhash';
  const hasher = new MinHasher({ seed: config.seed, bands: minhash ? config.bands : 1, rows: minhash ? config.rows : 1, shingle: { type: config.shingle, size: config.shingle_size }, normalize: config.normalize });
  const k = minhash ? config.bands * config.rows : 0;
  const bands = minhash ? config.bands : 0;
  const signature = new Uint32Array(Math.max(k, 1));
  const keys = new Uint32Array(2 * Math.max(bands, 1));
  const checkOneIn = config.check_one_in;
  return (doc) => {
    let flags = 0;
    let exactHi: number;
    let exactLo: number;
    let set: Uint32Array | null = null;
    if (minhash) {
      const signed = hasher.sign(doc.text, signature);
      exactHi = signed.exactHi;
      exactLo = signed.exactLo;
      bandKeys(signature, config.bands, config.rows, keys);
      if (signed.empty) flags |= FLAG_EMPTY;
      else {
        if (signed.shingles <= config.max_exact_shingles) flags |= FLAG_SHORT;
        let wantSet = config.verify || (flags & FLAG_SHORT) !== 0;
        for (let b = 0; b < config.bands && !wantSet && checkOneIn > 0; b++) wantSet = sampledBucket(b, keys[2 * b], keys[2 * b + 1], checkOneIn);
        if (wantSet) {
          set = hasher.shingleSet();
          flags |= FLAG_SET;
        }
      }
    } else {
      const exact = hasher.exact(doc.text);
      exactHi = exact.hi;
      exactLo = exact.lo;
      if (exact.empty) flags |= FLAG_EMPTY;
    }
    const idBytes = encoder.encode(doc.id);
    const sigAt = HEADER + 8 * bands;
    const setAt = sigAt + sigBytes(k);
    const setBytes = set ? 4 + 4 * set.length : 0;
    const buffer = new ArrayBuffer(setAt + setBytes + idBytes.length);
    const bytes = new Uint8Array(buffer);
    const words = new Uint32Array(buffer, 0, (setAt + setBytes) >> 2);
    bytes[0] = flags;
    words[1] = exactHi;
    words[2] = exactLo;
    new Float64Array(buffer, 16, 1)[0] = keepValueOf(doc, config.keep);
    if (k > 0) {
      words.set(keys.subarray(0, 2 * bands), HEADER >> 2);
      storedSignature(signature, new Uint16Array(buffer, sigAt, k));
    }
    if (set) {
      words[setAt >> 2] = set.length;
      words.set(set, (setAt >> 2) + 1);
    }
    bytes.set(idBytes, setAt + setBytes);
    return bytes;
  };
}

const sigBytes = (k: number): number => (2 * k + 3) & ~3;

/**
 * Reads payloads where they lie, without allocating per payload: one set of typed views per
 * buffer (a spool block's payloads share one), re-pointed by `at`. The main thread reads every
 * document's payload in pass 1, and views made per payload (five or six each) cost it more in
 * garbage collection than the reading does. A payload that is not 8-byte aligned in its buffer
 * (the runner's always are; a caller's own may not be) is copied to an aligned buffer first.
 */
export class PayloadReader {
  private buffer: ArrayBufferLike | null = null;
  u8: Uint8Array = new Uint8Array(0);
  u16: Uint16Array = new Uint16Array(0);
  u32: Uint32Array = new Uint32Array(0);
  private f64: Float64Array = new Float64Array(0);
  /** The payload's first byte in `u8`, and its end. */
  private base = 0;
  end = 0;

  constructor(
    readonly permutations: number,
    readonly bands: number,
  ) {}

  /** Points the reader at `bytes[start, end)`. */
  at(bytes: Uint8Array, start = 0, end = bytes.byteLength): this {
    let view = bytes;
    if ((bytes.byteOffset + start) % 8 !== 0) {
      view = bytes.slice(start, end);
      end -= start;
      start = 0;
    }
    const buffer = view.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.u8 = new Uint8Array(buffer);
      this.u16 = new Uint16Array(buffer, 0, buffer.byteLength >> 1);
      this.u32 = new Uint32Array(buffer, 0, buffer.byteLength >> 2);
      this.f64 = new Float64Array(buffer, 0, buffer.byteLength >> 3);
    }
    this.base = view.byteOffset + start;
    this.end = view.byteOffset + end;
    return this;
  }

  get flags(): number {
    return this.u8[this.base];
  }
  get exactHi(): number {
    return this.u32[(this.base >> 2) + 1];
  }
  get exactLo(): number {
    return this.u32[(this.base >> 2) + 2];
  }
  get keepValue(): number {
    return this.f64[(this.base >> 3) + 2];
  }
  /** Index in `u32` of the band keys: hi, lo per band. */
  get bandKeysAt(): number {
    return (this.base + HEADER) >> 2;
  }
  /** Index in `u16` of the stored signature (`permutations` values). */
  get signatureAt(): number {
    return (this.base + HEADER + 8 * this.bands) >> 1;
  }
  /** Index in `u32` of the shingle set's length, the set following it (flag FLAG_SET only). */
  get setAt(): number {
    return (this.base + HEADER + 8 * this.bands + sigBytes(this.permutations)) >> 2;
  }
  /** Index in `u8` of the id's UTF-8 bytes, which run to `end`: after the set, when there is one. */
  get idAt(): number {
    const set = this.setAt;
    return 4 * (this.flags & FLAG_SET ? set + 1 + this.u32[set] : set);
  }
}

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

export interface Payload {
  flags: number;
  exactHi: number;
  exactLo: number;
  keepValue: number;
  /** Empty for `method: exact`. */
  bandKeys: Uint32Array;
  signature: Uint16Array;
  set: Uint32Array | null;
  id: Uint8Array;
}

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

/** Reads a payload; copies it first if it is not 8-byte aligned (e.g. decoded from base64). */
export function decodePayload(raw: Uint8Array, permutations: number, bands: number): Payload {
  const bytes = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const head = new Uint32Array(buffer, base, 3);
  const flags = bytes[0];
  const bandKeys = new Uint32Array(buffer, base + HEADER, 2 * bands);
  const signature = new Uint16Array(buffer, base + HEADER + 8 * bands, permutations);
  let at = HEADER + 8 * bands + sigBytes(permutations);
  let set: Uint32Array | null = null;
  if (flags & FLAG_SET) {
    const n = new Uint32Array(buffer, base + at, 1)[0];
    set = new Uint32Array(buffer, base + at + 4, n);
    at += 4 + 4 * n;
  }
  return {
    flags,
    exactHi: head[1],
    exactLo: head[2],
    keepValue: new Float64Array(buffer, base + 16, 1)[0],
    bandKeys,
    signature,
    set,
    id: bytes.subarray(at),
  };
}

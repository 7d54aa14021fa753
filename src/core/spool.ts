/**
 * The spool of a global stage: what pass 1 keeps of each surviving document for the next pass.
 * It is written in blocks, one per worker batch, which the worker builds and compresses itself,
 * so the main thread only appends bytes in pass 1 and reads them back in pass 2 without
 * decompressing, splitting or parsing anything.
 *
 * Two files per unit and pass, `<prefix>-docs.spool` and `<prefix>-payloads.bin`: the global
 * stage's payloads live apart from the documents so that a resumed run feeds the payloads of
 * finished units back to `observe` without reading the documents.
 *
 *   docs block:     u32 magic, u32 count, u32 body bytes, u32 codec, f64 keys[count], body
 *   payloads block: u32 magic, u32 count, u32 data bytes, u32 0, f64 keys[count],
 *                   u32 ends[count] (padded to 8 bytes), data (each payload 8-byte aligned)
 *
 * The body is one compressed buffer (zstd level 1, or gzip without the native codec) holding
 *   u32 count, u32 meta bytes, meta JSON {sources, routes} (padded to 8), f64 keys[count],
 *   u32 fields[FIELDS x count], then the records: each document's output record as JSONL.
 * The fields are the document's input line and source, its route, the 64-bit hash of its id (the
 * document index's), the characters it counts in and out, and where its record ends. With them, a
 * document that pass 2 keeps unchanged is copied to the output as bytes, never parsed.
 * Host byte order (little-endian everywhere winnow runs); the spool never leaves the machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { type Compression, compressFrame, decompressFrame } from '../io/compression.js';
import { tempName, writeTo } from '../io/shard-writer.js';
import { type Doc, docFromRecord, isJsonObject } from './doc.js';
import { hashString64 } from './hash.js';
import type { DocEnvelope } from './protocol.js';
import type { GlobalStage } from './stage.js';

export type SpoolCodec = Exclude<Compression, 'none'>;

/** One batch of spooled documents as a worker returns it (every buffer its own, to be transferred). */
export interface SpoolBlock {
  keys: Float64Array;
  codec: SpoolCodec;
  /** The compressed documents. */
  body: Uint8Array;
  /** The global stage's payloads, packed: payload i is data[ends[i-1] rounded up to 8 .. ends[i]]. */
  payloadData: Uint8Array;
  payloadEnds: Uint32Array;
}

const DOCS_MAGIC = 0x31535357; // "WSS1"
const PAYLOADS_MAGIC = 0x31505357; // "WSP1"
const CODECS: SpoolCodec[] = ['zstd', 'gzip'];

/** Per-document fields of a body, in this order. */
const FIELDS = 8;
const F_LINE = 0;
const F_SOURCE = 1;
const F_ROUTE = 2;
const F_ID_HI = 3;
const F_ID_LO = 4;
const F_CHARS_IN = 5;
const F_CHARS_OUT = 6;
const F_END = 7;

const pad8 = (n: number): number => (n + 7) & ~7;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A buffer of its own: safe to transfer (never a view into Node's shared pool). */
function own(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Index of a string in a small table, added on first use. */
function indexOf(table: string[], at: Map<string, number>, value: string): number {
  let i = at.get(value);
  if (i === undefined) {
    i = table.length;
    table.push(value);
    at.set(value, i);
  }
  return i;
}

/**
 * Builds a block in the worker: `records[i]` is document i's output record (one JSON line without
 * its newline), `payloads[i]` its payload for the global stage.
 */
export function encodeSpoolBlock(envs: DocEnvelope[], records: (string | Uint8Array)[], payloads: Uint8Array[], codec: SpoolCodec): SpoolBlock {
  const n = envs.length;
  const sources: string[] = [];
  const sourceAt = new Map<string, number>();
  // Route 0 is "none" (kept/).
  const routes: string[] = [''];
  const routeAt = new Map<string, number>([['', 0]]);
  const keys = new Float64Array(n);
  const fields = new Uint32Array(FIELDS * n);
  for (let i = 0; i < n; i++) {
    const env = envs[i];
    const doc = env.doc;
    const f = FIELDS * i;
    keys[i] = env.key;
    fields[f + F_LINE] = env.loc.line;
    fields[f + F_SOURCE] = indexOf(sources, sourceAt, env.loc.source);
    fields[f + F_ROUTE] = indexOf(routes, routeAt, env.route ?? '');
    const { hi, lo } = hashString64(doc.id);
    fields[f + F_ID_HI] = hi;
    fields[f + F_ID_LO] = lo;
    fields[f + F_CHARS_IN] = doc.text.length || (doc.html?.length ?? 0);
    fields[f + F_CHARS_OUT] = doc.text.length;
  }
  // Each record's UTF-8 length first, then each encoded in place: no joined copy of the batch.
  let recordBytes = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    recordBytes += (typeof r === 'string' ? Buffer.byteLength(r) : r.byteLength) + 1;
    fields[FIELDS * i + F_END] = recordBytes;
  }
  const meta = encoder.encode(JSON.stringify({ sources, routes }));
  const metaAt = 8;
  const keysAt = pad8(metaAt + meta.byteLength);
  const fieldsAt = keysAt + 8 * n;
  const recordsAt = fieldsAt + 4 * FIELDS * n;
  const inner = new Uint8Array(recordsAt + recordBytes);
  const head = new Uint32Array(inner.buffer, 0, 2);
  head[0] = n;
  head[1] = meta.byteLength;
  inner.set(meta, metaAt);
  new Float64Array(inner.buffer, keysAt, n).set(keys);
  new Uint32Array(inner.buffer, fieldsAt, FIELDS * n).set(fields);
  let at = recordsAt;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (typeof r === 'string') encoder.encodeInto(r, inner.subarray(at));
    else inner.set(r, at);
    at = recordsAt + fields[FIELDS * i + F_END];
    inner[at - 1] = 10;
  }
  const body = own(compressFrame(codec, inner, 1));

  const payloadEnds = new Uint32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    size = pad8(size) + payloads[i].byteLength;
    payloadEnds[i] = size;
  }
  const payloadData = new Uint8Array(size);
  let from = 0;
  for (let i = 0; i < n; i++) {
    payloadData.set(payloads[i], pad8(from));
    from = payloadEnds[i];
  }
  return { keys, codec, body, payloadData, payloadEnds };
}

/** The documents of a block, decompressed in the worker of pass 2. */
export class SpoolDocs {
  readonly count: number;
  readonly keys: Float64Array;
  readonly records: Uint8Array;
  private readonly fields: Uint32Array;
  private readonly sources: string[];
  private readonly routes: string[];

  constructor(codec: SpoolCodec, body: Uint8Array) {
    let inner = decompressFrame(codec, body);
    if (inner.byteOffset % 8 !== 0) inner = inner.slice();
    const base = inner.byteOffset;
    const head = new Uint32Array(inner.buffer, base, 2);
    const n = (this.count = head[0]);
    const meta = JSON.parse(decoder.decode(inner.subarray(8, 8 + head[1]))) as { sources: string[]; routes: string[] };
    this.sources = meta.sources;
    this.routes = meta.routes;
    const keysAt = pad8(8 + head[1]);
    const fieldsAt = keysAt + 8 * n;
    const recordsAt = fieldsAt + 4 * FIELDS * n;
    this.keys = new Float64Array(inner.buffer, base + keysAt, n);
    this.fields = new Uint32Array(inner.buffer, base + fieldsAt, FIELDS * n);
    this.records = inner.subarray(recordsAt);
  }

  /** Byte range of document i's record in `records`, its newline included. */
  start(i: number): number {
    return i === 0 ? 0 : this.fields[FIELDS * (i - 1) + F_END];
  }
  end(i: number): number {
    return this.fields[FIELDS * i + F_END];
  }
  /** The route it was spooled with ('' = kept/). */
  route(i: number): string {
    return this.routes[this.fields[FIELDS * i + F_ROUTE]];
  }
  idHi(i: number): number {
    return this.fields[FIELDS * i + F_ID_HI];
  }
  idLo(i: number): number {
    return this.fields[FIELDS * i + F_ID_LO];
  }
  charsIn(i: number): number {
    return this.fields[FIELDS * i + F_CHARS_IN];
  }
  charsOut(i: number): number {
    return this.fields[FIELDS * i + F_CHARS_OUT];
  }

  /** Document i as an envelope (parsed); `raw` is its record, still valid until an edit. */
  envelope(i: number): DocEnvelope {
    const raw = this.records.subarray(this.start(i), this.end(i) - 1);
    const record = JSON.parse(decoder.decode(raw)) as unknown;
    if (!isJsonObject(record)) throw new Error('corrupt spool block');
    const doc: Doc = docFromRecord(record);
    const f = FIELDS * i;
    const env: DocEnvelope = { doc, loc: { source: this.sources[this.fields[f + F_SOURCE]], line: this.fields[f + F_LINE] }, key: this.keys[i], raw };
    const route = this.route(i);
    if (route) env.route = route;
    return env;
  }
}

const header = (magic: number, count: number, bytes: number, extra: number): Uint8Array => new Uint8Array(new Uint32Array([magic, count, bytes, extra]).buffer);
const bytesOf = (view: Float64Array | Uint32Array): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

export const spoolDocsFile = (dir: string, prefix: string): string => path.join(dir, `${prefix}-docs.spool`);
export const spoolPayloadsFile = (dir: string, prefix: string): string => path.join(dir, `${prefix}-payloads.bin`);

/** Appends blocks to a unit's two spool files: temp names, renamed by `close` when complete. */
export class SpoolWriter {
  private docs: fs.WriteStream | null = null;
  private payloads: fs.WriteStream | null = null;
  private readonly docsFile: string;
  private readonly payloadsFile: string;

  constructor(
    private readonly dir: string,
    prefix: string,
  ) {
    this.docsFile = spoolDocsFile(dir, prefix);
    this.payloadsFile = spoolPayloadsFile(dir, prefix);
  }

  async write(block: SpoolBlock): Promise<void> {
    const n = block.keys.length;
    if (n === 0) return;
    if (!this.docs || !this.payloads) {
      await fs.promises.mkdir(this.dir, { recursive: true });
      this.docs = fs.createWriteStream(tempName(this.docsFile));
      this.payloads = fs.createWriteStream(tempName(this.payloadsFile));
    }
    const keys = bytesOf(block.keys);
    await writeTo(this.docs, header(DOCS_MAGIC, n, block.body.byteLength, CODECS.indexOf(block.codec)));
    await writeTo(this.docs, keys);
    await writeTo(this.docs, block.body);
    await writeTo(this.payloads, header(PAYLOADS_MAGIC, n, block.payloadData.byteLength, 0));
    await writeTo(this.payloads, keys);
    await writeTo(this.payloads, bytesOf(block.payloadEnds));
    if ((4 * n) % 8 !== 0) await writeTo(this.payloads, new Uint8Array(4));
    await writeTo(this.payloads, block.payloadData);
    const tail = pad8(block.payloadData.byteLength) - block.payloadData.byteLength;
    if (tail > 0) await writeTo(this.payloads, new Uint8Array(tail));
  }

  async close(): Promise<void> {
    for (const [stream, file] of [
      [this.payloads, this.payloadsFile],
      [this.docs, this.docsFile],
    ] as const) {
      if (!stream) continue;
      stream.end();
      await finished(stream);
      await fs.promises.rename(tempName(file), file);
    }
  }
}

/** Reads exactly `length` bytes at `position` into a fresh buffer; a short read means a corrupt spool. */
async function readExactly(fh: fs.promises.FileHandle, length: number, position: number, file: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`${file}: the spool ends in the middle of a block`);
    done += bytesRead;
  }
  return out;
}

async function* blocks(file: string, magic: number): AsyncGenerator<{ count: number; bytes: number; extra: number; keys: Float64Array; fh: fs.promises.FileHandle; at: number }> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // a unit with no survivors
    throw error;
  }
  try {
    const size = (await fh.stat()).size;
    let at = 0;
    while (at < size) {
      const head = new Uint32Array((await readExactly(fh, 16, at, file)).buffer);
      if (head[0] !== magic) throw new Error(`${file}: not a spool block at byte ${at}`);
      const count = head[1];
      const keys = new Float64Array((await readExactly(fh, 8 * count, at + 16, file)).buffer);
      const block = { count, bytes: head[2], extra: head[3], keys, fh, at: at + 16 + 8 * count };
      yield block;
      at = block.at;
    }
  } finally {
    await fh.close();
  }
}

/** The docs blocks of a unit's spool, in order: keys, and the body as it is (for a worker). */
export async function* readSpoolDocs(file: string): AsyncGenerator<{ keys: Float64Array; codec: SpoolCodec; body: Uint8Array }> {
  for await (const block of blocks(file, DOCS_MAGIC)) {
    const body = await readExactly(block.fh, block.bytes, block.at, file);
    block.at += block.bytes;
    yield { keys: block.keys, codec: CODECS[block.extra], body };
  }
}

/** The payload blocks of a unit's spool, in order (for `observe` on resume). */
export async function* readSpoolPayloads(file: string): AsyncGenerator<Pick<SpoolBlock, 'keys' | 'payloadData' | 'payloadEnds'>> {
  for await (const block of blocks(file, PAYLOADS_MAGIC)) {
    const n = block.count;
    const endsBytes = pad8(4 * n);
    const rest = await readExactly(block.fh, endsBytes + pad8(block.bytes), block.at, file);
    block.at += rest.byteLength;
    yield { keys: block.keys, payloadEnds: new Uint32Array(rest.buffer, 0, n), payloadData: rest.subarray(endsBytes) };
  }
}

/** Hands each payload of a block to the global stage, where it lies (8-byte aligned, see SpoolBlock). */
export function observePayloads(block: Pick<SpoolBlock, 'keys' | 'payloadData' | 'payloadEnds'>, observer: Pick<GlobalStage, 'observe'>): void {
  const { keys, payloadData, payloadEnds } = block;
  for (let i = 0, from = 0; i < keys.length; i++) {
    observer.observe(keys[i], payloadData, pad8(from), payloadEnds[i]);
    from = payloadEnds[i];
  }
}

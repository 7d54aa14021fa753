/**
 * Reads one unit into batches for the workers. The main thread does only what must be sequential:
 * reading, decompressing and cutting bytes at line boundaries. Parsing happens in the pool.
 * Failures here (a truncated gzip, a line over the size limit, an unreadable file) become error
 * records at the place they happened; the records before them are kept.
 */
import fs from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';
import type { FileItem, ReadBatch } from '../core/protocol.js';
import type { ErrorRecord } from '../core/records.js';
import { compressionOfMagic, decompressor, type Compression } from './compression.js';
import type { InputFile } from './input-files.js';
import type { Unit, UnitPart } from './units.js';
import { errorMessage } from '../core/errors.js';
import { readWarc } from './warc.js';

/** What the reader hands on: a batch for the workers and/or errors found while reading. */
export interface ReadPiece {
  batch?: ReadBatch;
  errors: ErrorRecord[];
  /** Record positions this piece occupies in the unit (records, blank lines and errors). */
  slots: number;
}

export interface ReadOptions {
  batchSize: number;
  batchBytes: number;
  maxDocBytes: number;
  /** Called with bytes read from disk (before decompression), for progress. */
  onBytes?: (n: number) => void;
}

export async function* readUnit(unit: Unit, files: InputFile[], options: ReadOptions): AsyncGenerator<ReadPiece> {
  const pending: FileItem[] = [];
  let pendingBytes = 0;
  const flushFiles = (): ReadPiece | null => {
    if (pending.length === 0) return null;
    const piece: ReadPiece = { batch: { kind: 'files', files: pending.splice(0) }, errors: [], slots: 0 };
    piece.slots = (piece.batch as { files: FileItem[] }).files.length;
    pendingBytes = 0;
    return piece;
  };
  for (const part of unit.parts) {
    const file = files[part.file];
    if (file.format === 'txt' || file.format === 'html') {
      const item = await readWholeFile(file, options);
      if ('error' in item) {
        const flushed = flushFiles();
        if (flushed) yield flushed;
        yield { errors: [item.error], slots: 1 };
        continue;
      }
      pending.push(item);
      pendingBytes += item.bytes.byteLength;
      if (pending.length >= options.batchSize || pendingBytes >= options.batchBytes) yield flushFiles()!;
      continue;
    }
    const flushed = flushFiles();
    if (flushed) yield flushed;
    if (file.format === 'warc') yield* readWarc(openBytes(file, 0, null, options.onBytes), file.rel, options);
    else if (file.format === 'jsonl') yield* readJsonl(file, part, options);
    else if (file.format === 'json') yield* readJsonArray(file, options);
    else throw new Error(`no reader for format ${file.format}`);
  }
  const flushed = flushFiles();
  if (flushed) yield flushed;
}

/** Bytes of a file or byte range, decompressed; standard input is sniffed for gzip/zstd. */
async function* openBytes(file: InputFile, start: number, end: number | null, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  let raw: Readable;
  let compression: Compression = file.compression;
  if (file.path === '-') {
    const iterator = process.stdin[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) return;
    const head = first.value as Buffer;
    compression = compressionOfMagic(head);
    raw = Readable.from(
      (async function* () {
        yield head;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Buffer;
      })(),
    );
  } else {
    raw = fs.createReadStream(file.path, { start, ...(end !== null ? { end: end - 1 } : {}), highWaterMark: 1024 * 1024 });
  }
  if (onBytes) raw.on('data', (chunk: Buffer) => onBytes(chunk.length));
  if (compression === 'none') {
    for await (const chunk of raw) yield chunk as Buffer;
    return;
  }
  const decoded = decompressor(compression);
  pipeline(raw, decoded, () => undefined);
  for await (const chunk of decoded) yield chunk as Buffer;
}

/** Copy a view into its own tight buffer: structured clone would otherwise copy the whole pool. */
const tight = (view: Uint8Array): Uint8Array => new Uint8Array(view);

/** Two views in one buffer of its own. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

async function* readJsonl(file: InputFile, part: UnitPart, options: ReadOptions): AsyncGenerator<ReadPiece> {
  const { batchSize, batchBytes, maxDocBytes } = options;
  let line = part.firstLine;
  let offset = part.start; // decompressed byte offset of `carry`'s first byte
  let carry: Buffer | null = null;
  // A line over the limit is skipped to its newline without being held in memory.
  let skipping: { line: number; offset: number; bytes: number } | null = null;
  const tooLarge = (s: { line: number; offset: number; bytes: number }): ErrorRecord => ({
    source: file.rel,
    line: s.line,
    offset: s.offset,
    code: 'too_large',
    reason: `record is over --max-doc-bytes ${maxDocBytes} (${s.bytes}+ bytes)`,
    bytes: s.bytes,
  });
  try {
    for await (const chunk of openBytes(file, part.start, part.end, options.onBytes)) {
      let buf: Buffer = chunk;
      // The partial line left from the previous chunk is prepended to the first batch cut from
      // this one (one copy of that batch, not of the whole chunk).
      let prefix: Buffer | null = carry;
      carry = null;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl < 0) {
          skipping.bytes += buf.length;
          offset += buf.length;
          continue;
        }
        skipping.bytes += nl;
        yield { errors: [tooLarge(skipping)], slots: 1 };
        skipping = null;
        buf = buf.subarray(nl + 1);
        offset += nl + 1;
        line++;
      }
      let batchStart = 0;
      let lines = 0;
      let cursor = 0;
      const cut = (): ReadPiece => {
        const body = buf.subarray(batchStart, cursor);
        const bytes = prefix ? joined(prefix, body) : tight(body);
        const piece: ReadPiece = { batch: { kind: 'jsonl', source: file.rel, bytes, firstLine: line, firstOffset: offset }, errors: [], slots: lines };
        offset += bytes.byteLength;
        line += lines;
        batchStart = cursor;
        lines = 0;
        prefix = null;
        return piece;
      };
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, cursor)) {
        cursor = nl + 1;
        lines++;
        if (lines >= batchSize || cursor - batchStart + (prefix?.length ?? 0) >= batchBytes) yield cut();
      }
      if (lines > 0) yield cut();
      const rest: Buffer = prefix ? Buffer.concat([prefix, buf.subarray(cursor)]) : buf.subarray(cursor);
      if (rest.length > maxDocBytes) {
        skipping = { line, offset, bytes: rest.length };
        offset += rest.length;
      } else if (rest.length > 0) {
        carry = Buffer.from(rest);
      }
    }
  } catch (error) {
    // Truncated or corrupt compressed input, or a read failure: what came before is kept; the
    // unfinished record and the unreadable rest become one error record.
    const partial = skipping ? null : carry;
    yield {
      errors: [
        {
          source: file.rel,
          line,
          offset,
          code: file.compression === 'none' && file.path !== '-' ? 'read_error' : 'truncated_input',
          reason: `input ends or breaks here: ${errorMessage(error)}`,
          ...(partial && partial.length > 0 ? { raw_base64: partial.toString('base64') } : {}),
        },
      ],
      slots: 1,
    };
    return;
  }
  if (skipping) yield { errors: [tooLarge(skipping)], slots: 1 };
  else if (carry && carry.length > 0) {
    yield { batch: { kind: 'jsonl', source: file.rel, bytes: tight(carry), firstLine: line, firstOffset: offset }, errors: [], slots: 1 };
  }
}

/** A JSON array of records (or a top-level value or values) in constant memory, via stream-json. */
async function* readJsonArray(file: InputFile, options: ReadOptions): AsyncGenerator<ReadPiece> {
  const bytes = openBytes(file, 0, null, options.onBytes);
  const first = await bytes.next();
  if (first.done) return;
  const head = first.value;
  const isArray = head.toString('utf8', 0, Math.min(head.length, 4096)).trimStart().startsWith('[');
  const source = Readable.from(
    (async function* () {
      yield head;
      yield* bytes;
    })(),
  );
  const values = isArray ? streamArray.withParserAsStream() : streamValues.withParserAsStream();
  pipeline(source, values, () => undefined);
  let batch: unknown[] = [];
  let firstIndex = 1;
  let index = 1;
  try {
    for await (const item of values as AsyncIterable<{ key: number; value: unknown }>) {
      batch.push(item.value);
      index++;
      if (batch.length >= options.batchSize) {
        yield { batch: { kind: 'values', source: file.rel, values: batch, firstIndex }, errors: [], slots: batch.length };
        batch = [];
        firstIndex = index;
      }
    }
  } catch (error) {
    if (batch.length) yield { batch: { kind: 'values', source: file.rel, values: batch, firstIndex }, errors: [], slots: batch.length };
    yield {
      errors: [{ source: file.rel, line: index, code: 'malformed_json', reason: `JSON breaks after record ${index - 1}: ${errorMessage(error)}` }],
      slots: 1,
    };
    return;
  }
  if (batch.length) yield { batch: { kind: 'values', source: file.rel, values: batch, firstIndex }, errors: [], slots: batch.length };
}

/** A `.txt` or `.html` file (optionally gzip/zstd compressed) as one record, within the size limit. */
async function readWholeFile(file: InputFile, options: ReadOptions): Promise<FileItem | { error: ErrorRecord }> {
  const fail = (code: string, reason: string): { error: ErrorRecord } => ({ error: { source: file.rel, line: 1, code, reason } });
  if (file.size > options.maxDocBytes && file.compression === 'none') {
    return fail('too_large', `file is ${file.size} bytes, over --max-doc-bytes ${options.maxDocBytes}`);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file.path);
  } catch (error) {
    return fail('read_error', errorMessage(error));
  }
  options.onBytes?.(bytes.length);
  if (file.compression !== 'none') {
    try {
      bytes = file.compression === 'gzip' ? zlib.gunzipSync(bytes, { maxOutputLength: options.maxDocBytes }) : await collect(bytes, file.compression);
    } catch (error) {
      const code = error instanceof RangeError ? 'too_large' : 'truncated_input';
      return fail(code, `cannot decompress: ${errorMessage(error)}`);
    }
    if (bytes.length > options.maxDocBytes) return fail('too_large', `file is over --max-doc-bytes ${options.maxDocBytes} decompressed`);
  }
  return { source: file.rel, format: file.format as 'txt' | 'html', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

async function collect(bytes: Buffer, compression: 'zstd'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = decompressor(compression);
  stream.end(bytes);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

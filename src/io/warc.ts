/**
 * WARC, WET and ARC files to read batches. WARC/WET go through warcio (its parser over an already
 * gunzipped stream: node:zlib is 1.8x faster than warcio's own pako path); ARC v1, which warcio
 * 2.4.11 misreads (it takes the version block for HTTP headers), has a small reader of its own.
 *
 * - `response` / `resource` records with an HTML content type become documents to extract, with
 *   the HTTP `Content-Type` charset as a decoding hint; chunked and gzip bodies are decoded.
 * - `conversion` records (WET) pass their text through.
 * - Everything else (warcinfo, request, metadata, revisit, non-HTML responses) is skipped and
 *   counted by kind; skipped records are not input records.
 * - A record over the size limit, or one whose body cannot be decoded, is an error record; a file
 *   that breaks off (truncated gzip, malformed header) ends with one error record at that offset.
 */
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { AsyncIterReader, LimitReader, WARCParser, type WARCRecord } from 'warcio';
import type { ReadBatch, WarcItem } from '../core/protocol.js';
import type { ErrorRecord } from '../core/records.js';
import { errorMessage } from '../core/errors.js';
import { contentTypeCharset } from './charset.js';

export interface WarcPiece {
  batch?: ReadBatch;
  errors: ErrorRecord[];
  slots: number;
}

export interface WarcReadOptions {
  batchSize: number;
  batchBytes: number;
  maxDocBytes: number;
}

const htmlType = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

/** What a skipped record is counted as. */
function skipKind(type: string | null | undefined, contentType: string | null | undefined): string {
  if (type === 'response' || type === 'resource') {
    const mime = (contentType ?? '').split(';')[0].trim().toLowerCase();
    return mime ? `${type}:${mime}` : `${type}:unknown`;
  }
  return type || 'unknown';
}

/** Collects items into batches; errors go out in order between them. */
class Batcher {
  private items: WarcItem[] = [];
  private bytes = 0;
  private skipped: Record<string, number> = {};
  private readonly out: WarcPiece[] = [];

  constructor(
    private readonly source: string,
    private readonly options: WarcReadOptions,
  ) {}

  add(item: WarcItem): void {
    this.items.push(item);
    this.bytes += item.bytes.byteLength;
    if (this.items.length >= this.options.batchSize || this.bytes >= this.options.batchBytes) this.flush();
  }

  skip(kind: string): void {
    this.skipped[kind] = (this.skipped[kind] ?? 0) + 1;
  }

  error(error: ErrorRecord): void {
    this.flush();
    this.out.push({ errors: [error], slots: 1 });
  }

  /** Pending items (and skip counts) as one batch. */
  flush(): void {
    if (this.items.length === 0 && Object.keys(this.skipped).length === 0) return;
    const records = this.items;
    this.out.push({ batch: { kind: 'warc', source: this.source, records, skipped: this.skipped, bytes: this.bytes }, errors: [], slots: records.length });
    this.items = [];
    this.bytes = 0;
    this.skipped = {};
  }

  /** Pieces ready to hand on. */
  take(): WarcPiece[] {
    return this.out.splice(0);
  }
}

/** Text of the first bytes, to tell ARC from WARC. */
const looksLikeArc = (head: Buffer): boolean => {
  const text = head.toString('latin1', 0, Math.min(head.length, 512));
  return text.startsWith('filedesc://') || /^\S+ \S+ \d{14} \S+ \d+\r?\n/.test(text);
};

export async function* readWarc(chunks: AsyncIterable<Buffer>, source: string, options: WarcReadOptions): AsyncGenerator<WarcPiece> {
  const iterator = chunks[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (error) {
    yield { errors: [{ source, line: 1, offset: 0, code: 'truncated_input', reason: `cannot read: ${errorMessage(error)}` }], slots: 1 };
    return;
  }
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => {
      let sentHead = false;
      return {
        next: async (): Promise<IteratorResult<Buffer>> => {
          if (!sentHead) {
            sentHead = true;
            return { done: false, value: head };
          }
          return iterator.next();
        },
      };
    },
  };
  const batcher = new Batcher(source, options);
  // Gzip by content, whatever the name says (`.warc` files that are gzipped, `*.warc.gz.bad`).
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
    pipeline(Readable.from(rest), gunzip, () => undefined);
    yield* readWarc(gunzip as AsyncIterable<Buffer>, source, options);
    return;
  }
  if (looksLikeArc(head)) {
    for await (const _ of readArc(rest, source, options, batcher)) yield* batcher.take();
  } else {
    for await (const _ of readWarcRecords(rest, source, options, batcher)) yield* batcher.take();
  }
  batcher.flush();
  yield* batcher.take();
}

/** Yields after each record so the caller can hand on finished batches. */
async function* readWarcRecords(chunks: AsyncIterable<Buffer>, source: string, options: WarcReadOptions, batcher: Batcher): AsyncGenerator<void> {
  // An uncompressed reader (the bytes are gunzipped already) makes warcio skip its pako path.
  const parser = new WARCParser(new AsyncIterReader(chunks, null));
  let index = 0;
  for (;;) {
    let record: WARCRecord | null;
    const offset = parser.offset;
    try {
      record = await quietly(() => parser.parse());
    } catch (error) {
      batcher.error({ source, line: index + 1, offset, code: 'malformed_warc', reason: `WARC breaks here: ${errorMessage(error)}` });
      return;
    }
    if (!record) return;
    index++;
    const at = { source, line: index, offset: parser.offset };
    try {
      await readRecord(record, at, options, batcher);
    } catch (error) {
      batcher.error({ ...at, code: 'malformed_warc', reason: `WARC record cannot be read: ${errorMessage(error)}` });
      return;
    }
    yield;
  }
}

async function readRecord(record: WARCRecord, at: { source: string; line: number; offset: number }, options: WarcReadOptions, batcher: Batcher): Promise<void> {
  const version = record.warcHeaders.statusline;
  if (!/^WARC\/\d/.test(version)) {
    // warcio reads any header block as a record; one that is not WARC is junk in the file.
    await record.skipFully();
    batcher.error({ ...at, code: 'malformed_warc', reason: `not a WARC record header: ${JSON.stringify(version.slice(0, 200))}` });
    return;
  }
  const type = record.warcType;
  const contentType = type === 'response' ? (record.httpHeaders?.headers.get('content-type') ?? null) : (record.warcContentType ?? null);
  const html = (type === 'response' || type === 'resource') && contentType !== null && htmlType.test(contentType);
  const text = type === 'conversion';
  if (!html && !text) {
    batcher.skip(skipKind(type, contentType));
    await record.skipFully();
    return;
  }
  const length = record.warcContentLength;
  if (length > options.maxDocBytes) {
    await record.skipFully();
    batcher.error({ ...at, code: 'too_large', reason: `WARC record is ${length} bytes, over --max-doc-bytes ${options.maxDocBytes}`, bytes: length });
    return;
  }
  // The raw payload, decoded here with node:zlib (bounded), not by warcio's pako path, which can
  // loop forever on a truncated gzip body.
  const payload = Buffer.from(await record.readFully(false));
  // The record's reader counts down what its Content-Length promised: left over = the file ended.
  const reader = record.reader;
  if (reader instanceof LimitReader && reader.limit > 0) {
    batcher.error({ ...at, code: 'truncated_input', reason: `WARC record declares ${length} bytes, the file ends ${reader.limit} bytes short` });
    return;
  }
  let bytes: Uint8Array;
  try {
    const headers = new Map<string, string>();
    if (record.httpHeaders) for (const [k, v] of record.httpHeaders.headers) headers.set(k.toLowerCase(), v);
    bytes = decodeBody(payload, headers, options.maxDocBytes);
  } catch (error) {
    const large = error instanceof RangeError;
    batcher.error({ ...at, code: large ? 'too_large' : 'bad_content_encoding', reason: large ? `decoded body is over --max-doc-bytes ${options.maxDocBytes}` : `cannot decode the record's body: ${errorMessage(error)}` });
    return;
  }
  const status = record.httpHeaders?.statusCode;
  const recordId = record.warcHeader('WARC-Record-ID');
  const url = record.warcTargetURI;
  const date = record.warcDate;
  batcher.add({
    kind: html ? 'html' : 'text',
    bytes: new Uint8Array(bytes),
    type: type ?? 'unknown',
    offset: at.offset,
    index: at.line,
    ...(url ? { url: url.replace(/^<|>$/g, '') } : {}),
    ...(date ? { date } : {}),
    ...(recordId ? { recordId: recordId.replace(/^<|>$/g, '') } : {}),
    ...(contentType ? { contentType } : {}),
    ...(html && contentTypeCharset(contentType) ? { charset: contentTypeCharset(contentType)! } : {}),
    ...(status !== undefined && status !== null && status !== '' ? { status: Number(status) } : {}),
  });
}

/**
 * warcio reports a record whose Content-Length is off with console.warn; the reader recovers and
 * the record is still accounted for, so the warning is noise on the user's terminal.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/** A byte reader over a chunk stream: lines and exact lengths, with a carry buffer. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes consumed so far (the offset of the next byte). */
  offset = 0;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
    return true;
  }

  /** A line without its newline, or null at the end; a line longer than `max` throws. */
  async line(max: number): Promise<Buffer | null> {
    let from = 0;
    for (;;) {
      const nl = this.buf.indexOf(10, from);
      if (nl >= 0) {
        const line = this.buf.subarray(0, nl);
        this.buf = this.buf.subarray(nl + 1);
        this.offset += nl + 1;
        return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
      }
      if (this.buf.length > max) throw new Error(`header line over ${max} bytes`);
      from = this.buf.length;
      if (!(await this.fill())) {
        if (this.buf.length === 0) return null;
        const line = this.buf;
        this.offset += line.length;
        this.buf = Buffer.alloc(0);
        return line;
      }
    }
  }

  /** Exactly n bytes (fewer only at the end of the stream). */
  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.offset += out.length;
    return out;
  }
}

/** ARC v1: a header line `URL IP date content-type length`, then `length` bytes, then a newline. */
async function* readArc(chunks: AsyncIterable<Buffer>, source: string, options: WarcReadOptions, batcher: Batcher): AsyncGenerator<void> {
  const reader = new ByteReader(chunks);
  let index = 0;
  for (;;) {
    const offset = reader.offset;
    let line: Buffer | null;
    try {
      line = await reader.line(64 * 1024);
      while (line !== null && line.length === 0) line = await reader.line(64 * 1024);
    } catch (error) {
      batcher.error({ source, line: index + 1, offset, code: 'malformed_arc', reason: `ARC breaks here: ${errorMessage(error)}` });
      return;
    }
    if (line === null) return;
    index++;
    const at = { source, line: index, offset };
    const fields = line.toString('latin1').split(' ');
    const length = Number(fields[fields.length - 1]);
    if (fields.length < 5 || !Number.isInteger(length) || length < 0) {
      batcher.error({ ...at, code: 'malformed_arc', reason: `not an ARC record header: ${JSON.stringify(line.toString('latin1').slice(0, 200))}` });
      return;
    }
    const [url, , date, mime] = fields;
    if (url.startsWith('filedesc://')) {
      await reader.bytes(length);
      batcher.skip('arcinfo');
      yield;
      continue;
    }
    if (length > options.maxDocBytes) {
      await reader.bytes(length);
      batcher.error({ ...at, code: 'too_large', reason: `ARC record is ${length} bytes, over --max-doc-bytes ${options.maxDocBytes}`, bytes: length });
      yield;
      continue;
    }
    const block = await reader.bytes(length);
    if (block.length < length) {
      batcher.error({ ...at, code: 'truncated_input', reason: `ARC record declares ${length} bytes, the file ends after ${block.length}` });
      return;
    }
    const http = parseHttp(block);
    const contentType = http?.headers.get('content-type') ?? mime;
    if (!htmlType.test(contentType)) {
      batcher.skip(skipKind('response', contentType));
      yield;
      continue;
    }
    let body: Buffer;
    try {
      body = http ? decodeBody(http.body, http.headers, options.maxDocBytes) : block;
    } catch (error) {
      batcher.error({ ...at, code: error instanceof RangeError ? 'too_large' : 'bad_content_encoding', reason: `cannot decode the record's body: ${errorMessage(error)}` });
      yield;
      continue;
    }
    const charset = contentTypeCharset(contentType);
    batcher.add({
      kind: 'html',
      bytes: new Uint8Array(body),
      type: 'response',
      offset,
      index,
      url,
      date,
      contentType,
      ...(charset ? { charset } : {}),
      ...(http?.status !== undefined ? { status: http.status } : {}),
    });
    yield;
  }
}

interface HttpMessage {
  status?: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** An HTTP response block: status line, headers up to the blank line, body. Null if not HTTP. */
export function parseHttp(block: Buffer): HttpMessage | null {
  if (!block.subarray(0, 5).toString('latin1').startsWith('HTTP/')) return null;
  let end = block.indexOf('\r\n\r\n');
  let skip = 4;
  const lf = block.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    skip = 2;
  }
  if (end < 0) return { headers: new Map(), body: Buffer.alloc(0) };
  const lines = block.subarray(0, end).toString('latin1').split(/\r?\n/);
  const status = /^HTTP\/\S+\s+(\d{3})/.exec(lines[0]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { ...(status ? { status: Number(status[1]) } : {}), headers, body: block.subarray(end + skip) };
}

/** Undo chunked transfer encoding, then gzip/deflate content encoding, within `max` bytes. */
export function decodeBody(body: Buffer, headers: Map<string, string>, max: number): Buffer {
  let out = body;
  if ((headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) out = dechunk(out);
  const encoding = (headers.get('content-encoding') ?? '').toLowerCase().trim();
  // Crawlers often stored the body already decoded but kept the header: trust the bytes.
  const gzipped = out[0] === 0x1f && out[1] === 0x8b;
  if ((encoding === 'gzip' || encoding === 'x-gzip') && gzipped) out = zlib.gunzipSync(out, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  else if (encoding === 'deflate' && out[0] !== 0x3c) {
    try {
      out = zlib.inflateSync(out, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (error) {
      if (error instanceof RangeError) throw error;
      out = zlib.inflateRawSync(out, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    }
  }
  return out;
}

/** Chunked transfer encoding; a malformed chunk ends the body there (what arrived is kept). */
export function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const nl = body.indexOf(10, pos);
    if (nl < 0) break;
    const size = parseInt(body.toString('latin1', pos, Math.min(nl, pos + 16)).trim(), 16);
    if (!Number.isFinite(size) || size < 0) {
      // Not chunked after all (servers lie): keep the body as it is.
      return parts.length === 0 ? body : Buffer.concat(parts);
    }
    if (size === 0) break;
    const start = nl + 1;
    parts.push(body.subarray(start, Math.min(body.length, start + size)));
    pos = start + size;
    if (body[pos] === 13) pos++;
    if (body[pos] === 10) pos++;
  }
  return Buffer.concat(parts);
}

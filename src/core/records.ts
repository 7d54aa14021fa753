/**
 * Input records to documents, and unreadable records to error records. Runs in the workers, so
 * JSON parsing and UTF-8 validation use every core.
 */
import { type Doc, type JsonObject, type Loc, isJsonObject } from './doc.js';
import type { FieldMapping } from './protocol.js';
import { bufferView } from '../io/bytes.js';
import { decodeHtml, decodeHtmlBytes } from '../io/charset.js';
import type { WarcItem } from './protocol.js';

export type ReadErrorCode =
  | 'malformed_json'
  | 'invalid_utf8'
  | 'not_an_object'
  | 'missing_text'
  | 'bad_field_type'
  | 'too_large'
  | 'truncated_input'
  | 'read_error'
  | 'stage_error'
  | 'stage_exception';

export interface ErrorRecord {
  source: string;
  line: number;
  offset?: number;
  code: ReadErrorCode | string;
  reason: string;
  stage?: string;
  id?: string;
  /** The document as it was when the error happened (stage errors). */
  record?: JsonObject;
  /** The unreadable input itself: as text when it is valid UTF-8, else base64. */
  raw?: string;
  raw_base64?: string;
  /** Size of the record in bytes when it is too large to copy. */
  bytes?: number;
}

export const errorLine = (error: ErrorRecord): string => JSON.stringify(error) + '\n';

export type Mapped = { ok: true; doc: Doc } | { ok: false; code: ReadErrorCode; reason: string };

/** Whether a record, as read, is already a valid output record of the document mapped from it. */
export function isCanonicalRecord(value: JsonObject, mapping: FieldMapping): boolean {
  return (
    mapping.text_field === 'text' &&
    mapping.id_field === 'id' &&
    mapping.url_field === 'url' &&
    mapping.html_field === 'html' &&
    typeof value.id === 'string' &&
    value.id !== '' &&
    typeof value.text === 'string' &&
    (value.html === undefined || typeof value.html === 'string') &&
    (value.meta === undefined || isJsonObject(value.meta))
  );
}

/**
 * Maps an input record onto the document model. A record needs text or html; a missing id is
 * derived from where the record came from, so it is the same on every run.
 */
export function mapRecord(value: unknown, mapping: FieldMapping, loc: Loc): Mapped {
  if (!isJsonObject(value)) {
    return { ok: false, code: 'not_an_object', reason: `record is ${Array.isArray(value) ? 'an array' : typeof value}, not an object` };
  }
  const text = value[mapping.text_field];
  const html = value[mapping.html_field];
  if (text === undefined && html === undefined) {
    return { ok: false, code: 'missing_text', reason: `record has neither "${mapping.text_field}" nor "${mapping.html_field}"` };
  }
  if (text !== undefined && typeof text !== 'string') {
    return { ok: false, code: 'bad_field_type', reason: `"${mapping.text_field}" is ${typeof text}, not a string` };
  }
  if (html !== undefined && html !== null && typeof html !== 'string') {
    return { ok: false, code: 'bad_field_type', reason: `"${mapping.html_field}" is ${typeof html}, not a string` };
  }
  const rawId = value[mapping.id_field];
  let id: string;
  if (rawId === undefined || rawId === null || rawId === '') id = `${loc.source}:${loc.line}`;
  else if (typeof rawId === 'string') id = rawId;
  else if (typeof rawId === 'number' || typeof rawId === 'boolean') id = String(rawId);
  else return { ok: false, code: 'bad_field_type', reason: `"${mapping.id_field}" is ${typeof rawId}, not a string or number` };
  const meta = value.meta;
  if (meta !== undefined && !isJsonObject(meta)) {
    return { ok: false, code: 'bad_field_type', reason: '"meta" is not an object' };
  }
  const url = value[mapping.url_field];
  // A URL field that is not a string is not a URL: it stays an ordinary field.
  const known = new Set([mapping.text_field, mapping.html_field, mapping.id_field, 'meta', ...(typeof url === 'string' ? [mapping.url_field] : [])]);
  const extra: JsonObject = {};
  for (const key of Object.keys(value)) if (!known.has(key)) extra[key] = value[key];
  const doc: Doc = { id, text: typeof text === 'string' ? text : '', meta: meta ? { ...meta } : {}, extra };
  if (typeof url === 'string') doc.url = url;
  if (typeof html === 'string') doc.html = html;
  return { ok: true, doc };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** One line of a JSONL batch: a record, a blank line, or an error. */
export type LineItem =
  | { kind: 'record'; value: unknown; loc: Loc; text: string; bytes: Uint8Array }
  | { kind: 'blank' }
  | { kind: 'error'; error: ErrorRecord };

/**
 * Splits a JSONL batch into lines and parses them. The whole batch is decoded at once (the common
 * case); only a batch with invalid UTF-8 falls back to decoding line by line, to find the bad lines.
 */
export function* jsonlLines(
  bytes: Uint8Array,
  source: string,
  firstLine: number,
  firstOffset: number,
  maxDocBytes: number,
): Generator<LineItem> {
  const search = bufferView(bytes);
  const whole = decodeUtf8(bytes);
  if (whole !== null) {
    let start = 0;
    // The same line's bytes: a newline byte is never part of a multi-byte UTF-8 sequence.
    let byteStart = 0;
    let line = firstLine;
    // Byte offsets are only needed for error records: computed lazily, forward from the last one.
    let offsetStringPos = 0;
    let offsetBytes = firstOffset;
    const offsetOf = (atPos: number): number => {
      offsetBytes += Buffer.byteLength(whole.slice(offsetStringPos, atPos));
      offsetStringPos = atPos;
      return offsetBytes;
    };
    while (start < whole.length) {
      let end = whole.indexOf('\n', start);
      if (end < 0) end = whole.length;
      let byteEnd = search.indexOf(10, byteStart);
      if (byteEnd < 0) byteEnd = bytes.length;
      const text = whole.slice(start, end);
      if (text.length * 3 > maxDocBytes && Buffer.byteLength(text) > maxDocBytes) {
        const size = Buffer.byteLength(text);
        yield { kind: 'error', error: tooLarge(source, line, offsetOf(start), size, maxDocBytes) };
      } else {
        yield parseLine(text, bytes.subarray(byteStart, byteEnd), source, line, () => offsetOf(start));
      }
      start = end + 1;
      byteStart = byteEnd + 1;
      line++;
    }
    return;
  }
  // Slow path: find each line's bytes, decode each alone.
  let start = 0;
  let line = firstLine;
  while (start < bytes.length) {
    let end = search.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const lineBytes = bytes.subarray(start, end);
    const offset = firstOffset + start;
    if (lineBytes.length > maxDocBytes) {
      yield { kind: 'error', error: tooLarge(source, line, offset, lineBytes.length, maxDocBytes) };
    } else {
      const text = decodeUtf8(lineBytes);
      if (text === null) {
        yield {
          kind: 'error',
          error: {
            source,
            line,
            offset,
            code: 'invalid_utf8',
            reason: 'line is not valid UTF-8',
            raw_base64: Buffer.from(lineBytes).toString('base64'),
          },
        };
      } else {
        yield parseLine(text, lineBytes, source, line, () => offset);
      }
    }
    start = end + 1;
    line++;
  }
}

function tooLarge(source: string, line: number, offset: number, size: number, max: number): ErrorRecord {
  return { source, line, offset, code: 'too_large', reason: `record is ${size} bytes, over --max-doc-bytes ${max}`, bytes: size };
}

const blank = /^\s*$/;

function parseLine(text: string, bytes: Uint8Array, source: string, line: number, offset: () => number): LineItem {
  if (text.length === 0 || (text.length < 64 && blank.test(text))) return { kind: 'blank' };
  try {
    const value: unknown = JSON.parse(text);
    // The decoder drops a byte-order mark that starts what it decodes (a file's first line): so do
    // the bytes that stand for the text. (A record's text never starts with U+FEFF: not JSON.)
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return { kind: 'record', value, loc: { source, line }, text, bytes: bom ? bytes.subarray(3) : bytes };
  } catch (error) {
    if (blank.test(text)) return { kind: 'blank' };
    return {
      kind: 'error',
      error: { source, line, offset: offset(), code: 'malformed_json', reason: (error as Error).message, raw: text },
    };
  }
}

/** A `.txt` or `.html` file as one document, its id the path relative to the input root. */
export function fileToDoc(source: string, format: 'txt' | 'html', bytes: Uint8Array): Mapped {
  if (format === 'html') {
    return { ok: true, doc: { id: source, text: '', html: decodeHtmlBytes(bytes), meta: {}, extra: {} } };
  }
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, code: 'invalid_utf8', reason: 'file is not valid UTF-8' };
  return { ok: true, doc: { id: source, text: text.replace(/^\uFEFF/, ''), meta: {}, extra: {} } };
}

/**
 * A WARC record's document: id = WARC-Record-ID (else file:offset), url = WARC-Target-URI, html
 * decoded with the HTTP charset as a hint (WET text is UTF-8), and the record's facts in meta.warc.
 */
export function warcToDoc(source: string, item: WarcItem): Mapped {
  const warc: JsonObject = { type: item.type, offset: item.offset };
  if (item.date) warc.date = item.date;
  if (item.contentType) warc.content_type = item.contentType;
  if (item.status !== undefined && Number.isFinite(item.status)) warc.status = item.status;
  const doc: Doc = { id: item.recordId ?? `${source}:${item.offset}`, text: '', meta: { warc }, extra: {} };
  if (item.url) doc.url = item.url;
  if (item.kind === 'text') {
    const text = decodeUtf8(item.bytes);
    if (text === null) return { ok: false, code: 'invalid_utf8', reason: 'WET conversion record is not valid UTF-8' };
    doc.text = text.replace(/^\uFEFF/, '');
    return { ok: true, doc };
  }
  const decoded = decodeHtml(item.bytes, item.charset);
  warc.charset = decoded.charset;
  warc.charset_source = decoded.source;
  doc.html = decoded.text;
  return { ok: true, doc };
}

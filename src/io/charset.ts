/**
 * Bytes of an HTML page to a string, deciding the encoding the way the WHATWG encoding-sniffing
 * algorithm does (https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding):
 *
 * 1. a byte-order mark;
 * 2. the transport's charset (the HTTP `Content-Type` header of a WARC response record);
 * 3. a `<meta charset>` / `<meta http-equiv="Content-Type" content="...; charset=...">` or an XML
 *    declaration's `encoding`, looked for in the first 8 KiB (the standard's prescan reads 1,024
 *    bytes; real pages often declare later, after long scripts or comments);
 * 4. UTF-8 when the bytes are valid UTF-8, else windows-1252 (what browsers assume for Western
 *    pages without a declaration).
 *
 * Deviation: a declared single- or multi-byte legacy charset loses to UTF-8 when the bytes are
 * valid UTF-8 and contain multi-byte sequences. Pages that declare ISO-8859-1 but are UTF-8 are
 * common (templates copied with their header); legacy text almost never forms valid UTF-8 by chance.
 * Labels are WHATWG labels, so `iso-8859-1` and `ascii` decode as windows-1252, `gb2312` as GBK,
 * and a declared UTF-16 in a `<meta>` means UTF-8, as the standard says.
 */
import { TextDecoder } from 'node:util';

export type CharsetSource = 'bom' | 'http' | 'meta' | 'utf8' | 'fallback';

export interface Decoded {
  text: string;
  /** The WHATWG encoding name used (`utf-8`, `windows-1252`, `shift_jis`, ...). */
  charset: string;
  /** Which rule decided it. */
  source: CharsetSource;
}

/**
 * Node 20's TextDecoder('windows-1252') decodes 0x80-0x9F as C1 controls (ISO-8859-1), not as the
 * WHATWG windows-1252 table says (€, smart quotes, dashes ...). The table for those 32 bytes; the
 * five bytes windows-1252 leaves undefined stay C1 controls, as in the standard.
 */
const cp1252High = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const c1 = /[\x80-\x9f]/;
const c1All = /[\x80-\x9f]/g;
const fixCp1252 = (text: string): string => (c1.test(text) ? text.replace(c1All, (c) => cp1252High[c.charCodeAt(0) - 0x80]) : text);

function decodeWith(decoder: TextDecoder, bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return decoder.encoding === 'windows-1252' ? fixCp1252(text) : text;
}

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null; // an unknown label: the caller falls back
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

/** The WHATWG name of a charset label, or null when the label is unknown. */
export function encodingName(label: string): string | null {
  return decoderFor(label)?.encoding ?? null;
}

export function bomEncoding(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return null;
}

const prescanBytes = 8192;
/** `<meta ... charset=X` (both `<meta charset=X>` and http-equiv's `content="...; charset=X"`). */
const metaCharset = /<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})/i;
const xmlEncoding = /^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{1,40})/;

/** The charset a page declares near its start, if any. */
export function declaredCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, prescanBytes)).toString('latin1');
  const match = metaCharset.exec(head) ?? xmlEncoding.exec(head);
  return match ? match[1].toLowerCase() : null;
}

/** The `charset` parameter of a Content-Type header value (`text/html; charset="Shift_JIS"`). */
export function contentTypeCharset(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*["']?([^"';\s]{1,40})/i.exec(contentType);
  return match ? match[1].toLowerCase() : null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** The text if the bytes are valid UTF-8 (a BOM is dropped), else null. */
function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * @param hint a charset from outside the page (an HTTP Content-Type charset), tried after the BOM.
 */
export function decodeHtml(bytes: Uint8Array, hint?: string | null): Decoded {
  const bom = bomEncoding(bytes);
  if (bom) return { text: decodeWith(decoderFor(bom)!, bytes), charset: bom, source: 'bom' };
  // Decoded once, lazily: needed by the UTF-8 override and the fallback.
  let utf8: string | null | undefined;
  const asUtf8 = (): string | null => (utf8 === undefined ? (utf8 = tryUtf8(bytes)) : utf8);
  const candidates: [string | null | undefined, CharsetSource][] = [
    [hint, 'http'],
    [declaredCharset(bytes), 'meta'],
  ];
  for (const [label, source] of candidates) {
    if (!label) continue;
    let decoder = decoderFor(label);
    if (!decoder) continue;
    // A <meta> cannot truly declare UTF-16 (the bytes being read are ASCII-compatible).
    if (source === 'meta' && decoder.encoding.startsWith('utf-16')) decoder = decoderFor('utf-8')!;
    if (decoder.encoding === 'utf-8') {
      const text = asUtf8();
      if (text !== null) return { text, charset: 'utf-8', source };
      // Declared UTF-8 but broken. Mostly UTF-8 with stray bytes: keep it, with replacement
      // characters, as browsers do. No valid multi-byte sequence at all: a mislabelled legacy page.
      const lenient = lenientUtf8.decode(bytes);
      if (/[\u0080-\ufffc\ufffe\uffff]/.test(lenient)) return { text: lenient, charset: 'utf-8', source };
      return { text: decodeWith(decoderFor('windows-1252')!, bytes), charset: 'windows-1252', source: 'fallback' };
    }
    const text = asUtf8();
    if (text !== null && text.length < bytes.byteLength) return { text, charset: 'utf-8', source: 'utf8' };
    return { text: decodeWith(decoder, bytes), charset: decoder.encoding, source };
  }
  const text = asUtf8();
  if (text !== null) return { text, charset: 'utf-8', source: 'utf8' };
  return { text: decodeWith(decoderFor('windows-1252')!, bytes), charset: 'windows-1252', source: 'fallback' };
}

/** The page as a string (see decodeHtml). */
export function decodeHtmlBytes(bytes: Uint8Array, hint?: string | null): string {
  return decodeHtml(bytes, hint).text;
}

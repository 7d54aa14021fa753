/**
 * Bytes of an HTML page to a string: byte-order mark, then a `<meta charset>` or `http-equiv`
 * declaration in the first 1,024 bytes (as the HTML standard's prescan does), then UTF-8 if the
 * bytes are valid UTF-8, then windows-1252 (what browsers assume for legacy Western pages).
 */
import { TextDecoder } from 'node:util';

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  if (!decoders.has(key)) {
    let decoder: TextDecoder | null = null;
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null; // an unknown label: the caller falls back
    }
    decoders.set(key, decoder);
  }
  return decoders.get(key) ?? null;
}

export function bomEncoding(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return null;
}

const metaCharset = /<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})/i;

/** The charset a page declares in its first 1,024 bytes, if any. */
export function declaredCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  const match = metaCharset.exec(head);
  return match ? match[1].toLowerCase() : null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param hint a charset from outside the page (an HTTP Content-Type header), tried after the BOM.
 */
export function decodeHtmlBytes(bytes: Uint8Array, hint?: string | null): string {
  const candidates = [bomEncoding(bytes), hint, declaredCharset(bytes)];
  for (const label of candidates) {
    if (!label) continue;
    // A page that says UTF-8 but is not is common: let the validity check below decide.
    if (/^utf-?8$/i.test(label)) break;
    const decoder = decoderFor(label);
    if (decoder) return decoder.decode(bytes);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decoderFor('windows-1252')!.decode(bytes);
  }
}

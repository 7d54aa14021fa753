/**
 * Python's text semantics that datatrove's filters rely on, for JavaScript strings: `str.isspace`
 * (which `split()`, `strip()` and spaCy's tokenizer use), `str.splitlines`, `str.isalpha`, and
 * `len` in code points (JavaScript counts UTF-16 units).
 */
import { CodeSet } from './code-set.js';

/**
 * Python's whitespace: bidirectional class WS, B or S, or category Zs. Unlike JavaScript's `\s`
 * it includes U+001C..U+001F and U+0085, and excludes U+FEFF.
 */
export const PY_SPACE = CodeSet.from(String.raw`\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`);

/** The line boundaries of `str.splitlines` (`\r\n` counts as one). */
export const LINE_BREAK = CodeSet.from(String.raw`\u000A-\u000D\u001C-\u001E\u0085\u2028\u2029`);

/** `str.isalpha` is true for the letter categories Lu, Ll, Lt, Lm, Lo. */
export const PY_ALPHA = CodeSet.fromRegex(/\p{L}/u);

/** Python's `\w` for `str` patterns: alphanumerics (letters and numbers) and the underscore. */
export const PY_WORD = CodeSet.fromRegex(/[\p{L}\p{N}_]/u);

/** Unicode punctuation (categories P*), spaCy's `is_punct` test per character. */
export const PUNCT_CATEGORY = CodeSet.fromRegex(/\p{P}/u);

const BMP_SPACE = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) BMP_SPACE[c] = PY_SPACE.has(c) ? 1 : 0;

/** Whether the UTF-16 unit is Python whitespace (no whitespace lies outside the BMP). */
export const isSpaceUnit = (c: number): boolean => BMP_SPACE[c] === 1;

const SURROGATES = /[\uD800-\uDFFF]/;

/** Whether the text holds any surrogate, i.e. whether UTF-16 length and code-point length can differ. */
export const hasSurrogates = (text: string): boolean => SURROGATES.test(text);

/** Python `len(text[start:end])`: code points, counting a surrogate pair once. */
export function codePointLength(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** `[start, end)` of `text[start:end].strip()`. */
export function stripRange(text: string, start: number, end: number): [number, number] {
  while (start < end && BMP_SPACE[text.charCodeAt(start)] === 1) start++;
  while (end > start && BMP_SPACE[text.charCodeAt(end - 1)] === 1) end--;
  return [start, end];
}

export const pyStrip = (text: string): string => {
  const [s, e] = stripRange(text, 0, text.length);
  return s === 0 && e === text.length ? text : text.slice(s, e);
};

/**
 * `text.splitlines()`: calls `onLine(start, end)` for each line, without its line break. A final
 * line break does not start an empty line; an empty text has no lines.
 */
export function forEachLine(text: string, onLine: (start: number, end: number) => void): void {
  const n = text.length;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Every line break is at most U+2029; the common case is a letter above U+1E.
    if (c > 0x2029 || (c > 0x1e && c !== 0x85 && c < 0x2028)) continue;
    if (!LINE_BREAK.has(c)) continue;
    onLine(start, i);
    if (c === 0x0d && i + 1 < n && text.charCodeAt(i + 1) === 0x0a) i++;
    start = i + 1;
  }
  if (start < n) onLine(start, n);
}




/**
 * What the bundled models see. Training (`winnow safety train`) and inference call these same
 * functions, so a model never meets text prepared differently from the text it learnt from.
 *
 * fastText splits its input on whitespace only, so `"bitch!"` and `"bitch"` would be different
 * words: text features keep runs of letters and digits, lowercased, and turn everything else into
 * single spaces. Each regex is a single character class with a `+`, which runs in linear time.
 */

const nonWord = /[^\p{L}\p{N}]+/gu;
/** Three or more of one letter: "fuuuuck" and "fuuck" are the same word to a reader. */
const longRuns = /(\p{L})\1{2,}/gu;

/** Text → the space-separated tokens the text model reads (one line: newlines become spaces). */
export function textFeatures(text: string): string {
  return text.toLowerCase().replace(nonWord, ' ').replace(longRuns, '$1$1').trim();
}

const urlScheme = /^[a-z][a-z0-9+.-]*:\/\//;
/** URL words are runs of letters: digits (ids, dates, `020sextoy`) and punctuation separate them. */
const urlSplit = /[^\p{L}]+/gu;

/** Second-level labels under which registries sell names (`example.co.uk`, `example.com.au`). */
const registrySecondLevel = new Set(['ac', 'co', 'com', 'edu', 'gob', 'gov', 'ltd', 'ne', 'net', 'or', 'org', 'plc', 'sch']);

/** The registered domain of a host, approximately (no public-suffix list): `a.b.example.co.uk` → `example.co.uk`. */
export function siteOf(host: string): string {
  const labels = host.split('.').filter((l) => l !== '');
  const n = labels.length >= 3 && labels[labels.length - 1].length === 2 && registrySecondLevel.has(labels[labels.length - 2]) ? 3 : 2;
  return labels.slice(-n).join('.');
}

/** Host (lowercased, without user, port and a leading `www.`) and the rest of a URL. */
function splitHost(url: string): { host: string; rest: string } {
  let rest = url.trim().toLowerCase().replace(urlScheme, '');
  const slash = rest.search(/[/?#]/);
  let host = slash < 0 ? rest : rest.slice(0, slash);
  rest = slash < 0 ? '' : rest.slice(slash);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  host = host.replace(/:\d+$/, '').replace(/^www\d*\./, '');
  return { host, rest };
}

export const urlHost = (url: string): string => splitHost(url).host;

/**
 * URL → tokens for the URL model: host words as `h_<word>`, the top-level domain as one `t_<tld>`
 * token, then path and query words. Words are letter runs of two or more: numbers say nothing
 * about a topic and would let a model learn "has a long path" instead of what the path says.
 *
 * Why one token per host word and one for the TLD: fastText averages every token of a line, so
 * each neutral token (`com`, a host word repeated bare) dilutes the one word that carries the
 * evidence (`tumblr.com/nsfw-boobs/123`). On the dev split this raised recall at the same
 * false-positive rate (docs/safety.md, "URL model").
 */
export function urlFeatures(url: string): string {
  const out: string[] = [];
  urlTokens(url, (t) => out.push(t));
  return out.join(' ');
}

/** The tokens of `urlFeatures`, one call of `add` each (no joined string). */
export function urlTokens(url: string, add: (token: string) => void): void {
  const { host, rest } = splitHost(url);
  const labels = host.split('.').filter((l) => l !== '');
  const last = labels.length - 1;
  for (let i = 0; i < labels.length; i++) {
    // An IP address has no TLD; a single-label host (localhost) is a name, not a TLD.
    if (i === last && last > 0 && /^\p{L}+$/u.test(labels[i])) {
      add('t_' + labels[i]);
      continue;
    }
    for (const word of labels[i].split(urlSplit)) if (word.length >= 2) add('h_' + word);
  }
  for (const word of rest.split(urlSplit)) if (word.length >= 2) add(word);
}

/** The letter-run words of a URL's path and query (no host), as the URL model sees them. */
export function urlPathWords(url: string): string[] {
  return splitHost(url)
    .rest.split(urlSplit)
    .filter((w) => w.length >= 2);
}

/** Per BMP code unit: 0 not yet known, 1 letter, 2 digit or other number, 3 neither. */
const classOf = new Uint8Array(65536);
const letter = /\p{L}/u;
const number = /\p{N}/u;
for (let c = 0; c < 128; c++) classOf[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : c >= 48 && c <= 57 ? 2 : 3;

function classify(char: string): number {
  return letter.test(char) ? 1 : number.test(char) ? 2 : 3;
}

/** Receives tokens as spans of the lowercased text (no copy), or as strings when they had to be rewritten. */
export interface TokenSink {
  span(lower: string, start: number, end: number): void;
  token(token: string): void;
}

/**
 * The tokens of `textFeatures(text)`, found in one pass without building the joined string:
 * the same tokens in the same order (the tests check this on adversarial input), at a fraction
 * of the cost. Most arrive as spans of the lowercased text; a token with a long letter run
 * arrives as its collapsed string.
 */
export function textTokenSpans(text: string, sink: TokenSink): void {
  const lower = text.toLowerCase();
  const n = lower.length;
  let start = -1;
  let prev = -1;
  let run = 0;
  let collapse = false;
  const emit = (end: number): void => {
    if (collapse) sink.token(lower.slice(start, end).replace(longRuns, '$1$1'));
    else sink.span(lower, start, end);
  };
  for (let i = 0; i < n; i++) {
    const c = lower.charCodeAt(i);
    let cls = classOf[c];
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const lo = lower.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        cls = classify(String.fromCodePoint(cp));
        width = 2;
      }
    }
    if (cls === 0) cls = classOf[c] = classify(lower[i]);
    if (cls === 3) {
      if (start >= 0) {
        emit(i);
        start = -1;
      }
      prev = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      collapse = false;
      run = 0;
    }
    if (cls === 1 && cp === prev) {
      if (++run >= 2) collapse = true;
    } else run = 0;
    prev = cls === 1 ? cp : -1;
    i += width - 1;
  }
  if (start >= 0) emit(n);
}

/** `textTokenSpans` as strings, one call of `add` per token. */
export function textTokens(text: string, add: (token: string) => void): void {
  textTokenSpans(text, { span: (lower, start, end) => add(lower.slice(start, end)), token: add });
}

/**
 * Sets of Unicode code points, built from regex-style character-class text (`a-z\u00C0-\u00D6`),
 * with a bitmap for the Basic Multilingual Plane and sorted ranges above it. The tokenizer asks
 * "is this code point in the class" millions of times per second, so membership is one bit test.
 */

export class CodeSet {
  private readonly bmp = new Uint8Array(8192);
  /** Astral ranges as [lo, hi] pairs, sorted and merged (when not `dirty`). */
  private astral: number[] = [];
  private dirty = false;

  static from(...specs: string[]): CodeSet {
    const set = new CodeSet();
    for (const spec of specs) set.addClass(spec);
    return set;
  }

  static fromChars(chars: Iterable<string>): CodeSet {
    const set = new CodeSet();
    for (const ch of chars) for (const c of ch) set.add(c.codePointAt(0)!);
    return set;
  }

  /**
   * The code points (up to `upTo`) that a `u`-flag regex matches one at a time, e.g.
   * `/\p{L}/u`. Scans generated text with a global regex, much faster than testing each one.
   */
  static fromRegex(re: RegExp, upTo = 0x3ffff): CodeSet {
    const set = new CodeSet();
    const source = new RegExp(`(?:${re.source})+`, 'gu');
    const chunk = 0x4000;
    for (let base = 0; base <= upTo; base += chunk) {
      const cps: number[] = [];
      for (let cp = base; cp < Math.min(base + chunk, upTo + 1); cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
      const text = String.fromCodePoint(...cps);
      // Map UTF-16 offsets back to code points: a surrogate pair is one code point.
      for (const m of text.matchAll(source)) {
        const lo = text.codePointAt(m.index)!;
        const last = m.index + m[0].length - 1;
        const hi = text.charCodeAt(last) >= 0xdc00 && text.charCodeAt(last) <= 0xdfff ? text.codePointAt(last - 1)! : text.charCodeAt(last);
        set.addRange(lo, hi);
      }
    }
    return set;
  }

  has(cp: number): boolean {
    if (cp < 0x10000) return (this.bmp[cp >> 3] & (1 << (cp & 7))) !== 0;
    if (this.dirty) this.normalizeAstral();
    const r = this.astral;
    for (let i = 0; i < r.length; i += 2) {
      if (cp < r[i]) return false;
      if (cp <= r[i + 1]) return true;
    }
    return false;
  }

  add(cp: number): this {
    return this.addRange(cp, cp);
  }

  addRange(lo: number, hi: number): this {
    for (let cp = lo; cp <= Math.min(hi, 0xffff); cp++) this.bmp[cp >> 3] |= 1 << (cp & 7);
    if (hi >= 0x10000) {
      this.astral.push(Math.max(lo, 0x10000), hi);
      this.dirty = true;
    }
    return this;
  }

  addSet(other: CodeSet): this {
    for (let i = 0; i < this.bmp.length; i++) this.bmp[i] |= other.bmp[i];
    this.astral.push(...other.astral);
    this.dirty = true;
    return this;
  }

  /**
   * Adds the members of a character-class body as Python's `re` reads it: literal characters,
   * `\uXXXX`, `\UXXXXXXXX`, backslash-escaped punctuation and `a-b` ranges.
   */
  addClass(spec: string): this {
    const RANGE = -1;
    const items: number[] = [];
    for (let i = 0; i < spec.length; ) {
      if (spec[i] === '\\') {
        const kind = spec[i + 1];
        if (kind === 'u') {
          items.push(parseInt(spec.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (kind === 'U') {
          items.push(parseInt(spec.slice(i + 2, i + 10), 16));
          i += 10;
        } else {
          const cp = spec.codePointAt(i + 1)!;
          items.push(cp);
          i += 1 + unitLength(cp);
        }
        continue;
      }
      const cp = spec.codePointAt(i)!;
      // An unescaped '-' between two members makes a range; at either end it is literal.
      items.push(cp === 0x2d && items.length > 0 && i + 1 < spec.length ? RANGE : cp);
      i += unitLength(cp);
    }
    for (let j = 0; j < items.length; j++) {
      if (items[j + 1] === RANGE && j + 2 < items.length) {
        this.addRange(items[j], items[j + 2]);
        j += 2;
      } else if (items[j] !== RANGE) this.add(items[j]);
      else this.add(0x2d);
    }
    return this;
  }

  private normalizeAstral(): void {
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.astral.length; i += 2) pairs.push([this.astral[i], this.astral[i + 1]]);
    pairs.sort((a, b) => a[0] - b[0]);
    const merged: number[] = [];
    for (const [lo, hi] of pairs) {
      const n = merged.length;
      if (n > 0 && lo <= merged[n - 1] + 1) merged[n - 1] = Math.max(merged[n - 1], hi);
      else merged.push(lo, hi);
    }
    this.astral = merged;
    this.dirty = false;
  }
}

/** The code point at `i` (a surrogate pair read as one) and how many UTF-16 units it takes. */
export function codePointAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** The code point that ends just before `i`, or -1 at `start`. */
export function codePointBefore(text: string, i: number, start: number): number {
  if (i <= start) return -1;
  const d = text.charCodeAt(i - 1);
  if (d >= 0xdc00 && d <= 0xdfff && i - 2 >= start) {
    const c = text.charCodeAt(i - 2);
    if (c >= 0xd800 && c <= 0xdbff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return d;
}

export const unitLength = (cp: number): number => (cp > 0xffff ? 2 : 1);

/**
 * Word-level diff for audits (duplicate vs kept document, text before vs after an edit): Myers'
 * O((N+M)·D) algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986) over tokens
 * that keep their whitespace, so joining the spans gives back both texts exactly. Inputs are capped
 * and the edit distance is bounded, so a pathological pair costs bounded time.
 */

export type DiffOp = 'equal' | 'delete' | 'insert';

export interface DiffSpan {
  op: DiffOp;
  text: string;
}

/** Words with their trailing whitespace: `"a  b\n"` → `["a  ", "b\n"]`. */
export function diffTokens(text: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    tokens.push(text.slice(start, i));
    start = i;
  }
  return tokens;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

export interface DiffOptions {
  /** Tokens compared per side; the rest is shown as one changed span. @default 5000 */
  maxTokens?: number;
  /** Give up on a finer diff past this edit distance (the texts are simply different). @default 1000 */
  maxEdits?: number;
}

/** The spans turning `a` into `b`. Equal runs are merged. */
export function diffWords(a: string, b: string, options: DiffOptions = {}): DiffSpan[] {
  const maxTokens = options.maxTokens ?? 5000;
  const maxEdits = options.maxEdits ?? 1000;
  const ta = diffTokens(a);
  const tb = diffTokens(b);
  const headA = ta.slice(0, maxTokens);
  const headB = tb.slice(0, maxTokens);
  const spans = myers(headA, headB, maxEdits) ?? [
    { op: 'delete' as const, text: headA.join('') },
    { op: 'insert' as const, text: headB.join('') },
  ];
  if (ta.length > maxTokens) spans.push({ op: 'delete', text: ta.slice(maxTokens).join('') });
  if (tb.length > maxTokens) spans.push({ op: 'insert', text: tb.slice(maxTokens).join('') });
  return merge(spans.filter((s) => s.text.length > 0));
}

/** Token-level Myers with trace; null when the edit distance exceeds `maxEdits`. */
function myers(a: string[], b: string[], maxEdits: number): DiffSpan[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(next);
        return backtrack(trace, a, b, offset);
      }
    }
    v = next;
  }
  return null;
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number): DiffSpan[] {
  const out: DiffSpan[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 2; d >= 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: 'equal', text: a[x - 1] });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) out.push({ op: 'insert', text: b[y - 1] });
      else out.push({ op: 'delete', text: a[x - 1] });
    }
    x = prevX;
    y = prevY;
  }
  return out.reverse();
}

function merge(spans: DiffSpan[]): DiffSpan[] {
  const out: DiffSpan[] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (last && last.op === span.op) last.text += span.text;
    else out.push({ ...span });
  }
  return out;
}

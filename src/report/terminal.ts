/** Terminal rendering for `explain` and `inspect clusters`: ANSI colours, for `less -R`. */
import type { DiffSpan } from './diff.js';

const red = (s: string): string => `\x1b[31m\x1b[9m${s}\x1b[0m`;
const green = (s: string): string => `\x1b[32m${s}\x1b[0m`;
export const bold = (s: string): string => `\x1b[1m${s}\x1b[0m`;
export const dim = (s: string): string => `\x1b[2m${s}\x1b[0m`;

/** Control characters of documents would drive the terminal: shown as visible escapes instead. */
export const visible = (s: string): string =>
  s.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A diff as one text: deletions red and struck through, insertions green. */
export function ansiDiff(spans: DiffSpan[], color: boolean): string {
  return spans
    .map((s) => {
      const text = visible(s.text);
      if (s.op === 'equal') return text;
      if (!color) return s.op === 'delete' ? `[-${text}-]` : `{+${text}+}`;
      return s.op === 'delete' ? red(text) : green(text);
    })
    .join('');
}

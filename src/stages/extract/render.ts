/**
 * Blocks back to text: each kept block after the strongest separator met since the previous kept
 * block (a dropped paragraph between two kept lines still leaves a blank line), then the final
 * tidy-up every output gets: no trailing spaces, no more than two newlines in a row.
 */
import type { Block } from './walker.js';

const sepText = ['', ' ', '\t', '\n', '\n\n'];

/** @param keep which blocks to render; all when omitted. */
export function renderBlocks(blocks: readonly Block[], keep?: Uint8Array): string {
  const out: string[] = [];
  let pending = 0;
  let first = true;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.sep > pending) pending = block.sep;
    if (keep && keep[i] === 0) continue;
    if (!first) out.push(sepText[pending]);
    if (block.prefix) out.push(block.prefix);
    out.push(block.text);
    pending = 0;
    first = false;
  }
  return tidy(out.join(''));
}

const manyNewlines = /\n{3,}/g;

/** Trailing spaces off every line (a loop, not a regex: a regex with `$` backtracks on long runs). */
export function trimLineEnds(text: string): string {
  if (!text.includes(' \n') && !text.includes('\t\n') && !text.endsWith(' ') && !text.endsWith('\t')) return text;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) lines[i] = lines[i].trimEnd();
  return lines.join('\n');
}

/** Newlines off both ends. */
export function trimNewlines(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 10) start++;
  while (end > start && text.charCodeAt(end - 1) === 10) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export function tidy(text: string): string {
  return trimNewlines(trimLineEnds(text).replace(manyNewlines, '\n\n'));
}

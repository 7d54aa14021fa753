/**
 * HTML to text, the core of the extract stage: parse once into blocks, choose the blocks (every
 * one in `all` mode, the main content in `main` mode), render them with their separators.
 */
import { Budget } from './budget.js';
import { type MainOptions, selectMain } from './main-content.js';
import { renderBlocks } from './render.js';
import { Walker } from './walker.js';

export type ExtractMode = 'all' | 'main';

export interface ExtractOptions {
  mode: ExtractMode;
  /** Elements nested deeper than this make the page an error. */
  maxDepth: number;
  /** Wall-clock limit per page in milliseconds; 0 = none. */
  maxMs: number;
  /** Main mode: keep comment sections. */
  includeComments: boolean;
}

export interface ExtractStats {
  /** Blocks of text on the page, and how many the mode kept. */
  blocks: number;
  kept_blocks: number;
  elements: number;
  text_chars: number;
}

export interface ExtractResult {
  text: string;
  title: string;
  lang: string;
  canonical: string;
  stats: ExtractStats;
}

export const defaultExtractOptions: ExtractOptions = { mode: 'main', maxDepth: 10_000, maxMs: 10_000, includeComments: false };

/** @throws ExtractLimitError when the page nests too deep or takes too long. */
export function extractHtml(html: string | Iterable<string>, options: Partial<ExtractOptions> = {}): ExtractResult {
  const opts = { ...defaultExtractOptions, ...options };
  const budget = new Budget(opts.maxMs);
  const page = Walker.walk(html, { tree: opts.mode === 'main', maxDepth: opts.maxDepth, budget });
  let keep: Uint8Array | undefined;
  if (opts.mode === 'main') {
    const mainOptions: MainOptions = { includeComments: opts.includeComments, budget };
    keep = selectMain(page, mainOptions);
  }
  const text = renderBlocks(page.blocks, keep);
  let kept = page.blocks.length;
  if (keep) {
    kept = 0;
    for (let i = 0; i < keep.length; i++) kept += keep[i];
  }
  return {
    text,
    title: page.title,
    lang: page.lang,
    canonical: page.canonical,
    stats: { blocks: page.blocks.length, kept_blocks: kept, elements: page.elements, text_chars: text.length },
  };
}

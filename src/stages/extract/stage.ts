/**
 * The `extract` stage: a document's `html` becomes its `text` (whitespace structure kept), with
 * `url`, `meta.title`, `meta.lang` and `meta.extract` statistics; the html field is dropped unless
 * `keep_html`. A document without html passes unchanged. A page that yields no text is removed
 * (`empty_extraction`); one over a limit, or binary bytes posing as HTML, is an error record.
 */
import { z } from 'zod';
import { type Doc, type JsonObject, type Verdict, fail, keep, remove } from '../../core/doc.js';
import { defineStage, stageSchema } from '../../core/stage.js';
import { ExtractLimitError } from './budget.js';
import { extractHtml } from './extract.js';

const MiB = 1024 * 1024;

export const ExtractConfig = stageSchema('extract', {
  /** `main` drops boilerplate (navigation, footers, sidebars, link lists, share and cookie widgets); `all` keeps every visible text. */
  mode: z.enum(['all', 'main']).default('main'),
  /** Keep the `html` field on output documents. */
  keep_html: z.boolean().default(false),
  /** Main mode: keep comment sections under an article. */
  include_comments: z.boolean().default(false),
  /**
   * Pages larger than this (UTF-8 bytes) are error records, not extracted. @default 16 MiB —
   * larger "pages" on the web are nearly always data dumps; raise it with --max-html-bytes.
   */
  max_html_bytes: z.number().int().positive().default(16 * MiB),
  /**
   * Elements nested deeper than this make the page an error record. @default 10,000 — browsers
   * stop nesting at 512 (Blink's parser limit); htmlparser2's element stack turns quadratic
   * beyond ~20,000.
   */
  max_depth: z.number().int().min(32).max(100_000).default(10_000),
  /**
   * Per-page wall-clock limit in milliseconds (0 = none): a worker cannot be interrupted, so the
   * extractor checks its clock inside its loops. @default 10,000 — a 16 MiB page takes under a second.
   */
  max_ms: z.number().int().min(0).default(10_000),
  /**
   * Pages whose first 64 Ki characters are more than this share of control characters are
   * binary, not HTML, and become error records. @default 0.05 (random bytes give ~0.12; HTML ~0).
   */
  max_control_ratio: z.number().min(0).max(1).default(0.05),
});
export type ExtractConfig = z.infer<typeof ExtractConfig>;

const controlChars = /[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]/g;
const sampleChars = 65_536;

/** Share of control characters (and replacement characters) in the page's first 64 Ki characters. */
export function controlRatio(html: string): number {
  const sample = html.length > sampleChars ? html.slice(0, sampleChars) : html;
  if (sample.length === 0) return 0;
  const matches = sample.match(controlChars);
  return matches ? matches.length / sample.length : 0;
}

/** UTF-8 byte length, without encoding when the length in characters already decides. */
function overLimit(html: string, max: number): number | null {
  if (html.length * 3 <= max) return null;
  const bytes = Buffer.byteLength(html, 'utf8');
  return bytes > max ? bytes : null;
}

export function decideExtract(doc: Doc, config: ExtractConfig): Verdict {
  const html = doc.html;
  if (html === undefined) return keep();
  const tooLarge = overLimit(html, config.max_html_bytes);
  if (tooLarge !== null) {
    return fail(`html is ${tooLarge} bytes, over max_html_bytes ${config.max_html_bytes}`, 'html_too_large');
  }
  const ratio = controlRatio(html);
  if (ratio > config.max_control_ratio) {
    return fail(`${(ratio * 100).toFixed(1)}% of the first characters are control characters (over max_control_ratio ${config.max_control_ratio}): binary, not HTML`, 'binary_content');
  }
  let result;
  try {
    result = extractHtml(html, { mode: config.mode, maxDepth: config.max_depth, maxMs: config.max_ms, includeComments: config.include_comments });
  } catch (error) {
    if (error instanceof ExtractLimitError) return fail(error.message, error.code);
    throw error;
  }
  const stats: JsonObject = { mode: config.mode, html_bytes: Buffer.byteLength(html, 'utf8'), ...result.stats };
  const meta: JsonObject = { extract: stats };
  if (result.title) meta.title = result.title;
  if (result.lang) meta.lang = result.lang;
  if (result.text.length === 0) {
    const removal = remove('empty_extraction', 0, 1);
    removal.meta = meta;
    return removal;
  }
  const url = doc.url === undefined && result.canonical ? result.canonical : undefined;
  return keep({
    text: result.text,
    ...(url !== undefined ? { url } : {}),
    ...(config.keep_html ? {} : { html: null }),
    meta,
    counters: { html_bytes: stats.html_bytes as number, text_chars: result.text.length },
  });
}

export const extractStage = defineStage<ExtractConfig>({
  name: 'extract',
  description: 'HTML to text that keeps its line and paragraph structure; main mode drops boilerplate',
  schema: ExtractConfig,
  kind: 'doc',
  createDoc: (config) => (doc) => decideExtract(doc, config),
});

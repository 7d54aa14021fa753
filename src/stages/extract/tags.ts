/**
 * How each HTML element shapes the text: which elements start a line, which are set apart by a
 * blank line, which vanish with everything inside them. The tables follow the default CSS of the
 * HTML standard (https://html.spec.whatwg.org/multipage/rendering.html): `display: block` elements
 * start a line, elements with vertical margins (p, headings, lists, blockquote, pre, ...) are
 * separated by a blank line. Unknown and custom elements are inline, as in a browser.
 */

/** Separators between pieces of text, ordered: a stronger one wins when several meet. */
export const Sep = { none: 0, space: 1, tab: 2, line: 3, para: 4 } as const;
export type Sep = (typeof Sep)[keyof typeof Sep];

/** Elements whose whole subtree is never shown as text. */
export const skipElements: ReadonlySet<string> = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'audio',
  'video',
  'map',
  'select',
  'datalist',
  'noframes',
  'title',
]);

/** Elements that may appear in `<head>`: anything else there means the body has begun. */
export const headElements: ReadonlySet<string> = new Set(['title', 'meta', 'link', 'script', 'style', 'base', 'noscript', 'template', 'object']);

/** Set apart by a blank line. */
export const paragraphElements: ReadonlySet<string> = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'dl',
  'table',
  'figure',
  'hr',
  'address',
  'fieldset',
  'form',
  'listing',
  'xmp',
  'plaintext',
  'menu',
  'dir',
  'details',
  'center',
]);

/** Start a new line (in addition to the paragraph elements). */
export const lineElements: ReadonlySet<string> = new Set([
  'div',
  'article',
  'section',
  'main',
  'header',
  'footer',
  'nav',
  'aside',
  'li',
  'dt',
  'dd',
  'tr',
  'caption',
  'figcaption',
  'legend',
  'summary',
  'body',
  'html',
  'option',
  'optgroup',
  'frameset',
  'frame',
  'hgroup',
  'search',
  'dialog',
  'textarea',
  'tbody',
  'thead',
  'tfoot',
]);

export const headingElements: ReadonlySet<string> = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** Text kept verbatim: whitespace and line breaks as written. */
export const verbatimElements: ReadonlySet<string> = new Set(['pre', 'textarea', 'listing', 'xmp', 'plaintext']);

/** The separator an element puts before and after its content, or `none` for inline elements. */
export function elementSep(tag: string): Sep {
  if (paragraphElements.has(tag)) return Sep.para;
  if (lineElements.has(tag)) return Sep.line;
  return Sep.none;
}

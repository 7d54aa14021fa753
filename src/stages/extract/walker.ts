/**
 * One pass of htmlparser2's callback Parser over a page, turning it into blocks of text: a block
 * is the inline content between two block boundaries, its whitespace already collapsed (or kept,
 * in `<pre>`), with the separator that goes before it. `all` mode joins every block; `main` mode
 * also records an element tree (tag, parent, boilerplate signals) and chooses blocks from it.
 *
 * The Parser keeps its own element stack and emits a close event (real or implied) for every
 * open one, so the frames here mirror it exactly. Its stack is an array it `unshift`s, which
 * turns quadratic past ~20,000 open elements: depth is therefore capped (`maxDepth`).
 */
import { Parser } from 'htmlparser2';
import { type Budget, ExtractLimitError } from './budget.js';
import { type Signal, elementSignal } from './signals.js';
import { trimLineEnds, trimNewlines } from './render.js';
import { Sep, elementSep, headElements, skipElements, verbatimElements } from './tags.js';

/** What kind of content a block is, from the elements around it. */
export const Flag = {
  heading: 1,
  listItem: 2,
  pre: 4,
  cell: 8,
  caption: 16,
  quote: 32,
  /** Inside a link (the whole block). */
  link: 64,
  form: 128,
  /** Inside `<button>` or `<label>`. */
  control: 256,
  paragraph: 512,
} as const;

export interface Block {
  /** Whitespace-collapsed text (verbatim for `pre`); lines from `<br>` are joined with `\n`. */
  text: string;
  /** The separator before this block. */
  sep: Sep;
  /** Bullet or number (with indentation) of a list item's first block, else ''. */
  prefix: string;
  /** The element node the block belongs to (main mode), else -1. */
  node: number;
  /** Characters of text inside links. */
  linkChars: number;
  /** Characters of the link text the block starts with (a teaser starts with its headline link). */
  leadLinkChars: number;
  flags: number;
}

export interface ElementNode {
  tag: string;
  parent: number;
  /** Boilerplate and content signals from tag, class, id and role (see signals.ts). */
  signal: Signal;
}

export interface Page {
  blocks: Block[];
  /** Element tree in document order (main mode only; empty otherwise). */
  nodes: ElementNode[];
  title: string;
  lang: string;
  /** `<link rel=canonical href>`, if the page names one. */
  canonical: string;
  elements: number;
}

export interface WalkOptions {
  /** Build the element tree and split blocks at signalling inline elements (main mode). */
  tree: boolean;
  maxDepth: number;
  budget: Budget;
}

interface Frame {
  tag: string;
  /** Flags, block node and list level before this element opened, restored when it closes. */
  savedFlags: number;
  savedBlockNode: number;
  node: number;
  sep: Sep;
  /** This element starts a subtree whose text is dropped. */
  skips: boolean;
  /** This element is a split point in main mode (a signalling inline element). */
  soft: boolean;
  /** A link with an href: its text counts as link text. */
  link: boolean;
}

interface ListState {
  ordered: boolean;
  next: number;
  step: number;
}

const hiddenStyle = /display\s*:\s*none|visibility\s*:\s*hidden/i;
/** HTML whitespace plus no-break space, which pages use for layout. */
const spaceRun = /[ \t\n\r\f\u00a0]+/g;
const isSpace = (code: number): boolean => code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 0xa0;

const tagFlags: Record<string, number> = {
  h1: Flag.heading,
  h2: Flag.heading,
  h3: Flag.heading,
  h4: Flag.heading,
  h5: Flag.heading,
  h6: Flag.heading,
  li: Flag.listItem,
  dt: Flag.listItem,
  dd: Flag.listItem,
  pre: Flag.pre,
  textarea: Flag.pre,
  listing: Flag.pre,
  xmp: Flag.pre,
  plaintext: Flag.pre,
  td: Flag.cell,
  th: Flag.cell,
  caption: Flag.caption,
  figcaption: Flag.caption,
  blockquote: Flag.quote,
  q: 0,
  form: Flag.form,
  button: Flag.control,
  label: Flag.control,
  p: Flag.paragraph,
};

export class Walker {
  readonly blocks: Block[] = [];
  readonly nodes: ElementNode[] = [];
  title = '';
  lang = '';
  canonical = '';
  elements = 0;

  private readonly stack: Frame[] = [];
  private readonly lists: ListState[] = [];
  private readonly rowCells: number[] = [];
  private flags = 0;
  private blockNode = -1;
  /** Index in `stack` of the element whose subtree is being skipped, or -1. */
  private skipFrom = -1;
  /** Inside `<head>` and nothing has shown that the body began. */
  private inHead = false;
  private capturingTitle = false;
  private titleParts: string[] = [];
  /** Text of the current line, and the finished lines of the current block (`<br>`). */
  private parts: string[] = [];
  private lines: string[] = [];
  private linkParts: string[] = [];
  /** Link text seen before any other text in the current block, and whether other text came. */
  private leadLink = 0;
  private leadDone = false;
  private linkDepth = 0;
  private pendingSep: Sep = Sep.none;
  private pendingPrefix = '';
  private verbatim = 0;
  /** Drop the first newline right after `<pre>`, as the HTML parser does. */
  private verbatimStart = false;

  constructor(private readonly options: WalkOptions) {}

  /** Parses a whole page (or the page in chunks: entities and tags may straddle chunk ends). */
  static walk(chunks: string | Iterable<string>, options: WalkOptions): Page {
    const walker = new Walker(options);
    const parser = new Parser(walker, { decodeEntities: true });
    if (typeof chunks === 'string') parser.end(chunks);
    else {
      for (const chunk of chunks) {
        parser.write(chunk);
        options.budget.check();
      }
      parser.end();
    }
    walker.flush();
    return { blocks: walker.blocks, nodes: walker.nodes, title: walker.title, lang: walker.lang, canonical: walker.canonical, elements: walker.elements };
  }

  onopentag(tag: string, attribs: Record<string, string>): void {
    this.options.budget.tick();
    this.elements++;
    const stack = this.stack;
    if (stack.length >= this.options.maxDepth) {
      throw new ExtractLimitError('too_deeply_nested', `elements nest over ${this.options.maxDepth} deep`, stack.length + 1, this.options.maxDepth);
    }
    const frame: Frame = { tag, savedFlags: this.flags, savedBlockNode: this.blockNode, node: -1, sep: Sep.none, skips: false, soft: false, link: false };
    stack.push(frame);
    if (this.skipFrom >= 0) return;
    if (tag === 'html') {
      const lang = attribs.lang ?? attribs['xml:lang'];
      if (lang && !this.lang) this.lang = lang.trim();
    }
    if (this.inHead && !headElements.has(tag)) this.inHead = false;
    if (tag === 'head') this.inHead = true;
    if (skipElements.has(tag) || 'hidden' in attribs || (attribs.style !== undefined && hiddenStyle.test(attribs.style)) || (tag === 'dialog' && !('open' in attribs))) {
      if (tag === 'title' && !this.title && this.titleParts.length === 0) this.capturingTitle = true;
      frame.skips = true;
      this.skipFrom = stack.length - 1;
      return;
    }
    if (tag === 'meta' && this.inHead && !this.lang && attribs['http-equiv']?.toLowerCase() === 'content-language' && attribs.content) {
      this.lang = attribs.content.trim();
    }
    if (tag === 'link' && !this.canonical && attribs.rel?.toLowerCase() === 'canonical' && attribs.href) this.canonical = attribs.href.trim();
    if (tag === 'br') {
      this.lineBreak();
      return;
    }
    let sep = elementSep(tag);
    let signal: Signal = 0;
    if (this.options.tree) {
      signal = elementSignal(tag, attribs);
      frame.node = this.nodes.length;
      this.nodes.push({ tag, parent: stack.length >= 2 ? stack[stack.length - 2].node : -1, signal });
      // A signalling inline element (a share button, a byline span) becomes its own block in
      // main mode, so its text can be judged apart from the sentence around it.
      if (sep === Sep.none && signal !== 0 && tag !== 'a') frame.soft = true;
    }
    let prefix: string | null = null;
    if (tag === 'td' || tag === 'th') {
      const n = this.rowCells.length > 0 ? this.rowCells[this.rowCells.length - 1]++ : 0;
      sep = n > 0 ? Sep.tab : Sep.line;
    } else if (tag === 'tr') {
      this.rowCells.push(0);
    } else if (tag === 'ul' || tag === 'ol' || tag === 'menu' || tag === 'dir') {
      // A list inside a list continues it line by line, as browsers draw it (no margins).
      if (this.lists.length > 0) sep = Sep.line;
      const ordered = tag === 'ol';
      const reversed = ordered && 'reversed' in attribs;
      const start = ordered && attribs.start !== undefined && /^-?\d{1,9}$/.test(attribs.start.trim()) ? Number(attribs.start.trim()) : 1;
      this.lists.push({ ordered, next: start, step: reversed ? -1 : 1 });
    } else if (tag === 'li') {
      const list = this.lists[this.lists.length - 1];
      const indent = '  '.repeat(Math.max(0, this.lists.length - 1));
      if (list?.ordered) {
        const value = attribs.value?.trim();
        if (value !== undefined && /^-?\d{1,9}$/.test(value)) list.next = Number(value);
        prefix = `${indent}${list.next}. `;
        list.next += list.step;
      } else prefix = `${indent}- `;
    } else if (tag === 'a' && attribs.href !== undefined) {
      this.linkDepth++;
      frame.link = true;
    }
    frame.sep = sep;
    if (sep !== Sep.none) this.boundary(sep);
    else if (frame.soft) this.softBoundary();
    // After the boundary: the text before this item must not take its bullet.
    if (prefix !== null) this.pendingPrefix = prefix;
    if (sep !== Sep.none || frame.soft) this.blockNode = frame.node;
    this.flags |= tagFlags[tag] ?? 0;
    if (verbatimElements.has(tag)) {
      this.verbatim++;
      this.verbatimStart = true;
    }
  }

  onclosetag(tag: string): void {
    this.options.budget.tick();
    const frame = this.stack.pop();
    if (!frame) return;
    if (this.skipFrom >= 0) {
      if (this.skipFrom === this.stack.length) {
        this.skipFrom = -1;
        if (this.capturingTitle) {
          this.capturingTitle = false;
          this.title = this.titleParts.join('').replace(spaceRun, ' ').trim();
        }
      }
      return;
    }
    if (tag === 'head') this.inHead = false;
    if (verbatimElements.has(tag) && this.verbatim > 0) {
      // The verbatim text ends here: flush it while it is still verbatim.
      this.flush();
      this.verbatim--;
    }
    // A cell ends with a tab: the next cell follows on the same line, the row's end breaks it.
    if (frame.sep !== Sep.none) this.boundary(tag === 'td' || tag === 'th' ? Sep.tab : frame.sep);
    else if (frame.soft) this.softBoundary();
    if (tag === 'tr') this.rowCells.pop();
    else if (tag === 'ul' || tag === 'ol' || tag === 'menu' || tag === 'dir') this.lists.pop();
    else if (tag === 'li') this.pendingPrefix = '';
    if (frame.link) this.linkDepth--;
    this.flags = frame.savedFlags;
    this.blockNode = frame.savedBlockNode;
  }

  ontext(text: string): void {
    if (this.skipFrom >= 0) {
      if (this.capturingTitle) this.titleParts.push(text);
      return;
    }
    if (this.verbatim > 0 && this.verbatimStart) {
      this.verbatimStart = false;
      if (text.startsWith('\r\n')) text = text.slice(2);
      else if (text.startsWith('\n')) text = text.slice(1);
    }
    this.parts.push(text);
    if (this.linkDepth > 0) {
      this.linkParts.push(text);
      if (!this.leadDone) this.leadLink += text.length;
    } else if (!this.leadDone && !isBlank(text)) this.leadDone = true;
  }

  onend(): void {
    // Close events for what is still open came before this; nothing left to do.
  }

  private lineBreak(): void {
    if (this.verbatim > 0) {
      this.parts.push('\n');
      return;
    }
    this.lines.push(this.parts.join(''));
    this.parts = [];
  }

  private boundary(sep: Sep): void {
    // Inside pre, the text's own newlines are the structure.
    if (this.verbatim > 0) return;
    this.flush();
    if (sep > this.pendingSep) this.pendingSep = sep;
  }

  /** A block boundary that keeps the text inline: a space only where the page had whitespace. */
  private softBoundary(): void {
    if (this.verbatim > 0) return;
    const last = this.parts.length > 0 ? this.parts[this.parts.length - 1] : '';
    const trailingSpace = last.length > 0 && isSpace(last.charCodeAt(last.length - 1));
    this.flush();
    if (trailingSpace && this.pendingSep < Sep.space) this.pendingSep = Sep.space;
  }

  /** Ends the current block, if it has any text. */
  flush(): void {
    if (this.parts.length === 0 && this.lines.length === 0) return;
    this.lines.push(this.parts.join(''));
    this.parts = [];
    const raw = this.lines;
    this.lines = [];
    let text: string;
    if (this.verbatim > 0 || (this.flags & Flag.pre) !== 0) {
      text = trimNewlines(trimLineEnds(raw.join('\n').replace(/\r\n?/g, '\n').replace(/\f/g, '')));
    } else {
      text = collapseLines(raw);
    }
    const linkText = this.linkParts.length > 0 ? this.linkParts.join('').replace(spaceRun, ' ').trim() : '';
    this.linkParts = [];
    const leadLink = this.leadLink;
    this.leadLink = 0;
    this.leadDone = false;
    if (text.length === 0) return;
    const first = raw[0];
    let sep = this.pendingSep;
    if (sep < Sep.space && first.length > 0 && isSpace(first.charCodeAt(0)) && this.blocks.length > 0) sep = Sep.space;
    this.blocks.push({
      text,
      sep: this.blocks.length === 0 ? Sep.none : sep,
      prefix: this.pendingPrefix,
      node: this.blockNode,
      linkChars: linkText.length,
      leadLinkChars: Math.min(linkText.length, leadLink),
      flags: this.flags | (linkText.length >= text.length ? Flag.link : 0),
    });
    this.pendingPrefix = '';
    this.pendingSep = Sep.none;
    this.options.budget.tick();
  }
}

/** Only whitespace (a loop: no regex on text that may be megabytes long). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Collapses each line's whitespace and trims it; drops empty lines at the ends, keeps at most one blank line inside. */
function collapseLines(lines: string[]): string {
  if (lines.length === 1) return lines[0].replace(spaceRun, ' ').trim();
  const out: string[] = [];
  let blank = 0;
  for (const line of lines) {
    const text = line.replace(spaceRun, ' ').trim();
    if (text.length === 0) {
      if (out.length > 0) blank++;
      continue;
    }
    if (blank > 0) out.push('');
    blank = 0;
    out.push(text);
  }
  return out.join('\n');
}


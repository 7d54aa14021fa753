/**
 * Main mode: which blocks of a page are its main content. Pure function of the parsed page.
 *
 * 1. Each block gets a prose weight: its non-link characters when it reads like running text
 *    (long enough, few links), else 0.
 * 2. Elements carry signals from tag, role, class and id (signals.ts). A boilerplate signal is
 *    trusted only on an element holding a minority of the page's prose: wrappers such as
 *    `<body class="has-sidebar">` or ASP.NET's page-wide `<form>` say nothing about their content.
 * 3. The container: from the root, step into the child holding the most prose while it still
 *    holds `containerShare` of the page's prose (trusted boilerplate excluded). That finds the
 *    article body without knowing the site, and stops above it when the text is spread out.
 * 4. Blocks inside the container are kept unless under trusted boilerplate, link-dense, or form
 *    controls; blocks outside are kept only when they are clearly prose on their own.
 * 5. Context: short blocks between kept blocks are kept (subheadings, one-line paragraphs);
 *    short non-prose blocks at the ends of the kept run are dropped (bylines, dates, "Share").
 */
import type { Budget } from './budget.js';
import { Sig, boilerplateSignals } from './signals.js';
import { type Block, Flag, type Page } from './walker.js';

export interface MainOptions {
  includeComments: boolean;
  budget: Budget;
}

/** The tuning, in one place; chosen on the development sets and general, not per site. */
export const mainTuning = {
  /** A block shorter than this (characters) carries no prose weight. */
  minProseChars: 40,
  /** Links over this share of a block's text: it carries no prose weight. */
  maxProseLinkDensity: 0.35,
  /** Boilerplate signals are trusted on elements holding less than this share of the page's prose. */
  trustShare: 0.5,
  /** Weak boilerplate signals are ignored on elements with at least this much prose (characters). */
  weakMaxProse: 400,
  /** A <main>/<article> holding this share of the prose makes its ancestors wrappers. */
  mainShare: 0.25,
  /** ... and at least this many prose blocks (a footer with one long legal notice is no wrapper). */
  wrapperMinBlocks: 3,
  /** The container is the deepest element holding at least this share of the page's prose. */
  containerShare: 0.8,
  /** Inside the container: link density above this drops a block. */
  maxLinkDensity: 0.5,
  /** Outside the container: a block is kept only if this long and this free of links. */
  outsideMinChars: 400,
  outsideMaxLinkDensity: 0.1,
  /** At the ends of the kept run, blocks shorter than this without a sentence end are dropped. */
  edgeMinChars: 50,
  /** A block opening with a link this long is a teaser (headline + summary), not prose. */
  teaserLinkChars: 20,
};

const weakSignals = Sig.meta | Sig.caption | Sig.header | Sig.form;

const sentenceEnd = /[.!?。！？…]["'”’»)]?\s*$/;

/** A teaser: a block that opens with a headline-long link (the rest is its summary). */
const isTeaser = (block: Block): boolean => block.leadLinkChars >= mainTuning.teaserLinkChars;

function proseWeight(block: Block): number {
  if ((block.flags & (Flag.control | Flag.link)) !== 0 || isTeaser(block)) return 0;
  const len = block.text.length;
  if (len < mainTuning.minProseChars) return 0;
  const linkDensity = block.linkChars / len;
  if (linkDensity > mainTuning.maxProseLinkDensity) return 0;
  return len - block.linkChars;
}

/** What main mode decided, for debugging and tests: the container node and trusted boilerplate per node. */
export interface MainTrace {
  container: number;
  boilerplate: Int32Array;
  weights: Float64Array;
}

export function selectMain(page: Page, options: MainOptions, trace?: MainTrace): Uint8Array {
  const { blocks, nodes } = page;
  const keep = new Uint8Array(blocks.length);
  if (blocks.length === 0) return keep;
  const n = nodes.length;
  // Node n is a virtual root holding blocks outside any element.
  const root = n;
  const parent = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) parent[i] = nodes[i].parent < 0 ? root : nodes[i].parent;
  parent[root] = -1;
  const nodeOf = (b: Block): number => (b.node < 0 ? root : b.node);

  const weights = new Float64Array(blocks.length);
  const raw = new Float64Array(n + 1);
  const proseBlocks = new Int32Array(n + 1);
  for (let i = 0; i < blocks.length; i++) {
    weights[i] = proseWeight(blocks[i]);
    raw[nodeOf(blocks[i])] += weights[i];
    if (weights[i] > 0) proseBlocks[nodeOf(blocks[i])]++;
  }
  options.budget.check();
  // Children come after their parents in document order: one backward pass sums subtrees.
  for (let i = n - 1; i >= 0; i--) {
    raw[parent[i]] += raw[i];
    proseBlocks[parent[i]] += proseBlocks[i];
  }
  const total = raw[root];
  // Elements that contain a main-content element (<main>, <article>, itemprop=articleBody) holding
  // a good share of the prose: whatever their classes say, they wrap the content.
  const holdsMain = new Uint8Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    if ((nodes[i].signal & Sig.strongContent) !== 0 && raw[i] >= mainTuning.mainShare * total) holdsMain[i] = 1;
    if (holdsMain[i]) holdsMain[parent[i]] = 1;
  }

  // Trusted boilerplate, inherited top-down (parents precede children). A signal is not trusted
  // on a wrapper: an element holding most of the page's prose in several blocks.
  const comments = options.includeComments ? 0 : Sig.comment;
  const excluded = boilerplateSignals | comments;
  const bp = new Int32Array(n + 1);
  const inArticle = new Uint8Array(n + 1);
  /** Inside a comment section (kept like the container's content when include_comments). */
  const inComments = new Uint8Array(n + 1);
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    let own = node.signal & excluded;
    // Nested <article>s are, per the HTML standard, comments or related items of the outer one.
    if (node.tag === 'article' && inArticle[parent[i]]) own |= (node.signal & Sig.comment) !== 0 ? comments : Sig.related;
    inArticle[i] = inArticle[parent[i]] | (node.tag === 'article' ? 1 : 0);
    inComments[i] = inComments[parent[i]] | ((node.signal & Sig.comment) !== 0 ? 1 : 0);
    // A comment section may hold most of the prose and still be comments.
    const wrapper =
      node.tag === 'body' ||
      node.tag === 'html' ||
      holdsMain[i] === 1 ||
      (raw[i] >= mainTuning.trustShare * total && proseBlocks[i] >= mainTuning.wrapperMinBlocks && (own & Sig.comment) === 0);
    // Weak signals (byline, caption, header, form words) name small things: on an element with
    // real prose they are a naming accident (`entry_author_jane` on a whole blog post).
    if ((own & weakSignals) !== 0 && raw[i] >= mainTuning.weakMaxProse) own &= ~weakSignals;
    const trusted = own !== 0 && !wrapper;
    bp[i] = bp[parent[i]] | (trusted ? own : 0);
  }

  // Prose outside trusted boilerplate, and each node's heaviest child.
  const clean = new Float64Array(n + 1);
  for (let i = 0; i < blocks.length; i++) if (bp[nodeOf(blocks[i])] === 0) clean[nodeOf(blocks[i])] += weights[i];
  for (let i = n - 1; i >= 0; i--) clean[parent[i]] += clean[i];
  const best = new Int32Array(n + 1).fill(-1);
  for (let i = n - 1; i >= 0; i--) {
    const p = parent[i];
    if (best[p] < 0 || clean[i] >= clean[best[p]]) best[p] = i;
  }
  const cleanTotal = clean[root];
  let container = root;
  // A <main>, <article> or itemprop=articleBody holding a good share of the prose is where the
  // content is, even when teaser lists or comments around it hold more.
  let strongest = -1;
  for (let i = 0; i < n; i++) {
    if ((nodes[i].signal & Sig.strongContent) !== 0 && bp[i] === 0 && (strongest < 0 || clean[i] > clean[strongest])) strongest = i;
  }
  if (strongest >= 0 && clean[strongest] >= mainTuning.mainShare * cleanTotal) container = strongest;
  if (cleanTotal > 0) {
    const from = clean[container];
    for (let next = best[container]; next >= 0 && clean[next] >= mainTuning.containerShare * from; next = best[container]) container = next;
  }
  // The container's subtree is a contiguous range of node indices (document order).
  const end = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) end[i] = i + 1;
  for (let i = n - 1; i >= 0; i--) if (end[i] > end[parent[i]]) end[parent[i]] = end[i];
  end[root] = n + 1;
  const inside = (node: number): boolean => container === root || (node >= container && node < end[container]);
  const containerBp = bp[container];
  if (trace) {
    trace.container = container;
    trace.boilerplate = bp;
    trace.weights = weights;
  }
  options.budget.check();

  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    const node = nodeOf(block);
    const len = block.text.length;
    const linkDensity = block.linkChars / len;
    if ((block.flags & Flag.control) !== 0) continue;
    if (inside(node) || (options.includeComments && inComments[node])) {
      if ((bp[node] & ~containerBp) !== 0) continue;
      if (linkDensity > mainTuning.maxLinkDensity) continue;
      keep[i] = 1;
    } else if (bp[node] === 0 && !isTeaser(block) && (block.flags & Flag.listItem) === 0 && len >= mainTuning.outsideMinChars && linkDensity <= mainTuning.outsideMaxLinkDensity) {
      keep[i] = 1;
    }
  }
  // A page without any prose (a short note, a table of figures) keeps its non-boilerplate text whole.
  if (cleanTotal > 0) trimEdges(blocks, keep);
  return keep;
}

/** Drops weak blocks from both ends of the kept run: short ones without a sentence end (bylines, dates, "Share") and teasers. */
function trimEdges(blocks: readonly Block[], keep: Uint8Array): void {
  const weak = (b: Block): boolean => (b.text.length < mainTuning.edgeMinChars && !sentenceEnd.test(b.text)) || isTeaser(b);
  for (let i = 0; i < blocks.length; i++) {
    if (!keep[i]) continue;
    if (!weak(blocks[i])) break;
    keep[i] = 0;
  }
  for (let i = blocks.length - 1; i >= 0; i--) {
    if (!keep[i]) continue;
    if (!weak(blocks[i])) break;
    keep[i] = 0;
  }
}

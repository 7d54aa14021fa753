/**
 * What an element says about its own role: from its tag, ARIA role, itemprop and the words in its
 * class and id. These are the structural hints main mode combines with text density. The
 * vocabulary is the one page templates use across sites (nav, sidebar, share, related, cookie,
 * comment, ...); nothing in it names a particular site.
 */

export type Signal = number;

export const Sig = {
  nav: 1,
  header: 2,
  footer: 4,
  aside: 8,
  social: 16,
  related: 32,
  ad: 64,
  cookie: 128,
  newsletter: 256,
  comment: 512,
  /** Byline, date, tags, breadcrumbs' cousins: article metadata, not article text. */
  meta: 1024,
  /** Text for screen readers only, or a dialog / popup. */
  hidden: 2048,
  form: 4096,
  /** Looks like the main content: article, main, post body, itemprop=articleBody. */
  content: 8192,
  /** The strongest content hints: itemprop=articleBody, role=main, <main>, <article>. */
  strongContent: 16384,
  caption: 32768,
} as const;

/** A lookup table without Object.prototype's keys (a class named `constructor` is just a word). */
const table = (entries: Record<string, Signal>): ReadonlyMap<string, Signal> => new Map(Object.entries(entries));

/** Every signal that marks boilerplate. */
export const boilerplateSignals =
  Sig.nav | Sig.header | Sig.footer | Sig.aside | Sig.social | Sig.related | Sig.ad | Sig.cookie | Sig.newsletter | Sig.meta | Sig.hidden | Sig.form;

const tagSignals = table({
  nav: Sig.nav,
  menu: Sig.nav,
  header: Sig.header,
  footer: Sig.footer,
  aside: Sig.aside,
  form: Sig.form,
  button: Sig.form,
  dialog: Sig.hidden,
  article: Sig.content | Sig.strongContent,
  main: Sig.content | Sig.strongContent,
  figcaption: Sig.caption,
  time: Sig.meta,
  address: Sig.meta,
});

const roleSignals = table({
  navigation: Sig.nav,
  menu: Sig.nav,
  menubar: Sig.nav,
  tablist: Sig.nav,
  search: Sig.form,
  banner: Sig.header,
  contentinfo: Sig.footer,
  complementary: Sig.aside,
  dialog: Sig.hidden,
  alertdialog: Sig.hidden,
  main: Sig.content | Sig.strongContent,
  article: Sig.content,
});

/** Whole words of a class or id (split at anything not a letter or digit, and at camelCase). */
const wordSignals = table({
  nav: Sig.nav,
  navi: Sig.nav,
  navbar: Sig.nav,
  navigation: Sig.nav,
  menu: Sig.nav,
  menus: Sig.nav,
  submenu: Sig.nav,
  breadcrumb: Sig.nav,
  breadcrumbs: Sig.nav,
  crumbs: Sig.nav,
  pagination: Sig.nav,
  pager: Sig.nav,
  toolbar: Sig.nav,
  skip: Sig.nav,
  topbar: Sig.nav,
  tabs: Sig.nav,
  masthead: Sig.header,
  header: Sig.header,
  banner: Sig.header,
  topnav: Sig.nav,
  footer: Sig.footer,
  foot: Sig.footer,
  copyright: Sig.footer,
  colophon: Sig.footer,
  legal: Sig.footer,
  sidebar: Sig.aside,
  sidenav: Sig.aside,
  aside: Sig.aside,
  widget: Sig.aside,
  widgets: Sig.aside,
  rail: Sig.aside,
  sidebox: Sig.aside,
  share: Sig.social,
  sharing: Sig.social,
  sharebar: Sig.social,
  social: Sig.social,
  follow: Sig.social,
  facebook: Sig.social,
  twitter: Sig.social,
  linkedin: Sig.social,
  whatsapp: Sig.social,
  pinterest: Sig.social,
  related: Sig.related,
  recommended: Sig.related,
  recommendations: Sig.related,
  recirculation: Sig.related,
  recirc: Sig.related,
  trending: Sig.related,
  popular: Sig.related,
  mostread: Sig.related,
  teaser: Sig.related,
  teasers: Sig.related,
  outbrain: Sig.related,
  taboola: Sig.related,
  more: Sig.related,
  ad: Sig.ad,
  ads: Sig.ad,
  adv: Sig.ad,
  advert: Sig.ad,
  advertisement: Sig.ad,
  advertising: Sig.ad,
  adslot: Sig.ad,
  dfp: Sig.ad,
  gpt: Sig.ad,
  sponsor: Sig.ad,
  sponsored: Sig.ad,
  promo: Sig.ad,
  promotion: Sig.ad,
  commercial: Sig.ad,
  cookie: Sig.cookie,
  cookies: Sig.cookie,
  consent: Sig.cookie,
  gdpr: Sig.cookie,
  newsletter: Sig.newsletter,
  subscribe: Sig.newsletter,
  subscription: Sig.newsletter,
  signup: Sig.newsletter,
  login: Sig.newsletter,
  signin: Sig.newsletter,
  register: Sig.newsletter,
  comment: Sig.comment,
  comments: Sig.comment,
  disqus: Sig.comment,
  respond: Sig.comment,
  replies: Sig.comment,
  discussion: Sig.comment,
  byline: Sig.meta,
  author: Sig.meta,
  authors: Sig.meta,
  dateline: Sig.meta,
  timestamp: Sig.meta,
  date: Sig.meta,
  published: Sig.meta,
  meta: Sig.meta,
  tags: Sig.meta,
  categories: Sig.meta,
  credit: Sig.meta,
  credits: Sig.meta,
  caption: Sig.caption,
  sronly: Sig.hidden,
  sr: Sig.hidden,
  hidden: Sig.hidden,
  invisible: Sig.hidden,
  visuallyhidden: Sig.hidden,
  offscreen: Sig.hidden,
  modal: Sig.hidden,
  popup: Sig.hidden,
  overlay: Sig.hidden,
  search: Sig.form,
  searchform: Sig.form,
  article: Sig.content,
  articlebody: Sig.content | Sig.strongContent,
  content: Sig.content,
  entry: Sig.content,
  post: Sig.content,
  story: Sig.content,
  storybody: Sig.content | Sig.strongContent,
  body: Sig.content,
  text: Sig.content,
  main: Sig.content,
  blog: Sig.content,
});

/** Class/id strings repeat across a page and across pages: their signal is computed once. */
const cache = new Map<string, Signal>();

const wordSplit = /[^a-z0-9]+/;
const camelBoundary = /([a-z0-9])([A-Z])/g;

export function wordsSignal(value: string): Signal {
  let signal = cache.get(value);
  if (signal !== undefined) return signal;
  signal = 0;
  const words = value.length > 300 ? value.slice(0, 300) : value;
  for (const word of words.replace(camelBoundary, '$1 $2').toLowerCase().split(wordSplit)) {
    if (word.length === 0) continue;
    signal |= wordSignals.get(word) ?? 0;
  }
  if (cache.size > 50_000) cache.clear();
  cache.set(value, signal);
  return signal;
}

export function elementSignal(tag: string, attribs: Record<string, string>): Signal {
  let signal = tagSignals.get(tag) ?? 0;
  const { class: cls, id, role, itemprop } = attribs;
  if (cls) signal |= wordsSignal(cls);
  if (id) signal |= wordsSignal(id);
  if (role) signal |= roleSignals.get(role.trim().toLowerCase()) ?? 0;
  if (itemprop) {
    const prop = itemprop.toLowerCase();
    if (prop.includes('articlebody') || prop === 'text' || prop === 'reviewbody') signal |= Sig.content | Sig.strongContent;
    else if (prop.includes('author') || prop.includes('date') || prop === 'publisher') signal |= Sig.meta;
  }
  if (attribs['aria-hidden'] === 'true') signal |= Sig.hidden;
  // <article class="post tag-news category-books"> is the article, whatever its taxonomy classes
  // say; only a comment stays a comment (comment threads are often <article>s too).
  if ((signal & Sig.strongContent) !== 0) signal &= ~(boilerplateSignals & ~Sig.comment) | Sig.comment;
  return signal;
}

/**
 * URL and domain blocklists, checked before any model runs.
 *
 * Formats: a UT1 category directory (`domains` and `urls`, one entry per line, as squidGuard reads
 * them; files split in parts `domains.*` and gzipped ones are read too), or a plain list file
 * (an entry with a `/` is a URL, else a domain; `#` starts a comment).
 *
 * Matching: a domain entry matches its host and every subdomain (`example.com` blocks
 * `www.example.com` and `a.b.example.com`); a URL entry (`host/path`) matches URLs on that host or
 * a subdomain whose path starts with the entry's path at a segment boundary (`/sk` matches
 * `/sk`, `/sk/x`, `/sk?p=1`, `/sk.html`, not `/skate`). Hosts and paths are compared lowercased,
 * without scheme, user, port and a leading `www.`; IP addresses match only exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Blocklist } from './config.js';

export interface BlocklistMatch {
  /** The entry that matched, as normalised (`example.com`, `example.com/path`). */
  entry: string;
  /** The list's label (`adult`). */
  label: string;
  kind: 'domain' | 'url';
}

interface UrlEntry {
  path: string;
  entry: string;
  label: string;
}

const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** `Host.Example.com.:8080` → `host.example.com`; `www.`/`www2.` dropped (never from an IP or a bare `www.com`). */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1 || undefined);
  h = h.replace(/:\d*$/, '').replace(/\.+$/, '');
  if (/^www\d*\./.test(h) && h.split('.').length > 2) h = h.slice(h.indexOf('.') + 1);
  return h;
}

/** A URL (absolute, or `host/path` without a scheme) → host and lowercased path+query; null if it has no host. */
export function splitUrl(url: string): { host: string; path: string } | null {
  let rest = url.trim();
  if (rest === '') return null;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  else if (rest.startsWith('//')) rest = rest.slice(2);
  const end = rest.search(/[/?#]/);
  const host = normalizeHost(end < 0 ? rest : rest.slice(0, end));
  if (host === '' || /\s/.test(host)) return null;
  let p = end < 0 ? '/' : rest.slice(end);
  const hash = p.indexOf('#');
  if (hash >= 0) p = p.slice(0, hash);
  if (!p.startsWith('/')) p = '/' + p;
  return { host, path: p.toLowerCase() };
}

/** Whether `urlPath` starts with `entryPath` at a segment boundary. */
function pathMatches(urlPath: string, entryPath: string): boolean {
  if (!urlPath.startsWith(entryPath)) return false;
  if (urlPath.length === entryPath.length || entryPath.endsWith('/')) return true;
  const next = urlPath[entryPath.length];
  return next === '/' || next === '?' || next === '.' || next === '#' || next === ';';
}

/** The host and its parent domains, most specific first (an IP address has no parents). */
function* hostAndParents(host: string): Generator<string> {
  yield host;
  if (ipv4.test(host) || host.startsWith('[')) return;
  let dot = host.indexOf('.');
  while (dot >= 0) {
    const parent = host.slice(dot + 1);
    if (parent === '') return;
    // `1.10.0.0.1` is not under the address 10.0.0.1.
    if (!ipv4.test(parent)) yield parent;
    dot = host.indexOf('.', dot + 1);
  }
}

export class UrlBlocklist {
  private readonly domains = new Map<string, string>();
  private readonly urls = new Map<string, UrlEntry[]>();

  get size(): { domains: number; urls: number } {
    let urls = 0;
    for (const list of this.urls.values()) urls += list.length;
    return { domains: this.domains.size, urls };
  }

  /** Adds one entry: a domain, or `host/path` (a scheme is allowed and ignored). Returns false for junk. */
  add(raw: string, label: string, as: 'auto' | 'domain' | 'url' = 'auto'): boolean {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return false;
    const isUrl = as === 'url' || (as === 'auto' && /[/?]/.test(line.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')));
    const parts = splitUrl(line);
    if (!parts) return false;
    if (!isUrl || parts.path === '/') {
      if (!this.domains.has(parts.host)) this.domains.set(parts.host, label);
      return true;
    }
    const entry = `${parts.host}${parts.path}`;
    let list = this.urls.get(parts.host);
    if (!list) this.urls.set(parts.host, (list = []));
    list.push({ path: parts.path, entry, label });
    return true;
  }

  match(url: string | undefined): BlocklistMatch | null {
    if (!url || (this.domains.size === 0 && this.urls.size === 0)) return null;
    const parts = splitUrl(url);
    if (!parts) return null;
    for (const host of hostAndParents(parts.host)) {
      const label = this.domains.get(host);
      if (label !== undefined) return { entry: host, label, kind: 'domain' };
      const entries = this.urls.get(host);
      if (entries) {
        for (const e of entries) if (pathMatches(parts.path, e.path)) return { entry: e.entry, label: e.label, kind: 'url' };
      }
    }
    return null;
  }

  static async load(lists: Blocklist[]): Promise<UrlBlocklist> {
    const out = new UrlBlocklist();
    for (const list of lists) await out.loadOne(list);
    return out;
  }

  private async loadOne(list: Blocklist): Promise<void> {
    const stat = await fs.promises.stat(list.path).catch(() => null);
    if (!stat) throw new Error(`blocklist not found: ${list.path}`);
    const format = list.format === 'auto' ? (stat.isDirectory() ? 'ut1' : 'plain') : list.format;
    const label = list.label ?? path.basename(list.path).replace(/\.(gz|txt|list)$/g, '');
    if (format === 'plain') {
      if (stat.isDirectory()) throw new Error(`blocklist ${list.path}: a plain list is a file, not a directory`);
      for (const line of await readLines(list.path)) this.add(line, label);
      return;
    }
    if (!stat.isDirectory()) throw new Error(`blocklist ${list.path}: a UT1 list is a category directory (with domains and/or urls)`);
    const names = (await fs.promises.readdir(list.path)).sort();
    const domainFiles = names.filter((n) => /^domains(\..+)?$/.test(n));
    const urlFiles = names.filter((n) => /^urls(\..+)?$/.test(n));
    if (domainFiles.length + urlFiles.length === 0) throw new Error(`blocklist ${list.path}: no domains or urls file (UT1 format)`);
    for (const name of domainFiles) for (const line of await readLines(path.join(list.path, name))) this.add(line, label, 'domain');
    for (const name of urlFiles) for (const line of await readLines(path.join(list.path, name))) this.add(line, label, 'url');
  }
}

async function readLines(file: string): Promise<string[]> {
  let bytes = await fs.promises.readFile(file);
  if (file.endsWith('.gz')) bytes = zlib.gunzipSync(bytes);
  return bytes.toString('utf8').split('\n');
}

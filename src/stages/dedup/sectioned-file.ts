/**
 * A binary file of named sections: 8-byte magic, u32 header length, a JSON header (with the
 * section table), then 8-byte-aligned sections, so a section reads straight into a typed array.
 * Written to a temp name and renamed, so a file with its final name is always complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WinnowError } from '../../core/errors.js';

export type Sections = Record<string, [offset: number, length: number]>;

const align8 = (n: number): number => (n + 7) & ~7;

export const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

export function writeSectioned(file: string, magic: string, header: Record<string, unknown>, parts: [string, ArrayBufferView][]): void {
  const sections: Sections = {};
  let headerBytes = Buffer.alloc(0);
  let start = 0;
  // The header lists the offsets, and its own length moves them: lay out until it fits.
  for (let pad = 256; ; pad *= 2) {
    let at = start;
    for (const [name, view] of parts) {
      sections[name] = [at, view.byteLength];
      at = align8(at + view.byteLength);
    }
    headerBytes = Buffer.from(JSON.stringify({ ...header, sections }));
    if (start >= 12 + headerBytes.length) break;
    start = align8(12 + headerBytes.length + pad);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    const head = Buffer.alloc(start);
    head.write(magic, 0, 'latin1');
    head.writeUInt32LE(headerBytes.length, 8);
    headerBytes.copy(head, 12);
    writeAll(fd, head, 0);
    for (const [name, view] of parts) if (view.byteLength > 0) writeAll(fd, bytesOf(view), sections[name][0]);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
}

/**
 * Open descriptors, least recently used first: a staged run may read thousands of files, more
 * than a process may keep open, so past MAX_OPEN the oldest is closed (and reopened on demand).
 */
const MAX_OPEN = 128;
const openFiles = new Set<SectionedFile<{ sections: Sections }>>();

/** A sectioned file; sections are read on demand. */
export class SectionedFile<H extends { sections: Sections }> {
  readonly header: H;
  private fd: number | null = null;

  constructor(
    readonly file: string,
    magic: string,
    what: string,
  ) {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(12);
      const got = fs.readSync(fd, head, 0, 12, 0);
      if (got < 12 || head.toString('latin1', 0, 8) !== magic) throw new WinnowError('io', `${file}: not a ${what}`);
      const length = head.readUInt32LE(8);
      const json = Buffer.alloc(length);
      fs.readSync(fd, json, 0, length, 12);
      this.header = JSON.parse(json.toString('utf8')) as H;
    } catch (error) {
      if (error instanceof WinnowError) throw error;
      throw new WinnowError('io', `${file}: unreadable ${what}: ${(error as Error).message}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  private descriptor(): number {
    const self = this as unknown as SectionedFile<{ sections: Sections }>;
    if (this.fd !== null) {
      openFiles.delete(self);
      openFiles.add(self);
      return this.fd;
    }
    if (openFiles.size >= MAX_OPEN) openFiles.values().next().value?.close();
    this.fd = fs.openSync(this.file, 'r');
    openFiles.add(self);
    return this.fd;
  }

  /** `length` bytes of a section from byte `from` (default: the rest), into a fresh buffer. */
  read(name: string, from = 0, length?: number): ArrayBuffer {
    const section = this.header.sections[name];
    if (!section) throw new WinnowError('io', `${this.file}: no section ${name}`);
    const [offset, size] = section;
    const n = length ?? size - from;
    const out = new ArrayBuffer(n);
    this.readInto(new Uint8Array(out), offset + from);
    return out;
  }

  readInto(view: Uint8Array, position: number): void {
    const fd = this.descriptor();
    let done = 0;
    while (done < view.byteLength) {
      const got = fs.readSync(fd, view, done, view.byteLength - done, position + done);
      if (got === 0) throw new WinnowError('io', `${this.file}: truncated`);
      done += got;
    }
  }

  offset(name: string): number {
    return this.header.sections[name][0];
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    openFiles.delete(this as unknown as SectionedFile<{ sections: Sections }>);
  }
}

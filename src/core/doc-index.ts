/**
 * The document index of a run, written as the run goes: for every document in an output file
 * (kept, a split, removed/, errors/) the 64-bit hash of its id, the file, and the uncompressed byte
 * offset of its line. `winnow explain` finds a document by binary search in the sorted index and
 * reads just the frames that hold its line, so it answers in milliseconds on any run size.
 *
 *   index/docs.bin    records of 5 uint32 (hash hi, hash lo, file, offset hi, offset lo), sorted
 *   index/files.json  the file table: path, compression, compressed size of each 1 MiB frame
 */
import fs from 'node:fs';
import path from 'node:path';
import { bufferView } from '../io/bytes.js';
import { type Compression, compressionOfPath, decompressFrame } from '../io/compression.js';
import { FRAME_BYTES, writeFileAtomic } from '../io/shard-writer.js';

export const FIELDS = 5;
const RECORD_BYTES = FIELDS * 4;

export interface IndexedFile {
  path: string;
  compression: Compression;
  /** Compressed size of each frame (each frame holds FRAME_BYTES uncompressed bytes, the last fewer). */
  frames: number[];
}

/** Collects entries of one unit; saved next to its completion marker. */
export class IndexBuilder {
  private data = new Uint32Array(1024 * FIELDS);
  private n = 0;
  readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();

  fileId(file: string): number {
    let id = this.fileIds.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(file);
      this.fileIds.set(file, id);
    }
    return id;
  }

  add(hi: number, lo: number, file: number, offset: number): void {
    if ((this.n + 1) * FIELDS > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const at = this.n * FIELDS;
    this.data[at] = hi;
    this.data[at + 1] = lo;
    this.data[at + 2] = file;
    this.data[at + 3] = Math.floor(offset / 4294967296);
    this.data[at + 4] = offset >>> 0;
    this.n++;
  }

  get size(): number {
    return this.n;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, 0, this.n * RECORD_BYTES);
  }
}

/**
 * Merges the units' entries into index/docs.bin (sorted by hash) and index/files.json.
 * `units` lists, per unit, its entry file and the output paths its file ids refer to.
 */
export async function writeRunIndex(outputDir: string, units: { entries: string; files: string[] }[], frameTables: Map<string, number[]>): Promise<{ documents: number }> {
  const table: IndexedFile[] = [];
  const tableIds = new Map<string, number>();
  const parts: Uint32Array[] = [];
  let total = 0;
  for (const unit of units) {
    const raw = await fs.promises.readFile(unit.entries).catch(() => null);
    if (!raw) continue;
    const data = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const remap = unit.files.map((file) => {
      let id = tableIds.get(file);
      if (id === undefined) {
        id = table.length;
        table.push({ path: file, compression: compressionOfPath(file), frames: frameTables.get(file) ?? [] });
        tableIds.set(file, id);
      }
      return id;
    });
    for (let i = 2; i < data.length; i += FIELDS) data[i] = remap[data[i]];
    parts.push(data);
    total += data.length / FIELDS;
  }
  const all = new Uint32Array(total * FIELDS);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const order = radixOrder(all, total);
  const sorted = new Uint32Array(total * FIELDS);
  for (let i = 0; i < total; i++) {
    const from = order[i] * FIELDS;
    for (let f = 0, to = i * FIELDS; f < FIELDS; f++) sorted[to + f] = all[from + f];
  }
  const dir = path.join(outputDir, 'index');
  await writeFileAtomic(path.join(dir, 'docs.bin'), new Uint8Array(sorted.buffer));
  await writeFileAtomic(path.join(dir, 'files.json'), JSON.stringify({ frame_bytes: FRAME_BYTES, files: table }) + '\n');
  return { documents: total };
}

/**
 * Record indices sorted by (hash hi, hash lo), ties in input order, so the index file is
 * deterministic: an LSD radix sort on `hi` (16 bits a pass, stable), then the rare runs of equal
 * `hi` ordered by `lo`. Linear time in practice: 10 M entries sort in well under a second, where a
 * comparator sort of all of them takes many. The keys travel with the indices, so every pass
 * reads them in order instead of jumping through the records.
 */
export function radixOrder(records: Uint32Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    hi[i] = records[i * FIELDS];
  }
  let nextOrder = new Uint32Array(n);
  let nextHi = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((hi[i] >>> shift) & 0xffff) + 1]++;
    for (let b = 1; b < 65537; b++) counts[b] += counts[b - 1];
    for (let i = 0; i < n; i++) {
      const to = counts[(hi[i] >>> shift) & 0xffff]++;
      nextOrder[to] = order[i];
      nextHi[to] = hi[i];
    }
    [order, nextOrder] = [nextOrder, order];
    [hi, nextHi] = [nextHi, hi];
  }
  // Runs of equal `hi` (rare: ids whose hashes share 32 bits) by `lo`, then input order, which is
  // the record's own index. A comparator sort, not an insertion sort: ids crafted to share `hi`
  // must not make this quadratic.
  const byLo = (a: number, b: number): number => records[a * FIELDS + 1] - records[b * FIELDS + 1] || a - b;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && hi[end] === hi[start]) end++;
    if (end - start > 1) order.subarray(start, end).sort(byLo);
    start = end;
  }
  return order;
}

export interface Located {
  file: IndexedFile;
  offset: number;
}

/** Every indexed line whose id hashes to (hi, lo): usually one; the caller checks the id. */
export async function locate(runDir: string, hi: number, lo: number): Promise<Located[]> {
  const dir = path.join(runDir, 'index');
  const { files } = JSON.parse(await fs.promises.readFile(path.join(dir, 'files.json'), 'utf8')) as { files: IndexedFile[] };
  const fd = await fs.promises.open(path.join(dir, 'docs.bin'), 'r');
  try {
    const count = (await fd.stat()).size / RECORD_BYTES;
    const buf = Buffer.alloc(RECORD_BYTES);
    const read = async (i: number): Promise<number[]> => {
      await fd.read(buf, 0, RECORD_BYTES, i * RECORD_BYTES);
      return [0, 1, 2, 3, 4].map((k) => buf.readUInt32LE(k * 4));
    };
    const less = (r: number[]): boolean => r[0] < hi || (r[0] === hi && r[1] < lo);
    let low = 0;
    let high = count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (less(await read(mid))) low = mid + 1;
      else high = mid;
    }
    const found: Located[] = [];
    for (let i = low; i < count; i++) {
      const r = await read(i);
      if (r[0] !== hi || r[1] !== lo) break;
      found.push({ file: files[r[2]], offset: r[3] * 4294967296 + r[4] });
    }
    return found;
  } finally {
    await fd.close();
  }
}

/** The JSONL line at an uncompressed offset, reading only the frames that hold it. */
export async function readLineAt(runDir: string, file: IndexedFile, offset: number): Promise<string> {
  const fd = await fs.promises.open(path.join(runDir, file.path), 'r');
  try {
    const pieces: Buffer[] = [];
    if (file.compression === 'none') {
      let at = offset;
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const { bytesRead } = await fd.read(buf, 0, buf.length, at);
        if (bytesRead === 0) break;
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        pieces.push(buf.subarray(0, nl < 0 ? bytesRead : nl));
        if (nl >= 0) break;
        at += bytesRead;
      }
      return Buffer.concat(pieces).toString('utf8');
    }
    let frame = Math.floor(offset / FRAME_BYTES);
    let start = file.frames.slice(0, frame).reduce((a, b) => a + b, 0);
    let skip = offset - frame * FRAME_BYTES;
    while (frame < file.frames.length) {
      const compressed = Buffer.alloc(file.frames[frame]);
      await fd.read(compressed, 0, compressed.length, start);
      const inflated = decompressFrame(file.compression, compressed);
      const plain = bufferView(inflated).subarray(skip);
      const nl = plain.indexOf(10);
      pieces.push(nl < 0 ? plain : plain.subarray(0, nl));
      if (nl >= 0) break;
      start += file.frames[frame];
      frame++;
      skip = 0;
    }
    return Buffer.concat(pieces).toString('utf8');
  } finally {
    await fd.close();
  }
}

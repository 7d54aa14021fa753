/**
 * Sharded JSONL output. Each shard is written to a hidden temp name and renamed when complete,
 * so a file with its final name is always whole. Shards roll over at document boundaries by
 * uncompressed size or count, and compressed shards are cut into fixed 1 MiB frames, so the bytes
 * written never depend on how documents were batched. Frames are compressed off the main thread
 * (in the worker pool) when the caller supplies a `compress` function.
 */
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { type Compression, compressFrame, extensionOf } from './compression.js';
import { bufferView } from './bytes.js';

export interface ShardOptions {
  compression: Compression;
  level?: number;
  maxBytes: number;
  /** 0 = no limit. */
  maxDocs: number;
  /** Compresses one frame; defaults to compressing on the calling thread. */
  compress?: (frame: Uint8Array) => Promise<Uint8Array>;
}

/** Told where each line went: the shard's final path and the line's uncompressed byte offset in it. */
export type Placement = (file: string, offset: number, line: number) => void;

export interface WrittenFile {
  path: string;
  /** Compressed size of each frame, in order (empty for uncompressed files). */
  frames: number[];
}

export interface LineSink {
  /** `bytes` holds `count` complete JSONL lines; `place` is called once per line. */
  write(bytes: Uint8Array, count: number, place?: Placement): Promise<void>;
  /** Finishes the last shard; returns the files written. */
  close(): Promise<WrittenFile[]>;
}

/** Uncompressed bytes per compressed frame. */
export const FRAME_BYTES = 1024 * 1024;
/** Frames being compressed at once per shard. */
const FRAMES_IN_FLIGHT = 8;

export const tempName = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.tmp`);

/** Writes a chunk, waiting for 'drain' when the stream's buffer is full (an 'error' rejects). */
export async function writeTo(stream: Writable, chunk: Uint8Array): Promise<void> {
  if (!stream.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        stream.off('drain', onDrain);
        reject(error);
      };
      const onDrain = (): void => {
        stream.off('error', onError);
        resolve();
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
  }
}

class Shard {
  bytes = 0;
  docs = 0;
  private readonly file: fs.WriteStream;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly frames: Promise<Uint8Array>[] = [];
  /** Compressed sizes of the frames written so far. */
  readonly frameSizes: number[] = [];
  private readonly compress: ((frame: Uint8Array) => Promise<Uint8Array>) | null;

  constructor(readonly finalPath: string, options: ShardOptions) {
    this.file = fs.createWriteStream(tempName(finalPath));
    const { compression, level } = options;
    this.compress = compression === 'none' ? null : (options.compress ?? (async (frame) => compressFrame(compression, frame, level)));
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.compress) return writeTo(this.file, chunk);
    let rest = chunk;
    while (this.pendingBytes + rest.byteLength >= FRAME_BYTES) {
      const take = FRAME_BYTES - this.pendingBytes;
      this.pending.push(rest.subarray(0, take));
      rest = rest.subarray(take);
      await this.frame(FRAME_BYTES);
    }
    if (rest.byteLength > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.byteLength;
    }
  }

  /** Copies the pending pieces into one fresh buffer (which the pool may take over) and compresses it. */
  private async frame(size: number): Promise<void> {
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const piece of this.pending) {
      bytes.set(piece, at);
      at += piece.byteLength;
    }
    this.pending = [];
    this.pendingBytes = 0;
    const frame = this.compress!(bytes);
    frame.catch(() => undefined); // observed below, in order
    this.frames.push(frame);
    if (this.frames.length >= FRAMES_IN_FLIGHT) await this.flushFrame();
  }

  private async flushFrame(): Promise<void> {
    const frame = await this.frames.shift()!;
    this.frameSizes.push(frame.byteLength);
    await writeTo(this.file, frame);
  }

  async close(): Promise<void> {
    if (this.compress) {
      if (this.pendingBytes > 0) await this.frame(this.pendingBytes);
      while (this.frames.length > 0) await this.flushFrame();
    }
    this.file.end();
    await finished(this.file);
    await fs.promises.rename(tempName(this.finalPath), this.finalPath);
  }
}

/** Files `<dir>/<prefix>-0000<ext>`, `-0001`, … created lazily (no documents, no file). */
export class ShardWriter implements LineSink {
  private shard: Shard | null = null;
  private index = 0;
  private readonly written: WrittenFile[] = [];
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly ext: string,
    private readonly options: ShardOptions,
  ) {}

  static fileExtension(compression: Compression, base = '.jsonl'): string {
    return base + extensionOf(compression);
  }

  private async open(): Promise<Shard> {
    if (this.shard) return this.shard;
    await fs.promises.mkdir(this.dir, { recursive: true });
    const name = `${this.prefix}-${String(this.index++).padStart(4, '0')}${this.ext}`;
    this.shard = new Shard(path.join(this.dir, name), this.options);
    return this.shard;
  }

  private fits(shard: Shard, bytes: number, docs: number): boolean {
    if (shard.bytes + bytes > this.options.maxBytes) return false;
    return this.options.maxDocs === 0 || shard.docs + docs <= this.options.maxDocs;
  }

  async write(bytes: Uint8Array, count: number, place?: Placement): Promise<void> {
    if (count === 0) return;
    let shard = await this.open();
    if (this.fits(shard, bytes.byteLength, count)) {
      if (place) placeLines(bytes, shard.finalPath, shard.bytes, 0, place);
      shard.bytes += bytes.byteLength;
      shard.docs += count;
      await shard.write(bytes);
      return;
    }
    // Roll over inside the chunk, line by line.
    const buf = bufferView(bytes);
    let start = 0;
    let line = 0;
    while (start < bytes.byteLength) {
      let end = buf.indexOf(10, start);
      end = end < 0 ? bytes.byteLength : end + 1;
      const lineBytes = end - start;
      // A document larger than a shard still gets a shard of its own.
      if (shard.docs > 0 && !this.fits(shard, lineBytes, 1)) {
        await this.rollover();
        shard = await this.open();
      }
      place?.(shard.finalPath, shard.bytes, line++);
      shard.bytes += lineBytes;
      shard.docs += 1;
      await shard.write(bytes.subarray(start, end));
      start = end;
    }
  }

  private async rollover(): Promise<void> {
    if (!this.shard) return;
    const shard = this.shard;
    this.shard = null;
    await shard.close();
    this.written.push({ path: shard.finalPath, frames: shard.frameSizes });
  }

  async close(): Promise<WrittenFile[]> {
    await this.rollover();
    return this.written;
  }
}

/** Calls `place` for each line of `bytes`, which starts at `base` in `file`. */
function placeLines(bytes: Uint8Array, file: string, base: number, firstLine: number, place: Placement): void {
  const buf = bufferView(bytes);
  let line = firstLine;
  for (let start = 0; start < buf.byteLength; line++) {
    place(file, base + start, line);
    const nl = buf.indexOf(10, start);
    start = nl < 0 ? bytes.byteLength : nl + 1;
  }
}

/** Kept documents to standard output, for `--output -` (not indexed: a pipe has no offsets). */
export class StdoutSink implements LineSink {
  async write(bytes: Uint8Array, count: number): Promise<void> {
    if (count > 0) await writeTo(process.stdout, bytes);
  }
  async close(): Promise<WrittenFile[]> {
    return [];
  }
}

/** Writes a small file atomically: temp name, then rename (markers, manifests, reports). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, file);
}

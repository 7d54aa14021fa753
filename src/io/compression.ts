/**
 * gzip and zstd, by file extension or by magic bytes. Node 20's zlib has no zstd: the native
 * `zstd-napi` (optional dependency, ~900 MB/s) is used when it built, otherwise the pure-JS `fzstd`
 * decompresses (~180 MB/s) and zstd output asks for gzip instead.
 */
import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as FzstdDecompress, decompress as fzstdDecompress } from 'fzstd';
import { WinnowError } from '../core/errors.js';
import { bufferView } from './bytes.js';

export type Compression = 'none' | 'gzip' | 'zstd';

type ZstdNapi = typeof import('zstd-napi');

/**
 * Loaded synchronously (it is CommonJS): a top-level await here would make this module, which the
 * worker threads import, async — and Node 20 mishandles an async module that is first require()d.
 */
function loadZstd(): ZstdNapi | null {
  try {
    return createRequire(import.meta.url)('zstd-napi') as ZstdNapi;
  } catch {
    return null; // the optional native build failed: fzstd decompresses, gzip writes
  }
}
const zstdNapi = loadZstd();

export const hasNativeZstd = (): boolean => zstdNapi !== null;

export function compressionOfPath(path: string): Compression {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zst(d)?$/i.test(path)) return 'zstd';
  return 'none';
}

/** Strip a compression suffix: `a.jsonl.gz` → `a.jsonl`. */
export const stripCompressionSuffix = (path: string): string => path.replace(/\.(gz|zst|zstd)$/i, '');

export function compressionOfMagic(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export const extensionOf = (compression: Compression): string =>
  compression === 'gzip' ? '.gz' : compression === 'zstd' ? '.zst' : '';

/** A decompressing transform; truncated or corrupt input surfaces as a stream error. */
export function decompressor(compression: Exclude<Compression, 'none'>): Transform {
  if (compression === 'gzip') return zlib.createGunzip({ chunkSize: 256 * 1024 });
  return zstdNapi ? new zstdNapi.DecompressStream() : new FzstdStream();
}

/**
 * One independent frame (zstd) or member (gzip). Files made of concatenated frames are standard:
 * zstd, gzip, zcat and every library read them as one stream. Frames let the pool compress in parallel.
 */
export function compressFrame(compression: Exclude<Compression, 'none'>, data: Uint8Array, level?: number): Uint8Array {
  if (compression === 'gzip') return zlib.gzipSync(data, { level: level ?? 6 });
  if (!zstdNapi) {
    throw new WinnowError('usage', 'zstd output needs the native zstd-napi package, which did not build on this machine; use --compression gzip or none');
  }
  return zstdNapi.compress(data, { compressionLevel: level ?? 3 });
}

/** Decompresses one whole buffer of frames or members (the counterpart of compressFrame). */
export function decompressFrame(compression: Exclude<Compression, 'none'>, data: Uint8Array): Uint8Array {
  if (compression === 'gzip') return zlib.gunzipSync(data);
  return zstdNapi ? zstdNapi.decompress(data) : fzstdDecompress(data);
}

/** fzstd as a Node transform; an unfinished frame at the end is an error like zstd-napi's. */
class FzstdStream extends Transform {
  private readonly inner: FzstdDecompress;
  private pending = false;
  constructor() {
    super();
    this.inner = new FzstdDecompress((data) => {
      this.push(bufferView(data));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.inner.push(chunk);
      this.pending = true;
      done();
    } catch (error) {
      done(error as Error);
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      if (this.pending) this.inner.push(new Uint8Array(0), true);
      done();
    } catch (error) {
      done(new Error('Stream ended in middle of compressed data frame', { cause: error }));
    }
  }
}

/**
 * Little-endian reads from a fastText model file, each checked against the end of the bytes, so
 * a truncated or corrupt file fails with a message instead of reading garbage.
 */

export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new Error(`truncated fastText model (needed ${n} bytes at offset ${this.pos})`);
  }

  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  bool(): boolean {
    return this.i8() !== 0;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An `int64_t` (counts and sizes), refused past 2^53 rather than rounded. */
  i64(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('fastText model: 64-bit count out of range');
    return Number(v);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** `count` float32 values, copied: the file offset need not be 4-byte aligned. */
  f32s(count: number): Float32Array {
    this.need(count * 4);
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.pos, this.pos + count * 4));
    this.pos += count * 4;
    return out;
  }

  /** `count` bytes, as a view of the file (not copied). */
  u8s(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  /** A NUL-terminated byte string (a dictionary entry), as a view. */
  cstring(): Uint8Array {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) throw new Error('truncated fastText model (unterminated word)');
    const out = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  get atEnd(): boolean {
    return this.pos === this.bytes.byteLength;
  }
}

/** A typed array that grows by doubling: append-only storage for ids, sets and signatures. */
type Typed = Uint8Array | Uint16Array | Uint32Array;

export class Grow<T extends Typed> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}

  /** Appends `values[from, to)`. */
  push(values: ArrayLike<number>, from = 0, to = values.length): void {
    const n = to - from;
    if (this.length + n > this.data.length) {
      const grown = this.make(Math.max(this.data.length * 2, this.length + n));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    const data = this.data;
    // A range is copied by hand: a subarray view per call is what callers use ranges to avoid.
    if (from === 0 && to === values.length) data.set(values, this.length);
    else for (let i = 0, at = this.length; i < n; i++) data[at + i] = values[from + i];
    this.length += n;
  }

  /** The filled part, as a copy of its own. */
  slice(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export const growBytes = (initial: number): Grow<Uint8Array> => new Grow(new Uint8Array(initial), (n) => new Uint8Array(n));
export const growU16 = (initial: number): Grow<Uint16Array> => new Grow(new Uint16Array(initial), (n) => new Uint16Array(n));
export const growU32 = (initial: number): Grow<Uint32Array> => new Grow(new Uint32Array(initial), (n) => new Uint32Array(n));

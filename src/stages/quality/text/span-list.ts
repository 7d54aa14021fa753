/**
 * A list of [start, end) spans of a text in a growable Int32Array, reused from document to
 * document (allocating typed arrays per document costs more than filling them).
 */
export class SpanList {
  /** Span k is `[spans[2k], spans[2k+1])`. */
  spans = new Int32Array(512);
  count = 0;

  /** Empties the list, keeping room for `expected` spans. */
  reset(expected = 0): this {
    this.count = 0;
    if (this.spans.length < 2 * expected) this.spans = new Int32Array(2 * expected);
    return this;
  }

  push(start: number, end: number): void {
    const i = 2 * this.count;
    if (i === this.spans.length) {
      const bigger = new Int32Array(i * 2);
      bigger.set(this.spans);
      this.spans = bigger;
    }
    this.spans[i] = start;
    this.spans[i + 1] = end;
    this.count++;
  }

  /** Makes this list the first `count` spans of `other`. */
  copyFrom(other: SpanList, count: number): void {
    this.reset(count);
    this.spans.set(other.spans.subarray(0, 2 * count));
    this.count = count;
  }
}

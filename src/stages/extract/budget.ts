/**
 * Limits that keep one hostile page from stalling a worker. A worker runs a document synchronously
 * and cannot be interrupted from outside, so the extractor checks its own clock inside its loops:
 * every `checkEvery` parser events, and in every pass over the blocks.
 */

export type LimitCode = 'html_too_large' | 'too_deeply_nested' | 'extract_timeout';

/** Thrown inside the extractor when a limit is hit; the stage turns it into an error verdict. */
export class ExtractLimitError extends Error {
  constructor(
    readonly code: LimitCode,
    message: string,
    readonly value: number,
    readonly limit: number,
  ) {
    super(message);
    this.name = 'ExtractLimitError';
  }
}

export class Budget {
  private readonly deadline: number;
  private ticks = 0;

  /** @param ms wall-clock milliseconds for the whole document; 0 or less means no limit. */
  constructor(
    private readonly ms: number,
    private readonly checkEvery = 2048,
  ) {
    this.deadline = ms > 0 ? performance.now() + ms : Number.POSITIVE_INFINITY;
  }

  /** Cheap enough to call per event: reads the clock once every `checkEvery` calls. */
  tick(): void {
    if (++this.ticks < this.checkEvery) return;
    this.ticks = 0;
    this.check();
  }

  check(): void {
    const now = performance.now();
    if (now > this.deadline) {
      throw new ExtractLimitError('extract_timeout', `extraction took over ${this.ms} ms`, Math.round(now - this.deadline + this.ms), this.ms);
    }
  }
}

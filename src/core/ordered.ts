/**
 * Maps an async stream with at most `concurrency` items started and not yet taken by the consumer,
 * yielding results in input order. Holding back the source while that many are waiting is what
 * gives the pipeline its backpressure.
 *
 * The source is pulled by a pump of its own, not by the consumer's `next()`: when the consumer
 * takes a result and then spends time on it (a write awaiting the disk or a compression task),
 * the freed slot is refilled at once, so the workers keep busy while the writer waits.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => Promise<R> | R,
  concurrency: number,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let stopped = false;
  let pumpError: { error: unknown } | null = null;
  // Whoever waits: the pump for a free slot, the consumer for an item (or the end, or an error).
  const waiting: { slot?: () => void; item?: () => void } = {};
  const wake = (who: 'slot' | 'item'): void => {
    const resolve = waiting[who];
    delete waiting[who];
    resolve?.();
  };

  const pump = async (): Promise<void> => {
    try {
      while (!stopped) {
        if (inFlight.length >= concurrency) {
          await new Promise<void>((resolve) => (waiting.slot = resolve));
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        const pending = Promise.resolve().then(() => fn(next.value));
        // A rejection is observed when its turn comes; mark it handled so Node does not abort first.
        pending.catch(() => undefined);
        inFlight.push(pending);
        wake('item');
      }
    } catch (error) {
      pumpError = { error };
    }
    done = true;
    wake('item');
  };
  const pumping = pump();

  try {
    while (true) {
      if (inFlight.length === 0) {
        if (pumpError) throw (pumpError as { error: unknown }).error;
        if (done) return;
        await new Promise<void>((resolve) => (waiting.item = resolve));
        continue;
      }
      // The slot frees once the head is done (not when its wait begins): `concurrency` bounds the
      // calls running at once, as a stage's own concurrency expects.
      const value = await inFlight[0];
      inFlight.shift();
      wake('slot');
      yield value;
    }
  } finally {
    stopped = true;
    wake('slot');
    // Let the pump finish the pull it may be in, then close the source (a no-op once it ended).
    await pumping;
    await iterator.return?.();
  }
}

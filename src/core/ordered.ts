/**
 * Maps an async stream with at most `concurrency` calls in flight, yielding results in input order.
 * Pulling from the source only when a slot is free is what gives the pipeline its backpressure.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => Promise<R> | R,
  concurrency: number,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      while (!done && inFlight.length < concurrency) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const pending = Promise.resolve().then(() => fn(next.value));
        // A rejection is observed when its turn comes; mark it handled so Node does not abort first.
        pending.catch(() => undefined);
        inFlight.push(pending);
      }
      if (inFlight.length === 0) return;
      yield await inFlight.shift()!;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}

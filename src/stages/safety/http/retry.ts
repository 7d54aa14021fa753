/**
 * When to retry a request and how long to wait: exponential backoff with full jitter (the delay
 * is uniform in [0, min(cap, base * 2^attempt)], so clients that failed together do not retry
 * together), unless the service said how long with `Retry-After`.
 */

/** Statuses worth retrying: the service is overloaded, restarting or briefly broken. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Full-jitter backoff for retry number `attempt` (0 = first retry). `random` is injectable for tests. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3},? /.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

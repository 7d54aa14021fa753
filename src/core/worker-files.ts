/**
 * What piscina pools start their threads with: one CommonJS entry (worker-entry.cts explains why)
 * and, as the pool's `name`, which worker module it loads.
 */
export const workerEntry = new URL('./worker-entry.cjs', import.meta.url).href;

/** The worker modules worker-entry.cts can load. */
export type WorkerName = keyof typeof import('./worker-entry.cjs');

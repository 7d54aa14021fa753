/**
 * What piscina pools start their threads with: one CommonJS entry (worker-entry.cts explains why)
 * and, as the pool's `name`, which worker module it loads.
 */
export const workerEntry = new URL('./worker-entry.cjs', import.meta.url).href;

export type WorkerName = 'pipeline' | 'signatures' | 'classifier';

/**
 * The one file every piscina pool starts its threads with: CommonJS whose exports import() the
 * real worker modules, one per pool, picked by the pool's `name` (see worker-files.ts).
 *
 * Why not the ES modules themselves: piscina require()s its worker file first, and Node 20's
 * require() of an ES module instantiates it synchronously. A thread terminated at that moment
 * (a pool destroyed while its threads still boot, as when a run fails at once) aborted the whole
 * process with a V8 fatal error ("IsGraphAsync must be used on an instantiated module"; seen once
 * in `npm test`). Loaded by import(), a module has no such window.
 */
export = {
  get pipeline(): Promise<unknown> {
    return import('./worker.js').then((m) => m.default);
  },
  get signatures(): Promise<unknown> {
    return import('../stages/dedup/staged/sign-worker.js').then((m) => m.default);
  },
  get classifier(): Promise<unknown> {
    return import('../stages/safety/classifier-worker.js').then((m) => m.default);
  },
};

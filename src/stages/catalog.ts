/**
 * Every stage winnow knows, by its YAML `kind`: adding a stage = one module + one line here.
 *
 * Each stage's module is loaded when asked for, so that a worker thread loads only the stages of
 * its chain: importing all of them (zod schemas, quality's Unicode tables, htmlparser2, ...) costs
 * a worker 200-300 ms of CPU at start, which a pass-through run of a few seconds notices. The main
 * thread loads them all (registry.ts).
 */
import { WinnowError } from '../core/errors.js';
import type { StageDef } from '../core/stage.js';

// Each def is typed by its own config; callers only need the common shape (its schema
// guarantees that the config a def receives is its own).
const asDef = <C extends { kind: string }>(def: StageDef<C>): StageDef => def as unknown as StageDef;

export const stageModules: Readonly<Record<string, () => Promise<StageDef>>> = {
  extract: async () => asDef((await import('./extract/stage.js')).extractStage),
  safety: async () => asDef((await import('./safety/index.js')).safetyStage),
  quality: async () => asDef((await import('./quality/stage.js')).qualityStage),
  dedup: async () => asDef((await import('./dedup/stage.js')).dedupStage),
  split: async () => asDef((await import('./split/split-stage.js')).splitStage),
  decontaminate: async () => asDef((await import('./split/decontaminate-stage.js')).decontaminateStage),
};

export const unknownStage = (kind: string): WinnowError =>
  new WinnowError('config', `unknown stage kind "${kind}"; known: ${Object.keys(stageModules).join(', ')}`);

/** One stage's definition, its module loaded on first use. */
export async function loadStage(kind: string): Promise<StageDef> {
  const load = Object.hasOwn(stageModules, kind) ? stageModules[kind] : undefined;
  if (!load) throw unknownStage(kind);
  return load();
}

/**
 * Every stage's definition, loaded at once, for the main thread (configuration schemas, `--help`,
 * plans, reports). The list itself is catalog.ts; worker threads load stages from there one by one.
 */
import type { StageDef } from '../core/stage.js';
import { stageModules, unknownStage } from './catalog.js';

const defs = await Promise.all(Object.values(stageModules).map((load) => load()));

export const registry: ReadonlyMap<string, StageDef> = new Map(defs.map((def) => [def.name, def]));

export function getStage(kind: string): StageDef {
  const def = registry.get(kind);
  if (!def) throw unknownStage(kind);
  return def;
}

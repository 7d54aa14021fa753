/**
 * Every stage winnow knows, by its YAML `kind`. Adding a stage = one module + one line here.
 */
import { WinnowError } from '../core/errors.js';
import type { StageDef } from '../core/stage.js';
import { dedupStage } from './dedup/stage.js';
import { extractStage } from './extract/stage.js';
import { qualityStage } from './quality/stage.js';
import { safetyStage } from './safety/index.js';
import { decontaminateStage } from './split/decontaminate-stage.js';
import { splitStage } from './split/split-stage.js';

// Each def is typed by its own config; the registry only needs the common shape (its schema
// guarantees that the config a def receives is its own).
const asDef = <C extends { kind: string }>(def: StageDef<C>): StageDef => def as unknown as StageDef;

const defs: StageDef[] = [asDef(extractStage), asDef(safetyStage), asDef(qualityStage), asDef(dedupStage), asDef(splitStage), asDef(decontaminateStage)];

export const registry: ReadonlyMap<string, StageDef> = new Map(defs.map((def) => [def.name, def]));

export function getStage(kind: string): StageDef {
  const def = registry.get(kind);
  if (!def) throw new WinnowError('config', `unknown stage kind "${kind}"; known: ${[...registry.keys()].join(', ')}`);
  return def;
}

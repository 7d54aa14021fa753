/**
 * Turns the stage list into passes and steps. A global stage ends a pass (its documents are
 * observed and spooled) and starts the next (the spool is replayed through its verdicts).
 * Within a pass, consecutive per-document stages fuse into one worker step; a batch stage is a
 * main-thread step between them. Every pass starts and ends with a worker step, because reading
 * and writing documents happens in the pool.
 */
import { getStage } from '../stages/registry.js';
import type { Emit } from './protocol.js';
import { type StageSpec, stageKind } from './stage.js';

export type Step =
  | { kind: 'worker'; group: string; stages: StageSpec[]; prepare?: StageSpec; emit: Emit }
  | { kind: 'batch'; stage: StageSpec };

export interface Pass {
  index: number;
  /** The global stage whose verdicts are applied to the spool at the start of this pass. */
  replay?: StageSpec;
  steps: Step[];
  /** The global stage that observes this pass's survivors (they are spooled for the next pass). */
  observe?: StageSpec;
  /** Stages whose removals this pass writes (for cleanup on resume). */
  removing: string[];
}

export function planPasses(specs: StageSpec[]): Pass[] {
  const passes: Pass[] = [];
  let segment: StageSpec[] = [];
  let replay: StageSpec | undefined;
  const close = (observe?: StageSpec): void => {
    const index = passes.length;
    const steps: Step[] = [];
    let docStages: StageSpec[] = [];
    const flushWorker = (emit: Emit, prepare?: StageSpec): void => {
      const group = `p${index}s${steps.length}:` + docStages.map((s) => s.name).join('+') + (prepare ? `>${prepare.name}` : '');
      steps.push({ kind: 'worker', group, stages: docStages, emit, ...(prepare ? { prepare } : {}) });
      docStages = [];
    };
    for (const spec of segment) {
      if (stageKind(getStage(spec.kind), spec.config) === 'batch') {
        flushWorker('docs');
        steps.push({ kind: 'batch', stage: spec });
      } else docStages.push(spec);
    }
    flushWorker(observe ? 'spool' : 'lines', observe);
    const removing = [...(replay ? [replay.name] : []), ...segment.map((s) => s.name)];
    passes.push({ index, ...(replay ? { replay } : {}), steps, ...(observe ? { observe } : {}), removing });
    segment = [];
    replay = observe;
  };
  for (const spec of specs) {
    if (stageKind(getStage(spec.kind), spec.config) === 'global') close(spec);
    else segment.push(spec);
  }
  close();
  return passes;
}

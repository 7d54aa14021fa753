/**
 * Pass 2 of `winnow dedup filter`: the decisions come from the staged run's decision files
 * instead of from clustering in this process. Only the units this task reads are loaded.
 */
import fs from 'node:fs';
import type { JsonObject, Verdict } from '../../../core/doc.js';
import { WinnowError } from '../../../core/errors.js';
import { type DocKey, type GlobalStage, docKey, keyUnit } from '../../../core/stage.js';
import type { DedupConfig } from '../config.js';
import { type DocDecision, verdictFor } from '../verdict.js';
import { paths } from './layout.js';

interface DecisionLine extends DocDecision {
  pos: number;
}

export class StagedDecisions implements GlobalStage {
  private readonly units = new Set<number>();
  private readonly decisions = new Map<DocKey, DocDecision>();
  private documents = 0;

  constructor(
    private readonly config: DedupConfig,
    private readonly dir: string,
  ) {}

  observe(key: DocKey): void {
    this.units.add(keyUnit(key));
    this.documents++;
  }

  async finish(): Promise<JsonObject> {
    const p = paths(this.dir);
    if (!fs.existsSync(p.clustersDone)) throw new WinnowError('usage', `${this.dir}: the clusters step has not finished; run \`winnow dedup clusters --dir ${this.dir}\` first`);
    for (const unit of [...this.units].sort((a, b) => a - b)) {
      const file = p.decisions(unit);
      if (!fs.existsSync(file)) throw new WinnowError('usage', `${file} is missing: the staged run in ${this.dir} did not cover input unit ${unit}`);
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        const { pos, ...decision } = JSON.parse(line) as DecisionLine;
        this.decisions.set(docKey(unit, pos), decision);
      }
    }
    return { mode: 'staged-filter', dir: this.dir, documents: this.documents, units: this.units.size, decisions: this.decisions.size };
  }

  decide(key: DocKey): Verdict {
    return verdictFor(this.decisions.get(key) ?? null, this.config);
  }
}

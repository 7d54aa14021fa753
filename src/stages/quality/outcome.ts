/**
 * How a rule family reports: each check records its measured value under a signal name, and a
 * failed check either stops the family with a removal (decide mode) or is only noted (signals
 * mode, where every value is measured and nothing is removed).
 */
import type { Json, JsonObject, Signals } from '../../core/doc.js';

export interface Failure {
  rule: string;
  value: Json;
  threshold: Json;
  details?: JsonObject;
}

/** Values are written rounded to 6 decimals; comparisons always use the exact value. */
export const rounded = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

export class Outcome {
  /** Signals of the family being measured. */
  signals: JsonObject = {};
  readonly failures: Failure[] = [];
  readonly counters: Record<string, number> = {};
  /** Every numeric value checked and its rule id, for the run's report to histogram. */
  private readonly measuredRules: string[] = [];
  private readonly measuredValues: number[] = [];

  constructor(readonly measureAll: boolean) {}

  signal(name: string, value: Json): void {
    if (this.measureAll) this.signals[name] = typeof value === 'number' ? rounded(value) : value;
  }

  /**
   * Records a check. Returns true when the family must stop here: the check failed and we are
   * deciding, not measuring.
   */
  check(failed: boolean, rule: string, value: Json, threshold: Json, details?: JsonObject): boolean {
    if (typeof value === 'number') {
      // A rule checked again right away (once per n-gram size) keeps its last value.
      const n = this.measuredRules.length;
      if (n > 0 && this.measuredRules[n - 1] === rule) this.measuredValues[n - 1] = value;
      else {
        this.measuredRules.push(rule);
        this.measuredValues.push(value);
      }
    }
    if (!failed) return false;
    const v = typeof value === 'number' ? rounded(value) : value;
    this.failures.push(details ? { rule, value: v, threshold, details } : { rule, value: v, threshold });
    return !this.measureAll;
  }

  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  get measured(): Signals {
    return { names: this.measuredRules, values: this.measuredValues };
  }

  get failed(): boolean {
    return this.failures.length > 0;
  }
}

/** `a / b`, or 0 when `b` is 0 (datatrove would raise ZeroDivisionError there). */
export const safeRatio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

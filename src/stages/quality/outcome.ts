/**
 * How a rule family reports: each check records its measured value under a signal name, and a
 * failed check either stops the family with a removal (decide mode) or is only noted (signals
 * mode, where every value is measured and nothing is removed).
 */
import type { Json, JsonObject } from '../../core/doc.js';

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
  /** Every numeric value checked, by rule id: the run's report histograms them. */
  readonly measured: Record<string, number> = {};

  constructor(readonly measureAll: boolean) {}

  signal(name: string, value: Json): void {
    if (this.measureAll) this.signals[name] = typeof value === 'number' ? rounded(value) : value;
  }

  /**
   * Records a check. Returns true when the family must stop here: the check failed and we are
   * deciding, not measuring.
   */
  check(failed: boolean, rule: string, value: Json, threshold: Json, details?: JsonObject): boolean {
    if (typeof value === 'number') this.measured[rule] = value;
    if (!failed) return false;
    const v = typeof value === 'number' ? rounded(value) : value;
    this.failures.push(details ? { rule, value: v, threshold, details } : { rule, value: v, threshold });
    return !this.measureAll;
  }

  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  get failed(): boolean {
    return this.failures.length > 0;
  }
}

/** `a / b`, or 0 when `b` is 0 (datatrove would raise ZeroDivisionError there). */
export const safeRatio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

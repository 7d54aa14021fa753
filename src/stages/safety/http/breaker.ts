/**
 * A circuit breaker: after `threshold` consecutive failed attempts the circuit opens and requests
 * fail at once, without calling the service, for `cooldownMs`; then one trial request goes
 * through (half-open). Its success closes the circuit; its failure opens it again.
 * This keeps a dead service from being hammered by every batch's retries.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: BreakerState = 'closed';
  private probing = false;
  /** Times the circuit opened (for the manifest). */
  opened = 0;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  /** Whether an attempt may call the service now. A true in half-open state reserves the one trial. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.cooldownMs) return false;
      this.state = 'half_open';
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.state = 'closed';
    this.probing = false;
  }

  failure(): void {
    this.failures++;
    if (this.state === 'half_open' || this.failures >= this.threshold) {
      if (this.state !== 'open') this.opened++;
      this.state = 'open';
      this.openedAt = this.now();
      this.probing = false;
    }
  }
}

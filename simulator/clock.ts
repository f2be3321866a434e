/**
 * The simulator's clock: wall time plus an offset that tests move forward (`advanceClock`), so that rules measured
 * in hours or days (the 24 h idempotency window, 7-day link expiry, long jobs) can be crossed without waiting.
 * Resource times (creation, job states, link expiry, idempotency, the ledger) read it; the call log, the webhook
 * delivery log and webhook timestamps stay on wall time, because they describe real calls and a receiver checks
 * delivery timestamps against its own (real) clock.
 */
export class SimClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error('The clock only moves forward: advance by a number >= 0');
    this.offsetMs += ms;
  }
}

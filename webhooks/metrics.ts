import { Counter } from 'prom-client';
import { registry } from '../telemetry/metrics';
import type { ReceiverStats } from './receiver';

const receivers = new Set<() => ReceiverStats>();

function sum(pick: (s: ReceiverStats) => number): number {
  let total = 0;
  for (const stats of receivers) total += pick(stats());
  return total;
}

const VERIFICATION_RESULTS: Record<string, (s: ReceiverStats) => number> = {
  verified: (s) => s.verified,
  missing_signature: (s) => s.rejected.missing_signature,
  bad_signature: (s) => s.rejected.bad_signature,
  stale_timestamp: (s) => s.rejected.stale_timestamp,
  bad_timestamp: (s) => s.rejected.bad_timestamp,
  event_id_mismatch: (s) => s.rejected.event_id_mismatch,
};

const DELIVERY_OUTCOMES: Record<string, (s: ReceiverStats) => number> = {
  accepted: (s) => s.accepted,
  // Outcomes partition the POSTs: duplicates the sink reported, and those the receiver's memo answered itself.
  duplicate: (s) => s.duplicate - s.recentDuplicates,
  recent_duplicate: (s) => s.recentDuplicates,
  ignored: (s) => s.ignored,
  malformed: (s) => s.rejected.malformed,
  too_large: (s) => s.rejected.too_large,
  unavailable: (s) => s.unavailable,
};

/** Read from the receivers' own counters at scrape time (the receiver stays free of any metrics library). */
new Counter({
  name: 'heygen_webhook_verifications_total',
  help: 'Webhook POSTs by signature verification result',
  labelNames: ['result'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [result, pick] of Object.entries(VERIFICATION_RESULTS)) this.inc({ result }, sum(pick));
  },
});

new Counter({
  name: 'heygen_webhook_deliveries_total',
  help: 'Webhook POSTs by what happened to them after verification (accepted, duplicate, ignored, ...)',
  labelNames: ['outcome'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [outcome, pick] of Object.entries(DELIVERY_OUTCOMES)) this.inc({ outcome }, sum(pick));
  },
});

/** Exposes a receiver's counters on /metrics; returns a function that stops doing so. */
export function trackReceiver(stats: () => ReceiverStats): () => void {
  receivers.add(stats);
  return () => receivers.delete(stats);
}

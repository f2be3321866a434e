import type { SimClock } from './clock';
import type { DuplicateCount, LedgerEntry, LedgerKind } from './types';

/** The ledger keeps the most recent entries only, like the call log. */
const MAX_LEDGER_ENTRIES = 100_000;

/**
 * Every billable resource a create made, once (v2 and v3 alike). Idempotent replays create nothing and are not
 * recorded, so duplicates here are real duplicate spend.
 */
export class Ledger {
  private items: LedgerEntry[] = [];
  private seq = 0;

  constructor(private readonly clock: SimClock) {}

  record(entry: Omit<LedgerEntry, 'seq' | 'at'>): void {
    const full: LedgerEntry = { seq: ++this.seq, at: this.clock.now(), ...entry };
    for (const key of ['idempotencyKey', 'name', 'callbackId'] as const) {
      if (full[key] === undefined) delete full[key];
    }
    this.items.push(full);
    if (this.items.length > MAX_LEDGER_ENTRIES) this.items.splice(0, this.items.length - MAX_LEDGER_ENTRIES);
  }

  entries(): LedgerEntry[] {
    return this.items.map((e) => ({ ...e }));
  }
}

/**
 * Counts the entries of one kind per grouping key (e.g. the run that caused them: v2 by name or callback_id, v3 by
 * idempotency key prefix). Entries whose key is undefined are left out. `duplicates` is the number of entries beyond
 * the first per key; `byKey` lists only the keys that have more than one entry.
 */
export function duplicatesBy(
  entries: readonly LedgerEntry[],
  kind: LedgerKind,
  keyFn: (entry: LedgerEntry) => string | undefined,
): DuplicateCount {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind !== kind) continue;
    const key = keyFn(entry);
    if (key === undefined) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const byKey: Record<string, number> = {};
  let duplicates = 0;
  for (const [key, n] of counts) {
    if (n < 2) continue;
    byKey[key] = n;
    duplicates += n - 1;
  }
  return { kind, keys: counts.size, duplicates, byKey };
}

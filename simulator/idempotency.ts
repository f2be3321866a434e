import { createHash } from 'node:crypto';

/** HeyGen: "Subsequent calls within 24 hours that share this key replay the original response" (notes §2.6). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** The declared pattern of the Idempotency-Key header (notes §2.6). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/u;
/** Stored answers are small JSON bodies; past this many the expired ones are pruned. */
const PRUNE_ABOVE = 10_000;
/** Past this many, the oldest answered keys are forgotten too, so a long benchmark run stays bounded. */
const MAX_SLOTS = 200_000;

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** What the original request created (for the call log of the replay) */
  createdId?: string;
}

/** Scope is per API key, method and path including path parameters ("per-endpoint and per-resource"). */
export interface IdempotencyScope {
  apiKey: string;
  method: string;
  path: string;
  key: string;
}

interface Slot {
  /** When the original request arrived: the 24 h window starts there */
  at: number;
  fingerprint: string;
  response?: StoredResponse;
}

export type Claim =
  | {
      kind: 'new';
      /** Stores the answer the original request is about to send; later calls with the key replay it. */
      complete(response: StoredResponse): void;
      /** Forgets the key: the request was not processed (it failed), so a retry must run again. */
      release(): void;
    }
  | { kind: 'replay'; response: StoredResponse; bodyDiffers: boolean }
  | { kind: 'in_flight' };

export function fingerprintOf(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Idempotency-Key handling as HeyGen documents it: the first request with a key runs; a repeat within 24 h replays
 * its response (status and body) even when the body differs (the caller is told to log a warning); a repeat while
 * the first is still in flight gets 409 request_in_progress.
 *
 * Only answers of processed requests are stored. A request that failed (validation, 402, 404...) releases its key,
 * so the corrected retry runs: what HeyGen stores for a failed original is not documented, and storing errors would
 * turn a transient 402 into a permanent one for that key.
 */
export class IdempotencyStore {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly now: () => number) {}

  claim(scope: IdempotencyScope, fingerprint: string): Claim {
    const id = [scope.apiKey, scope.method, scope.path, scope.key].join('\n');
    const now = this.now();
    if (this.slots.size > PRUNE_ABOVE) this.prune(now);
    const slot = this.slots.get(id);
    if (slot && now - slot.at < IDEMPOTENCY_WINDOW_MS) {
      if (!slot.response) return { kind: 'in_flight' };
      return {
        kind: 'replay',
        response: structuredClone(slot.response),
        bodyDiffers: slot.fingerprint !== fingerprint,
      };
    }
    const fresh: Slot = { at: now, fingerprint };
    this.slots.set(id, fresh);
    return {
      kind: 'new',
      complete: (response) => {
        if (this.slots.get(id) === fresh) fresh.response = structuredClone(response);
      },
      release: () => {
        if (this.slots.get(id) === fresh) this.slots.delete(id);
      },
    };
  }

  private prune(now: number): void {
    for (const [id, slot] of this.slots) {
      if (slot.response && now - slot.at >= IDEMPOTENCY_WINDOW_MS) this.slots.delete(id);
    }
    // Map order is arrival order: the oldest answered keys go first; keys in flight are kept.
    for (const [id, slot] of this.slots) {
      if (this.slots.size <= MAX_SLOTS) break;
      if (slot.response) this.slots.delete(id);
    }
  }
}

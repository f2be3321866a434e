import type { RunningSimulator } from '../../simulator';

/** `GET /v2/photo_avatar/generation/{id}`: one key per endpoint. */
export function endpointKey(method: string, path: string): string {
  return `${method} ${path.replace(/[0-9a-f]{32}/g, '{id}')}`;
}

export interface CallCounts {
  total: number;
  /** POST/PATCH/DELETE: the calls that create or change something at HeyGen */
  writes: number;
  /** GET: status reads and lists */
  reads: number;
  /** Answers other than 2xx (rate limits, errors), by status */
  errors: Map<number, number>;
  byEndpoint: Map<string, number>;
}

/**
 * Counts the simulator's API calls (media downloads are not API calls and are not logged). The simulator keeps its
 * last 20,000 calls only, so the log is drained every half second: a 1,000-lifecycle run makes more than that.
 */
export class CallCounter {
  private counts: CallCounts = CallCounter.empty();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sim: RunningSimulator) {
    this.timer = setInterval(() => this.drain(), 500);
    this.timer.unref();
  }

  private static empty(): CallCounts {
    return { total: 0, writes: 0, reads: 0, errors: new Map(), byEndpoint: new Map() };
  }

  private drain(): void {
    // log() and clearLog() run in the same tick: no call can slip in between.
    const entries = this.sim.log();
    this.sim.clearLog();
    for (const e of entries) {
      const c = this.counts;
      c.total += 1;
      if (e.method === 'GET') c.reads += 1;
      else c.writes += 1;
      const key = endpointKey(e.method, e.path);
      c.byEndpoint.set(key, (c.byEndpoint.get(key) ?? 0) + 1);
      // status 0 = still in flight when drained (or dropped); only finished non-2xx answers count as errors
      if (e.status >= 300) c.errors.set(e.status, (c.errors.get(e.status) ?? 0) + 1);
    }
  }

  /** Forgets everything counted so far (e.g. after a warm-up). */
  reset(): void {
    this.drain();
    this.counts = CallCounter.empty();
  }

  /** Counts so far (the last calls included). */
  read(): CallCounts {
    this.drain();
    return {
      ...this.counts,
      errors: new Map(this.counts.errors),
      byEndpoint: new Map(this.counts.byEndpoint),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

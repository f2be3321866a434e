import type { PipelinesClient } from '../client/pipelinesClient';
import { info } from './output';

interface ProgressLike {
  stage: string;
  stages: Array<{ stage: string; startedAt: string; endedAt?: string; note?: string }>;
  heygenStatus?: string;
  /** The HeyGen API the run speaks, once its input was validated */
  apiVersion?: string;
}

/**
 * Prints each stage as it passes (from the `progress` query) until `done` settles. Query errors while the run is
 * still starting up are ignored.
 */
export async function watchStages<T>(
  query: () => Promise<ProgressLike>,
  done: Promise<T>,
  label: string,
  intervalMs = 500,
): Promise<T> {
  let finished = false;
  const printed = new Set<string>();
  const print = (p: ProgressLike) => {
    if (p.apiVersion && !printed.has('apiVersion')) {
      printed.add('apiVersion');
      info(`[${label}] HeyGen API ${p.apiVersion}`);
    }
    for (const s of p.stages) {
      const key = `${s.stage}@${s.startedAt}`;
      if (printed.has(key)) continue;
      printed.add(key);
      info(
        `[${label}] ${new Date(s.startedAt).toISOString().slice(11, 19)} stage: ${s.stage}${s.note ? ` (${s.note})` : ''}`,
      );
    }
  };
  const loop = (async () => {
    while (!finished) {
      try {
        print(await query());
      } catch {
        // the run may not have started its first workflow task yet
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  try {
    const result = await done;
    try {
      print(await query());
    } catch {
      // closed runs older than the query cache may not answer; the result is what matters
    }
    return result;
  } finally {
    finished = true;
    await loop;
  }
}

export function lifecycleWatcher(client: PipelinesClient, workflowId: string) {
  return () => client.lifecycleProgress(workflowId);
}

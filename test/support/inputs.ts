import type { PhotoAttributes } from '../../contracts/fields';
import type { LifecycleInput } from '../../contracts/lifecycle';

export const VOICE_ID = '1bd001e7e50f421d891986aad5158bc8';
export const FAST_POLLING = { initialSeconds: 0.05, maxSeconds: 0.2 };

/** AI-photo attributes every test may use (the same names on v2's photo generate body and the contract). */
export const PHOTO_ATTRIBUTES = {
  age: 'Young Adult',
  gender: 'Woman',
  ethnicity: 'East Asian',
  orientation: 'square',
  pose: 'half_body',
  style: 'Realistic',
  appearance: 'Smiling woman with short black hair in a bright office',
} as const satisfies PhotoAttributes;

export function lifecycleInput(overrides: Partial<LifecycleInput> = {}): LifecycleInput {
  return {
    name: 'Ava',
    photo: {
      generate: {
        age: 'Young Adult',
        gender: 'Woman',
        ethnicity: 'South Asian',
        orientation: 'square',
        pose: 'half_body',
        style: 'Realistic',
        appearance: 'Friendly presenter, navy blazer',
      },
    },
    looks: [
      { prompt: 'White shirt, front-facing', orientation: 'square', pose: 'half_body', style: 'Realistic' },
    ],
    video: {
      script: 'Hello from a durable pipeline.',
      voiceId: VOICE_ID,
      title: 'Test video',
      test: true,
      dimension: { width: 320, height: 240 },
      background: { type: 'color', color: '#112233' },
    },
    polling: FAST_POLLING,
    ...overrides,
  };
}

/** Counts call-log entries for one endpoint that HeyGen processed. */
export function countApplied(
  log: Array<{ method: string; path: string; applied: boolean }>,
  method: string,
  path: string | RegExp,
): number {
  return log.filter(
    (e) =>
      e.method === method && e.applied && (typeof path === 'string' ? e.path === path : path.test(e.path)),
  ).length;
}

/** Workflow ids matching a visibility query, once visibility has caught up (it is eventually consistent). */
export async function findRuns(
  client: { workflow: { list(opts: { query: string }): AsyncIterable<{ workflowId: string }> } },
  query: string,
  expectAtLeast = 1,
): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const ids: string[] = [];
    for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
    if (ids.length >= expectAtLeast) return ids;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

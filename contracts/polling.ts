import { z } from 'zod';

/** Fallback poll cadence: capped exponential backoff from initialSeconds to maxSeconds. */
export const pollingSchema = z
  .object({
    initialSeconds: z.number().min(0.05).max(3600),
    maxSeconds: z.number().min(0.05).max(3600),
  })
  .strict()
  .refine((p) => p.maxSeconds >= p.initialSeconds, {
    message: 'maxSeconds must be at least initialSeconds',
    path: ['maxSeconds'],
  });
export type PollingPolicy = z.infer<typeof pollingSchema>;

/** Sized for real HeyGen: jobs take minutes, so polling every few seconds early and once a minute later. */
export const DEFAULT_POLLING: PollingPolicy = { initialSeconds: 5, maxSeconds: 60 };

/** What a status-read activity reports: finished with a value, or still running with HeyGen's status. */
export type PollResult<T> = { done: true; value: T } | { done: false; status: string };

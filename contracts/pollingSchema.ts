import { z } from 'zod';
import { API_VERSIONS } from './apiVersion';
import { WAIT_MODES } from './polling';

/**
 * Validates a caller's `polling`. The type and defaults live in polling.ts, which workflows import without zod;
 * results.ts checks at compile time that these schemas and those types describe the same values.
 */
export const pollingSchema = z
  .object({
    initialSeconds: z.number().min(0.05).max(3600),
    maxSeconds: z.number().min(0.05).max(3600),
    /** Factor between successive delays (default 2) */
    backoff: z.number().min(1).max(10).optional(),
  })
  .strict()
  .refine((p) => p.maxSeconds >= p.initialSeconds, {
    message: 'maxSeconds must be at least initialSeconds',
    path: ['maxSeconds'],
  });

export const waitModeSchema = z.enum(WAIT_MODES);

/** The HeyGen API generations (contracts/apiVersion.ts holds the list, zod-free for workflows). */
export const apiVersionSchema = z.enum(API_VERSIONS);

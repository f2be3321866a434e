import { z } from 'zod';

/**
 * HeyGen answers with two envelope styles (see heygen-api-notes.md):
 * - v1: `{ code: 100, data, message }` — success only when code === 100.
 * - v2: `{ error: null, data }` — success only when error is null; `error` may be a string or `{ code, message }`.
 * Unknown fields are allowed everywhere.
 */
export const v2ErrorSchema = z.union([
  z.null(),
  z.string(),
  z.looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }),
]);

export const v1EnvelopeSchema = z.looseObject({
  code: z.number(),
  data: z.unknown().optional(),
  message: z.string().nullish(),
  msg: z.string().nullish(),
});

export const v2EnvelopeSchema = z.looseObject({
  error: v2ErrorSchema.optional(),
  data: z.unknown().optional(),
});

export type EnvelopeStyle = 'v1' | 'v2';

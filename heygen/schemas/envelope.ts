import { z } from 'zod';

/**
 * HeyGen answers with three envelope styles (see heygen-api-notes.md and heygen-v3-notes.md §2.2):
 * - v1: `{ code: 100, data, message }` — success only when code === 100.
 * - v2: `{ error: null, data }` — success only when error is null; `error` may be a string or `{ code, message }`.
 * - v3: `{ data }`, lists adding `has_more` and `next_token`; failures `{ error: { code, message, param?, doc_url? } }`,
 *   sometimes on HTTP 200 too.
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

/** The v3 error object; `param` is present only for validation errors. */
export const v3ErrorSchema = z.looseObject({
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
  doc_url: z.string().nullish(),
});
export type V3ErrorBody = z.infer<typeof v3ErrorSchema>;

export const v3EnvelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  has_more: z.boolean().nullish(),
  next_token: z.string().nullish(),
});

export type EnvelopeStyle = 'v1' | 'v2' | 'v3';

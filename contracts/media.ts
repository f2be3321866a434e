import { z } from 'zod';

/** The files a finished render can have, as the HTTP API's `/v1/runs/{id}/media/{name}` and the CLI name them. */
export const MEDIA_NAMES = ['video', 'captions', 'thumbnail', 'gif'] as const;
export const mediaNameSchema = z.enum(MEDIA_NAMES);
export type MediaName = z.infer<typeof mediaNameSchema>;

/** A lower-case hex sha256, as results and stored objects carry it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/u;

/**
 * Where one stored file is, for every storage backend, small enough for a result (never the bytes):
 * `uri` is `file:///abs/path` (local storage) or `s3://bucket/key` (S3-compatible storage).
 */
export const storedFileSchema = z.object({
  uri: z.string().min(1),
  sha256: z.string().regex(SHA256_HEX, 'lower-case hex sha256'),
  bytes: z.number().int().nonnegative(),
  contentType: z.string().min(1),
});
export type StoredFile = z.infer<typeof storedFileSchema>;

/** A finished render's files: the video always, captions, thumbnail and GIF when HeyGen made them. */
export const runMediaSchema = z.object({
  video: storedFileSchema,
  captions: storedFileSchema.optional(),
  thumbnail: storedFileSchema.optional(),
  gif: storedFileSchema.optional(),
});
export type RunMedia = z.infer<typeof runMediaSchema>;

import { z } from 'zod';
import { parseEnv } from '../lib/env';

export interface WebhookReceiverConfig {
  host: string;
  port: number;
  secrets: string[];
  maxBodyBytes: number;
  toleranceSeconds: number;
}

const envSchema = z.object({
  WEBHOOK_HOST: z.string().trim().min(1).default('127.0.0.1'),
  WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8088),
  HEYGEN_WEBHOOK_SECRETS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((list) => list.length > 0, 'give at least one secret (comma-separated during a rotation)'),
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
});

/** The receiver's settings; HEYGEN_WEBHOOK_SECRETS is required (several, comma-separated, while rotating). */
export function webhookReceiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookReceiverConfig {
  const v = parseEnv(envSchema, env);
  return {
    host: v.WEBHOOK_HOST,
    port: v.WEBHOOK_PORT,
    secrets: v.HEYGEN_WEBHOOK_SECRETS,
    maxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    toleranceSeconds: v.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
  };
}

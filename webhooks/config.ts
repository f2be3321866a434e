import { readFileSync } from 'node:fs';
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
  HEYGEN_WEBHOOK_SECRETS: z.string().optional(),
  HEYGEN_WEBHOOK_SECRETS_FILE: z.string().trim().min(1).optional(),
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
});

const splitSecrets = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The receiver's settings. Secrets come from HEYGEN_WEBHOOK_SECRETS (comma-separated) and/or the file named by
 * HEYGEN_WEBHOOK_SECRETS_FILE (one per line, as `webhooks register --secret-file` writes it); during a rotation
 * both the old and the new secret are listed. At least one is required.
 */
export function webhookReceiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookReceiverConfig {
  const v = parseEnv(envSchema, env);
  const secrets = splitSecrets(v.HEYGEN_WEBHOOK_SECRETS ?? '');
  if (v.HEYGEN_WEBHOOK_SECRETS_FILE) {
    try {
      secrets.push(...splitSecrets(readFileSync(v.HEYGEN_WEBHOOK_SECRETS_FILE, 'utf8')));
    } catch (err) {
      throw new Error(
        `Invalid environment variable HEYGEN_WEBHOOK_SECRETS_FILE: cannot read ${v.HEYGEN_WEBHOOK_SECRETS_FILE} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  }
  if (secrets.length === 0) {
    throw new Error(
      'Invalid environment variable HEYGEN_WEBHOOK_SECRETS: give at least one secret (or HEYGEN_WEBHOOK_SECRETS_FILE)',
    );
  }
  return {
    host: v.WEBHOOK_HOST,
    port: v.WEBHOOK_PORT,
    secrets,
    maxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    toleranceSeconds: v.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
  };
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from '../lib/env';
import { isLive, parseSecretsFile, SecretsFileError } from './secrets';
import {
  checkSignatureSettings,
  DEFAULT_SECRET_ENCODING,
  DEFAULT_SIGNATURE_SCHEMES,
  DEFAULT_TOLERANCE_SECONDS,
  SECRET_ENCODINGS,
  secretKeys,
  SIGNATURE_SCHEMES,
  type SecretEncoding,
  type SignatureSettings,
} from './signature';

export interface WebhookReceiverConfig {
  host: string;
  port: number;
  /** HEYGEN_WEBHOOK_SECRETS: a fixed set for the process's life */
  staticSecrets: string[];
  /** HEYGEN_WEBHOOK_SECRETS_FILE: watched, re-read when it changes (webhooks/secrets.ts) */
  secretsFile?: string;
  /** Every secret valid at start-up: the static ones, then the file's unexpired ones */
  secrets: string[];
  signature: SignatureSettings;
  maxBodyBytes: number;
  toleranceSeconds: number;
  /** Periodic stat of the secrets file (fallback for a missed fs.watch event) */
  secretsPollMs: number;
  /** Least time between two re-reads forced by failed verifications */
  secretsRefreshMinMs: number;
}

export interface WebhookRotationConfig {
  secretsFile?: string;
  /** How long the previous secret stays accepted after a rotation */
  graceSeconds: number;
  secretEncoding: SecretEncoding;
}

/** 10 minutes: HeyGen invalidates the old secret at once, so this only covers deliveries already in flight. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 600;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

const schemesSchema = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(SIGNATURE_SCHEMES)).min(1));

const secretsFileSchema = z.string().trim().min(1).optional();
const encodingSchema = z.enum(SECRET_ENCODINGS).default(DEFAULT_SECRET_ENCODING);

const envSchema = z.object({
  WEBHOOK_HOST: z.string().trim().min(1).default('127.0.0.1'),
  WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8088),
  HEYGEN_WEBHOOK_SECRETS: z.string().optional(),
  HEYGEN_WEBHOOK_SECRETS_FILE: secretsFileSchema,
  WEBHOOK_SIGNATURE_SCHEMES: schemesSchema.optional(),
  WEBHOOK_SECRET_ENCODING: encodingSchema,
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(DEFAULT_TOLERANCE_SECONDS),
  WEBHOOK_SECRETS_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  WEBHOOK_SECRETS_REFRESH_MIN_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
});

const rotationEnvSchema = z.object({
  HEYGEN_WEBHOOK_SECRETS_FILE: secretsFileSchema,
  HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_ROTATION_GRACE_SECONDS)
    .default(DEFAULT_ROTATION_GRACE_SECONDS),
  WEBHOOK_SECRET_ENCODING: encodingSchema,
});

const splitSecrets = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

const invalid = (name: string, message: string) =>
  new Error(`Invalid environment variable ${name}: ${message}`);

/**
 * The receiver's settings, validated at start-up (every error names its variable). Secrets come from
 * HEYGEN_WEBHOOK_SECRETS (comma-separated, fixed) and/or the file named by HEYGEN_WEBHOOK_SECRETS_FILE (format in
 * webhooks/secrets.ts; watched by the running receiver, so `webhooks rotate` takes effect without a restart). At
 * least one secret valid now is required. Accepted signature variants: WEBHOOK_SIGNATURE_SCHEMES and
 * WEBHOOK_SECRET_ENCODING, documented with their default in webhooks/signature.ts.
 */
export function webhookReceiverConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  nowMs: number = Date.now(),
): WebhookReceiverConfig {
  const v = parseEnv(envSchema, env);
  const signature: SignatureSettings = {
    schemes: v.WEBHOOK_SIGNATURE_SCHEMES ?? DEFAULT_SIGNATURE_SCHEMES,
    secretEncoding: v.WEBHOOK_SECRET_ENCODING,
  };
  const settingsProblem = checkSignatureSettings(signature);
  if (settingsProblem) throw invalid('WEBHOOK_SIGNATURE_SCHEMES', settingsProblem);

  const staticSecrets = splitSecrets(v.HEYGEN_WEBHOOK_SECRETS ?? '');
  if (staticSecrets.some((s) => secretKeys(s, signature.secretEncoding).length === 0)) {
    throw invalid(
      'HEYGEN_WEBHOOK_SECRETS',
      `a whsec_ secret is not base64 after its prefix (WEBHOOK_SECRET_ENCODING=${signature.secretEncoding})`,
    );
  }
  const secrets = [...staticSecrets];
  if (v.HEYGEN_WEBHOOK_SECRETS_FILE) {
    const file = v.HEYGEN_WEBHOOK_SECRETS_FILE;
    try {
      const entries = parseSecretsFile(readFileSync(file, 'utf8'), signature.secretEncoding);
      secrets.push(...entries.filter((e) => isLive(e, nowMs)).map((e) => e.secret));
    } catch (err) {
      const why =
        err instanceof SecretsFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
      throw invalid('HEYGEN_WEBHOOK_SECRETS_FILE', `cannot use ${file} (${why})`);
    }
  }
  if (secrets.length === 0) {
    throw invalid(
      'HEYGEN_WEBHOOK_SECRETS',
      'give at least one secret (or HEYGEN_WEBHOOK_SECRETS_FILE with an unexpired one)',
    );
  }
  return {
    host: v.WEBHOOK_HOST,
    port: v.WEBHOOK_PORT,
    staticSecrets,
    ...(v.HEYGEN_WEBHOOK_SECRETS_FILE ? { secretsFile: v.HEYGEN_WEBHOOK_SECRETS_FILE } : {}),
    secrets,
    signature,
    maxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    toleranceSeconds: v.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
    secretsPollMs: v.WEBHOOK_SECRETS_POLL_MS,
    secretsRefreshMinMs: v.WEBHOOK_SECRETS_REFRESH_MIN_MS,
  };
}

/** What `webhooks rotate` reads from the environment (its flags override it). */
export function webhookRotationConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookRotationConfig {
  const v = parseEnv(rotationEnvSchema, env);
  return {
    ...(v.HEYGEN_WEBHOOK_SECRETS_FILE ? { secretsFile: v.HEYGEN_WEBHOOK_SECRETS_FILE } : {}),
    graceSeconds: v.HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS,
    secretEncoding: v.WEBHOOK_SECRET_ENCODING,
  };
}

/** Parses a `--grace-seconds` flag with the same bounds as HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS. */
export function parseGraceSeconds(text: string): number {
  const parsed = rotationEnvSchema.shape.HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS.safeParse(text);
  if (!parsed.success || text.trim() === '') {
    throw new Error(`--grace-seconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS}`);
  }
  return parsed.data;
}

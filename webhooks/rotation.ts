import { HeyGenError } from '../heygen/errors';
import type { HeyGenPort } from '../heygen/port';
import {
  planRotation,
  prepareAtomicWrite,
  readSecretsFile,
  serializeSecretsFile,
  type SecretEntry,
} from './secrets';
import { secretKeys, type SecretEncoding } from './signature';

export interface RotateSecretOptions {
  /** The endpoint, by its registered URL (exact string) ... */
  url?: string;
  /** ... or by its id */
  endpointId?: string;
  /** The secrets file the receivers watch */
  secretFile: string;
  /** How long the previous secret stays accepted */
  graceMs: number;
  encoding: SecretEncoding;
  now?: () => number;
}

export interface RotationResult {
  endpointId: string;
  url?: string;
  secretFile: string;
  /** Until when the endpoint's previous secret(s) are still accepted (ISO 8601), when any were kept */
  previousValidUntil?: string;
  /** Secrets now in the file */
  entries: number;
}

export const V2_HAS_NO_ROTATION = 'HeyGen API v2 has no secret rotation (it needs HEYGEN_API_VERSION=v3)';

/**
 * Rotates an endpoint's signing secret and writes the new one where the receivers read it, keeping the previous
 * one for the grace window (HeyGen invalidates it at once, notes §3.8, but deliveries it signed just before may
 * still be in flight or be redelivered).
 *
 * Order matters, because the rotation cannot be undone: the secrets file is read and the temporary file created
 * BEFORE HeyGen is called, so an unreadable file or unwritable directory stops the command while the old secret
 * still works. Exactly one HeyGen call changes anything (the rotation; no retry: a retried rotation would rotate
 * twice).
 */
export async function rotateEndpointSecret(
  heygen: HeyGenPort,
  opts: RotateSecretOptions,
): Promise<RotationResult> {
  if (heygen.version === 'v2') {
    throw new HeyGenError({
      kind: 'Unsupported',
      message: V2_HAS_NO_ROTATION,
      operation: 'rotateWebhookSecret',
      mayHaveBeenProcessed: false,
    });
  }
  if ((opts.url === undefined) === (opts.endpointId === undefined)) {
    throw new Error('give the endpoint either by --url or by --endpoint-id');
  }
  const now = opts.now ?? Date.now;
  // Fails on a file the receivers could not read either; a missing file is fine (it is created).
  await readSecretsFile(opts.secretFile, opts.encoding);
  const pending = await prepareAtomicWrite(opts.secretFile);
  let rotated: { endpointId: string; secret: string };
  const url = opts.url;
  try {
    let endpointId = opts.endpointId;
    if (endpointId === undefined) {
      const matches = (await heygen.listWebhookEndpoints()).filter((e) => e.url === opts.url);
      const [only, ...more] = matches;
      if (only === undefined) throw new Error(`no webhook endpoint is registered for ${opts.url}`);
      if (more.length > 0) {
        throw new Error(
          `${matches.length} webhook endpoints are registered for ${opts.url} (${matches.map((e) => e.endpointId).join(', ')}): name one with --endpoint-id`,
        );
      }
      endpointId = only.endpointId;
    }
    rotated = await heygen.rotateWebhookSecret(endpointId);
  } catch (err) {
    await pending.abandon();
    if (err instanceof HeyGenError && err.kind === 'Unsupported') {
      throw new HeyGenError({
        kind: 'Unsupported',
        message: `${V2_HAS_NO_ROTATION}: ${err.message}`,
        operation: err.operation,
        mayHaveBeenProcessed: false,
        cause: err,
      });
    }
    throw err;
  }

  const rotatedAt = now();
  try {
    if (secretKeys(rotated.secret, opts.encoding).length === 0) {
      throw new Error(`the new secret cannot sign under WEBHOOK_SECRET_ENCODING=${opts.encoding}`);
    }
    // Read again: another writer may have changed the file while HeyGen answered.
    const entries: SecretEntry[] = planRotation(await readSecretsFile(opts.secretFile, opts.encoding), {
      endpointId: rotated.endpointId,
      secret: rotated.secret,
      nowMs: rotatedAt,
      graceMs: opts.graceMs,
    });
    await pending.commit(serializeSecretsFile(entries));
    const kept = entries.filter((e) => e.expiresAt !== undefined && e.endpointId === rotated.endpointId);
    const until = Math.max(...kept.map((e) => e.expiresAt ?? 0));
    return {
      endpointId: rotated.endpointId,
      ...(url !== undefined ? { url } : {}),
      secretFile: opts.secretFile,
      ...(kept.length > 0 ? { previousValidUntil: new Date(until).toISOString() } : {}),
      entries: entries.length,
    };
  } catch (err) {
    await pending.abandon();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `HeyGen rotated the secret of endpoint ${rotated.endpointId}, but it could not be written to ` +
        `${opts.secretFile} (${why}). The old secret no longer verifies: fix the file, then run \`webhooks rotate\` again.`,
      { cause: err },
    );
  }
}

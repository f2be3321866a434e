import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { secretKeys, type SecretEncoding } from './signature';
import type { ReceiverLog } from './types';

/**
 * The webhook secrets file (HEYGEN_WEBHOOK_SECRETS_FILE): what receivers verify with, and what
 * `webhooks register --secret-file` and `webhooks rotate` write.
 *
 * ## Format (version 1)
 * UTF-8 text, one secret per line:
 *
 *     # comment
 *     <secret> [endpoint=<endpoint id>] [expires=<ISO 8601 instant, e.g. 2026-12-01T12:10:00.000Z>]
 *
 * - Blank lines and lines starting with `#` are ignored; fields are separated by spaces or tabs.
 * - `endpoint=` names the HeyGen endpoint the secret signs for (so rotating one endpoint leaves the others' secrets
 *   alone); a secret without it is taken to belong to whichever endpoint is rotated.
 * - `expires=` makes the secret valid only until that instant: `webhooks rotate` writes the previous secret this
 *   way, for the grace window. An entry whose instant has passed is ignored by receivers and dropped by writers.
 *   A secret without `expires=` never expires.
 * - For compatibility with older files, a line holding only secrets may list several, separated by commas.
 * - Any other field, a malformed instant or a secret that cannot sign under WEBHOOK_SECRET_ENCODING makes the whole
 *   file invalid: at start-up the receiver refuses to start; a running receiver keeps its current secrets and logs a
 *   warning (a half-written or mistyped file must not lock every sender out). A running receiver treats a file with
 *   no secret at all, or a missing one, the same way.
 *
 * Writers replace the file atomically (a temporary file in the same directory, fsync, rename), so a receiver never
 * reads half a file. Two writers running at the same moment: the last rename wins.
 */

export interface SecretEntry {
  secret: string;
  endpointId?: string;
  /** Epoch ms after which the secret is no longer accepted */
  expiresAt?: number;
}

export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
}

const FIELD = /^([a-z]+)=(.*)$/u;
const VISIBLE = /^[\x21-\x7e]+$/u;

const attributesSchema = z.strictObject({
  endpoint: z.string().regex(VISIBLE).max(200).optional(),
  expires: z.iso.datetime({ offset: true }).optional(),
});
const ATTRIBUTES: ReadonlySet<string> = new Set(Object.keys(attributesSchema.shape));

/** Parses the file's text. Throws SecretsFileError naming the line. */
export function parseSecretsFile(text: string, encoding: SecretEncoding): SecretEntry[] {
  const entries: SecretEntry[] = [];
  text.split(/\r?\n/u).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${index + 1}`;
    const [first, ...rest] = line.split(/[ \t]+/u);
    if (first === undefined || !VISIBLE.test(first)) throw new SecretsFileError(`${where}: no secret`);
    const attributes: Record<string, string> = {};
    for (const field of rest) {
      const match = FIELD.exec(field);
      if (!match?.[1] || match[2] === undefined || match[1] in attributes || !ATTRIBUTES.has(match[1])) {
        throw new SecretsFileError(`${where}: unexpected field (expected endpoint=… or expires=…)`);
      }
      attributes[match[1]] = match[2];
    }
    const parsed = attributesSchema.safeParse(attributes);
    if (!parsed.success) {
      throw new SecretsFileError(`${where}: ${parsed.error.issues[0]?.path.join('.') ?? 'field'} is invalid`);
    }
    const secrets = rest.length === 0 ? first.split(',').filter(Boolean) : [first];
    for (const secret of secrets) {
      // The secret itself never appears in a message.
      if (secretKeys(secret, encoding).length === 0) {
        throw new SecretsFileError(
          `${where}: the secret cannot sign under WEBHOOK_SECRET_ENCODING=${encoding}`,
        );
      }
      const entry: SecretEntry = { secret };
      if (parsed.data.endpoint !== undefined) entry.endpointId = parsed.data.endpoint;
      if (parsed.data.expires !== undefined) entry.expiresAt = Date.parse(parsed.data.expires);
      entries.push(entry);
    }
  });
  return entries;
}

export function serializeSecretsFile(entries: readonly SecretEntry[]): string {
  const lines = [
    '# HeyGen webhook signing secrets (heygen-pipelines secrets file, format 1; see webhooks/secrets.ts).',
    '# <secret> [endpoint=<id>] [expires=<ISO 8601>]; written by `webhooks register` and `webhooks rotate`.',
  ];
  for (const e of entries) {
    if (!VISIBLE.test(e.secret) || e.secret.includes(',') || e.secret.startsWith('#')) {
      throw new SecretsFileError('a secret with whitespace, commas or a leading # cannot be written');
    }
    let line = e.secret;
    if (e.endpointId !== undefined) line += ` endpoint=${e.endpointId}`;
    if (e.expiresAt !== undefined) line += ` expires=${new Date(e.expiresAt).toISOString()}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

export const isLive = (e: SecretEntry, nowMs: number): boolean =>
  e.expiresAt === undefined || nowMs < e.expiresAt;

/** The file's entries, or none when it does not exist yet. */
export async function readSecretsFile(file: string, encoding: SecretEncoding): Promise<SecretEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseSecretsFile(text, encoding);
}

/**
 * A pending atomic replacement of `file`: the temporary file exists from `prepare` on (proving the directory is
 * writable before anything irreversible happens, such as a secret rotation), `commit` writes, fsyncs and renames
 * it over the file, `abandon` removes it.
 */
export interface PendingWrite {
  commit(text: string): Promise<void>;
  abandon(): Promise<void>;
}

export async function prepareAtomicWrite(file: string): Promise<PendingWrite> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  let done = false;
  return {
    async commit(text) {
      if (done) throw new Error('atomic write already finished');
      done = true;
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
        await handle.close();
        await rename(temp, file);
      } catch (err) {
        await handle.close().catch(() => undefined);
        await rm(temp, { force: true });
        throw err;
      }
      // The rename is durable once the directory is synced; not every platform can open a directory.
      try {
        const dirHandle = await open(dir, 'r');
        await dirHandle.sync().finally(() => dirHandle.close());
      } catch {
        // Best effort.
      }
    },
    async abandon() {
      if (done) return;
      done = true;
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
    },
  };
}

/**
 * The entries after rotating `endpointId` to `secret`: the new secret first; the endpoint's previous secrets (and
 * untagged ones, tagged now) kept until `nowMs + graceMs` (or their own earlier expiry; dropped at once with no
 * grace); other endpoints' entries unchanged; expired entries dropped.
 */
export function planRotation(
  entries: readonly SecretEntry[],
  change: { endpointId: string; secret: string; nowMs: number; graceMs: number },
): SecretEntry[] {
  const graceEnd = change.nowMs + change.graceMs;
  const kept: SecretEntry[] = [];
  for (const e of entries) {
    if (!isLive(e, change.nowMs) || e.secret === change.secret) continue;
    const ours = e.endpointId === undefined || e.endpointId === change.endpointId;
    if (!ours) kept.push(e);
    else if (graceEnd > change.nowMs) {
      // An untagged secret is the rotated endpoint's from now on (see the format above).
      kept.push({
        ...e,
        endpointId: change.endpointId,
        expiresAt: Math.min(e.expiresAt ?? graceEnd, graceEnd),
      });
    }
  }
  return [{ secret: change.secret, endpointId: change.endpointId }, ...kept];
}

/**
 * The entries after registering `endpointId` with `secret`: it replaces the endpoint's entries and the untagged
 * ones (as the single-secret files `register` used to write were overwritten); other endpoints' stay.
 */
export function planRegistration(
  entries: readonly SecretEntry[],
  change: { endpointId: string; secret: string; nowMs: number },
): SecretEntry[] {
  const others = entries.filter(
    (e) =>
      isLive(e, change.nowMs) &&
      e.endpointId !== undefined &&
      e.endpointId !== change.endpointId &&
      e.secret !== change.secret,
  );
  return [{ secret: change.secret, endpointId: change.endpointId }, ...others];
}

/** Reads, transforms and atomically rewrites the secrets file. */
export async function updateSecretsFile(
  file: string,
  encoding: SecretEncoding,
  transform: (entries: SecretEntry[]) => SecretEntry[],
): Promise<SecretEntry[]> {
  const pending = await prepareAtomicWrite(file);
  try {
    const next = transform(await readSecretsFile(file, encoding));
    await pending.commit(serializeSecretsFile(next));
    return next;
  } catch (err) {
    await pending.abandon();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The live secret set of a running receiver

/**
 * Where a receiver gets its secrets. `current` is called for every request and returns the set valid at `nowMs`;
 * `refresh` is called after a signature failed to verify, and resolves once a fresh look at the source (if one is
 * due) is done.
 */
export interface WebhookSecretSource {
  current(nowMs: number): readonly string[];
  refresh?(): Promise<void>;
}

export interface WatchedSecretsOptions {
  file: string;
  encoding: SecretEncoding;
  /** HEYGEN_WEBHOOK_SECRETS: valid for the process's whole life, beside the file's */
  staticSecrets?: readonly string[];
  /** Whether to use fs.watch at all (false: the periodic stat alone, e.g. where watching is unreliable). Default true. */
  watch?: boolean;
  /** Fallback when fs.watch misses a change (network file systems, editors that write in place). Default 2000. */
  pollIntervalMs?: number;
  /** At most one forced re-read (after a failed verification) per this many ms. Default 1000. */
  refreshMinIntervalMs?: number;
  log?: ReceiverLog;
  /** Called with the file's secrets after every successful read (e.g. to register them for log redaction). */
  onSecrets?: (secrets: readonly string[]) => void;
  /** Clock for expiries and the refresh rate limit. Default Date.now. */
  now?: () => number;
}

interface Identity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const identityOf = (s: Stats): Identity => ({
  ino: s.ino,
  size: s.size,
  mtimeMs: s.mtimeMs,
  ctimeMs: s.ctimeMs,
});
const sameIdentity = (a: Identity | undefined, b: Identity): boolean =>
  a !== undefined &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeMs === b.mtimeMs &&
  a.ctimeMs === b.ctimeMs;

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A secrets file kept current without a restart: re-read on fs.watch events (on its directory, since an atomic
 * replace is a rename that a watch on the old inode would miss), when a periodic stat shows a change, and on demand
 * after a failed verification (rate-limited, so a flood of forged requests costs at most one read per interval).
 * Each successful read swaps in a new immutable entry list; a request verifies against the list it read, so a swap
 * never affects one already verified. Expired entries stop counting at their instant (checked against the
 * caller's clock on every `current`) and are dropped from memory by a timer.
 */
export class WatchedSecretsFile implements WebhookSecretSource {
  private entries: readonly SecretEntry[];
  private identity: Identity | undefined;
  private readonly staticSecrets: readonly string[];
  private readonly now: () => number;
  private readonly log: ReceiverLog | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private lastForcedRead = Number.NEGATIVE_INFINITY;
  private lastError: string | undefined;
  private closed = false;
  /** Successful reads that changed the set (for tests and logs) */
  reloads = 0;

  /** Reads the file synchronously (throws SecretsFileError or the read error) and starts watching it. */
  constructor(private readonly options: WatchedSecretsOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.staticSecrets = Object.freeze([...(options.staticSecrets ?? [])]);
    const text = readFileSync(options.file, 'utf8');
    this.identity = identityOfSync(options.file);
    this.entries = Object.freeze(parseSecretsFile(text, options.encoding));
    options.onSecrets?.(this.entries.map((e) => e.secret));
    this.scheduleExpiry();
    if (options.watch !== false) this.startWatching();
    const every = options.pollIntervalMs ?? 2000;
    this.poller = setInterval(() => void this.poll(), every);
    this.poller.unref();
  }

  current(nowMs: number): readonly string[] {
    const out = [...this.staticSecrets];
    for (const e of this.entries) if (isLive(e, nowMs)) out.push(e.secret);
    return out;
  }

  /** The file's entries as last read (expired ones included until the timer drops them). */
  snapshot(): readonly SecretEntry[] {
    return this.entries;
  }

  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) return this.reading;
    const now = this.now();
    if (now - this.lastForcedRead < (this.options.refreshMinIntervalMs ?? 1000)) return Promise.resolve();
    this.lastForcedRead = now;
    return this.reload('verification failed');
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }

  private startWatching(): void {
    const base = path.basename(this.options.file);
    try {
      this.watcher = watch(path.dirname(this.options.file), { persistent: false }, (_event, name) => {
        // Some platforms give no name: any change in the directory may be ours.
        if (name === null || name === base) void this.reload('file changed');
      });
      this.watcher.on('error', () => {
        // The directory went away or the platform cannot watch: the periodic stat carries on alone.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private async poll(): Promise<void> {
    if (this.closed || this.reading) return;
    try {
      if (sameIdentity(this.identity, identityOf(await stat(this.options.file)))) return;
    } catch {
      // Missing for a moment or for good: reload reports it (once) and keeps the current set.
    }
    await this.reload('file changed (stat)');
  }

  /** One read at a time; a change seen during a read triggers one more. */
  private reload(why: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.readAgain = false;
          await this.readOnce(why);
        } while (this.readAgain && !this.closed);
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  private async readOnce(why: string): Promise<void> {
    const { file, encoding } = this.options;
    let entries: SecretEntry[];
    let identity: Identity;
    try {
      const handle = await open(file, 'r');
      try {
        // The identity of what was read, not of whatever the path points at a moment later.
        identity = identityOf(await handle.stat());
        entries = parseSecretsFile(await handle.readFile('utf8'), encoding);
        // An empty file is more likely a write caught half-way (or a mistake) than a wish to refuse every sender.
        if (entries.length === 0) throw new SecretsFileError('no secret in the file');
      } finally {
        await handle.close();
      }
    } catch (err) {
      const message =
        err instanceof SecretsFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? 'error');
      if (message !== this.lastError) {
        this.lastError = message;
        this.warn('webhook secrets file unusable; keeping the current secrets', { file, error: message });
      }
      return;
    }
    this.lastError = undefined;
    this.identity = identity;
    if (sameEntries(this.entries, entries)) return;
    const previous = this.entries.length;
    this.entries = Object.freeze(entries);
    this.reloads += 1;
    this.options.onSecrets?.(entries.map((e) => e.secret));
    this.scheduleExpiry();
    this.info('webhook secrets reloaded', { file, why, secrets: entries.length, previous });
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.closed) return;
    const now = this.now();
    const live = this.entries.filter((e) => isLive(e, now));
    if (live.length !== this.entries.length) {
      this.info('webhook secrets expired', { dropped: this.entries.length - live.length });
      this.entries = Object.freeze(live);
    }
    const next = Math.min(...live.map((e) => e.expiresAt ?? Number.POSITIVE_INFINITY));
    if (!Number.isFinite(next)) return;
    this.expiryTimer = setTimeout(
      () => this.scheduleExpiry(),
      Math.min(MAX_TIMER_MS, Math.max(0, next - now) + 1),
    );
    this.expiryTimer.unref();
  }

  private info(message: string, fields: Record<string, unknown>): void {
    try {
      this.log?.info(message, fields);
    } catch {
      // A broken logger must not break the receiver.
    }
  }

  private warn(message: string, fields: Record<string, unknown>): void {
    try {
      this.log?.warn(message, fields);
    } catch {
      // As above.
    }
  }
}

function identityOfSync(file: string): Identity | undefined {
  try {
    // Only to skip the first poll's read; a failure just means one extra read.
    return identityOf(statSync(file));
  } catch {
    return undefined;
  }
}

function sameEntries(a: readonly SecretEntry[], b: readonly SecretEntry[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => {
      const o = b[i];
      return (
        o !== undefined &&
        o.secret === e.secret &&
        o.endpointId === e.endpointId &&
        o.expiresAt === e.expiresAt
      );
    })
  );
}

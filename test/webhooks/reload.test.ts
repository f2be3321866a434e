import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HeyGenError } from '../../heygen/errors';
import type { HeyGenPort, WebhookEndpoint } from '../../heygen/port';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../../webhooks/receiver';
import { rotateEndpointSecret } from '../../webhooks/rotation';
import {
  parseSecretsFile,
  serializeSecretsFile,
  updateSecretsFile,
  WatchedSecretsFile,
} from '../../webhooks/secrets';
import type { JobEventSink, RoutedJobEvent } from '../../webhooks/types';
import { FakeSink, send, sign, sleep, until, whsecSecret } from './helpers';

/**
 * Secret rotation while receivers run: `rotateEndpointSecret` (what `webhooks rotate` does) against a stub port with
 * just the webhook methods, and a receiver watching the secrets file it writes.
 */

const URL_ = 'https://hooks.example.com/webhooks/heygen';
const GRACE_MS = 10 * 60_000;

/** HeyGen's side of rotation: one endpoint whose secret changes on rotate (the old one dies at once). */
class StubHeyGen {
  secret = whsecSecret();
  readonly calls: string[] = [];
  version: 'v2' | 'v3' = 'v3';
  endpoints: WebhookEndpoint[] = [{ endpointId: 'ep_1', url: URL_, events: ['avatar_video.success'] }];
  failRotation: Error | undefined;

  port(): HeyGenPort {
    const stub: Pick<
      HeyGenPort,
      | 'version'
      | 'listWebhookEndpoints'
      | 'rotateWebhookSecret'
      | 'addWebhookEndpoint'
      | 'updateWebhookEndpoint'
    > = {
      version: this.version,
      listWebhookEndpoints: () => {
        this.calls.push('list');
        // v3 lists carry no secret.
        return Promise.resolve(this.endpoints.map((e) => ({ ...e })));
      },
      rotateWebhookSecret: (endpointId) => {
        this.calls.push(`rotate ${endpointId}`);
        if (this.failRotation) return Promise.reject(this.failRotation);
        this.secret = whsecSecret();
        return Promise.resolve({ endpointId, secret: this.secret });
      },
      addWebhookEndpoint: () => Promise.reject(new Error('not used')),
      updateWebhookEndpoint: () => Promise.reject(new Error('not used')),
    };
    return stub as HeyGenPort;
  }
}

let seq = 0;
function event(): { raw: Buffer; videoId: string } {
  seq += 1;
  const videoId = `vid-${seq}`;
  const raw = Buffer.from(
    JSON.stringify({
      event_id: `evt-${seq}`,
      event_type: 'avatar_video.success',
      event_data: { video_id: videoId, callback_id: `wf-${seq}` },
    }),
  );
  return { raw, videoId };
}

describe('hot secret reload', () => {
  let dir: string;
  let file: string;
  let clock: number;
  let heygen: StubHeyGen;
  const opened: Array<{ close(): void | Promise<void> }> = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hook-reload-'));
    file = path.join(dir, 'webhook-secrets');
    clock = Date.UTC(2026, 11, 1, 12, 0, 0);
    heygen = new StubHeyGen();
    await writeFile(file, serializeSecretsFile([{ secret: heygen.secret, endpointId: 'ep_1' }]), {
      mode: 0o600,
    });
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(
    options: Partial<ConstructorParameters<typeof WatchedSecretsFile>[0]> = {},
    sink: JobEventSink = new FakeSink(),
  ): Promise<{ store: WatchedSecretsFile; receiver: RunningWebhookReceiver }> {
    const store = new WatchedSecretsFile({
      file,
      encoding: 'both',
      pollIntervalMs: 100,
      now: () => clock,
      ...options,
    });
    opened.push(store);
    const receiver = await startWebhookReceiver({ secrets: store, sink, now: () => clock });
    opened.push(receiver);
    return { store, receiver };
  }

  const post = (receiver: RunningWebhookReceiver, raw: Buffer, secret: string) =>
    send(receiver.url, { body: raw, headers: { 'X-HeyGen-Signature': sign(secret, raw) } });

  const rotate = (graceMs = GRACE_MS) =>
    rotateEndpointSecret(heygen.port(), {
      url: URL_,
      secretFile: file,
      graceMs,
      encoding: 'both',
      now: () => clock,
    });

  it('accepts the new secret at once, the old one until its expiry, never a forged one, and loses nothing', async () => {
    const sink = new FakeSink();
    const { store, receiver } = await start({}, sink);
    const oldSecret = heygen.secret;
    const before = event();
    expect((await post(receiver, before.raw, oldSecret)).status).toBe(200);

    // Deliveries keep arriving while the secret is rotated: some signed with the old secret (sent just before the
    // rotation), some with the new one as soon as HeyGen has it. A 401 is redelivered, as HeyGen does.
    const sent: string[] = [before.videoId];
    const statuses: number[] = [];
    const deliver = async (secret: () => string) => {
      const e = event();
      sent.push(e.videoId);
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const res = await post(receiver, e.raw, secret());
        statuses.push(res.status);
        if (res.status === 200) return;
        await sleep(10);
      }
      throw new Error(`${e.videoId} was never accepted`);
    };
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      deliver(() => (i % 2 === 0 ? oldSecret : heygen.secret)),
    );
    const result = await rotate();
    await Promise.all(inFlight);
    expect(result).toEqual({
      endpointId: 'ep_1',
      url: URL_,
      secretFile: file,
      previousValidUntil: new Date(clock + GRACE_MS).toISOString(),
      entries: 2,
    });
    const newSecret = heygen.secret;
    expect(newSecret).not.toBe(oldSecret);

    // Right after the command returns, before or after the watcher fired: the new secret verifies.
    const fresh = event();
    sent.push(fresh.videoId);
    expect((await post(receiver, fresh.raw, newSecret)).status).toBe(200);
    await until(() => store.reloads >= 1);

    // The old secret, within its grace window.
    const late = event();
    sent.push(late.videoId);
    clock += GRACE_MS - 1;
    expect((await post(receiver, late.raw, oldSecret)).status).toBe(200);

    // Forged: never.
    const forged = event();
    const forgedAnswer = await post(receiver, forged.raw, whsecSecret());
    expect(forgedAnswer.status).toBe(401);
    expect(forgedAnswer.json).toEqual({ status: 'unauthorized' });

    // At the expiry the old secret stops verifying; the new one goes on.
    clock += 1;
    const expired = event();
    expect((await post(receiver, expired.raw, oldSecret)).status).toBe(401);
    const after = event();
    sent.push(after.videoId);
    expect((await post(receiver, after.raw, newSecret)).status).toBe(200);

    // Every event sent by "HeyGen" reached the sink exactly once; the forged and the expired never did.
    expect(sink.accepted.map((e) => e.resourceId).sort()).toEqual([...sent].sort());
    expect(sink.deliveries.map((e) => e.resourceId)).not.toContain(forged.videoId);
    expect(sink.deliveries.map((e) => e.resourceId)).not.toContain(expired.videoId);
    expect(statuses.every((s) => s === 200 || s === 401)).toBe(true);
    // The file as documented: the new secret, and the old one with its expiry.
    expect(parseSecretsFile(await readFile(file, 'utf8'), 'both')).toEqual([
      { secret: newSecret, endpointId: 'ep_1' },
      { secret: oldSecret, endpointId: 'ep_1', expiresAt: Date.UTC(2026, 11, 1, 12, 10) },
    ]);
    expect(heygen.calls).toEqual(['list', 'rotate ep_1']);
  });

  it('picks a change up from the watcher alone, and from the periodic stat when there is no watcher', async () => {
    for (const watch of [true, false]) {
      const { store, receiver } = await start({ watch, pollIntervalMs: watch ? 60_000 : 50 });
      const next = whsecSecret();
      const reloads = store.reloads;
      await updateSecretsFile(file, 'both', (entries) => [{ secret: next, endpointId: 'ep_1' }, ...entries]);
      await until(() => store.reloads > reloads);
      const e = event();
      expect((await post(receiver, e.raw, next)).status).toBe(200);
      // Verified on the first try: the set had been swapped before the request came.
      expect(receiver.stats().reverified).toBe(0);
      store.close();
    }
  });

  it('a failed verification forces a re-read, at most once per interval', async () => {
    const { receiver } = await start({ watch: false, pollIntervalMs: 600_000, refreshMinIntervalMs: 60_000 });
    // The first failure reads the file (nothing new in it): the request stays refused.
    const forged = event();
    expect((await post(receiver, forged.raw, whsecSecret())).status).toBe(401);

    const next = whsecSecret();
    await updateSecretsFile(file, 'both', (entries) => [{ secret: next, endpointId: 'ep_1' }, ...entries]);
    // Within the interval: no new read, so the new secret is not known yet (HeyGen will redeliver).
    const e = event();
    expect((await post(receiver, e.raw, next)).status).toBe(401);
    clock += 60_000;
    expect((await post(receiver, e.raw, next)).status).toBe(200);
    expect(receiver.stats()).toMatchObject({ reverified: 1, accepted: 1 });
  });

  it('never loses an event verified before the swap, even when its secret is gone by the time it is handed over', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const delivered: RoutedJobEvent[] = [];
    const sink: JobEventSink = {
      deliver: async (e) => {
        await gate;
        delivered.push(e);
        return 'accepted';
      },
    };
    const { store, receiver } = await start({}, sink);
    const oldSecret = heygen.secret;
    const e = event();
    const answer = post(receiver, e.raw, oldSecret);
    await until(() => receiver.stats().verified === 1);
    // Rotated with no grace at all: the old secret is dropped at once.
    await rotate(0);
    await until(() => store.reloads >= 1);
    expect(store.current(clock)).toEqual([heygen.secret]);
    release();
    expect((await answer).status).toBe(200);
    expect(delivered.map((d) => d.resourceId)).toEqual([e.videoId]);
    expect((await post(receiver, event().raw, oldSecret)).status).toBe(401);
  });

  it('keeps its secrets when the file turns unusable, and logs it once', async () => {
    const warnings: string[] = [];
    const { store, receiver } = await start({
      log: { info: () => undefined, warn: (message) => warnings.push(message) },
      pollIntervalMs: 50,
    });
    const secret = heygen.secret;
    // Replaced whole (as an editor's save-as-rename does), so no read sees it half-written.
    await writeFile(`${file}.new`, `${secret} expires=whenever\n`);
    await rename(`${file}.new`, file);
    await until(() => warnings.length >= 1);
    await rm(file);
    await until(() => warnings.length >= 2);
    await sleep(300);
    // One warning per distinct problem, not one per poll.
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).not.toContain(secret);
    expect(store.current(clock)).toEqual([secret]);
    const e = event();
    expect((await post(receiver, e.raw, secret)).status).toBe(200);
  });

  it('static secrets (HEYGEN_WEBHOOK_SECRETS) stay valid beside the file', async () => {
    const { receiver } = await start({ staticSecrets: ['static-secret-1'] });
    await rotate(0);
    const e = event();
    expect((await post(receiver, e.raw, 'static-secret-1')).status).toBe(200);
  });
});

describe('rotateEndpointSecret', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hook-rotate-'));
    file = path.join(dir, 'secrets');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const options = (extra: Partial<Parameters<typeof rotateEndpointSecret>[1]> = {}) => ({
    url: URL_,
    secretFile: file,
    graceMs: GRACE_MS,
    encoding: 'both' as const,
    ...extra,
  });

  it('fails clearly on v2, before calling HeyGen or touching the file', async () => {
    const heygen = new StubHeyGen();
    heygen.version = 'v2';
    const failure = rotateEndpointSecret(heygen.port(), options());
    await expect(failure).rejects.toThrow('HeyGen API v2 has no secret rotation');
    await expect(failure).rejects.toMatchObject({ kind: 'Unsupported' });
    expect(heygen.calls).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes --endpoint-id without listing, and keeps other endpoints’ secrets', async () => {
    const heygen = new StubHeyGen();
    await writeFile(file, serializeSecretsFile([{ secret: 'other-endpoint', endpointId: 'ep_9' }]));
    const result = await rotateEndpointSecret(heygen.port(), options({ url: undefined, endpointId: 'ep_1' }));
    expect(heygen.calls).toEqual(['rotate ep_1']);
    expect(result).not.toHaveProperty('previousValidUntil');
    expect(parseSecretsFile(await readFile(file, 'utf8'), 'both')).toEqual([
      { secret: heygen.secret, endpointId: 'ep_1' },
      { secret: 'other-endpoint', endpointId: 'ep_9' },
    ]);
  });

  it.each<[string, (h: StubHeyGen) => void, RegExp]>([
    ['no endpoint has the URL', (h) => (h.endpoints = []), /no webhook endpoint is registered/],
    [
      'two endpoints have the URL',
      (h) => h.endpoints.push({ endpointId: 'ep_2', url: URL_ }),
      /2 webhook endpoints .*ep_1, ep_2.*--endpoint-id/,
    ],
    [
      'HeyGen refuses the rotation',
      (h) =>
        (h.failRotation = new HeyGenError({ kind: 'NotFound', message: 'no such endpoint', operation: 'x' })),
      /no such endpoint/,
    ],
  ])('leaves the file untouched when %s', async (_name, arrange, message) => {
    const heygen = new StubHeyGen();
    arrange(heygen);
    await writeFile(file, 'current\n');
    await expect(rotateEndpointSecret(heygen.port(), options())).rejects.toThrow(message);
    expect(await readFile(file, 'utf8')).toBe('current\n');
    expect(await readdir(dir)).toEqual(['secrets']);
  });

  it('stops before rotating when the file cannot be read or written', async () => {
    const heygen = new StubHeyGen();
    await writeFile(file, 'bad secret line expires=never\n');
    await expect(rotateEndpointSecret(heygen.port(), options())).rejects.toThrow(/line 1/);
    await expect(
      rotateEndpointSecret(heygen.port(), options({ secretFile: path.join(dir, 'missing-dir', 'secrets') })),
    ).rejects.toThrow(/ENOENT/);
    expect(heygen.calls).toEqual([]);
  });

  it('needs exactly one of url and endpoint id', async () => {
    const heygen = new StubHeyGen();
    await expect(rotateEndpointSecret(heygen.port(), options({ endpointId: 'ep_1' }))).rejects.toThrow(
      /either by --url or by --endpoint-id/,
    );
    await expect(rotateEndpointSecret(heygen.port(), options({ url: undefined }))).rejects.toThrow(/either/);
    expect(heygen.calls).toEqual([]);
  });
});

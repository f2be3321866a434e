import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { register, rotate, startReceiverWithSink } from '../../cli/commands/webhooks';
import { createHeyGenPort } from '../../heygen/select';
import type { HeyGenPort } from '../../heygen/port';
import { freeLoopbackPort } from '../../lib/net';
import { startSimulator, ZERO_DURATIONS, type RunningSimulator } from '../../simulator';
import { parseSecretsFile } from '../../webhooks/secrets';
import { PRODUCT_WEBHOOK_EVENTS } from '../../webhooks/registration';
import { VOICE_ID } from '../support/inputs';
import { FakeSink, until } from './helpers';

/**
 * `webhooks register` and `webhooks rotate` (the CLI actions themselves, configured by the environment) against
 * the simulator's v3 webhook routes, with a receiver started the way `webhooks serve` starts it: events signed
 * before and after the rotation all arrive, without restarting the receiver.
 */

type Style = 'heygen-signature' | 'x-heygen-signature' | 'signature' | 'x-heygen-signature-timestamped';

const SAVED_ENV = { ...process.env };

/** Runs a CLI action, returning what it wrote to stderr and its exit code (both restored afterwards). */
async function cli(
  action: () => Promise<void>,
): Promise<{ stderr: string; stdout: string; exitCode: number }> {
  const stderr: string[] = [];
  const stdout: string[] = [];
  const errWrite = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  const outWrite = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await action();
    return { stderr: stderr.join(''), stdout: stdout.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
    errWrite.mockRestore();
    outWrite.mockRestore();
  }
}

describe('webhooks register and rotate against the simulator (v3)', () => {
  let dir: string;
  let file: string;
  let sim: RunningSimulator | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hook-cli-'));
    file = path.join(dir, 'webhook-secrets');
  });
  afterEach(async () => {
    process.env = { ...SAVED_ENV };
    await sim?.close();
    sim = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function render(heygen: HeyGenPort, callbackId: string): Promise<string> {
    const [avatar] = await heygen.listAvatars();
    const { videoId } = await heygen.submitRender({
      kind: 'scenes',
      scenes: [
        {
          character: { type: 'avatar', avatarId: avatar?.avatarId ?? '' },
          speech: { type: 'text', text: 'Rotation test', voiceId: VOICE_ID },
        },
      ],
      title: callbackId,
      callbackId,
    });
    return videoId;
  }

  it.each<[Style, 'raw' | 'base64']>([
    ['heygen-signature', 'raw'],
    ['x-heygen-signature-timestamped', 'base64'],
    ['x-heygen-signature', 'base64'],
    ['signature', 'raw'],
  ])('deliveries signed in the %s style (%s key) verify before and after a rotation', async (style, key) => {
    sim = await startSimulator({
      durations: ZERO_DURATIONS,
      webhookRetryBaseMs: 50,
      webhookV3SignatureStyle: style,
      webhookV3SecretKey: key,
    });
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}/webhooks/heygen`;
    process.env = {
      ...SAVED_ENV,
      HEYGEN_API_VERSION: 'v3',
      HEYGEN_API_BASE_URL: sim.url,
      HEYGEN_API_KEY: sim.apiKey,
      HEYGEN_WEBHOOK_SECRETS_FILE: file,
      WEBHOOK_PORT: String(port),
      WEBHOOK_SECRETS_POLL_MS: '100',
    };
    delete process.env.HEYGEN_WEBHOOK_SECRETS;
    const heygen = createHeyGenPort({
      apiVersion: 'v3',
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: sim.apiKey,
    });

    const registered = await cli(() => register({ url, secretFile: file }));
    expect(registered).toMatchObject({ exitCode: 0, stdout: '' });
    expect(registered.stderr).toContain(`created webhook endpoint`);
    const [endpoint] = await heygen.listWebhookEndpoints();
    expect(endpoint).toMatchObject({ url, events: [...PRODUCT_WEBHOOK_EVENTS] });
    const endpointId = endpoint?.endpointId ?? '';
    const firstFile = parseSecretsFile(await readFile(file, 'utf8'), 'both');
    expect(firstFile).toEqual([{ secret: expect.stringMatching(/^whsec_/u) as unknown, endpointId }]);
    const firstSecret = firstFile[0]?.secret ?? '';
    // Registering again reuses the endpoint (v3 lists carry no secret, so the file stays as it is).
    const again = await cli(() => register({ url, secretFile: file }));
    expect(again.stderr).toContain('reused webhook endpoint');
    expect(parseSecretsFile(await readFile(file, 'utf8'), 'both')).toEqual(firstFile);

    const sink = new FakeSink();
    const receiver = await startReceiverWithSink(sink, { info: () => undefined, warn: () => undefined });
    try {
      expect(receiver.url).toBe(url);
      const before = await render(heygen, 'wf-before');
      await until(() => sink.accepted.some((e) => e.resourceId === before), 10_000);

      const rotated = await cli(() => rotate({ url, graceSeconds: '120' }));
      expect(rotated.exitCode).toBe(0);
      expect(rotated.stderr).toContain(`rotated the signing secret of webhook endpoint ${endpointId}`);
      // The secret itself is never printed.
      const afterFile = parseSecretsFile(await readFile(file, 'utf8'), 'both');
      const newSecret = afterFile[0]?.secret ?? '';
      expect(rotated.stderr + rotated.stdout).not.toContain(newSecret);
      expect(afterFile).toEqual([
        { secret: newSecret, endpointId },
        { secret: firstSecret, endpointId, expiresAt: expect.any(Number) as unknown },
      ]);
      const expiresAt = afterFile[1]?.expiresAt ?? 0;
      expect(Math.abs(expiresAt - (Date.now() + 120_000))).toBeLessThan(10_000);

      const after = await render(heygen, 'wf-after');
      await until(() => sink.accepted.some((e) => e.resourceId === after), 10_000);
      expect(sink.accepted.map((e) => e.route)).toEqual(['wf-before', 'wf-after']);
      // v3 deliveries carry event_id: it is the event id the sink got, the one HeyGen's history shows.
      const history = await heygen.listWebhookEvents({ eventType: 'avatar_video.success' });
      for (const e of sink.accepted) expect(history.events.map((h) => h.eventId)).toContain(e.eventId);
      expect(receiver.stats()).toMatchObject({
        accepted: 2,
        rejected: { bad_signature: 0, event_id_mismatch: 0 },
      });
    } finally {
      await receiver.close();
    }
  });

  it('rotate names the endpoint by id, and fails clearly without a secrets file or on v2', async () => {
    sim = await startSimulator({ durations: ZERO_DURATIONS });
    const heygen = createHeyGenPort({
      apiVersion: 'v3',
      apiBaseUrl: sim.url,
      uploadBaseUrl: sim.url,
      apiKey: sim.apiKey,
    });
    const endpoint = await heygen.addWebhookEndpoint({
      url: 'http://127.0.0.1:9/hooks',
      events: ['avatar_video.success'],
    });
    process.env = {
      ...SAVED_ENV,
      HEYGEN_API_VERSION: 'v3',
      HEYGEN_API_BASE_URL: sim.url,
      HEYGEN_API_KEY: sim.apiKey,
    };
    delete process.env.HEYGEN_WEBHOOK_SECRETS_FILE;

    const noFile = await cli(() => rotate({ endpointId: endpoint.endpointId }));
    expect(noFile.exitCode).toBe(1);
    expect(noFile.stderr).toContain('give --secret-file or set HEYGEN_WEBHOOK_SECRETS_FILE');

    const byId = await cli(() => rotate({ endpointId: endpoint.endpointId, secretFile: file, json: true }));
    expect(byId.exitCode).toBe(0);
    expect(JSON.parse(byId.stdout)).toEqual({
      endpointId: endpoint.endpointId,
      secretFile: file,
      entries: 1,
    });
    const [entry] = parseSecretsFile(await readFile(file, 'utf8'), 'both');
    expect(entry?.secret).not.toBe(endpoint.secret);

    const badGrace = await cli(() =>
      rotate({ endpointId: endpoint.endpointId, secretFile: file, graceSeconds: 'x' }),
    );
    expect(badGrace.stderr).toContain('--grace-seconds must be a whole number');

    process.env.HEYGEN_API_VERSION = 'v2';
    const v2 = await cli(() => rotate({ endpointId: endpoint.endpointId, secretFile: file }));
    expect(v2.exitCode).toBe(1);
    expect(v2.stderr).toContain('HeyGen API v2 has no secret rotation');
  });
});

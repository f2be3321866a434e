import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_ROTATION_GRACE_SECONDS,
  parseGraceSeconds,
  webhookReceiverConfigFromEnv,
  webhookRotationConfigFromEnv,
} from '../../webhooks/config';
import { DEFAULT_SIGNATURE_SCHEMES } from '../../webhooks/signature';

describe('webhook receiver configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hook-cfg-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('secrets from the environment (several during a rotation) and from a file are combined', async () => {
    const file = path.join(dir, 'secret');
    await writeFile(file, 'from-file\n');
    const config = webhookReceiverConfigFromEnv({
      HEYGEN_WEBHOOK_SECRETS: 'old, new',
      HEYGEN_WEBHOOK_SECRETS_FILE: file,
    });
    expect(config.secrets).toEqual(['old', 'new', 'from-file']);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8088,
      staticSecrets: ['old', 'new'],
      secretsFile: file,
      maxBodyBytes: 262144,
      toleranceSeconds: 300,
      signature: { schemes: DEFAULT_SIGNATURE_SCHEMES, secretEncoding: 'both' },
      secretsPollMs: 2000,
      secretsRefreshMinMs: 1000,
    });
  });

  test('the secrets file format: expired entries do not count, and a file of only expired ones is no secret', async () => {
    const file = path.join(dir, 'rotated');
    await writeFile(
      file,
      'whsec_bmV3 endpoint=ep_1\nwhsec_b2xk endpoint=ep_1 expires=2026-12-01T12:10:00.000Z\n',
    );
    const at = (iso: string) =>
      webhookReceiverConfigFromEnv({ HEYGEN_WEBHOOK_SECRETS_FILE: file }, Date.parse(iso));
    expect(at('2026-12-01T12:09:59Z').secrets).toEqual(['whsec_bmV3', 'whsec_b2xk']);
    expect(at('2026-12-01T12:10:00Z').secrets).toEqual(['whsec_bmV3']);
    await writeFile(file, 'whsec_b2xk expires=2026-12-01T12:10:00.000Z\n');
    expect(() => at('2026-12-01T12:10:00Z')).toThrow(/at least one secret/);
    await writeFile(file, 'whsec_b2xk expires=soon\n');
    expect(() => at('2026-12-01T12:00:00Z')).toThrow(
      /HEYGEN_WEBHOOK_SECRETS_FILE.*line 1: expires is invalid/,
    );
  });

  test('signature schemes and secret encoding are validated at start-up', () => {
    const base = { HEYGEN_WEBHOOK_SECRETS: 'whsec_c2VjcmV0' };
    expect(
      webhookReceiverConfigFromEnv({
        ...base,
        WEBHOOK_SIGNATURE_SCHEMES: ' Heygen-Signature , timestamp-body ',
        WEBHOOK_SECRET_ENCODING: 'base64',
      }).signature,
    ).toEqual({ schemes: ['heygen-signature', 'timestamp-body'], secretEncoding: 'base64' });
    expect(() =>
      webhookReceiverConfigFromEnv({ ...base, WEBHOOK_SIGNATURE_SCHEMES: 'signature,hmac' }),
    ).toThrow(/WEBHOOK_SIGNATURE_SCHEMES/);
    expect(() => webhookReceiverConfigFromEnv({ ...base, WEBHOOK_SIGNATURE_SCHEMES: ',' })).toThrow(
      /WEBHOOK_SIGNATURE_SCHEMES/,
    );
    expect(() =>
      webhookReceiverConfigFromEnv({ ...base, WEBHOOK_SIGNATURE_SCHEMES: 'timestamp-body' }),
    ).toThrow(/WEBHOOK_SIGNATURE_SCHEMES: name at least one header scheme/);
    expect(() => webhookReceiverConfigFromEnv({ ...base, WEBHOOK_SECRET_ENCODING: 'hex' })).toThrow(
      /WEBHOOK_SECRET_ENCODING/,
    );
    // A whsec_ secret that is not base64 cannot sign when only the decoded key is accepted.
    expect(() =>
      webhookReceiverConfigFromEnv({
        HEYGEN_WEBHOOK_SECRETS: 'whsec_***',
        WEBHOOK_SECRET_ENCODING: 'base64',
      }),
    ).toThrow(/HEYGEN_WEBHOOK_SECRETS: a whsec_ secret is not base64/);
    expect(webhookReceiverConfigFromEnv({ HEYGEN_WEBHOOK_SECRETS: 'whsec_***' }).secrets).toEqual([
      'whsec_***',
    ]);
  });

  test('rotation settings: the grace window and where the secret goes', () => {
    expect(webhookRotationConfigFromEnv({})).toEqual({
      graceSeconds: DEFAULT_ROTATION_GRACE_SECONDS,
      secretEncoding: 'both',
    });
    expect(
      webhookRotationConfigFromEnv({
        HEYGEN_WEBHOOK_SECRETS_FILE: '/run/secrets/hooks',
        HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS: '30',
      }),
    ).toEqual({ secretsFile: '/run/secrets/hooks', graceSeconds: 30, secretEncoding: 'both' });
    expect(() => webhookRotationConfigFromEnv({ HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS: '-1' })).toThrow(
      /HEYGEN_WEBHOOK_ROTATION_GRACE_SECONDS/,
    );
    expect(parseGraceSeconds('0')).toBe(0);
    expect(parseGraceSeconds('900')).toBe(900);
    for (const bad of ['', ' ', '1.5', 'ten', '99999999'])
      expect(() => parseGraceSeconds(bad)).toThrow(/--grace-seconds/);
  });

  test('no secret, an unreadable file or a bad port stops start-up naming the variable', () => {
    expect(() => webhookReceiverConfigFromEnv({})).toThrow(/HEYGEN_WEBHOOK_SECRETS/);
    expect(() =>
      webhookReceiverConfigFromEnv({ HEYGEN_WEBHOOK_SECRETS_FILE: path.join(dir, 'missing') }),
    ).toThrow(/HEYGEN_WEBHOOK_SECRETS_FILE.*ENOENT/);
    expect(() => webhookReceiverConfigFromEnv({ HEYGEN_WEBHOOK_SECRETS: 's', WEBHOOK_PORT: 'x' })).toThrow(
      /WEBHOOK_PORT/,
    );
  });
});

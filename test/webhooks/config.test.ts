import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { webhookReceiverConfigFromEnv } from '../../webhooks/config';

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
      maxBodyBytes: 262144,
      toleranceSeconds: 300,
    });
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

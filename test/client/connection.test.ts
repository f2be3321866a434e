import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { temporalConfigFromEnv } from '../../client/config';
import { connectTemporal, connectTemporalNative, connectionSettings } from '../../client/connection';

/**
 * Temporal Cloud / TLS settings: parsed from the environment, and proven on the wire against a TLS gRPC endpoint
 * that records what each connection kind (the client's grpc-js and the worker's Rust core) presents.
 */
describe('Temporal connection settings', () => {
  it('is plaintext with no TLS settings', () => {
    const c = temporalConfigFromEnv({});
    expect(c.tls).toBeUndefined();
    expect(c.apiKey).toBeUndefined();
    expect(connectionSettings(c)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('turns TLS on for an API key (Temporal Cloud) and for certificate files', () => {
    const cloud = temporalConfigFromEnv({
      TEMPORAL_ADDRESS: 'prod.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'prod.a1b2c',
      TEMPORAL_API_KEY: 'key-123',
    });
    expect(cloud).toMatchObject({ tls: {}, apiKey: 'key-123', namespace: 'prod.a1b2c' });
    const mtls = temporalConfigFromEnv({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem' });
    expect(mtls.tls).toEqual({ clientCertPath: '/c.pem', clientKeyPath: '/k.pem' });
    expect(temporalConfigFromEnv({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
  });

  it('refuses half or contradictory settings, naming the variable', () => {
    expect(() => temporalConfigFromEnv({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(
      /TEMPORAL_TLS_KEY_PATH.*needs both/,
    );
    expect(() => temporalConfigFromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toThrow(
      /TEMPORAL_TLS/,
    );
    expect(() => temporalConfigFromEnv({ TEMPORAL_TLS: 'maybe' })).toThrow(/TEMPORAL_TLS/);
    expect(() =>
      connectionSettings(temporalConfigFromEnv({ TEMPORAL_TLS_CA_PATH: '/nonexistent/ca.pem' })),
    ).toThrow(/TEMPORAL_TLS_CA_PATH: cannot read \/nonexistent\/ca.pem \(ENOENT\)/);
  });

  describe('on the wire', () => {
    let dir: string;
    let server: http2.Http2SecureServer;
    let address: string;
    const sessions = new Set<http2.ServerHttp2Session>();
    const seen: Array<{ path: string; authorization?: string; clientCN?: string }> = [];

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
      const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      // A private CA, a server certificate for 127.0.0.1 and a client certificate, both issued by it.
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '1',
        '-subj',
        '/CN=test-ca',
      );
      // X.509 v3 extensions on both (rustls, in the worker's core, refuses v1 certificates).
      writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
      writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
      for (const [name, cn] of [
        ['server', 'localhost'],
        ['client', 'heygen-worker'],
      ] as const) {
        ssl(
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          '-subj',
          `/CN=${cn}`,
        );
        ssl(
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `${name}.pem`,
          '-days',
          '1',
          '-extfile',
          `${name}.ext`,
        );
      }
      const read = (f: string) => readFileSync(path.join(dir, f));
      server = http2.createSecureServer({
        key: read('server.key'),
        cert: read('server.pem'),
        ca: read('ca.pem'),
        requestCert: true,
        rejectUnauthorized: false,
        allowHTTP1: false,
      });
      server.on('session', (session) => sessions.add(session));
      server.on('stream', (stream, headers) => {
        const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
        seen.push({
          path: String(headers[':path']),
          ...(typeof headers.authorization === 'string' ? { authorization: headers.authorization } : {}),
          ...(peer?.subject?.CN ? { clientCN: String(peer.subject.CN) } : {}),
        });
        // Answer every call with UNAUTHENTICATED: the connection attempt fails after sending what we check.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'grpc-status': '16', 'grpc-message': 'recorded' }),
        );
        stream.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      address = `127.0.0.1:${port}`;
    });

    afterAll(async () => {
      // Connections that failed may keep their HTTP/2 sessions open: close them so the server can stop.
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    const env = (extra: Record<string, string>) =>
      temporalConfigFromEnv({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
        ...extra,
      });

    it.each([
      ['client (grpc-js)', (c: ReturnType<typeof env>) => connectTemporal(c)],
      ['worker (core)', (c: ReturnType<typeof env>) => connectTemporalNative(c)],
    ])('%s sends the API key as a bearer token over TLS', async (_kind, connect) => {
      seen.length = 0;
      await expect(connect(env({ TEMPORAL_API_KEY: 'cloud-key-1' }))).rejects.toThrow();
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toMatchObject({ authorization: 'Bearer cloud-key-1' });
      expect(seen[0]?.path).toMatch(/WorkflowService\/GetSystemInfo$/);
    });

    it.each([
      ['client (grpc-js)', (c: ReturnType<typeof env>) => connectTemporal(c)],
      ['worker (core)', (c: ReturnType<typeof env>) => connectTemporalNative(c)],
    ])('%s presents the client certificate (mTLS)', async (_kind, connect) => {
      seen.length = 0;
      const config = env({
        TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
      });
      await expect(connect(config)).rejects.toThrow();
      expect(seen[0]).toMatchObject({ clientCN: 'heygen-worker' });
      expect(seen[0]?.authorization).toBeUndefined();
    });
  });
});

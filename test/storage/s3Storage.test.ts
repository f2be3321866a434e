import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { downloadToStorage } from '../../heygen/download';
import { startS3Server, type RunningS3Server } from '../../lib/s3Server';
import { createStorage, S3Storage, storageConfigFromEnv, StorageError } from '../../storage';

/** The S3 backend against a real S3-compatible server (versitygw, built from its Go module), never a mock. */

const MIB = 1024 * 1024;
let server: RunningS3Server;

beforeAll(async () => {
  server = await startS3Server();
}, 300_000);
afterAll(async () => {
  await server?.stop();
});

function storage(prefix = 'runs/'): S3Storage {
  return new S3Storage({
    client: server.client(),
    bucket: server.bucket,
    prefix,
    partSize: 5 * MIB,
    queueSize: 2,
  });
}

/** `size` bytes of a repeatable pattern, in 64 KiB chunks; `failAfter` makes the stream fail once that many passed. */
function body(size: number, opts: { failAfter?: number } = {}): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (opts.failAfter !== undefined && sent >= opts.failAfter) {
        this.destroy(new Error('connection reset by peer'));
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, size - sent);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) % 251;
      sent += n;
      this.push(chunk);
    },
  });
}

function sha256Of(size: number): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < size;) {
    const n = Math.min(64 * 1024, size - sent);
    const chunk = Buffer.alloc(n);
    for (let i = 0; i < n; i++) chunk[i] = (sent + i) % 251;
    hash.update(chunk);
    sent += n;
  }
  return hash.digest('hex');
}

async function exists(objectKey: string): Promise<boolean> {
  return server
    .client()
    .send(new HeadObjectCommand({ Bucket: server.bucket, Key: objectKey }))
    .then(
      () => true,
      () => false,
    );
}

async function readObject(objectKey: string): Promise<Buffer> {
  const out = await server.client().send(new GetObjectCommand({ Bucket: server.bucket, Key: objectKey }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

describe('S3Storage on versitygw', () => {
  test('a multipart put stores the bytes, their sha256 as a tag, the content type; find trusts it', async () => {
    const s = storage();
    const size = 12 * MIB + 123;
    const stored = await s.put('wf-1/video.mp4', body(size), {
      expectedBytes: size,
      contentType: 'video/mp4',
    });
    expect(stored).toEqual({
      key: 'wf-1/video.mp4',
      uri: `s3://${server.bucket}/runs/wf-1/video.mp4`,
      bytes: size,
      sha256: sha256Of(size),
      contentType: 'video/mp4',
    });
    const bytes = await readObject('runs/wf-1/video.mp4');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
    expect(await s.find('wf-1/video.mp4')).toEqual(stored);
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('a small file goes in one PUT, typed from its extension when no type is given', async () => {
    const stored = await storage().put('wf-2/thumb.png', body(1000));
    expect(stored.contentType).toBe('image/png');
    expect(stored.bytes).toBe(1000);
    expect(await storage().find('wf-2/thumb.png')).toEqual(stored);
  });

  test('a body shorter than announced leaves nothing under the key and no upload in progress', async () => {
    const s = storage();
    const err = await s
      .put('wf-3/video.mp4', body(11 * MIB), { expectedBytes: 12 * MIB })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('SizeMismatch');
    expect(await exists('runs/wf-3/video.mp4')).toBe(false);
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('a wrong expected sha256 aborts the upload before it completes', async () => {
    const err = await storage()
      .put('wf-4/video.mp4', body(6 * MIB), { expectedSha256: '0'.repeat(64) })
      .catch((e: unknown) => e);
    expect((err as StorageError).kind).toBe('ChecksumMismatch');
    expect(await exists('runs/wf-4/video.mp4')).toBe(false);
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('a source cut midway is SourceFailed, nothing visible, the parts aborted', async () => {
    const err = await storage()
      .put('wf-5/video.mp4', body(20 * MIB, { failAfter: 11 * MIB }))
      .catch((e: unknown) => e);
    expect((err as StorageError).kind).toBe('SourceFailed');
    expect((err as StorageError).message).toMatch(/connection reset/);
    expect(await exists('runs/wf-5/video.mp4')).toBe(false);
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('an abort signal stops the upload: Aborted, nothing visible', async () => {
    const controller = new AbortController();
    const err = await storage()
      .put('wf-6/video.mp4', body(30 * MIB), {
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes > 7 * MIB) controller.abort(new Error('cancelled'));
        },
      })
      .catch((e: unknown) => e);
    expect((err as StorageError).kind).toBe('Aborted');
    expect(await exists('runs/wf-6/video.mp4')).toBe(false);
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('the parts an earlier (killed) attempt left behind are aborted by the next put of the same key only', async () => {
    const client = server.client();
    const leftover = async (Key: string) => {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: server.bucket, Key }),
      );
      await client.send(
        new UploadPartCommand({
          Bucket: server.bucket,
          Key,
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(5 * MIB),
        }),
      );
      return UploadId;
    };
    await leftover('runs/wf-7/video.mp4');
    const other = await leftover('runs/wf-7/video.mp4.other');
    expect((await server.uploadsInProgress()).length).toBe(2);
    await storage().put('wf-7/video.mp4', body(1000));
    expect((await server.uploadsInProgress()).map((u) => u.UploadId)).toEqual([other]);
    await storage().put('wf-7/video.mp4.other', body(10));
    expect(await server.uploadsInProgress()).toEqual([]);
  });

  test('an object without its sha256 tag (stored, then the worker died) is not trusted by find', async () => {
    await server
      .client()
      .send(
        new PutObjectCommand({ Bucket: server.bucket, Key: 'runs/wf-8/video.mp4', Body: 'half a story' }),
      );
    expect(await storage().find('wf-8/video.mp4')).toBeUndefined();
    expect(await storage().find('wf-8/absent.mp4')).toBeUndefined();
  });

  test('reach: a presigned URL that serves the object (and ranges of it), only for this bucket and prefix', async () => {
    const s = storage();
    const stored = await s.put('wf-9/video.mp4', body(100_000), { contentType: 'video/mp4' });
    const reach = await s.reach(stored.uri, { expiresInSeconds: 120 });
    expect(reach?.kind).toBe('url');
    if (reach?.kind !== 'url') return;
    expect(Date.parse(reach.expiresAt) - Date.now()).toBeGreaterThan(100_000);
    const whole = await fetch(reach.url);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
    const part = await fetch(reach.url, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
    expect(await s.reach(`s3://other-bucket/runs/wf-9/video.mp4`, { expiresInSeconds: 60 })).toBeUndefined();
    expect(
      await s.reach(`s3://${server.bucket}/elsewhere/video.mp4`, { expiresInSeconds: 60 }),
    ).toBeUndefined();
    expect(await s.reach('file:///etc/passwd', { expiresInSeconds: 60 })).toBeUndefined();
  });

  test('reach with S3_PUBLIC_ENDPOINT: links name the public endpoint, calls go to S3_ENDPOINT', async () => {
    // The workers' address (127.0.0.1) and the callers' (localhost) differ, as versitygw:7070 inside a compose
    // network and 127.0.0.1:7070 on its host do.
    const publicEndpoint = server.endpoint.replace('127.0.0.1', 'localhost');
    const config = storageConfigFromEnv({ ...server.env('public'), S3_PUBLIC_ENDPOINT: publicEndpoint });
    expect(config).toMatchObject({ endpoint: server.endpoint, publicEndpoint });
    const s = createStorage(config);
    const stored = await s.put('wf-10/video.mp4', body(70_000), { contentType: 'video/mp4' });
    const reach = await s.reach(stored.uri, { expiresInSeconds: 120 });
    if (reach?.kind !== 'url') throw new Error(`expected a link, got ${JSON.stringify(reach)}`);
    expect(new URL(reach.url).origin).toBe(new URL(publicEndpoint).origin);
    const res = await fetch(reach.url);
    expect(res.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await res.arrayBuffer()))
        .digest('hex'),
    ).toBe(stored.sha256);
  });

  test('configuration from the environment builds the same storage', async () => {
    const config = storageConfigFromEnv({ ...server.env('from-env') });
    expect(config).toMatchObject({
      backend: 's3',
      bucket: server.bucket,
      prefix: 'from-env/',
      forcePathStyle: true,
    });
    const stored = await createStorage(config).put('a/b.vtt', body(10));
    expect(stored.uri).toBe(`s3://${server.bucket}/from-env/a/b.vtt`);
    expect(stored.contentType).toBe('text/vtt');
  });
});

describe('downloads into S3', () => {
  test('a retried download finds the complete object an earlier attempt stored and does not upload it again', async () => {
    const size = 7 * MIB;
    let served = 0;
    const media = http.createServer((_req, res) => {
      served += 1;
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
      body(size).pipe(res);
    });
    await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(media.address() as AddressInfo).port}/v.mp4`;
    try {
      const s = storage('retries/');
      const put = jest.spyOn(s, 'put');
      const first = await downloadToStorage(url, s, 'wf/v.mp4');
      expect(first).toMatchObject({ bytes: size, sha256: sha256Of(size), contentType: 'video/mp4' });
      expect(first.reused).toBeUndefined();
      const again = await downloadToStorage(url, s, 'wf/v.mp4');
      expect(again).toEqual({ ...first, reused: true });
      expect(put).toHaveBeenCalledTimes(1);
      expect(served).toBe(2); // the second answer was only looked at (Content-Length), its body dropped
    } finally {
      await new Promise((resolve) => media.close(resolve));
    }
  });
});

describe('storage configuration', () => {
  const bad = (env: Record<string, string>) => {
    try {
      storageConfigFromEnv(env);
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };

  test('local is the default; every S3 mistake names its variable', () => {
    expect(storageConfigFromEnv({}, '/srv')).toMatchObject({ backend: 'local', outputDir: '/srv/output' });
    expect(bad({ STORAGE: 'ftp' })).toMatch(
      /^Invalid environment variable STORAGE: must be one of local, s3/,
    );
    expect(bad({ STORAGE: 's3' })).toBe('Invalid environment variable S3_BUCKET: required when STORAGE=s3');
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'No_Such' })).toMatch(/^Invalid environment variable S3_BUCKET:/);
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', S3_ENDPOINT: 'ftp://x' })).toMatch(
      /^Invalid environment variable S3_ENDPOINT: must be an http\(s\) URL/,
    );
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', S3_PUBLIC_ENDPOINT: 'versitygw:7070' })).toMatch(
      /^Invalid environment variable S3_PUBLIC_ENDPOINT: must be an http\(s\) URL/,
    );
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', S3_FORCE_PATH_STYLE: 'maybe' })).toMatch(
      /^Invalid environment variable S3_FORCE_PATH_STYLE: must be true or false/,
    );
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', S3_PREFIX: 'a/../b' })).toMatch(
      /^Invalid environment variable S3_PREFIX:/,
    );
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', S3_PART_SIZE_MB: '1' })).toMatch(
      /^Invalid environment variable S3_PART_SIZE_MB:/,
    );
    expect(bad({ STORAGE: 's3', S3_BUCKET: 'media', AWS_ACCESS_KEY_ID: 'only-one' })).toMatch(
      /^Invalid environment variable AWS_SECRET_ACCESS_KEY: give both/,
    );
    expect(
      storageConfigFromEnv({ STORAGE: 's3', S3_BUCKET: 'media', AWS_REGION: 'eu-west-3' }),
    ).toMatchObject({
      region: 'eu-west-3',
      prefix: '',
      forcePathStyle: false,
    });
    expect(storageConfigFromEnv({ STORAGE: 's3', S3_BUCKET: 'media', S3_PREFIX: '/videos' })).toMatchObject({
      prefix: 'videos/',
    });
  });
});

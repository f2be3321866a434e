import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MAX_MULTIPART_UPLOAD_BYTES, type V3Adapter } from '../../../heygen/v3/adapter';
import { caught, ok, parseMultipart, startFakeV3, type FakeV3, type Reply } from './fakeServer';

const MB = 1024 * 1024;
let fake: FakeV3;
let heygen: V3Adapter;

beforeAll(async () => {
  fake = await startFakeV3();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  heygen = fake.adapter();
  fake.on('POST /v3/assets', (req) =>
    ok({ asset_id: 'asset-mp', url: 'https://cdn/asset-mp', mime_type: 'image/png', size_bytes: req.bytes }),
  );
  fake.on('POST /v3/assets/direct-uploads', () =>
    ok({
      asset_id: 'asset-du',
      upload_url: `${fake.url}/storage/asset-du?X-Amz-Signature=abc`,
      upload_headers: { 'Content-Type': 'video/mp4', 'x-amz-meta-origin': 'heygen' },
      expires_in_seconds: 900,
      max_bytes: 5 * 1024 * MB,
      status: 'pending_upload',
    }),
  );
  fake.on('PUT /storage/asset-du', { status: 200, body: '' });
  fake.on('POST /v3/assets/asset-du/complete', () =>
    ok({
      asset_id: 'asset-du',
      mime_type: 'video/mp4',
      size_bytes: fake.calls('PUT /storage/asset-du')[0]?.bytes,
      status: 'processing',
      url: 'https://cdn/asset-du',
    }),
  );
});

/** Bytes 0..n of a repeating, position-dependent pattern, generated on demand (honours backpressure). */
function generated(total: number, chunk = 256 * 1024): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  const block = Buffer.alloc(chunk);
  for (let i = 0; i < block.length; i += 1) block[i] = (i * 31 + 7) & 0xff;
  let left = total;
  const stream = new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const piece = left >= block.length ? block : block.subarray(0, left);
      left -= piece.length;
      hash.update(piece);
      this.push(Buffer.from(piece));
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(500, 7)]);

describe('multipart upload (up to 32 MB)', () => {
  test('a Buffer: one part named file, with its name and type; the answer mapped; the key sent', async () => {
    const asset = await heygen.uploadAsset(PNG, 'image/png', {
      fileName: 'dir/face "1".png',
      idempotencyKey: 'up-1',
    });
    expect(asset).toEqual({
      assetId: 'asset-mp',
      photoRef: 'asset-mp',
      url: 'https://cdn/asset-mp',
      contentType: 'image/png',
      bytes: expect.any(Number) as number,
    });
    const [call] = fake.calls('POST /v3/assets');
    expect(call?.headers['idempotency-key']).toBe('up-1');
    expect(call?.headers['x-api-key']).toBe('test-key');
    expect(call?.headers['content-length']).toBe(String(call?.bytes));
    const part = parseMultipart(call?.headers['content-type'], call?.raw ?? Buffer.alloc(0));
    expect(part.headers).toEqual([
      'Content-Disposition: form-data; name="file"; filename="face %221%22.png"',
      'Content-Type: image/png',
    ]);
    expect(part.content.equals(PNG)).toBe(true);
    expect(fake.calls('POST /v3/assets/direct-uploads')).toHaveLength(0);
  });

  test('a stream of known length is streamed with an exact Content-Length, not chunked', async () => {
    const size = 900 * 1024;
    const { stream } = generated(size, 64 * 1024);
    const expected = Buffer.alloc(size);
    for (let i = 0; i < size; i += 1) expected[i] = ((i % (64 * 1024)) * 31 + 7) & 0xff;
    await heygen.uploadAsset(stream, 'video/mp4', { contentLength: size });
    const [call] = fake.calls('POST /v3/assets');
    expect(call?.headers['content-length']).toBe(String(call?.bytes));
    expect(call?.headers['transfer-encoding']).toBeUndefined();
    const part = parseMultipart(call?.headers['content-type'], call?.raw ?? Buffer.alloc(0));
    expect(part.headers).toEqual([
      'Content-Disposition: form-data; name="file"; filename="upload.mp4"',
      'Content-Type: video/mp4',
    ]);
    expect(part.content.equals(expected)).toBe(true);
  });

  test('a stream of unknown length within the limit is still one multipart upload, with a length', async () => {
    await heygen.uploadAsset(Readable.from([PNG.subarray(0, 100), PNG.subarray(100)]), 'image/png');
    const [call] = fake.calls('POST /v3/assets');
    const part = parseMultipart(call?.headers['content-type'], call?.raw ?? Buffer.alloc(0));
    expect(part.content.equals(PNG)).toBe(true);
    expect(part.headers[0]).toContain('filename="upload.png"');
    expect(call?.headers['content-length']).toBe(String(call?.bytes));
    expect(call?.headers['transfer-encoding']).toBeUndefined();
  });

  test('exactly 32 MB is multipart; one byte more is a direct upload', async () => {
    await heygen.uploadAsset(Buffer.alloc(MAX_MULTIPART_UPLOAD_BYTES), 'video/mp4');
    expect(fake.calls('POST /v3/assets')).toHaveLength(1);
    expect(fake.calls('POST /v3/assets/direct-uploads')).toHaveLength(0);
    await heygen.uploadAsset(Buffer.alloc(MAX_MULTIPART_UPLOAD_BYTES + 1), 'video/mp4');
    expect(fake.calls('POST /v3/assets')).toHaveLength(1);
    expect(fake.calls('POST /v3/assets/direct-uploads')).toHaveLength(1);
    expect(fake.calls('PUT /storage/asset-du')[0]?.bytes).toBe(MAX_MULTIPART_UPLOAD_BYTES + 1);
  });

  test('refused before sending: an empty file, a type HeyGen does not take, a bad length', async () => {
    expect((await caught(heygen.uploadAsset(Buffer.alloc(0), 'image/png'))).message).toContain('empty');
    const gif = await caught(heygen.uploadAsset(PNG, 'image/gif' as 'image/png'));
    expect(gif.kind).toBe('InvalidRequest');
    expect(gif.message).toContain('contentType');
    const stream = Readable.from([PNG]);
    const bad = await caught(heygen.uploadAsset(stream, 'image/png', { contentLength: -1 }));
    expect(bad.message).toContain('contentLength');
    expect(stream.destroyed).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('direct upload (larger files)', () => {
  test('unknown length above the limit: reserved with its exact size, PUT with the signed headers, completed', async () => {
    const total = MAX_MULTIPART_UPLOAD_BYTES + 5 * MB;
    const { stream, sha256 } = generated(total);
    const asset = await heygen.uploadAsset(stream, 'video/mp4', {
      fileName: 'talk.mp4',
      idempotencyKey: 'up-2',
    });
    expect(asset).toEqual({
      assetId: 'asset-du',
      photoRef: 'asset-du',
      url: 'https://cdn/asset-du',
      contentType: 'video/mp4',
      bytes: total,
    });
    const [reserve] = fake.calls('POST /v3/assets/direct-uploads');
    expect(reserve?.json).toEqual({ filename: 'talk.mp4', content_type: 'video/mp4', size_bytes: total });
    // No key on the reservation: it bills nothing, and a replay would return an upload URL that may have expired.
    expect(reserve?.headers['idempotency-key']).toBeUndefined();
    const [put] = fake.calls('PUT /storage/asset-du');
    expect(put?.query.get('X-Amz-Signature')).toBe('abc');
    expect(put?.headers['content-type']).toBe('video/mp4');
    expect(put?.headers['x-amz-meta-origin']).toBe('heygen');
    expect(put?.headers['content-length']).toBe(String(total));
    // The presigned URL is its own credential: the API key never goes to the storage host.
    expect(put?.headers['x-api-key']).toBeUndefined();
    expect(put?.headers['idempotency-key']).toBeUndefined();
    expect(put?.bytes).toBe(total);
    expect(put?.sha256).toBe(sha256());
    const [complete] = fake.calls('POST /v3/assets/asset-du/complete');
    expect(complete?.headers['x-api-key']).toBe('test-key');
    expect(fake.calls('POST /v3/assets')).toHaveLength(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v3/assets/direct-uploads',
      'PUT /storage/asset-du',
      'POST /v3/assets/asset-du/complete',
    ]);
  });

  test('200 MB of known length is streamed through, never held in memory', async () => {
    const total = 200 * MB;
    const { stream, sha256 } = generated(total);
    // Spent chunks are garbage V8 frees only once tens of MB of them pile up: collect before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    let sampling = true;
    let timer: NodeJS.Timeout | undefined;
    const sample = () => {
      if (!sampling) return;
      const t0 = performance.now();
      gc();
      peak = Math.max(peak, process.memoryUsage().rss);
      timer = setTimeout(sample, Math.max(100, 5 * (performance.now() - t0)));
    };
    timer = setTimeout(sample, 100);
    try {
      await heygen.uploadAsset(stream, 'video/mp4', { contentLength: total });
    } finally {
      sampling = false;
      clearTimeout(timer);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const growthMb = (peak - before) / MB;
    process.stderr.write(`v3 direct upload of 200 MB: RSS +${growthMb.toFixed(1)} MB\n`);
    const [put] = fake.calls('PUT /storage/asset-du');
    expect(put?.bytes).toBe(total);
    expect(put?.sha256).toBe(sha256());
    // Buffering the body would add at least its 200 MB.
    expect(growthMb).toBeLessThan(96);
  });

  test('signed headers without a Content-Type: the file’s own type is sent, not a form type', async () => {
    fake.on('POST /v3/assets/direct-uploads', () =>
      ok({
        asset_id: 'asset-du',
        upload_url: `${fake.url}/storage/asset-du`,
        upload_headers: {},
        expires_in_seconds: 60,
      }),
    );
    await heygen.uploadAsset(Buffer.alloc(MAX_MULTIPART_UPLOAD_BYTES + 1), 'video/webm');
    expect(fake.calls('PUT /storage/asset-du')[0]?.headers['content-type']).toBe('video/webm');
  });

  test('a file larger than the reservation allows is refused before the PUT', async () => {
    fake.on('POST /v3/assets/direct-uploads', () =>
      ok({
        asset_id: 'asset-du',
        upload_url: `${fake.url}/storage/asset-du`,
        upload_headers: {},
        expires_in_seconds: 900,
        max_bytes: MAX_MULTIPART_UPLOAD_BYTES + 10,
        status: 'pending_upload',
      }),
    );
    const { stream } = generated(MAX_MULTIPART_UPLOAD_BYTES + 11);
    const err = await caught(
      heygen.uploadAsset(stream, 'video/mp4', { contentLength: MAX_MULTIPART_UPLOAD_BYTES + 11 }),
    );
    expect(err.kind).toBe('PayloadTooLarge');
    expect(stream.destroyed).toBe(true);
    expect(fake.calls('PUT /storage/asset-du')).toHaveLength(0);
  });

  test.each<[number, string, boolean]>([
    [403, 'UrlExpired', true],
    [500, 'ServerError', true],
    [400, 'InvalidRequest', false],
  ])('a PUT answered %i is %s (retryable: %s), and nothing is completed', async (status, kind, retryable) => {
    const reply: Reply = { status, body: '<Error><Code>AccessDenied</Code></Error>' };
    fake.on('PUT /storage/asset-du', reply);
    const err = await caught(heygen.uploadAsset(Buffer.alloc(MAX_MULTIPART_UPLOAD_BYTES + 1), 'video/mp4'));
    expect(err).toMatchObject({
      kind,
      retryable,
      operation: 'v3.asset.directUpload.put',
      httpStatus: status,
    });
    expect(fake.calls('POST /v3/assets/asset-du/complete')).toHaveLength(0);
  });
});

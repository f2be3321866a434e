import { ZERO_DURATIONS } from '../../simulator';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import axios from 'axios';
import {
  deleteAsset,
  detectAssetType,
  listAllAssets,
  uploadFromBytes,
  uploadFromPath,
  uploadFromStream,
  uploadFromUrl,
} from '../../heygen/assets';
import { HeyGenError } from '../../heygen/errors';
import type { AssetContentType, HeyGenPort } from '../../heygen/port';
import { V2Adapter } from '../../heygen/v2/adapter';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { renderGif } from '../../simulator/media/gif';
import { renderMp4 } from '../../simulator/media/mp4';
import { renderPng } from '../../simulator/media/png';

const DURATIONS = ZERO_DURATIONS;

const PNG = renderPng({ width: 32, height: 24, seed: 'assets-png' });
const MP4 = renderMp4({ width: 32, height: 32, durationSeconds: 0.5, seed: 'assets-mp4' });
const GIF = renderGif({ width: 16, height: 16, seed: 'assets-gif', animated: false });
/** ID3v2 header followed by one MPEG frame header and padding. */
const MP3 = Buffer.concat([
  Buffer.from('ID3', 'latin1'),
  Buffer.from([0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
  Buffer.from([0xff, 0xfb, 0x90, 0x64]),
  Buffer.alloc(400, 0x55),
]);

let sim: RunningSimulator;
let heygen: V2Adapter;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ durations: DURATIONS });
  heygen = v2(sim.url, sim.apiKey);
  dir = await mkdtemp(path.join(os.tmpdir(), 'heygen-assets-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sim.clearLog());

function v2(url: string, apiKey: string): V2Adapter {
  return new V2Adapter({ apiVersion: 'v2', apiBaseUrl: url, uploadBaseUrl: url, apiKey });
}

function uploadCalls() {
  return sim.log().filter((e) => e.method === 'POST' && e.path === '/v1/asset');
}

/** The single upload the simulator received, and the bytes it now serves for the asset. */
async function expectUploaded(url: string | null | undefined, bytes: Buffer, contentType: AssetContentType) {
  const calls = uploadCalls();
  expect(calls).toHaveLength(1);
  expect(calls[0]?.status).toBe(200);
  expect(calls[0]?.body).toEqual({ bytes: bytes.length, contentType });
  expect(url).toEqual(expect.any(String));
  const served = await axios.get<ArrayBuffer>(url!, { responseType: 'arraybuffer' });
  expect(Buffer.from(served.data).equals(bytes)).toBe(true);
}

async function caught(promise: Promise<unknown>): Promise<HeyGenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeyGenError);
  return err as HeyGenError;
}

/** A port that records what reached uploadAsset, then forwards to the real adapter. */
function recording(port: V2Adapter) {
  const uploads: Array<{
    contentType: string;
    contentLength?: number;
    streamed: boolean;
    fileName?: string;
  }> = [];
  const wrapped = Object.create(port) as V2Adapter;
  wrapped.uploadAsset = (data, contentType, opts) => {
    uploads.push({
      contentType,
      contentLength: opts?.contentLength,
      streamed: !Buffer.isBuffer(data),
      ...(opts?.fileName !== undefined ? { fileName: opts.fileName } : {}),
    });
    return port.uploadAsset(data, contentType, opts);
  };
  return { port: wrapped as HeyGenPort, uploads };
}

function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

// ---------------------------------------------------------------------------------------------------------------

describe('content type detection', () => {
  test('accepted types come from the bytes; others are named', () => {
    expect(detectAssetType(PNG)).toEqual({ accepted: 'image/png', detected: 'image/png' });
    expect(detectAssetType(MP4).accepted).toBe('video/mp4');
    expect(detectAssetType(MP3).accepted).toBe('audio/mpeg');
    expect(detectAssetType(GIF)).toEqual({ detected: 'image/gif' });
    expect(detectAssetType(Buffer.from('hello, world\n'))).toEqual({ detected: 'text/plain' });
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypheic', 'latin1'),
      Buffer.alloc(16),
    ]);
    expect(detectAssetType(heic)).toEqual({ detected: 'image/heic' });
  });
});

describe('uploads', () => {
  test('from a path: streamed from disk, type from the bytes (a PNG named .jpg is uploaded as image/png)', async () => {
    const file = path.join(dir, 'portrait.jpg');
    await writeFile(file, PNG);
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromPath(port, file);
    expect(asset.contentType).toBe('image/png');
    expect(asset.bytes).toBe(PNG.length);
    // A photo's reference for avatars and Avatar IV is v2's image_key, not the asset id
    expect(asset.photoRef).toEqual(expect.any(String));
    expect(asset.photoRef).not.toBe(asset.assetId);
    expect(uploads).toEqual([
      { contentType: 'image/png', contentLength: PNG.length, streamed: true, fileName: 'portrait.jpg' },
    ]);
    await expectUploaded(asset.url, PNG, 'image/png');
  });

  test('from bytes', async () => {
    const asset = await uploadFromBytes(heygen, MP4);
    expect(asset.contentType).toBe('video/mp4');
    expect(asset.photoRef).toBeUndefined();
    await expectUploaded(asset.url, MP4, 'video/mp4');
  });

  test('from a stream of small chunks without a length: the head is re-sent in front of the rest', async () => {
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromStream(port, chunked(MP4, 5));
    expect(uploads).toEqual([{ contentType: 'video/mp4', contentLength: undefined, streamed: true }]);
    await expectUploaded(asset.url, MP4, 'video/mp4');
  });

  test('from a stream with a declared length', async () => {
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromStream(port, chunked(MP3, 100), { contentLength: MP3.length });
    expect(asset.contentType).toBe('audio/mpeg');
    expect(uploads).toEqual([{ contentType: 'audio/mpeg', contentLength: MP3.length, streamed: true }]);
    await expectUploaded(asset.url, MP3, 'audio/mpeg');
  });

  test('a stream shorter than the sniffed head is sent whole', async () => {
    const tiny = MP3.subarray(0, 40);
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromStream(port, chunked(tiny, 7));
    expect(uploads).toEqual([{ contentType: 'audio/mpeg', contentLength: 40, streamed: false }]);
    await expectUploaded(asset.url, tiny, 'audio/mpeg');
  });
});

describe('uploads from a URL', () => {
  let source: http.Server;
  let base: string;
  const served: Array<{ path: string; closedEarly: boolean }> = [];

  beforeAll(async () => {
    source = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://source.invalid').pathname;
      const record = { path: url, closedEarly: false };
      served.push(record);
      res.on('close', () => {
        record.closedEarly = !res.writableFinished;
      });
      if (url === '/photo.jpg') {
        // A PNG behind a .jpg name and a wrong header: the bytes decide.
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(PNG.length) });
        res.end(PNG);
      } else if (url === '/clip') {
        // No Content-Length: chunked transfer encoding, in several writes.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let i = 0;
        const step = 1000;
        const next = () => {
          if (i >= MP4.length) {
            res.end();
            return;
          }
          res.write(MP4.subarray(i, i + step));
          i += step;
          setImmediate(next);
        };
        next();
      } else if (url === '/anim.gif') {
        // A GIF followed by up to 256 MB: the refusal must close the connection rather than read it all.
        res.writeHead(200, { 'content-type': 'image/gif' });
        res.write(GIF);
        const filler = Buffer.alloc(64 * 1024);
        let left = 4096;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left -= 1;
            if (!res.write(filler)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
      } else if (url === '/redirect') {
        res.writeHead(302, { location: '/photo.jpg' });
        res.end();
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
      }
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    source.closeAllConnections();
    await new Promise<void>((resolve) => source.close(() => resolve()));
  });

  test('with a Content-Length: forwarded to the upload, type from the bytes', async () => {
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromUrl(port, `${base}/photo.jpg?sig=secret`);
    expect(asset.contentType).toBe('image/png');
    expect(uploads).toEqual([
      { contentType: 'image/png', contentLength: PNG.length, streamed: true, fileName: 'photo.jpg' },
    ]);
    await expectUploaded(asset.url, PNG, 'image/png');
  });

  test('without a Content-Length: streamed chunked', async () => {
    const { port, uploads } = recording(heygen);
    const asset = await uploadFromUrl(port, `${base}/clip`);
    expect(uploads).toEqual([
      { contentType: 'video/mp4', contentLength: undefined, streamed: true, fileName: 'clip' },
    ]);
    await expectUploaded(asset.url, MP4, 'video/mp4');
  });

  test('redirects are followed', async () => {
    const asset = await uploadFromUrl(heygen, `${base}/redirect`);
    await expectUploaded(asset.url, PNG, 'image/png');
  });

  test('a non-2xx source is a clear error, and nothing is uploaded', async () => {
    const err = await caught(uploadFromUrl(heygen, `${base}/missing.png?token=abc`));
    expect(err.operation).toBe('asset.fetchSource');
    expect(err.httpStatus).toBe(404);
    expect(err.kind).toBe('NotFound');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain(`${base}/missing.png`);
    expect(err.message).not.toContain('token=abc');
    expect(uploadCalls()).toHaveLength(0);
  });

  test('an unreachable source is a Network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await caught(uploadFromUrl(heygen, `http://127.0.0.1:${port}/x.png`));
    expect(err.kind).toBe('Network');
    expect(err.operation).toBe('asset.fetchSource');
    expect(uploadCalls()).toHaveLength(0);
  });

  test('an unsupported type is refused after reading only its head; the source connection is closed', async () => {
    const err = await caught(uploadFromUrl(heygen, `${base}/anim.gif`));
    expect(err.kind).toBe('InvalidRequest');
    expect(err.message).toContain('image/gif');
    expect(uploadCalls()).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(served.filter((s) => s.path === '/anim.gif').at(-1)?.closedEarly).toBe(true);
  });

  test('only http(s) URLs', async () => {
    const err = await caught(uploadFromUrl(heygen, 'file:///etc/passwd'));
    expect(err.kind).toBe('InvalidRequest');
    expect(uploadCalls()).toHaveLength(0);
  });
});

describe('refusals happen before any upload', () => {
  test('a text file by path', async () => {
    const file = path.join(dir, 'notes.png');
    await writeFile(file, 'these are not pixels\n');
    const err = await caught(uploadFromPath(heygen, file));
    expect(err.kind).toBe('InvalidRequest');
    expect(err.mayHaveBeenProcessed).toBe(false);
    expect(err.message).toContain('text/plain');
    expect(err.message).toContain('image/jpeg');
    expect(uploadCalls()).toHaveLength(0);
  });

  test('a GIF from bytes, and from a stream', async () => {
    const fromBytes = await caught(uploadFromBytes(heygen, GIF));
    expect(fromBytes.message).toContain('image/gif');
    const stream = chunked(GIF, 10);
    const fromStream = await caught(uploadFromStream(heygen, stream));
    expect(fromStream.message).toContain('image/gif');
    expect(stream.destroyed).toBe(true);
    expect(uploadCalls()).toHaveLength(0);
    expect(sim.snapshot().assets.some((a) => a.bytes === GIF.length)).toBe(false);
  });

  test('an empty file', async () => {
    const file = path.join(dir, 'empty.mp4');
    await writeFile(file, Buffer.alloc(0));
    const err = await caught(uploadFromPath(heygen, file));
    expect(err.message).toContain('empty');
    expect(uploadCalls()).toHaveLength(0);
  });

  test('a directory', async () => {
    const err = await caught(uploadFromPath(heygen, dir));
    expect(err.kind).toBe('InvalidRequest');
    expect(uploadCalls()).toHaveLength(0);
  });
});

describe('a large URL upload is streamed through, never held in memory', () => {
  const MB = 1024 * 1024;
  const BODY_BYTES = 200 * MB;

  test('200 MB from a source to an upload sink: bytes intact, RSS growth bounded', async () => {
    // The source: an MP4 header, then 200 MB generated on the fly (honouring backpressure).
    const head = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'),
    ]);
    const block = Buffer.alloc(256 * 1024);
    for (let i = 0; i < block.length; i += 1) block[i] = (i * 31 + 7) & 0xff;
    const total = head.length + BODY_BYTES;
    const sentHash = createHash('sha256');
    const sourceServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(total) });
      sentHash.update(head);
      res.write(head);
      let left = BODY_BYTES;
      const pump = () => {
        while (left > 0) {
          const chunk = left >= block.length ? block : block.subarray(0, left);
          left -= chunk.length;
          sentHash.update(chunk);
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });

    // The upload host: counts and hashes what arrives, answers like HeyGen.
    const received = { bytes: 0, hash: createHash('sha256'), contentLength: '', contentType: '' };
    const sink = http.createServer((req, res) => {
      received.contentLength = req.headers['content-length'] ?? '';
      received.contentType = req.headers['content-type'] ?? '';
      req.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
        received.hash.update(chunk);
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ code: 100, message: 'Success', data: { id: 'sink-asset', file_type: 'video' } }),
        );
      });
    });
    const listen = (s: http.Server) =>
      new Promise<string>((resolve) =>
        s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
      );
    const sourceUrl = await listen(sourceServer);
    const sinkUrl = await listen(sink);
    const client = v2(sinkUrl, 'k');

    // Spent chunks are garbage V8 frees only once ~64 MB of them pile up (its external-memory GC trigger), whatever
    // the body's size: collect before each sample so that RSS measures what the upload really holds.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    try {
      gc();
      const before = process.memoryUsage().rss;
      let peak = before;
      // A full GC per sample, spaced by five times its own duration (at least 100 ms): in a jest worker whose heap
      // earlier test files have grown, back-to-back collections starved the upload itself and the test timed out.
      let sampling = true;
      let sampler: NodeJS.Timeout | undefined;
      const sample = () => {
        if (!sampling) return;
        const t0 = performance.now();
        gc();
        peak = Math.max(peak, process.memoryUsage().rss);
        sampler = setTimeout(sample, Math.max(100, 5 * (performance.now() - t0)));
      };
      sampler = setTimeout(sample, 100);
      const started = Date.now();
      let asset;
      try {
        asset = await uploadFromUrl(client, `${sourceUrl}/big.mp4`);
      } finally {
        sampling = false;
        clearTimeout(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      const growthMb = (peak - before) / MB;
      process.stderr.write(
        `large URL upload: ${(total / MB).toFixed(0)} MB in ${Date.now() - started} ms, ` +
          `RSS ${(before / MB).toFixed(0)} MB -> peak ${(peak / MB).toFixed(0)} MB (+${growthMb.toFixed(1)} MB)\n`,
      );

      expect(asset.assetId).toBe('sink-asset');
      expect(received.bytes).toBe(total);
      expect(received.hash.digest('hex')).toBe(sentHash.digest('hex'));
      expect(received.contentLength).toBe(String(total));
      expect(received.contentType).toBe('video/mp4');
      // Buffering the body would add at least its 200 MB; uncollected spent chunks between samples add up to ~60.
      expect(growthMb).toBeLessThan(96);
    } finally {
      sourceServer.closeAllConnections();
      sink.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => sourceServer.close(resolve)),
        new Promise((resolve) => sink.close(resolve)),
      ]);
    }
  }, 300_000); // 200 MB through HTTP twice: generous on a loaded 2-core machine
});

describe('listing and deleting', () => {
  let own: RunningSimulator;
  let client: V2Adapter;

  beforeAll(async () => {
    own = await startSimulator({ durations: DURATIONS });
    client = v2(own.url, own.apiKey);
  });
  afterAll(() => own.close());

  test('the async iterator follows the cursor across pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await uploadFromBytes(client, MP3)).assetId);
    ids.push((await uploadFromBytes(client, PNG)).assetId);
    own.clearLog();

    const listed: string[] = [];
    for await (const asset of listAllAssets(client, { limit: 2 })) listed.push(asset.id);
    expect(listed.sort()).toEqual([...ids].sort());
    const pages = own.log().filter((e) => e.path === '/v1/asset/list');
    expect(pages).toHaveLength(3);
    expect(pages[0]?.query.token).toBeUndefined();
    expect(pages[1]?.query.token).toEqual(expect.any(String));

    const audio: string[] = [];
    for await (const asset of listAllAssets(client, { fileType: 'audio', limit: 2 })) {
      expect(asset.fileType).toBe('audio');
      audio.push(asset.id);
    }
    expect(audio.sort()).toEqual(ids.slice(0, 5).sort());
  });

  test('delete removes the asset; deleting again is NotFound', async () => {
    const { assetId: id } = await uploadFromBytes(client, PNG);
    await deleteAsset(client, id);
    const remaining: string[] = [];
    for await (const asset of listAllAssets(client)) remaining.push(asset.id);
    expect(remaining).not.toContain(id);
    const err = await caught(deleteAsset(client, id));
    expect(err.kind).toBe('NotFound');
  });
});

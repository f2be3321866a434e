/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- the JSON answers are inspected loosely */
import { Client, Connection } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { LocalDirectoryStorage } from '../../storage';
import { startApiServer, type ApiRequestLog, type RunningApiServer } from '../../api/server';
import { RunsService } from '../../api/runs';
import { PipelinesClient } from '../../client/pipelinesClient';
import type { ApiVersion } from '../../contracts/apiVersion';
import { lifecycleInput, VOICE_ID } from '../support/inputs';
import {
  createStack,
  testedApiVersions,
  versionedWorkflowSuite,
  ZERO_DURATIONS,
  type Stack,
} from '../support/stack';
import { startTcpProxy } from '../support/tcpProxy';
import { billed, lifecycleInputFor, STUDIO_AVATAR_ID, WIRE } from '../support/versions';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const VERSIONS = testedApiVersions();
const suite = versionedWorkflowSuite();
/** The API in front of each version's stack; `api` is the first one (for what no HeyGen version changes). */
const apis = {} as Record<ApiVersion, RunningApiServer>;
let api: RunningApiServer;
const requests: ApiRequestLog[] = [];

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  base = api.url,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function waitForResult(workflowId: string, base = api.url): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const r = await call(
      'GET',
      `/v1/runs/${encodeURIComponent(workflowId)}/result`,
      undefined,
      undefined,
      base,
    );
    if (r.status !== 202) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('no result');
}

beforeAll(async () => {
  for (const version of VERSIONS) {
    apis[version] = await startApiServer({
      // Generous query timeout: a query of a closed run replays it on a worker, slow on a loaded CI machine.
      runs: new RunsService(suite.stacks[version].client, 30_000, 30_000),
      tokens: [{ name: 'billing', token: TOKEN }],
      storage: new LocalDirectoryStorage(suite.stacks[version].outputDir),
      onRequest: (entry) => requests.push(entry),
    });
  }
  api = apis[VERSIONS[0]!];
});
afterAll(async () => {
  for (const server of Object.values(apis)) await server.close();
});

/** The first tested version's stack: for what no HeyGen version changes. */
const anyStack = () => suite.stacks[VERSIONS[0]!];

describe('HTTP API', () => {
  test('only /healthz is open: every other route needs a known bearer token', async () => {
    expect((await call('GET', '/healthz', undefined, {})).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/openapi.json'],
      ['GET', '/v1/runs'],
      ['POST', '/v1/lifecycles'],
      ['GET', '/v1/runs/x'],
      ['POST', '/v1/runs/x/cancel'],
      ['GET', '/nothing-here'],
    ] as const) {
      const none = await call(method, path, undefined, {});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await call(method, path, undefined, { authorization: 'Bearer not-the-token-000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.type).toBe('Unauthorized');
    }
    expect(requests.some((r) => r.route === 'unauthenticated' && r.caller === undefined)).toBe(true);
  });

  test('bad requests are refused with the field named, before any HeyGen call', async () => {
    const { sim } = anyStack();
    sim.clearLog();
    const bad = await call('POST', '/v1/lifecycles', {
      input: lifecycleInput({ looks: [{ prompt: '' }] }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'InvalidInput', field: 'input.looks.0.prompt' });
    // A HeyGen v2 request body is not the contract: the scenes it lacks are named.
    const v2Body = await call('POST', '/v1/renders', {
      input: { video: { video_inputs: [] } },
    });
    expect(v2Body.status).toBe(400);
    expect(v2Body.body.error.field).toBe('input.video.scenes');
    const scene = (speech: unknown) => ({
      input: { video: { scenes: [{ character: { type: 'avatar', avatarId: STUDIO_AVATAR_ID }, speech }] } },
    });
    expect(
      (await call('POST', '/v1/renders', scene({ type: 'text', text: ' ', voiceId: VOICE_ID }))).body.error
        .field,
    ).toBe('input.video.scenes.0.speech.text');
    expect((await call('POST', '/v1/renders', scene({ type: 'audio' }))).body.error.field).toBe(
      'input.video.scenes.0.speech.url',
    );
    expect((await call('POST', '/v1/batches', { input: { items: 'x' } })).body.error.field).toBe(
      'input.items',
    );
    expect((await call('POST', '/v1/lifecycles', {})).body.error).toMatchObject({ field: 'input' });
    expect((await call('POST', '/v1/lifecycles', { input: {}, extra: 1 })).body.error.type).toBe(
      'InvalidRequest',
    );
    expect((await call('POST', '/v1/lifecycles', '{"input": ')).body.error.type).toBe('InvalidJson');
    const text = await call('POST', '/v1/lifecycles', 'x', {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    const huge = await call('POST', '/v1/lifecycles', { input: { name: 'x'.repeat(5 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    // The rest of the body is not read: the connection is closed.
    expect(huge.headers.get('connection')).toBe('close');
    const conflict = await call(
      'POST',
      '/v1/lifecycles',
      { reference: 'a', input: lifecycleInput() },
      {
        authorization: `Bearer ${TOKEN}`,
        'idempotency-key': 'b',
      },
    );
    expect(conflict.body.error).toMatchObject({ type: 'InvalidRequest', field: 'reference' });
    expect((await call('GET', '/v1/runs?limit=0')).body.error).toMatchObject({ field: 'query.limit' });
    expect((await call('GET', '/v1/runs?colour=red')).status).toBe(400);
    expect((await call('GET', '/v1/lifecycles')).status).toBe(405);
    expect(sim.log()).toHaveLength(0);
  });

  test('unknown and internal workflow ids are 404', async () => {
    expect((await call('GET', '/v1/runs/no-such-run')).body.error.type).toBe('RunNotFound');
    // The render-slot semaphore is an internal workflow: not a run of this API.
    await suite.env.client.workflow
      .start('renderSlots', {
        taskQueue: anyStack().config.temporal.taskQueue,
        workflowId: 'api-test-internal',
        args: [{ capacity: 1 }],
      })
      .catch(() => undefined);
    expect((await call('GET', '/v1/runs/api-test-internal')).status).toBe(404);
    expect((await call('POST', '/v1/runs/api-test-internal/cancel')).status).toBe(404);
  });

  describe.each(VERSIONS)('runs on workers speaking HeyGen API %s', (version) => {
    const stack = () => suite.stacks[version];
    const url = () => apis[version].url;

    test('a lifecycle started over HTTP completes; the same reference returns the first run', async () => {
      const { sim } = stack();
      const before = sim.ledger().length;
      const input = lifecycleInputFor(version, { name: 'Api Ava' });
      const reference = `crm-order-42-${version}`;
      const first = await call('POST', '/v1/lifecycles', { reference, input }, undefined, url());
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ kind: 'lifecycle', existing: false, reference });
      expect(first.headers.get('location')).toBe(`/v1/runs/${first.body.workflowId}`);

      const again = await call(
        'POST',
        '/v1/lifecycles',
        { input },
        { authorization: `Bearer ${TOKEN}`, 'idempotency-key': reference },
        url(),
      );
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        workflowId: first.body.workflowId,
        runId: first.body.runId,
        existing: true,
      });

      const done = await waitForResult(first.body.workflowId, url());
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('completed');
      expect(done.body.result.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(done.body.result.apiVersion).toBe(version);

      const view = await call('GET', `/v1/runs/${first.body.workflowId}`, undefined, undefined, url());
      expect(view.body).toMatchObject({
        status: 'completed',
        kind: 'lifecycle',
        reference,
        apiVersion: version,
      });
      expect(view.body.progress.stage).toBe('completed');
      expect(view.body.progress.apiVersion).toBe(version);
      const progress = await call(
        'GET',
        `/v1/runs/${first.body.workflowId}/progress`,
        undefined,
        undefined,
        url(),
      );
      expect(progress.body.progress.ids.groupId).toBe(done.body.result.groupId);
      // Started twice, run once: HeyGen billed one lifecycle.
      expect(billed(sim.ledger().slice(before))).toEqual(WIRE[version].lifecycleBilling);

      const listed = await call('GET', `/v1/runs?reference=${reference}`, undefined, undefined, url());
      expect(listed.body.runs).toEqual([
        expect.objectContaining({
          workflowId: first.body.workflowId,
          status: 'completed',
          kind: 'lifecycle',
          apiVersion: version,
        }),
      ]);
      const renders = await call('GET', '/v1/runs?kind=render&limit=5', undefined, undefined, url());
      expect(renders.body.runs.length).toBeGreaterThanOrEqual(1);
      expect(renders.body.runs.every((r: { kind: string }) => r.kind === 'render')).toBe(true);
      expect(requests.find((r) => r.route === '/v1/lifecycles' && r.status === 201)).toMatchObject({
        caller: 'billing',
      });
    });

    test('a render started over HTTP names its kind and API version in the result', async () => {
      const input = {
        webm: {
          avatarId: STUDIO_AVATAR_ID,
          speech: { type: 'text', text: 'Over HTTP.', voiceId: VOICE_ID },
          dimension: { width: 1280, height: 720 },
        },
        polling: { initialSeconds: 0.05, maxSeconds: 0.2 },
      };
      const started = await call('POST', '/v1/renders', { input }, undefined, url());
      expect(started.status).toBe(201);
      const done = await waitForResult(started.body.workflowId, url());
      expect(done.body).toMatchObject({
        status: 'completed',
        kind: 'render',
        result: { kind: 'webm', apiVersion: version },
      });

      // Its media, through the API (local storage: the bytes themselves, with ranges).
      const id = encodeURIComponent(started.body.workflowId);
      const { video } = done.body.result.media;
      const res = await fetch(`${url()}/v1/runs/${id}/media/video`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/webm');
      expect(res.headers.get('etag')).toBe(`"${video.sha256}"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(video.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(video.sha256);
      const part = await fetch(`${url()}/v1/runs/${id}/media/video`, {
        headers: { ...auth, range: 'bytes=4-11' },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 4-11/${video.bytes}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(4, 12))).toBe(true);
      const tail = await fetch(`${url()}/v1/runs/${id}/media/video`, {
        headers: { ...auth, range: 'bytes=-5' },
      });
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-5))).toBe(true);
      const outside = await fetch(`${url()}/v1/runs/${id}/media/video`, {
        headers: { ...auth, range: `bytes=${video.bytes + 10}-` },
      });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe(`bytes */${video.bytes}`);
      const described = await call(
        'GET',
        `/v1/runs/${id}/media/video?format=json`,
        undefined,
        undefined,
        url(),
      );
      expect(described.body).toEqual({
        url: `/v1/runs/${id}/media/video`,
        sha256: video.sha256,
        bytes: video.bytes,
        contentType: 'video/webm',
        uri: video.uri,
      });
      const thumbnail = await fetch(`${url()}/v1/runs/${id}/media/thumbnail`, { headers: auth });
      expect(thumbnail.status).toBe(200);
      expect(Number(thumbnail.headers.get('content-length'))).toBe(done.body.result.media.thumbnail.bytes);
      await thumbnail.arrayBuffer();
      const unknown = await call('GET', `/v1/runs/${id}/media/poster`, undefined, undefined, url());
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ type: 'InvalidMediaName', field: 'name' });
      const badQuery = await call(
        'GET',
        `/v1/runs/${id}/media/video?format=xml`,
        undefined,
        undefined,
        url(),
      );
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error.field).toBe('query.format');
      expect((await fetch(`${url()}/v1/runs/${id}/media/video`)).status).toBe(401);
      expect(
        (await call('GET', '/v1/runs/no-such-run/media/video', undefined, undefined, url())).status,
      ).toBe(404);
    });

    if (version === 'v3') {
      test('a field v3 cannot honour is accepted by the contract, then refused by name before any HeyGen call', async () => {
        const { sim } = stack();
        const input = lifecycleInput({ name: 'Api test mode' });
        expect(input.video.test).toBe(true);
        const started = await call('POST', '/v1/lifecycles', { input }, undefined, url());
        expect(started.status).toBe(201);
        const done = await waitForResult(started.body.workflowId, url());
        expect(done.body.status).toBe('failed');
        expect(done.body.failure).toMatchObject({ type: 'InvalidInput' });
        expect(done.body.failure.message).toMatch(/video\.test/);
        const mentions = sim
          .log()
          .filter((e) => JSON.stringify(e.body ?? {}).includes(started.body.workflowId as string));
        expect(mentions).toEqual([]);
      });
    }

    describe('with slow HeyGen jobs', () => {
      let slow: Stack;
      let slowApi: RunningApiServer;
      beforeAll(async () => {
        // Photos, looks and training all slow: whichever the version waits for first, the run stays in it.
        const minute = 60_000;
        slow = await createStack(
          suite.env,
          suite.bundle,
          {
            durations: {
              ...ZERO_DURATIONS,
              photoGenerationMs: minute,
              lookProcessingMs: minute,
              trainingMs: minute,
            },
          },
          version,
        );
        await slow.startWorker();
        slowApi = await startApiServer({
          runs: new RunsService(slow.client),
          tokens: [{ name: 't', token: TOKEN }],
          storage: new LocalDirectoryStorage(slow.outputDir),
        });
      });
      afterAll(async () => {
        await slowApi?.close();
        await slow?.close();
      });

      test('a running lifecycle reports progress, then cancels; a closed run cannot be cancelled', async () => {
        const started = await call(
          'POST',
          '/v1/lifecycles',
          { input: lifecycleInputFor(version) },
          undefined,
          slowApi.url,
        );
        const id = encodeURIComponent(started.body.workflowId);
        for (let i = 0; ; i++) {
          const p = await call('GET', `/v1/runs/${id}/progress`, undefined, undefined, slowApi.url);
          const stage = p.body.progress?.stage as string | undefined;
          if (stage && !['validating', 'completed', 'failed'].includes(stage)) break;
          if (i > 300) throw new Error(`stuck in ${JSON.stringify(p.body)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const pending = await call('GET', `/v1/runs/${id}/result`, undefined, undefined, slowApi.url);
        expect(pending.status).toBe(202);
        expect(pending.headers.get('retry-after')).toBe('5');
        const running = await call('GET', `/v1/runs/${id}`, undefined, undefined, slowApi.url);
        expect(running.body).toMatchObject({ status: 'running', apiVersion: version });
        const early = await call('GET', `/v1/runs/${id}/media/video`, undefined, undefined, slowApi.url);
        expect(early.status).toBe(409);
        expect(early.body.error.type).toBe('RunNotFinished');
        expect(early.headers.get('retry-after')).toBe('5');
        const cancel = await call('POST', `/v1/runs/${id}/cancel`, undefined, undefined, slowApi.url);
        expect(cancel.status).toBe(202);
        expect(cancel.body).toMatchObject({ cancelRequested: true, status: 'running' });
        let closed;
        for (let i = 0; i < 300; i++) {
          closed = await call('GET', `/v1/runs/${id}/result`, undefined, undefined, slowApi.url);
          if (closed.status === 200) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(closed?.body.status).toBe('cancelled');
        const none = await call('GET', `/v1/runs/${id}/media/video`, undefined, undefined, slowApi.url);
        expect(none.status).toBe(404);
        expect(none.body.error.type).toBe('NoMedia');
        const twice = await call('POST', `/v1/runs/${id}/cancel`, undefined, undefined, slowApi.url);
        expect(twice.status).toBe(409);
        expect(twice.body.error.type).toBe('RunNotRunning');
      });
    });
  });

  test('Temporal unreachable: 503 with Retry-After, and back to normal when it returns', async () => {
    const proxy = await startTcpProxy(suite.env.address);
    const connection = await Connection.connect({ address: proxy.address });
    const viaProxy = new PipelinesClient(new Client({ connection }), anyStack().config.temporal.taskQueue);
    const proxied = await startApiServer({
      runs: new RunsService(viaProxy, 2000),
      tokens: [{ name: 't', token: TOKEN }],
    });
    try {
      await proxy.down();
      const down = await call('GET', '/v1/runs', undefined, undefined, proxied.url);
      expect(down.status).toBe(503);
      expect(down.body.error.type).toBe('TemporalUnavailable');
      expect(down.headers.get('retry-after')).toBe('5');
      await proxy.up();
      // The gRPC channel reconnects with its own backoff: answers are 503 until it has.
      let up = await call('GET', '/v1/runs?limit=1', undefined, undefined, proxied.url);
      for (let i = 0; i < 60 && up.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 500));
        up = await call('GET', '/v1/runs?limit=1', undefined, undefined, proxied.url);
      }
      expect(up.status).toBe(200);
    } finally {
      await proxied.close();
      await connection.close();
      await proxy.close();
    }
  });
});

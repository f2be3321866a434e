/**
 * Webhook benchmark, loopback only, bounded (a fixed number of events):
 *  1. Receiver throughput: signed `avatar_video.success` deliveries with a keep-alive agent and fixed concurrency,
 *     (a) verified and handed to a no-op sink — the receiver's own ceiling (HMAC, limits, parsing);
 *     (b) signed `photo_avatar_train.success` deliveries verified and accepted into Temporal — one signal-with-start
 *     on a mailbox workflow each (the path of events that carry only HeyGen's id; render events name their run and
 *     are signalled to it directly, a lighter call).
 *  2. Event-to-signal latency: renders waiting in webhook mode each receive their event; latency is the time from
 *     sending the HTTP delivery to the `heygenJobEvent` signal recorded in the render's history (server clock,
 *     same machine), through receiver → render workflow (signalled directly: its callback_id names it).
 *
 *   npm run bench:webhooks -- [events=5000] [renders=100] [--api v3|v2|v3,v2]
 *
 * --api (default HEYGEN_API_VERSION, else v3): the version the renders speak and the deliveries are shaped as. v2:
 * the legacy body `{event_type, event_data}` signed in the `Signature` header; v3: `{event_id, event_type,
 * event_data}` with `Heygen-Signature`, `Heygen-Timestamp` and `Heygen-Event-Id` (the simulator's default v3 style).
 */
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { ApiVersion } from '../contracts/apiVersion';
import { startWebhookReceiver } from '../webhooks/receiver';
import { TemporalJobEventSink } from '../webhooks/temporalSink';
import type { JobEventSink } from '../webhooks/types';
import { percentile, startBenchStack, startTemporalEnv } from './harness';
import { apiVersions, BENCH_DIMENSION } from './support/api';
import { Args } from './support/args';

const SECRET = `bench-${randomUUID()}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A delivery as HeyGen would send it on this version: the body and its signature headers. */
interface Delivery {
  body: string;
  headers: Record<string, string>;
}

function delivery(version: ApiVersion, eventType: string, eventData: Record<string, unknown>): Delivery {
  if (version === 'v2') {
    const body = JSON.stringify({ event_type: eventType, event_data: eventData });
    return { body, headers: { signature: createHmac('sha256', SECRET).update(body).digest('hex') } };
  }
  const eventId = `evt_${randomUUID()}`;
  const body = JSON.stringify({ event_id: eventId, event_type: eventType, event_data: eventData });
  return {
    body,
    headers: {
      'heygen-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
      'heygen-timestamp': String(Math.floor(Date.now() / 1000)),
      'heygen-event-id': eventId,
    },
  };
}

function post(url: string, d: Delivery): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(d.body),
          ...d.headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(d.body);
  });
}

function videoEvent(version: ApiVersion, videoId: string, callbackId: string): Delivery {
  return delivery(version, 'avatar_video.success', {
    video_id: videoId,
    url: `https://files.example/${videoId}.mp4`,
    callback_id: callbackId,
  });
}

function trainingEvent(version: ApiVersion, groupId: string): Delivery {
  return delivery(version, 'photo_avatar_train.success', { group_id: groupId });
}

async function throughput(
  url: string,
  events: number,
  concurrency: number,
  body: (i: number) => Delivery,
): Promise<{ perSecond: number; statuses: Map<number, number> }> {
  const bodies = Array.from({ length: events }, (_, i) => body(i));
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const status = await post(url, bodies[next++]!);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return { perSecond: events / ((performance.now() - started) / 1000), statuses };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const positional: string[] = [];
  while (argv[0] !== undefined && !argv[0].startsWith('--')) positional.push(argv.shift()!);
  const versions = apiVersions(new Args(argv).only(['api']));
  const events = Number(positional[0] ?? 5000);
  const renders = Number(positional[1] ?? 100);
  const env = await startTemporalEnv();
  try {
    for (const version of versions) await measure(version, env, events, renders);
  } finally {
    agent.destroy();
    await env.teardown();
  }
}

async function measure(
  version: ApiVersion,
  temporal: Awaited<ReturnType<typeof startTemporalEnv>>,
  events: number,
  renders: number,
): Promise<void> {
  const concurrency = 32;
  // Renders that stay in progress: the event, not a poll, is what the measured waits react to.
  const stack = await startBenchStack({
    apiVersion: version,
    env: temporal,
    taskQueue: `bench-webhooks-${version}`,
    sim: { durations: { renderMs: 10 * 60 * 1000 } },
    waitMode: 'webhook',
    maxConcurrentActivities: 200,
    maxCachedWorkflows: 2000,
  });
  const { env, taskQueue } = stack;
  const noop: JobEventSink = { deliver: () => Promise.resolve('accepted') };
  const verifyOnly = await startWebhookReceiver({ secrets: [SECRET], sink: noop });
  const intoTemporal = await startWebhookReceiver({
    secrets: [SECRET],
    sink: new TemporalJobEventSink(env.client, taskQueue),
  });
  try {
    const anyVideo = (i: number) => videoEvent(version, `bench-video-${randomUUID()}`, `bench-target-${i}`);
    await throughput(verifyOnly.url, 500, concurrency, anyVideo); // warm-up
    const a = await throughput(verifyOnly.url, events, concurrency, anyVideo);
    const bEvents = Math.min(events, 2000);
    const b = await throughput(intoTemporal.url, bEvents, concurrency, () =>
      trainingEvent(version, `bench-group-${randomUUID()}`),
    );

    // Phase (b)'s mailboxes wait up to an hour for a route no run will register: end them before measuring latency,
    // so that the worker is idle again.
    const mailboxes: string[] = [];
    for await (const wf of env.client.workflow.list({
      query: `WorkflowType = 'jobEventMailbox' AND ExecutionStatus = 'Running'`,
    })) {
      mailboxes.push(wf.workflowId);
    }
    let nextMailbox = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (nextMailbox < mailboxes.length) {
          await env.client.workflow
            .getHandle(mailboxes[nextMailbox++]!)
            .terminate('benchmark phase over')
            .catch(() => undefined);
        }
      }),
    );
    const drainDeadline = Date.now() + 120_000;
    for (;;) {
      const { count } = await env.client.workflow.count(
        `WorkflowType = 'jobEventMailbox' AND ExecutionStatus = 'Running'`,
      );
      if (count === 0 || Date.now() > drainDeadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    // Latency: renders waiting in webhook mode, one event each.
    const client = stack.client;
    const ids: string[] = [];
    for (let i = 0; i < renders; i++) {
      const { workflowId } = await client.startRender({
        video: {
          dimension: BENCH_DIMENSION,
          scenes: [
            {
              character: { type: 'avatar', avatarId: 'Angela-inblackskirt-20220820' },
              speech: { type: 'text', voiceId: '1bd001e7e50f421d891986aad5158bc8', text: 'Latency probe.' },
            },
          ],
        },
        polling: { initialSeconds: 3600, maxSeconds: 3600 },
      });
      ids.push(workflowId);
    }
    const videoIds = new Map<string, string>();
    while (videoIds.size < ids.length) {
      for (const id of ids) {
        if (videoIds.has(id)) continue;
        const videoId = (await client.renderProgress(id).catch(() => undefined))?.videoId;
        if (videoId) videoIds.set(id, videoId);
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // let every render settle into its wait
    const signaledAt = async (id: string): Promise<number | undefined> => {
      for (let tries = 0; tries < 200; tries++) {
        const history = await env.client.workflow.getHandle(id).fetchHistory();
        const t = (history.events ?? []).find(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'heygenJobEvent',
        )?.eventTime;
        if (t) return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    };
    // (i) one event at a time: each sent once the previous one has reached its run.
    const isolatedIds = ids.slice(0, Math.ceil(ids.length / 3));
    const isolated: number[] = [];
    for (const id of isolatedIds) {
      const sent = Date.now();
      await post(intoTemporal.url, videoEvent(version, videoIds.get(id)!, id));
      const at = await signaledAt(id);
      if (at !== undefined) isolated.push(at - sent);
    }
    // (ii) a burst: all the others at once, 8 deliveries in flight.
    const burstIds = ids.slice(isolatedIds.length);
    const sentAt = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < burstIds.length) {
          const id = burstIds[next++]!;
          sentAt.set(id, Date.now());
          await post(intoTemporal.url, videoEvent(version, videoIds.get(id)!, id));
        }
      }),
    );
    const burst: number[] = [];
    for (const id of burstIds) {
      const at = await signaledAt(id);
      if (at !== undefined) burst.push(at - sentAt.get(id)!);
    }
    isolated.sort((x, y) => x - y);
    burst.sort((x, y) => x - y);
    for (const id of ids)
      await env.client.workflow
        .getHandle(id)
        .terminate('benchmark done')
        .catch(() => undefined);

    const fmt = (m: Map<number, number>) => [...m.entries()].map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(
      `\nWebhook receiver benchmark, HeyGen API ${version} deliveries and renders (${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; concurrency ${concurrency}, keep-alive)`,
    );
    console.log('| measurement | events | result | answers |\n|---|---|---|---|');
    console.log(
      `| verified webhooks/s, no-op sink | ${events} | ${a.perSecond.toFixed(0)} /s | ${fmt(a.statuses)} |`,
    );
    console.log(
      `| training events verified and accepted into Temporal/s (one mailbox signal-with-start each) | ${bEvents} | ${b.perSecond.toFixed(0)} /s | ${fmt(b.statuses)} |`,
    );
    const lat = (name: string, v: number[], of: number) =>
      console.log(
        `| event-to-signal latency, ${name} | ${v.length} of ${of} | p50 ${percentile(v, 50)} ms, p99 ${percentile(v, 99)} ms | |`,
      );
    lat('one event at a time', isolated, isolatedIds.length);
    lat(`burst of ${burstIds.length}`, burst, burstIds.length);
  } finally {
    await verifyOnly.close();
    await intoTemporal.close();
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startReceiverWithSink } from '../../cli/commands/webhooks';
import { describeCliError } from '../../cli/output';
import { routeMailbox } from '../../routing/mailbox';
import type { ApiVersion } from '../../contracts/apiVersion';
import { createHeyGenPort } from '../../heygen/select';
import type { CallLogEntry } from '../../simulator';
import { ensureWebhookEndpoint } from '../../webhooks/registration';
import { rotateEndpointSecret } from '../../webhooks/rotation';
import type { ReceiverStats } from '../../webhooks/receiver';
import { serializeSecretsFile } from '../../webhooks/secrets';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import type { JobEventSink, RoutedJobEvent } from '../../webhooks/types';
import { testedApiVersions, versionedWorkflowSuite, type Stack } from '../support/stack';
import { startTcpProxy } from '../support/tcpProxy';
import { lifecycleInputFor, sceneRender, WIRE } from '../support/versions';

const suite = versionedWorkflowSuite({ webhookRetryBaseMs: 200, webhookMaxAttempts: 8 });

/** Records when each event reached the receiver (after verification), then hands it to the real sink. */
class RecordingSink implements JobEventSink {
  readonly events: Array<RoutedJobEvent & { at: number }> = [];
  constructor(public inner: JobEventSink) {}
  async deliver(e: RoutedJobEvent) {
    const outcome = await this.inner.deliver(e);
    this.events.push({ ...e, at: Date.now() });
    return outcome;
  }
  first(kind: RoutedJobEvent['kind'], resourceId: string) {
    return this.events.find((e) => e.kind === kind && e.resourceId === resourceId);
  }
}

interface Receiving {
  url: string;
  secretFile: string;
  sink: RecordingSink;
  stats(): ReceiverStats;
  close(): Promise<void>;
}

const receivers = {} as Record<ApiVersion, Receiving>;
let dir: string;
const quiet = { info: () => undefined, warn: () => undefined };

/**
 * Each version's stack gets a receiver as `webhooks serve` starts it (secrets from a watched file), registered with
 * the simulator through that version's port, the way `webhooks register --secret-file` does it.
 */
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heygen-hooks-'));
  for (const version of testedApiVersions()) {
    const stack = suite.stacks[version];
    const secretFile = path.join(dir, `${version}.secrets`);
    await writeFile(secretFile, serializeSecretsFile([{ secret: 'placeholder-until-registered' }]));
    const sink = new RecordingSink(
      new TemporalJobEventSink(suite.env.client, stack.config.temporal.taskQueue),
    );
    const receiver = await startReceiverWithSink(sink, quiet, {
      WEBHOOK_PORT: '0',
      HEYGEN_WEBHOOK_SECRETS_FILE: secretFile,
      WEBHOOK_SECRETS_POLL_MS: '100',
    });
    const heygen = createHeyGenPort(stack.config.heygen);
    const { endpoint } = await ensureWebhookEndpoint(heygen, receiver.url);
    await writeFile(
      secretFile,
      serializeSecretsFile([{ secret: endpoint.secret ?? '', endpointId: endpoint.endpointId }]),
    );
    // Registering again reuses the endpoint instead of adding a second one.
    expect((await ensureWebhookEndpoint(heygen, receiver.url)).action).toBe('reused');
    expect((await heygen.listWebhookEndpoints()).filter((e) => e.url === receiver.url)).toHaveLength(1);
    receivers[version] = { ...receiver, secretFile, sink };
  }
});

afterAll(async () => {
  for (const r of Object.values(receivers)) await r.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const stack of Object.values(suite.stacks)) {
    stack.sim.clearFaults();
    stack.sim.clearLog();
    stack.sim.setDurations({
      photoGenerationMs: 300,
      lookGenerationMs: 300,
      lookProcessingMs: 0,
      trainingMs: 300,
      renderMs: 300,
    });
  }
});

/** Status reads of one job, and where they stand against the moment its event reached the receiver. */
function readsOf(log: CallLogEntry[], match: (e: CallLogEntry) => boolean) {
  return log.filter((e) => e.method === 'GET' && match(e));
}

// Slow enough that any poll would stall the run far past these tests' time limits.
const NO_POLLING = { initialSeconds: 600, maxSeconds: 600 };

async function signalsOf(workflowId: string, name = 'heygenJobEvent') {
  const history = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === name,
  );
}

describe.each(testedApiVersions())('webhook mode (HeyGen API %s)', (version) => {
  const stack = (): Stack => suite.stacks[version];
  const receiver = () => receivers[version];
  const wire = WIRE[version];

  test('a full lifecycle completes with no polling: one status read per wait, right after its event', async () => {
    const { sim, client } = stack();
    const { workflowId } = await client.startLifecycle(
      lifecycleInputFor(version, { waitMode: 'webhook', polling: NO_POLLING }),
    );
    const result = await client.waitForLifecycle(workflowId);
    const { ids } = await client.lifecycleProgress(workflowId);
    const log = sim.log();
    // The jobs whose end HeyGen announces: on v2 the photo and look generations and the training too; on v3 the
    // render (its looks have no event: their short look-readiness polling ends those waits).
    const waits =
      version === 'v2'
        ? [
            { kind: 'photo_generation' as const, id: ids.photoGenerationId! },
            { kind: 'photo_generation' as const, id: ids.lookGenerationIds[0]! },
            { kind: 'training' as const, id: result.groupId },
            { kind: 'render' as const, id: result.videoId },
          ]
        : [{ kind: 'render' as const, id: result.videoId }];
    const statusRead = (kind: string, id: string) => (e: CallLogEntry) =>
      kind === 'render'
        ? wire.isStatusRead(e, id)
        : e.path ===
          (kind === 'training' ? `/v2/photo_avatar/train/status/${id}` : `/v2/photo_avatar/generation/${id}`);
    const trainPost = log.find((e) => e.path === '/v2/photo_avatar/train');
    for (const wait of waits) {
      const event = receiver().sink.first(wait.kind, wait.id);
      expect(event).toBeDefined();
      let reads = readsOf(log, statusRead(wait.kind, wait.id));
      // Training is reconciled by one status read before it is started; the wait itself starts after the POST.
      if (wait.kind === 'training' && trainPost) reads = reads.filter((e) => e.seq > trainPost.seq);
      // Renders: the download reads the status once more for a fresh URL; a v2 look generation is read once more
      // by the step that finds its looks. The wait made the first read.
      const again = wait.kind === 'render' || wait.id === ids.lookGenerationIds[0];
      const waitReads = again ? reads.slice(0, 1) : reads;
      expect(waitReads).toHaveLength(1);
      if (wait.kind === 'render') expect(reads).toHaveLength(2);
      const read = waitReads[0]!;
      expect(read.at).toBeGreaterThanOrEqual(event!.at - 5);
      expect(read.at - event!.at).toBeLessThan(1000);
    }
    // Every event reached its run exactly once (one heygenJobEvent signal each; the render's goes to the child).
    expect(await signalsOf(workflowId)).toHaveLength(version === 'v2' ? 3 : 0);
    expect(await signalsOf(`${workflowId}/render`)).toHaveLength(1);
  });

  test('a lost webhook: the run still completes by its fallback polling', async () => {
    const { sim, client } = stack();
    sim.addWebhookFault({ eventType: 'avatar_video.success', kind: 'drop' });
    const { workflowId } = await client.startRender(
      sceneRender('Lost event.', { waitMode: 'webhook', polling: { initialSeconds: 1, maxSeconds: 2 } }),
    );
    const result = await client.waitForRender(workflowId);
    expect(receiver().sink.first('render', result.videoId)).toBeUndefined();
    expect(sim.webhookLog().some((d) => d.eventType === 'avatar_video.success' && d.fault === 'drop')).toBe(
      true,
    );
  });

  test('a replayed render event (signalled straight to the render) changes nothing: no extra status read', async () => {
    const { sim, client } = stack();
    sim.addWebhookFault({ eventType: 'avatar_video.success', kind: 'duplicate' });
    const { workflowId } = await client.startRender(
      sceneRender('Twice.', { waitMode: 'webhook', polling: NO_POLLING }),
    );
    const result = await client.waitForRender(workflowId);
    const reads = readsOf(sim.log(), (e) => wire.isStatusRead(e, result.videoId));
    // The wait's read after the first event, and the download's read for a fresh URL: the duplicate adds none.
    expect(reads).toHaveLength(2);
    // Both deliveries may reach the run (a signal is only a hint): what matters is that it read nothing more.
    expect((await signalsOf(workflowId)).length).toBeLessThanOrEqual(2);
  });

  test('a failure event ends the wait at once with HeyGen message', async () => {
    const { sim, client } = stack();
    sim.addJobOutcome({ job: 'render', outcome: 'fail', message: 'Avatar rendering timed out' });
    const { workflowId } = await client.startRender(
      sceneRender('Doomed.', { waitMode: 'webhook', polling: NO_POLLING }),
    );
    const error = await client.waitForRender(workflowId).catch((err: unknown) => err);
    expect(describeCliError(error)).toMatchObject({ type: 'HeyGenJobFailed' });
    expect(describeCliError(error).message).toContain('Avatar rendering timed out');
    expect(receiver().sink.events.some((e) => e.eventType === 'avatar_video.fail')).toBe(true);
  });

  test('Temporal unreachable: the receiver answers 5xx, HeyGen redelivers, and the run completes', async () => {
    const { sim, client, config } = stack();
    const proxy = await startTcpProxy(suite.env.address);
    const connection = await Connection.connect({ address: proxy.address });
    const viaProxy = new RecordingSink(
      new TemporalJobEventSink(new Client({ connection }), config.temporal.taskQueue),
    );
    const { sink } = receiver();
    const original = sink.inner;
    sink.inner = viaProxy;
    try {
      await proxy.down();
      const { workflowId } = await client.startRender(
        sceneRender('Temporal blinked.', { waitMode: 'webhook', polling: NO_POLLING }),
      );
      // Wait for a failed delivery (5xx from the receiver), then bring Temporal back.
      const deadline = Date.now() + 30_000;
      while (!sim.webhookLog().some((d) => d.eventType === 'avatar_video.success' && d.status >= 500)) {
        if (Date.now() > deadline) throw new Error('no failed delivery seen');
        await new Promise((r) => setTimeout(r, 50));
      }
      await proxy.up();
      const result = await client.waitForRender(workflowId);
      const deliveries = sim.webhookLog().filter((d) => d.eventType === 'avatar_video.success');
      expect(deliveries.some((d) => d.status === 503)).toBe(true);
      expect(deliveries.at(-1)?.status).toBe(200);
      expect(viaProxy.first('render', result.videoId)).toBeDefined();
    } finally {
      sink.inner = original;
      await connection.close();
      await proxy.close();
    }
  });
});

describe('v3 webhooks: a lifecycle through a forged event, a duplicate delivery and a secret rotation', () => {
  const version: ApiVersion = 'v3';
  const enabled = testedApiVersions().includes(version);
  (enabled ? test : test.skip)(
    'the run completes on genuine events only, and nothing accepted is lost',
    async () => {
      const stack = suite.stacks[version];
      const hooks = receivers[version];
      const { sim, client } = stack;
      // A render that ends only when the test says so (the simulator's clock moves), so the rotation is surely first.
      const RENDER_MS = 10 * 60 * 1000;
      sim.setDurations({ renderMs: RENDER_MS });
      sim.addWebhookFault({ eventType: 'avatar_video.success', kind: 'duplicate' });
      const before = { ...hooks.stats(), rejected: { ...hooks.stats().rejected } };
      const startedAt = Date.now();
      const { workflowId } = await client.startLifecycle(
        lifecycleInputFor(version, { waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
      );
      const renderId = `${workflowId}/render`;
      // Mid-render: its video exists at HeyGen, its event is still to come.
      let videoId: string | undefined;
      for (let i = 0; i < 400 && !videoId; i++) {
        videoId = await client
          .renderProgress(renderId)
          .then((p) => p.videoId)
          .catch(() => undefined);
        if (!videoId) await new Promise((r) => setTimeout(r, 25));
      }
      expect(videoId).toBeDefined();

      // 1. A forged "success" for this very render, signed with a secret HeyGen never issued: refused.
      const body = JSON.stringify({
        event_id: `forged-${Date.now()}`,
        event_type: 'avatar_video.success',
        event_data: { video_id: videoId, callback_id: renderId, url: 'https://attacker.example/v.mp4' },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const forged = await fetch(hooks.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'heygen-timestamp': timestamp,
          'heygen-signature': createHmac('sha256', 'whsec_not-the-secret').update(body).digest('hex'),
        },
        body,
      });
      expect(forged.status).toBe(401);

      // 2. The secret is rotated while the render runs: HeyGen signs from now on with the new one only.
      const rotation = await rotateEndpointSecret(createHeyGenPort(stack.config.heygen), {
        url: hooks.url,
        secretFile: hooks.secretFile,
        graceMs: 60_000,
        encoding: 'both',
      });
      expect(rotation.previousValidUntil).toBeDefined();
      const rotatedAt = Date.now();
      sim.advanceClock(RENDER_MS);

      // 3. The render's event (delivered twice) arrives signed with the new secret; the running receiver took it.
      const result = await client.waitForLifecycle(workflowId);
      expect(result.videoId).toBe(videoId);
      const deliveries = sim.webhookLog().filter((d) => d.eventType === 'avatar_video.success');
      expect(deliveries.filter((d) => d.status === 200).length).toBeGreaterThanOrEqual(2);
      // Every delivery of the render's event came after the rotation (so it was signed with the new secret).
      for (const d of deliveries.filter((x) => x.url === hooks.url && x.at >= startedAt))
        expect(d.at).toBeGreaterThanOrEqual(rotatedAt);
      // The genuine event reached the render (its duplicate at most once more), the forged one never: no poll.
      expect((await signalsOf(renderId)).length).toBeLessThanOrEqual(2);
      const reads = readsOf(sim.log(), (e) => WIRE.v3.isStatusRead(e, videoId!));
      expect(reads).toHaveLength(2); // the wait's read after the event, the download's
      const after = hooks.stats();
      expect(after.rejected.bad_signature - before.rejected.bad_signature).toBeGreaterThanOrEqual(1);
      expect(after.accepted - before.accepted).toBeGreaterThanOrEqual(1);
      sim.setDurations({ renderMs: 300 });
    },
  );
});

describe('routing (API-neutral: the receiver hands events to Temporal)', () => {
  const anyStack = () => suite.stacks[testedApiVersions()[0]!];
  const sink = () => receivers[testedApiVersions()[0]!].sink;

  /** An open workflow standing in for a render (what matters is where the signal lands), and its video event. */
  const renderTarget = async (target: string) => {
    const handle = await suite.env.client.workflow.start('jobEventMailbox', {
      taskQueue: anyStack().config.temporal.taskQueue,
      workflowId: target,
      args: [{ kind: 'render', resourceId: 'waiting' }],
    });
    const event = {
      kind: 'render' as const,
      resourceId: `vid-${target}`,
      outcome: 'success' as const,
      eventType: 'avatar_video.success',
      route: target,
      eventId: target,
    };
    return { handle, event };
  };

  test('an event naming a run that has already finished is dropped as a duplicate, not an error', async () => {
    const target = `finished-${Date.now()}`;
    const { handle, event: late } = await renderTarget(target);
    await handle.terminate('finished before its event');
    // Signalled directly (the event names its run): a closed run is a duplicate (answered 200), and no mailbox
    // workflow is started for an event that names its run.
    expect(await sink().inner.deliver(late)).toBe('duplicate');
    expect(await sink().inner.deliver(late)).toBe('duplicate');
    await expect(
      suite.env.client.workflow.getHandle(`heygen-event/render/${late.resourceId}`).describe(),
    ).rejects.toThrow(/not found/i);
  });

  test('a render event is signalled straight to the render workflow its callback_id names', async () => {
    const { handle, event } = await renderTarget(`render-target-${Date.now()}`);
    expect(await sink().inner.deliver(event)).toBe('accepted');
    // A signal that arrives during a workflow task is written to the history when that task completes.
    let signals: Array<{ workflowExecutionSignaledEventAttributes?: { signalName?: string | null } | null }> =
      [];
    for (let i = 0; i < 50 && signals.length === 0; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const history = await handle.fetchHistory();
      signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    }
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
      'heygenJobEvent',
    ]);
    await handle.terminate('done');
  });

  test('an event nobody routes waits 1 h for a route, a route waits 6 h for its event', async () => {
    const { env } = suite;
    const id = `unclaimed-${Date.now()}`;
    await sink().inner.deliver({
      kind: 'training',
      resourceId: id,
      outcome: 'success',
      eventType: 'photo_avatar_train.success',
      eventId: id,
    });
    await routeMailbox(
      {
        client: env.client,
        taskQueue: anyStack().config.temporal.taskQueue,
        kind: 'training',
        resourceId: `${id}-r`,
      },
      { workflowId: 'some-run' },
    );
    const timerSeconds = async (workflowId: string) => {
      for (let i = 0; i < 100; i++) {
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const timer = history.events?.find((e) => e.timerStartedEventAttributes);
        const seconds = timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds;
        if (seconds !== undefined && seconds !== null) return Number(seconds);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no timer in ${workflowId}`);
    };
    expect(await timerSeconds(`heygen-event/training/${id}`)).toBe(3600);
    expect(await timerSeconds(`heygen-event/training/${id}-r`)).toBe(6 * 3600);
    for (const wid of [`heygen-event/training/${id}`, `heygen-event/training/${id}-r`]) {
      await env.client.workflow.getHandle(wid).terminate('test done');
    }
  });
});

describe('v2 mailbox routing (photo generations and training name only their resource)', () => {
  const enabled = testedApiVersions().includes('v2');
  const maybe = enabled ? test : test.skip;

  maybe(
    'the early-event race: an event that arrives before the create call returns is still routed',
    async () => {
      const { sim, client } = suite.stacks.v2;
      sim.setDurations({ photoGenerationMs: 0 });
      // HeyGen finishes the job at once and sends its event, but answers the create only 800 ms later.
      sim.addFault({
        method: 'POST',
        path: '^/v2/photo_avatar/photo/generate$',
        kind: 'slow',
        delayMs: 800,
        when: 'after',
      });
      const { workflowId } = await client.startLifecycle(
        lifecycleInputFor('v2', { waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
      );
      await client.waitForLifecycle(workflowId);
      const { ids } = await client.lifecycleProgress(workflowId);
      const create = sim.log().find((e) => e.path === '/v2/photo_avatar/photo/generate')!;
      const event = receivers.v2.sink.first('photo_generation', ids.photoGenerationId!)!;
      expect(event.at).toBeLessThan(create.at + 800); // the event came before the answer
      expect(
        readsOf(sim.log(), (e) => e.path === `/v2/photo_avatar/generation/${ids.photoGenerationId}`),
      ).toHaveLength(1);
    },
  );

  maybe('a replayed delivery of an event routed by its mailbox reaches the run once', async () => {
    const { sim, client } = suite.stacks.v2;
    sim.addWebhookFault({ eventType: 'photo_avatar_train.success', kind: 'duplicate' });
    const { workflowId } = await client.startLifecycle(
      lifecycleInputFor('v2', { waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    const result = await client.waitForLifecycle(workflowId);
    const sink = receivers.v2.sink;
    expect(sink.events.filter((e) => e.kind === 'training' && e.resourceId === result.groupId).length).toBe(
      2,
    );
    const signals = await signalsOf(workflowId);
    expect(signals.filter((e) => JSON.stringify(e).includes(result.groupId))).toHaveLength(1);
  });

  maybe('a failed training event ends the stage at once with HeyGen message', async () => {
    const { sim, client } = suite.stacks.v2;
    sim.addJobOutcome({ job: 'training', outcome: 'fail', message: 'Photos show different people' });
    const { workflowId } = await client.startLifecycle(
      lifecycleInputFor('v2', { waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    const error = await client.waitForLifecycle(workflowId).catch((err: unknown) => err);
    expect(describeCliError(error).message).toContain('Photos show different people');
    const progress = await client.lifecycleProgress(workflowId);
    expect(progress.failure).toMatchObject({ stage: 'training', type: 'HeyGenJobFailed' });
  });
});

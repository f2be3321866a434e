import { Client, Connection } from '@temporalio/client';
import { describeCliError } from '../../cli/output';
import { HeyGenClient } from '../../heygen/client';
import type { CallLogEntry } from '../../simulator';
import { routeMailbox } from '../../client/mailbox';
import { ensureWebhookEndpoint } from '../../webhooks/registration';
import { startWebhookReceiver } from '../../webhooks/receiver';
import { TemporalJobEventSink } from '../../webhooks/temporalSink';
import type { JobEventSink, RoutedJobEvent } from '../../webhooks/types';
import { lifecycleInput } from '../support/inputs';
import { workflowSuite } from '../support/stack';
import { startTcpProxy } from '../support/tcpProxy';

const suite = workflowSuite({ webhookRetryBaseMs: 200, webhookMaxAttempts: 8 });

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

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sink: RecordingSink;
const secrets: string[] = [];

beforeAll(async () => {
  const { env, stack } = suite;
  sink = new RecordingSink(new TemporalJobEventSink(env.client, stack.config.temporal.taskQueue));
  receiver = await startWebhookReceiver({ secrets, sink });
  const heygen = new HeyGenClient(stack.config.heygen);
  const { endpoint } = await ensureWebhookEndpoint(heygen, receiver.url);
  secrets.push(endpoint.secret ?? '');
  // Registering again reuses the endpoint instead of adding a second one.
  const again = await ensureWebhookEndpoint(heygen, receiver.url);
  expect(again.action).toBe('reused');
  expect((await heygen.listWebhookEndpoints()).filter((e) => e.url === receiver.url)).toHaveLength(1);
});

afterAll(async () => {
  await receiver?.close();
});

beforeEach(() => {
  suite.stack.sim.clearFaults();
  suite.stack.sim.clearLog();
  suite.stack.sim.setDurations({
    photoGenerationMs: 300,
    lookGenerationMs: 300,
    lookProcessingMs: 0,
    trainingMs: 300,
    renderMs: 300,
  });
});

/** Status reads of one job, and where they stand against the moment its event reached the receiver. */
function readsOf(log: CallLogEntry[], match: (e: CallLogEntry) => boolean) {
  return log.filter((e) => e.method === 'GET' && match(e));
}

// Slow enough that any poll would stall the run far past these tests' time limits.
const NO_POLLING = { initialSeconds: 600, maxSeconds: 600 };

describe('webhook mode', () => {
  test('a full lifecycle completes with no polling: one status read per wait, right after its event', async () => {
    const { stack, env } = suite;
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: NO_POLLING }),
    );
    const result = await stack.client.waitForLifecycle(workflowId);
    const progress = await stack.client.lifecycleProgress(workflowId);
    const log = stack.sim.log();
    const ids = progress.ids;

    const waits = [
      {
        kind: 'photo_generation' as const,
        id: ids.photoGenerationId!,
        path: `/v2/photo_avatar/generation/${ids.photoGenerationId}`,
      },
      {
        kind: 'photo_generation' as const,
        id: ids.lookGenerationIds[0]!,
        path: `/v2/photo_avatar/generation/${ids.lookGenerationIds[0]}`,
      },
      {
        kind: 'training' as const,
        id: result.groupId,
        path: `/v2/photo_avatar/train/status/${result.groupId}`,
      },
      { kind: 'render' as const, id: result.videoId, path: '/v1/video_status.get' },
    ];
    const trainPost = log.find((e) => e.path === '/v2/photo_avatar/train')!;
    for (const wait of waits) {
      const event = sink.first(wait.kind, wait.id);
      expect(event).toBeDefined();
      let reads = readsOf(
        log,
        (e) => e.path === wait.path && (wait.kind !== 'render' || e.query.video_id === wait.id),
      );
      // Training is reconciled by one status read before it is started; the wait itself starts after the POST.
      if (wait.kind === 'training') reads = reads.filter((e) => e.seq > trainPost.seq);
      // Renders: the download reads the status once more for a fresh URL; the wait made the first read.
      const waitReads = wait.kind === 'render' ? reads.slice(0, 1) : reads;
      expect(waitReads).toHaveLength(1);
      if (wait.kind === 'render') expect(reads).toHaveLength(2);
      const read = waitReads[0]!;
      expect(read.at).toBeGreaterThanOrEqual(event!.at - 5);
      expect(read.at - event!.at).toBeLessThan(1000);
    }
    // Every event reached its run exactly once (one heygenJobEvent signal each).
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'heygenJobEvent',
    );
    expect(signals).toHaveLength(3); // photo generation, training, look generation (the render's goes to the child)
  });

  test('the early-event race: an event that arrives before the create call returns is still routed', async () => {
    const { stack } = suite;
    stack.sim.setDurations({ photoGenerationMs: 0 });
    // HeyGen finishes the job at once and sends its event, but answers the create only 800 ms later.
    stack.sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/photo/generate$',
      kind: 'slow',
      delayMs: 800,
      when: 'after',
    });
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    await stack.client.waitForLifecycle(workflowId);
    const { ids } = await stack.client.lifecycleProgress(workflowId);
    const create = stack.sim.log().find((e) => e.path === '/v2/photo_avatar/photo/generate')!;
    const event = sink.first('photo_generation', ids.photoGenerationId!)!;
    expect(event.at).toBeLessThan(create.at + 800); // the event came before the answer
    const reads = readsOf(
      stack.sim.log(),
      (e) => e.path === `/v2/photo_avatar/generation/${ids.photoGenerationId}`,
    );
    expect(reads).toHaveLength(1);
  });

  test('a lost webhook: the run still completes by its fallback polling', async () => {
    const { stack } = suite;
    stack.sim.addWebhookFault({ eventType: 'photo_avatar_train.success', kind: 'drop' });
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: { initialSeconds: 1, maxSeconds: 2 }, looks: [] }),
    );
    const result = await stack.client.waitForLifecycle(workflowId);
    expect(sink.first('training', result.groupId)).toBeUndefined();
    expect(
      stack.sim.webhookLog().some((d) => d.eventType === 'photo_avatar_train.success' && d.fault === 'drop'),
    ).toBe(true);
  });

  test('a replayed delivery of an event routed by its mailbox reaches the run once', async () => {
    const { stack, env } = suite;
    stack.sim.addWebhookFault({ eventType: 'photo_avatar_train.success', kind: 'duplicate' });
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    const result = await stack.client.waitForLifecycle(workflowId);
    expect(sink.events.filter((e) => e.kind === 'training' && e.resourceId === result.groupId).length).toBe(
      2,
    );
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'heygenJobEvent',
    );
    expect(signals.filter((e) => JSON.stringify(e).includes(result.groupId))).toHaveLength(1);
  });

  test('a replayed render event (signalled straight to the render) changes nothing: no extra status read', async () => {
    const { stack } = suite;
    stack.sim.addWebhookFault({ eventType: 'avatar_video.success', kind: 'duplicate' });
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    const result = await stack.client.waitForLifecycle(workflowId);
    expect(sink.events.filter((e) => e.kind === 'render' && e.resourceId === result.videoId).length).toBe(2);
    const reads = readsOf(
      stack.sim.log(),
      (e) => e.path === '/v1/video_status.get' && e.query.video_id === result.videoId,
    );
    // The wait's read after the first event, and the download's read for a fresh URL: the duplicate adds none.
    expect(reads).toHaveLength(2);
  });

  test('Temporal unreachable: the receiver answers 5xx, HeyGen redelivers, and the run completes', async () => {
    const { stack, env } = suite;
    const proxy = await startTcpProxy(env.address);
    const connection = await Connection.connect({ address: proxy.address });
    const viaProxy = new RecordingSink(
      new TemporalJobEventSink(new Client({ connection }), stack.config.temporal.taskQueue),
    );
    const original = sink.inner;
    sink.inner = viaProxy;
    try {
      await proxy.down();
      const { workflowId } = await stack.client.startRender({
        video: {
          dimension: { width: 320, height: 240 },
          video_inputs: [
            {
              character: { type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820' },
              voice: {
                type: 'text',
                voice_id: '1bd001e7e50f421d891986aad5158bc8',
                input_text: 'Temporal blinked.',
              },
            },
          ],
        },
        waitMode: 'webhook',
        polling: NO_POLLING,
      });
      // Wait for a failed delivery (5xx from the receiver), then bring Temporal back.
      const deadline = Date.now() + 30_000;
      while (!stack.sim.webhookLog().some((d) => d.eventType === 'avatar_video.success' && d.status >= 500)) {
        if (Date.now() > deadline) throw new Error('no failed delivery seen');
        await new Promise((r) => setTimeout(r, 50));
      }
      await proxy.up();
      const result = await stack.client.waitForRender(workflowId);
      const deliveries = stack.sim.webhookLog().filter((d) => d.eventType === 'avatar_video.success');
      expect(deliveries.some((d) => d.status === 503)).toBe(true);
      expect(deliveries.at(-1)?.status).toBe(200);
      expect(viaProxy.first('render', result.videoId)).toBeDefined();
    } finally {
      sink.inner = original;
      await connection.close();
      await proxy.close();
    }
  });

  test('a failure event ends the stage at once with HeyGen message', async () => {
    const { stack } = suite;
    stack.sim.addJobOutcome({ job: 'training', outcome: 'fail', message: 'Photos show different people' });
    const { workflowId } = await stack.client.startLifecycle(
      lifecycleInput({ waitMode: 'webhook', polling: NO_POLLING, looks: [] }),
    );
    const error = await stack.client.waitForLifecycle(workflowId).catch((err: unknown) => err);
    expect(describeCliError(error).message).toContain('Photos show different people');
    const progress = await stack.client.lifecycleProgress(workflowId);
    expect(progress.failure).toMatchObject({ stage: 'training', type: 'HeyGenJobFailed' });
    expect(
      sink.events.some(
        (e) => e.eventType === 'photo_avatar_train.fail' && e.resourceId === progress.ids.groupId,
      ),
    ).toBe(true);
  });

  /** An open workflow standing in for a render (what matters is where the signal lands), and its video event. */
  const renderTarget = async (target: string) => {
    const handle = await suite.env.client.workflow.start('jobEventMailbox', {
      taskQueue: suite.stack.config.temporal.taskQueue,
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
    expect(await sink.inner.deliver(late)).toBe('duplicate');
    expect(await sink.inner.deliver(late)).toBe('duplicate');
    await expect(
      suite.env.client.workflow.getHandle(`heygen-event/render/${late.resourceId}`).describe(),
    ).rejects.toThrow(/not found/i);
  });

  test('a render event is signalled straight to the render workflow its callback_id names', async () => {
    const { handle, event } = await renderTarget(`render-target-${Date.now()}`);
    expect(await sink.inner.deliver(event)).toBe('accepted');
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
    const { stack, env } = suite;
    const id = `unclaimed-${Date.now()}`;
    await sink.inner.deliver({
      kind: 'training',
      resourceId: id,
      outcome: 'success',
      eventType: 'photo_avatar_train.success',
      eventId: id,
    });
    await routeMailbox(
      {
        client: env.client,
        taskQueue: stack.config.temporal.taskQueue,
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

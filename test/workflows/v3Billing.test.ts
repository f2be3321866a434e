import { describeCliError } from '../../cli/output';
import { createHeyGenPort } from '../../heygen/select';
import { IDEMPOTENCY_KEY_PATTERN } from '../../activities/idempotency';
import { lifecycleInputFor, sceneRender, billed } from '../support/versions';
import { createStack, type Stack } from '../support/stack';
import { bundleWorkflows, createLocalEnv } from '../support/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * HeyGen v3's Idempotency-Key on the product's billable creates: never paying twice, whatever happens to the answer.
 * Every figure comes from the simulator's billing ledger (a create that made a resource), not from call counts.
 */
let env: TestWorkflowEnvironment;
let stack: Stack;
/** A second stack whose worker gives up on a create after 300 ms (to have a retry arrive while the first runs) */
let impatient: Stack;

beforeAll(async () => {
  let bundle;
  [env, bundle] = await Promise.all([createLocalEnv(), bundleWorkflows()]);
  stack = await createStack(env, bundle, {}, 'v3');
  await stack.startWorker();
  impatient = await createStack(env, bundle, {}, 'v3');
  await impatient.startWorker({}, { heygen: createHeyGenPort(impatient.config.heygen, { create: 300 }) });
});
afterAll(async () => {
  await stack?.close();
  await impatient?.close();
  await env?.teardown();
});
beforeEach(() => {
  for (const s of [stack, impatient]) {
    s.sim.clearFaults();
    s.sim.clearLog();
  }
});

async function failureOf(s: Stack, start: () => Promise<{ workflowId: string }>) {
  const { workflowId } = await start();
  const error = await s.client.waitForLifecycle(workflowId).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeDefined();
  return { failure: describeCliError(error), progress: await s.client.lifecycleProgress(workflowId) };
}

describe('v3 idempotency keys: one resource, billed once', () => {
  test('an answer lost after HeyGen created the render is replayed under the same key, not rendered again', async () => {
    stack.sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'drop', when: 'after', times: 1 });
    const before = stack.sim.ledger().length;
    const { workflowId } = await stack.client.startRender(sceneRender('Lost answer.'));
    const result = await stack.client.waitForRender(workflowId);
    const creates = stack.sim.log().filter((e) => e.method === 'POST' && e.path === '/v3/videos');
    expect(creates).toHaveLength(2);
    expect(creates[0]).toMatchObject({ status: 0, applied: true, fault: 'drop' });
    expect(creates[1]).toMatchObject({ idempotentReplay: true });
    // The same key on both attempts, in HeyGen's alphabet, and the video is the one first created.
    expect(creates[1]?.idempotencyKey).toBe(creates[0]?.idempotencyKey);
    expect(creates[0]?.idempotencyKey).toMatch(IDEMPOTENCY_KEY_PATTERN);
    expect(result.videoId).toBe(creates[0]?.createdId);
    expect(billed(stack.sim.ledger().slice(before))).toEqual({ render: 1 });
  });

  test('every billable create of a lifecycle survives a lost answer: avatar, looks and render billed once', async () => {
    // Rules apply in order, one call each: the avatar create loses its answer, its replay is answered (a 0 ms
    // 'slow' rule only takes its turn), then the generated look's create loses its answer; and the render's.
    const avatars = '^/v3/avatars$';
    stack.sim.addFault({ method: 'POST', path: avatars, kind: 'drop', when: 'after' });
    stack.sim.addFault({ method: 'POST', path: avatars, kind: 'slow', delayMs: 0 });
    stack.sim.addFault({ method: 'POST', path: avatars, kind: 'drop', when: 'after' });
    stack.sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'drop', when: 'after' });
    const before = stack.sim.ledger().length;
    const { workflowId } = await stack.client.startLifecycle(lifecycleInputFor('v3'));
    await stack.client.waitForLifecycle(workflowId);
    expect(billed(stack.sim.ledger().slice(before))).toEqual({ avatar: 1, look_generation: 1, render: 1 });
    // Every create step kept one key across its attempts, and ended on an answer (the original or its replay).
    const creates = stack.sim
      .log()
      .filter((e) => e.method === 'POST' && /^\/v3\/(avatars|videos)$/.test(e.path));
    const byKey = new Map<string, number[]>();
    for (const e of creates)
      byKey.set(e.idempotencyKey ?? '', [...(byKey.get(e.idempotencyKey ?? '') ?? []), e.status]);
    expect(byKey.size).toBe(3);
    for (const statuses of byKey.values()) expect(statuses.at(-1)).toBe(200);
    // Three answers lost after HeyGen made the resource, each replayed under its key.
    expect(creates.filter((e) => e.fault === 'drop' && e.applied)).toHaveLength(3);
    expect(creates.filter((e) => e.idempotentReplay && e.status === 200)).toHaveLength(3);
  });

  test('a retry that arrives while the first request is still in flight gets 409 and is retried until replayed', async () => {
    // The first create is held 2 s by HeyGen; this worker gives up after 300 ms and retries (Temporal: 1 s later).
    impatient.sim.addFault({ method: 'POST', path: '^/v3/videos$', kind: 'slow', delayMs: 2000, times: 1 });
    const before = impatient.sim.ledger().length;
    const { workflowId } = await impatient.client.startRender(sceneRender('In flight.'));
    const result = await impatient.client.waitForRender(workflowId);
    const creates = impatient.sim.log().filter((e) => e.method === 'POST' && e.path === '/v3/videos');
    expect(creates.map((e) => e.status)).toContain(409);
    expect(creates.at(-1)).toMatchObject({ status: 200, idempotentReplay: true });
    expect(new Set(creates.map((e) => e.idempotencyKey)).size).toBe(1);
    expect(result.videoId).toBe(creates[0]?.createdId);
    expect(billed(impatient.sim.ledger().slice(before))).toEqual({ render: 1 });
  });

  test('402 insufficient_credit ends the run with its own failure type and what to do', async () => {
    stack.sim.setCredits(0);
    try {
      const { failure, progress } = await failureOf(stack, () =>
        stack.client.startLifecycle(lifecycleInputFor('v3', { looks: [] })),
      );
      expect(failure.type).toBe('HeyGenInsufficientCredit');
      expect(failure.message).toMatch(/credit/i);
      expect(failure.message).toMatch(/add credits/i);
      expect(progress.failure?.stage).toBe('group');
      // Final at once: one attempt, no retries.
      expect(stack.sim.log().filter((e) => e.method === 'POST' && e.path === '/v3/avatars')).toHaveLength(1);
    } finally {
      stack.sim.setCredits(undefined);
    }
  });
});

describe('fields v3 cannot honour are refused by name before any HeyGen call', () => {
  test.each([
    ['video.test', { video: { test: true } }],
    ['video.dimension', { video: { dimension: { width: 320, height: 240 } } }],
  ])('lifecycle %s', async (field, override) => {
    const base = lifecycleInputFor('v3');
    const input = { ...base, video: { ...base.video, ...override.video } };
    const { failure } = await failureOf(stack, () => stack.client.startLifecycle(input));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain(field);
    expect(failure.message).toContain('HeyGen API v3');
    expect(stack.sim.log()).toHaveLength(0);
  });

  test('render scenes with an emotion or a silence', async () => {
    const emotional = sceneRender('Hi.');
    const scene = emotional.video!.scenes[0]!;
    emotional.video!.scenes[0] = {
      ...scene,
      speech: { type: 'text', text: 'Hi.', voiceId: 'v', emotion: 'Excited' },
    };
    const { workflowId } = await stack.client.startRender(emotional);
    const error = await stack.client.waitForRender(workflowId).then(
      () => undefined,
      (err: unknown) => describeCliError(err),
    );
    expect(error?.type).toBe('InvalidInput');
    expect(error?.message).toContain('video.scenes.0.speech.emotion');
    expect(stack.sim.log()).toHaveLength(0);
  });
});

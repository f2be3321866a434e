import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { describeCliError } from '../../cli/output';
import { PipelinesClient } from '../../client/pipelinesClient';
import { InputValidationError } from '../../contracts/validation';
import { WORKFLOW_TYPES } from '../../workflows/definitions';
import { bundleWorkflows, createLocalEnv } from '../support/temporal';
import { createStack, type Stack } from '../support/stack';
import { countApplied, lifecycleInput } from '../support/inputs';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let stack: Stack;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createLocalEnv(), bundleWorkflows()]);
  // A plan limited to 5-second videos: a longer script fails the render with HeyGen's code 40119.
  stack = await createStack(env, bundle, { maxVideoSeconds: 5 });
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.close();
  await env?.teardown();
});

beforeEach(() => {
  stack.sim.clearFaults();
  stack.sim.clearLog();
});

/** Runs a lifecycle and returns how it failed (type, HeyGen code, message, stage). */
async function failureOf(input = lifecycleInput({ looks: [] })) {
  const { workflowId } = await stack.client.startLifecycle(input);
  const error = await stack.client.waitForLifecycle(workflowId).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeDefined();
  const progress = await stack.client.lifecycleProgress(workflowId);
  return { failure: describeCliError(error), progress, workflowId };
}

const longScript = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // 24 s at 2.5 words/s

describe('failure classes', () => {
  test('a script over the plan limit fails the render with HeyGen code 40119 and its message', async () => {
    const { failure, progress } = await failureOf(
      lifecycleInput({ looks: [], video: { ...lifecycleInput().video, script: longScript } }),
    );
    expect(failure.type).toBe('HeyGenJobFailed');
    expect(failure.code).toBe(40119);
    expect(failure.message).toMatch(/too long/i);
    expect(progress.stage).toBe('failed');
    expect(progress.failure).toMatchObject({ stage: 'rendering', code: 40119 });
    // A failed job is final: the render was requested once.
    expect(countApplied(stack.sim.log(), 'POST', '/v2/video/generate')).toBe(1);
  });

  test('failed training ends the run with the training error and no retraining', async () => {
    stack.sim.addJobOutcome({
      job: 'training',
      outcome: 'fail',
      message: 'Not enough distinct faces',
      times: 1,
    });
    const { failure, progress } = await failureOf();
    expect(failure.type).toBe('HeyGenJobFailed');
    expect(failure.message).toContain('Not enough distinct faces');
    expect(progress.failure?.stage).toBe('training');
    expect(countApplied(stack.sim.log(), 'POST', '/v2/photo_avatar/train')).toBe(1);
    expect(countApplied(stack.sim.log(), 'POST', '/v2/video/generate')).toBe(0);
  });

  test('429 is retried after Retry-After, not sooner', async () => {
    stack.sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/train$',
      kind: 'rate_limit',
      retryAfterSeconds: 3,
    });
    const { workflowId } = await stack.client.startLifecycle(lifecycleInput({ looks: [] }));
    await stack.client.waitForLifecycle(workflowId);
    const trains = stack.sim.log().filter((e) => e.path === '/v2/photo_avatar/train');
    expect(trains.map((e) => e.status)).toEqual([429, 200]);
    // Temporal's own first retry interval is 1 s; the second attempt waited for Retry-After instead.
    expect(trains[1]!.at - trains[0]!.at).toBeGreaterThanOrEqual(2900);
  });

  test('transient 5xx and dropped connections are retried until the run completes', async () => {
    stack.sim.addFault({
      method: 'POST',
      path: '^/v2/video/generate$',
      kind: 'http_error',
      status: 503,
      times: 2,
    });
    stack.sim.addFault({
      method: 'GET',
      path: '^/v2/photo_avatar/generation/',
      kind: 'http_error',
      status: 500,
    });
    stack.sim.addFault({ method: 'GET', path: '^/v1/video_status.get$', kind: 'drop' });
    const { workflowId } = await stack.client.startLifecycle(lifecycleInput({ looks: [] }));
    const result = await stack.client.waitForLifecycle(workflowId);
    expect(result.videoId).toBeTruthy();
    const renders = stack.sim.log().filter((e) => e.path === '/v2/video/generate');
    expect(renders.map((e) => e.status)).toEqual([503, 503, 200]);
    expect(stack.sim.log().some((e) => e.path === '/v1/video_status.get' && e.status === 0)).toBe(true);
  });

  test('an HTTP 200 carrying an error envelope fails the stage with HeyGen code and message, without retrying', async () => {
    stack.sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/avatar_group/create$',
      kind: 'error_envelope',
      code: 400175,
      message: 'image_key is invalid',
    });
    const { failure, progress } = await failureOf();
    expect(failure.type).toBe('HeyGenApiError');
    expect(failure.code).toBe(400175);
    expect(failure.message).toContain('image_key is invalid');
    expect(progress.failure?.stage).toBe('group');
    expect(stack.sim.log().filter((e) => e.path === '/v2/photo_avatar/avatar_group/create')).toHaveLength(1);
  });

  test('a wrong API key fails at once as HeyGenUnauthorized', async () => {
    // A second worker on its own task queue with a bad key.
    const taskQueue = `${stack.config.temporal.taskQueue}-badkey`;
    const { worker, done } = await stack.startWorker({
      heygen: { ...stack.config.heygen, apiKey: 'wrong-key' },
      temporal: { ...stack.config.temporal, taskQueue },
    });
    try {
      const client = new PipelinesClient(env.client, taskQueue);
      const { workflowId } = await client.startLifecycle(lifecycleInput({ looks: [] }));
      const error = await client.waitForLifecycle(workflowId).catch((err: unknown) => err);
      const failure = describeCliError(error);
      expect(failure.type).toBe('HeyGenUnauthorized');
      expect(stack.sim.log().filter((e) => e.status === 401)).toHaveLength(1);
    } finally {
      worker.shutdown();
      await done;
    }
  });

  test('invalid input is refused by the client before any workflow or HeyGen call, naming the field', async () => {
    const bad = lifecycleInput();
    (bad.photo.generate as { age: string }).age = 'Teenager';
    await expect(stack.client.startLifecycle(bad)).rejects.toThrow(InputValidationError);
    await expect(stack.client.startLifecycle(bad)).rejects.toThrow(/photo\.generate\.age/);
    const noScript = { ...lifecycleInput(), video: { voiceId: 'x' } } as never;
    await expect(stack.client.startLifecycle(noScript)).rejects.toThrow(/video\.script/);
    expect(stack.sim.log()).toHaveLength(0);
  });

  test('invalid input started directly (any SDK, no client validation) fails in the workflow before any HeyGen call', async () => {
    const workflowId = `raw-invalid-${Date.now()}`;
    const handle = await env.client.workflow.start(WORKFLOW_TYPES.lifecycle, {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId,
      args: [{ name: 'X', photo: { imageKeys: [] }, video: { script: 'hi', voiceId: 'v' } }],
    });
    const failure = describeCliError(await handle.result().catch((err: unknown) => err));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/photo\.imageKeys/);
    expect(stack.sim.log()).toHaveLength(0);
  });
});

import { describeCliError } from '../../cli/output';
import { PipelinesClient } from '../../client/pipelinesClient';
import { InputValidationError } from '../../contracts/validation';
import { WORKFLOW_TYPES } from '../../workflows/definitions';
import { workflowSuite } from '../support/stack';
import { countApplied, findRuns, lifecycleInput } from '../support/inputs';

// A plan limited to 5-second videos: a longer script fails the render with HeyGen's code 40119.
const suite = workflowSuite({ maxVideoSeconds: 5 });

beforeEach(() => {
  suite.stack.sim.clearFaults();
  suite.stack.sim.clearLog();
});

/** Runs a lifecycle and returns how it failed (type, HeyGen code, message, stage). */
async function failureOf(input = lifecycleInput({ looks: [] })) {
  const { workflowId } = await suite.stack.client.startLifecycle(input);
  const error = await suite.stack.client.waitForLifecycle(workflowId).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeDefined();
  const progress = await suite.stack.client.lifecycleProgress(workflowId);
  return { failure: describeCliError(error), progress, workflowId };
}

const longScript = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // 24 s at 2.5 words/s

describe('failure classes', () => {
  test('a script over the plan limit fails the render with HeyGen code 40119 and its message', async () => {
    const { failure, progress, workflowId } = await failureOf(
      lifecycleInput({ looks: [], video: { ...lifecycleInput().video, script: longScript } }),
    );
    expect(failure.type).toBe('HeyGenJobFailed');
    expect(failure.code).toBe(40119);
    expect(failure.message).toMatch(/too long/i);
    expect(progress.stage).toBe('failed');
    expect(progress.failure).toMatchObject({ stage: 'rendering', code: 40119 });
    // Findable by its failure code in the Temporal UI.
    expect(
      await findRuns(suite.env.client, `HeyGenFailureCode = '40119' AND HeyGenStage = 'failed'`),
    ).toContain(workflowId);
    // A failed job is final: the render was requested once.
    expect(countApplied(suite.stack.sim.log(), 'POST', '/v2/video/generate')).toBe(1);
  });

  test('failed training ends the run with the training error and no retraining', async () => {
    suite.stack.sim.addJobOutcome({
      job: 'training',
      outcome: 'fail',
      message: 'Not enough distinct faces',
      times: 1,
    });
    const { failure, progress } = await failureOf();
    expect(failure.type).toBe('HeyGenJobFailed');
    expect(failure.message).toContain('Not enough distinct faces');
    expect(progress.failure?.stage).toBe('training');
    expect(countApplied(suite.stack.sim.log(), 'POST', '/v2/photo_avatar/train')).toBe(1);
    expect(countApplied(suite.stack.sim.log(), 'POST', '/v2/video/generate')).toBe(0);
  });

  test('429 is retried after Retry-After, not sooner', async () => {
    suite.stack.sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/train$',
      kind: 'rate_limit',
      retryAfterSeconds: 3,
    });
    const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput({ looks: [] }));
    await suite.stack.client.waitForLifecycle(workflowId);
    const trains = suite.stack.sim.log().filter((e) => e.path === '/v2/photo_avatar/train');
    expect(trains.map((e) => e.status)).toEqual([429, 200]);
    // Temporal's own first retry interval is 1 s; the second attempt waited for Retry-After instead.
    expect(trains[1]!.at - trains[0]!.at).toBeGreaterThanOrEqual(2900);
  });

  test('transient 5xx and dropped connections are retried until the run completes', async () => {
    suite.stack.sim.addFault({
      method: 'POST',
      path: '^/v2/video/generate$',
      kind: 'http_error',
      status: 503,
      times: 2,
    });
    suite.stack.sim.addFault({
      method: 'GET',
      path: '^/v2/photo_avatar/generation/',
      kind: 'http_error',
      status: 500,
    });
    suite.stack.sim.addFault({ method: 'GET', path: '^/v1/video_status.get$', kind: 'drop' });
    const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput({ looks: [] }));
    const result = await suite.stack.client.waitForLifecycle(workflowId);
    expect(result.videoId).toBeTruthy();
    const renders = suite.stack.sim.log().filter((e) => e.path === '/v2/video/generate');
    expect(renders.map((e) => e.status)).toEqual([503, 503, 200]);
    expect(suite.stack.sim.log().some((e) => e.path === '/v1/video_status.get' && e.status === 0)).toBe(true);
  });

  test('an HTTP 200 carrying an error envelope fails the stage with HeyGen code and message, without retrying', async () => {
    suite.stack.sim.addFault({
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
    expect(
      suite.stack.sim.log().filter((e) => e.path === '/v2/photo_avatar/avatar_group/create'),
    ).toHaveLength(1);
  });

  test('a wrong API key fails at once as HeyGenUnauthorized', async () => {
    // A second worker on its own task queue with a bad key.
    const taskQueue = `${suite.stack.config.temporal.taskQueue}-badkey`;
    const { worker, done } = await suite.stack.startWorker({
      heygen: { ...suite.stack.config.heygen, apiKey: 'wrong-key' },
      temporal: { ...suite.stack.config.temporal, taskQueue },
    });
    try {
      const client = new PipelinesClient(suite.env.client, taskQueue);
      const { workflowId } = await client.startLifecycle(lifecycleInput({ looks: [] }));
      const error = await client.waitForLifecycle(workflowId).catch((err: unknown) => err);
      const failure = describeCliError(error);
      expect(failure.type).toBe('HeyGenUnauthorized');
      expect(suite.stack.sim.log().filter((e) => e.status === 401)).toHaveLength(1);
    } finally {
      worker.shutdown();
      await done;
    }
  });

  test('invalid input is refused by the client before any workflow or HeyGen call, naming the field', async () => {
    const bad = lifecycleInput();
    (bad.photo.generate as { age: string }).age = 'Teenager';
    await expect(suite.stack.client.startLifecycle(bad)).rejects.toThrow(InputValidationError);
    await expect(suite.stack.client.startLifecycle(bad)).rejects.toThrow(/photo\.generate\.age/);
    const noScript = { ...lifecycleInput(), video: { voiceId: 'x' } } as never;
    await expect(suite.stack.client.startLifecycle(noScript)).rejects.toThrow(/video\.script/);
    expect(suite.stack.sim.log()).toHaveLength(0);
  });

  test('invalid input started directly (any SDK, no client validation) fails in the workflow before any HeyGen call', async () => {
    const workflowId = `raw-invalid-${Date.now()}`;
    const handle = await suite.env.client.workflow.start(WORKFLOW_TYPES.lifecycle, {
      taskQueue: suite.stack.config.temporal.taskQueue,
      workflowId,
      args: [{ name: 'X', photo: { imageKeys: [] }, video: { script: 'hi', voiceId: 'v' } }],
    });
    const failure = describeCliError(await handle.result().catch((err: unknown) => err));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/photo\.imageKeys/);
    expect(suite.stack.sim.log()).toHaveLength(0);
  });
});

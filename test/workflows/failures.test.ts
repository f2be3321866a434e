import { describeCliError } from '../../cli/output';
import { PipelinesClient } from '../../client/pipelinesClient';
import type { LifecycleInput } from '../../contracts/lifecycle';
import { InputValidationError } from '../../contracts/validation';
import { WORKFLOW_TYPES } from '../../contracts/definitions';
import { countApplied, findRuns } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite, type Stack } from '../support/stack';
import { billed, lifecycleInputFor, WIRE } from '../support/versions';
import { exactPath, PATHS, TOO_LONG_FAILURE_CODE } from '../support/wire';

// A plan limited to 5-second videos: a longer script fails the render (v2: code 40119; v3: a failure_code).
const suite = versionedWorkflowSuite({ maxVideoSeconds: 5 });

const longScript = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // 24 s at 2.5 words/s

describe.each(testedApiVersions())('failure classes (HeyGen API %s)', (version) => {
  const stack = (): Stack => suite.stacks[version];
  const wire = WIRE[version];
  const paths = PATHS[version];
  const noLooks = (overrides: Partial<LifecycleInput> = {}) =>
    lifecycleInputFor(version, { looks: [], ...overrides });

  beforeEach(() => {
    stack().sim.clearFaults();
    stack().sim.clearLog();
  });

  /** Runs a lifecycle and returns how it failed (type, HeyGen code, message, stage). */
  async function failureOf(input: LifecycleInput = noLooks()) {
    const { workflowId } = await stack().client.startLifecycle(input);
    const error = await stack()
      .client.waitForLifecycle(workflowId)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeDefined();
    const progress = await stack().client.lifecycleProgress(workflowId);
    return { failure: describeCliError(error), progress, workflowId };
  }

  test("a script over the plan limit fails the render with HeyGen's code and message", async () => {
    const base = noLooks();
    const code = TOO_LONG_FAILURE_CODE[version];
    const { failure, progress, workflowId } = await failureOf({
      ...base,
      video: { ...base.video, script: longScript },
    });
    expect(failure.type).toBe('HeyGenJobFailed');
    expect(failure.code).toBe(code);
    expect(failure.message).toMatch(/too long/i);
    expect(progress.stage).toBe('failed');
    expect(progress.failure).toMatchObject({ stage: 'rendering', code });
    // Findable by its failure code in the Temporal UI.
    expect(
      await findRuns(
        suite.env.client,
        `HeyGenFailureCode = '${code}' AND HeyGenStage = 'failed' AND WorkflowId = '${workflowId}'`,
      ),
    ).toEqual([workflowId]);
    // A failed job is final: the render was requested once.
    expect(countApplied(stack().sim.log(), 'POST', wire.renderCreate)).toBe(1);
  });

  test('a render HeyGen fails reports its code and message (v2 error.code; v3 failure_code/failure_message)', async () => {
    const forced =
      version === 'v2'
        ? { code: 40056, message: 'Audio generation failed' }
        : { failureCode: 'rendering_failed', message: 'Avatar rendering timed out' };
    stack().sim.addJobOutcome({ job: 'render', outcome: 'fail', times: 1, ...forced });
    const { failure, progress } = await failureOf();
    const code = version === 'v2' ? 40056 : 'rendering_failed';
    expect(failure).toMatchObject({ type: 'HeyGenJobFailed', code });
    expect(failure.message).toContain(forced.message);
    expect(progress.failure).toMatchObject({ stage: 'rendering', code });
    expect(countApplied(stack().sim.log(), 'POST', wire.renderCreate)).toBe(1);
  });

  if (version === 'v2') {
    test('failed training ends the run with the training error and no retraining', async () => {
      stack().sim.addJobOutcome({
        job: 'training',
        outcome: 'fail',
        message: 'Not enough distinct faces',
        times: 1,
      });
      const { failure, progress } = await failureOf();
      expect(failure.type).toBe('HeyGenJobFailed');
      expect(failure.message).toContain('Not enough distinct faces');
      expect(progress.failure?.stage).toBe('training');
      expect(countApplied(stack().sim.log(), 'POST', '/v2/photo_avatar/train')).toBe(1);
      expect(countApplied(stack().sim.log(), 'POST', wire.renderCreate)).toBe(0);
    });
  } else {
    test('an avatar whose look HeyGen fails ends the run with the look error, no new avatar and no render', async () => {
      // v3 has no training: the prompt avatar's first look failing is what ends the wait for readiness.
      stack().sim.addJobOutcome({
        job: 'photo_generation',
        outcome: 'fail',
        message: 'Not enough distinct faces',
        failureCode: 'generation_failed',
        times: 1,
      });
      const before = stack().sim.ledger().length;
      const { failure, progress } = await failureOf();
      expect(failure).toMatchObject({ type: 'HeyGenJobFailed', code: 'generation_failed' });
      expect(failure.message).toContain('Not enough distinct faces');
      expect(progress.failure).toMatchObject({ stage: 'training', code: 'generation_failed' });
      expect(billed(stack().sim.ledger().slice(before))).toEqual({ avatar: 1 });
      expect(countApplied(stack().sim.log(), 'POST', wire.renderCreate)).toBe(0);
    });
  }

  test('429 is retried after Retry-After, not sooner', async () => {
    stack().sim.addFault({
      method: 'POST',
      path: exactPath(wire.renderCreate),
      kind: 'rate_limit',
      retryAfterSeconds: 3,
    });
    const { workflowId } = await stack().client.startLifecycle(noLooks());
    await stack().client.waitForLifecycle(workflowId);
    const creates = stack()
      .sim.log()
      .filter((e) => e.method === 'POST' && e.path === wire.renderCreate);
    expect(creates.map((e) => e.status)).toEqual([429, 200]);
    // Temporal's own first retry interval is 1 s; the second attempt waited for Retry-After instead.
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(2900);
  });

  test('transient 5xx and dropped connections are retried until the run completes', async () => {
    const { sim, client } = stack();
    sim.addFault({
      method: 'POST',
      path: exactPath(wire.renderCreate),
      kind: 'http_error',
      status: 503,
      times: 2,
    });
    sim.addFault({ method: 'GET', path: paths.groupLooks, kind: 'http_error', status: 500 });
    sim.addFault({ method: 'GET', path: paths.renderStatus, kind: 'drop' });
    const before = sim.ledger().length;
    const { workflowId } = await client.startLifecycle(noLooks());
    const result = await client.waitForLifecycle(workflowId);
    expect(result.videoId).toBeTruthy();
    const log = sim.log();
    const creates = log.filter((e) => e.method === 'POST' && e.path === wire.renderCreate);
    expect(creates.map((e) => e.status)).toEqual([503, 503, 200]);
    const looksRead = new RegExp(paths.groupLooks);
    expect(log.some((e) => e.method === 'GET' && looksRead.test(e.path) && e.status === 500)).toBe(true);
    expect(log.some((e) => wire.isStatusRead(e, result.videoId) && e.status === 0)).toBe(true);
    expect(billed(sim.ledger().slice(before)).render).toBe(1);
  });

  test('an HTTP 200 carrying an error envelope fails the stage with HeyGen code and message, without retrying', async () => {
    // v2: a numeric envelope code (HeyGenApiError). v3: one of the changelog's upper-case codes, which the adapter
    // maps like its lower-case form (INVALID_PARAMETER: a refused request).
    const fault =
      version === 'v2'
        ? { code: 400175, message: 'image_key is invalid', type: 'HeyGenApiError' }
        : {
            code: 'INVALID_PARAMETER',
            message: 'the avatar has no usable image',
            type: 'HeyGenInvalidRequest',
          };
    stack().sim.addFault({
      method: 'POST',
      path: exactPath(paths.avatarCreate),
      kind: 'error_envelope',
      code: fault.code,
      message: fault.message,
    });
    const { failure, progress } = await failureOf();
    expect(failure.type).toBe(fault.type);
    expect(failure.code).toBe(fault.code);
    expect(failure.message).toContain(fault.message);
    expect(progress.failure?.stage).toBe('group');
    expect(
      stack()
        .sim.log()
        .filter((e) => e.method === 'POST' && e.path === paths.avatarCreate),
    ).toHaveLength(1);
  });

  test('a wrong API key fails at once as HeyGenUnauthorized', async () => {
    // A second worker on its own task queue with a bad key.
    const taskQueue = `${stack().config.temporal.taskQueue}-badkey`;
    const { worker, done } = await stack().startWorker({
      heygen: { ...stack().config.heygen, apiKey: 'wrong-key' },
      temporal: { ...stack().config.temporal, taskQueue },
    });
    try {
      const client = new PipelinesClient(suite.env.client, taskQueue);
      const { workflowId } = await client.startLifecycle(noLooks());
      const error = await client.waitForLifecycle(workflowId).catch((err: unknown) => err);
      const failure = describeCliError(error);
      expect(failure.type).toBe('HeyGenUnauthorized');
      expect(
        stack()
          .sim.log()
          .filter((e) => e.status === 401),
      ).toHaveLength(1);
    } finally {
      worker.shutdown();
      await done;
    }
  });

  test('invalid input is refused by the client before any workflow or HeyGen call, naming the field', async () => {
    const bad = lifecycleInputFor(version);
    (bad.photo.generate as { age: string }).age = 'Teenager';
    await expect(stack().client.startLifecycle(bad)).rejects.toThrow(InputValidationError);
    await expect(stack().client.startLifecycle(bad)).rejects.toThrow(/photo\.generate\.age/);
    const noScript = { ...lifecycleInputFor(version), video: { voiceId: 'x' } } as never;
    await expect(stack().client.startLifecycle(noScript)).rejects.toThrow(/video\.script/);
    expect(stack().sim.log()).toHaveLength(0);
  });

  test('invalid input started directly (any SDK, no client validation) fails in the workflow before any HeyGen call', async () => {
    const workflowId = `raw-invalid-${version}-${Date.now()}`;
    const handle = await suite.env.client.workflow.start(WORKFLOW_TYPES.lifecycle, {
      taskQueue: stack().config.temporal.taskQueue,
      workflowId,
      args: [{ name: 'X', photo: { imageKeys: [] }, video: { script: 'hi', voiceId: 'v' } }],
    });
    const failure = describeCliError(await handle.result().catch((err: unknown) => err));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toMatch(/photo\.imageKeys/);
    expect(stack().sim.log()).toHaveLength(0);
  });
});

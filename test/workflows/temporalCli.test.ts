import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LifecycleProgress } from '../../contracts/results';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { temporalCliPath } from '../support/temporal';
import { lifecycleInputFor } from '../support/versions';

const suite = versionedWorkflowSuite();
const run = promisify(execFile);

/**
 * Runs the Temporal CLI against the test server: what a service in another language does with its SDK.
 * Asynchronously, since the worker answering the queries lives in this process.
 */
async function temporal(...args: string[]): Promise<unknown> {
  const common = ['--address', suite.env.address, '--namespace', 'default', '--output', 'json'];
  const { stdout } = await run(temporalCliPath(), [...args, ...common]);
  return stdout.trim() ? (JSON.parse(stdout) as unknown) : undefined;
}

async function progressOf<T>(workflowId: string): Promise<T | undefined> {
  try {
    const out = (await temporal('workflow', 'query', '--workflow-id', workflowId, '--type', 'progress')) as {
      queryResult: T[];
    };
    return out.queryResult[0];
  } catch {
    return undefined; // not started yet
  }
}

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

function signal(workflowId: string, kind: string, resourceId: string) {
  const event = JSON.stringify({ kind, resourceId, outcome: 'success', eventType: 'temporal-cli' });
  return temporal(
    'workflow',
    'signal',
    '--workflow-id',
    workflowId,
    '--name',
    'heygenJobEvent',
    '--input',
    event,
  );
}

describe.each(testedApiVersions())('the Temporal CLI alone (HeyGen API %s)', (version) => {
  test('a lifecycle started, queried and signalled with the Temporal CLI alone completes', async () => {
    const stack = suite.stacks[version];
    const workflowId = `cli-started-${version}-${Date.now()}`;
    // Webhook mode with a ten-minute fallback: only the signals below can move its jobs along in time (v3's looks
    // send no event and keep a short cadence of their own).
    const input = lifecycleInputFor(version, {
      looks: [],
      waitMode: 'webhook',
      polling: { initialSeconds: 600, maxSeconds: 600 },
    });
    await temporal(
      'workflow',
      'start',
      '--type',
      'photoAvatarLifecycle',
      '--task-queue',
      stack.config.temporal.taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(input),
    );

    // v2 makes the photos with a generation job and trains the group: each waits for its event.
    if (version === 'v2') {
      const generationId = await until(
        async () => (await progressOf<LifecycleProgress>(workflowId))?.ids.photoGenerationId,
      );
      await signal(workflowId, 'photo_generation', generationId);
    }
    const groupId = await until(async () => {
      const p = await progressOf<LifecycleProgress>(workflowId);
      return p?.stage === 'training' || p?.stage === 'rendering' ? p.ids.groupId : undefined;
    });
    if (version === 'v2') await signal(workflowId, 'training', groupId);
    const renderId = `${workflowId}/render`;
    const videoId = await until(async () => (await progressOf<{ videoId?: string }>(renderId))?.videoId);
    await signal(renderId, 'render', videoId);

    const result = (await temporal('workflow', 'result', '--workflow-id', workflowId)) as {
      status: string;
      result: { groupId: string; videoId: string; sha256: string; apiVersion: string };
    };
    expect(result.status).toBe('COMPLETED');
    expect(result.result).toMatchObject({ groupId, videoId, apiVersion: version });
    expect(result.result.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});

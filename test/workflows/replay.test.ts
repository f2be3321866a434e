import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { temporalCliPath } from '../support/temporal';
import { workflowSuite } from '../support/stack';
import { FAST_POLLING, lifecycleInput, VOICE_ID } from '../support/inputs';

/**
 * Determinism guard: histories recorded from earlier versions of the workflows (test/histories/*.json) must replay
 * on the current code. A change that alters the sequence of commands fails here, in CI, before it can break runs
 * in flight. Re-record deliberately with RECORD_HISTORIES=1 (and keep the old files if old runs may still be open).
 */
const HISTORIES = path.join(__dirname, '..', 'histories');

const suite = workflowSuite();

/** History files are named after their workflow id ('/' written as '__'): replay needs the original id. */
function fileFor(workflowId: string): string {
  return `${workflowId.replace(/\//g, '__')}.json`;
}
function workflowIdOf(file: string): string {
  return file.replace(/\.json$/, '').replace(/__/g, '/');
}

async function recordedHistories(): Promise<string[]> {
  return (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
}

describe('replay', () => {
  test('fresh runs of every workflow replay deterministically (and are recorded on request)', async () => {
    const { stack, env } = suite;
    // Current versions: a lifecycle (its render carries the render-slots patch marker), one in webhook mode (route
    // registration overlapping its waits; no receiver here, so its short polling ends the waits), and a batch. Since
    // v4 / webhook-v2 / batch-v3: input validated by a local activity, status reads and routes as local activities.
    const { workflowId } = await stack.client.startLifecycle(lifecycleInput(), {
      workflowId: 'recorded-lifecycle-v4',
    });
    await stack.client.waitForLifecycle(workflowId);
    const webhook = await stack.client.startLifecycle(lifecycleInput({ waitMode: 'webhook' }), {
      workflowId: 'recorded-lifecycle-webhook-v2',
    });
    await stack.client.waitForLifecycle(webhook.workflowId);
    const batch = await stack.client.startBatch(
      {
        items: [0, 1].map((i) => ({
          ref: `r${i}`,
          render: {
            video: {
              dimension: { width: 128, height: 128 },
              video_inputs: [
                {
                  character: { type: 'avatar' as const, avatar_id: 'Angela-inblackskirt-20220820' },
                  voice: { type: 'text' as const, voice_id: VOICE_ID, input_text: `Replay ${i}` },
                },
              ],
            },
            polling: FAST_POLLING,
          },
        })),
      },
      { workflowId: 'recorded-batch-v3' },
    );
    await stack.client.waitForBatch(batch.workflowId);
    for (const id of [workflowId, `${workflowId}/render`, webhook.workflowId, batch.workflowId]) {
      const file = fileFor(id);
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: suite.bundle }, history, id);
      if (process.env.RECORD_HISTORIES === '1') {
        // The CLI writes the canonical proto3 JSON that historyFromJSON (and every Temporal SDK) reads.
        const json = execFileSync(
          temporalCliPath(),
          [
            'workflow',
            'show',
            '--workflow-id',
            id,
            '--address',
            env.address,
            '--namespace',
            'default',
            '--output',
            'json',
          ],
          { encoding: 'utf8' },
        );
        await writeFile(path.join(HISTORIES, file), json);
      }
    }
  });

  test('every recorded history replays on the current workflow code', async () => {
    const files = await recordedHistories();
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: suite.bundle }, history, workflowIdOf(file)).catch(
        (err: unknown) => {
          throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    }
  });
});

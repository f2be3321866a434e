import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { temporalCliPath } from '../support/temporal';
import { workflowSuite } from '../support/stack';
import { lifecycleInput } from '../support/inputs';

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
  test('a fresh lifecycle and its render replay deterministically (and are recorded on request)', async () => {
    const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput(), {
      workflowId: 'recorded-lifecycle-v1',
    });
    await suite.stack.client.waitForLifecycle(workflowId);
    for (const id of [workflowId, `${workflowId}/render`]) {
      const file = fileFor(id);
      const history = await suite.env.client.workflow.getHandle(id).fetchHistory();
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
            suite.env.address,
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
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: suite.bundle }, history, workflowIdOf(file));
    }
  });
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORIES, recordedHistories, workflowIdOf } from '../support/histories';
import { bundleWorkflows } from '../support/temporal';

/**
 * Determinism guard: histories recorded from the workflows (test/histories/*.json, archived ones included) must
 * replay on the current code. A change that alters the sequence of commands fails here, on every commit (no server
 * needed: `npm run check` runs it), before it can break runs in flight (workflows/patches.ts says how to make such a
 * change). replay.test.ts records fresh ones.
 */
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleWorkflows();
}, 120_000);

test('every recorded history replays on the current workflow code', async () => {
  const files = await recordedHistories();
  // Every workflow type is covered: lifecycles and their renders in both API versions, batches, a mailbox, slots.
  for (const type of ['lifecycle', 'lifecycle__render', 'batch', 'heygen-event', 'heygen-render-slots']) {
    expect(files.some((f) => f.includes(type))).toBe(true);
  }
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowIdOf(file)).catch(
      (err: unknown) => {
        throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }
});

import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { deliverToMailbox } from '../../client/mailbox';
import { mailboxWorkflowId } from '../../contracts/events';
import { RENDER_SLOTS_WORKFLOW_ID } from '../../workflows/definitions';
import { lifecycleInputFor, sceneRender } from '../support/versions';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { temporalCliPath } from '../support/temporal';

/**
 * Determinism guard: histories recorded from the workflows (test/histories/*.json) must replay on the current code.
 * A change that alters the sequence of commands fails here, in CI, before it can break runs in flight (see
 * workflows/patches.ts for how to make such a change). RECORD_HISTORIES=1 (re)writes the histories of the runs below
 * (one or more per workflow type and API version) under their workflow ids and touches no other file: to keep the
 * current ones beside the new, rename them first to `<file>@<tag>.json` (test/histories/README.md).
 */
const HISTORIES = path.join(__dirname, '..', 'histories');

const suite = versionedWorkflowSuite({}, { startWorker: false });

/**
 * History files are named after their workflow id ('/' written as '__'; an archived one adds `@<tag>`): replay needs
 * the original id.
 */
function fileFor(workflowId: string): string {
  return `${workflowId.replace(/\//g, '__')}.json`;
}
function workflowIdOf(file: string): string {
  return file
    .replace(/\.json$/, '')
    .replace(/@[^@]*$/, '')
    .replace(/__/g, '/');
}

async function recordedHistories(): Promise<string[]> {
  return (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
}

describe('replay', () => {
  test('fresh runs of every workflow type replay deterministically (and are recorded on request)', async () => {
    const recorded: string[] = [];
    for (const version of testedApiVersions()) {
      const stack = suite.stacks[version];
      // One render at a time: the renders take slots, so the render-slots workflow runs and is recorded too.
      await stack.startWorker({ maxConcurrentRenders: 1 });
      const lifecycle = `recorded-${version}-lifecycle`;
      await stack.client.waitForLifecycle(
        (await stack.client.startLifecycle(lifecycleInputFor(version), { workflowId: lifecycle })).workflowId,
      );
      // Webhook mode without a receiver: its fallback polling (short here) ends the waits; routes are registered.
      const webhook = `recorded-${version}-lifecycle-webhook`;
      await stack.client.waitForLifecycle(
        (
          await stack.client.startLifecycle(lifecycleInputFor(version, { waitMode: 'webhook' }), {
            workflowId: webhook,
          })
        ).workflowId,
      );
      const batch = `recorded-${version}-batch`;
      await stack.client.waitForBatch(
        (
          await stack.client.startBatch(
            { items: [0, 1].map((i) => ({ ref: `r${i}`, render: sceneRender(`Replay ${i}`) })) },
            { workflowId: batch },
          )
        ).workflowId,
      );
      recorded.push(lifecycle, `${lifecycle}/render`, webhook, batch, `${batch}/item-0`);
    }
    // A mailbox that receives an event and its route, delivers and closes; the render-slots semaphore as it stands.
    const stack = suite.stacks[testedApiVersions()[0]!];
    const target = {
      client: suite.env.client,
      taskQueue: stack.config.temporal.taskQueue,
      kind: 'render' as const,
    };
    await deliverToMailbox(
      { ...target, resourceId: 'replay-video' },
      {
        event: { kind: 'render', resourceId: 'replay-video', outcome: 'success' },
        route: 'recorded-no-such-run',
      },
    );
    const mailbox = mailboxWorkflowId('render', 'replay-video');
    await suite.env.client.workflow.getHandle(mailbox).result();
    recorded.push(mailbox, RENDER_SLOTS_WORKFLOW_ID);

    for (const id of recorded) {
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
          ].concat(['--output', 'json']),
          { encoding: 'utf8' },
        );
        await writeFile(path.join(HISTORIES, fileFor(id)), json);
      }
    }
  });

  test('every recorded history replays on the current workflow code', async () => {
    const files = await recordedHistories();
    // Every workflow type is covered: lifecycles and their renders in both API versions, batches, a mailbox, slots.
    for (const type of ['lifecycle', 'lifecycle__render', 'batch', 'heygen-event', 'heygen-render-slots']) {
      expect(files.some((f) => f.includes(type))).toBe(true);
    }
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

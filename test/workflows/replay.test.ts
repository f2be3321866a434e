import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { deliverToMailbox } from '../../routing/mailbox';
import { mailboxWorkflowId } from '../../contracts/events';
import { RENDER_SLOTS_WORKFLOW_ID } from '../../contracts/definitions';
import { lifecycleInputFor, sceneRender } from '../support/versions';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { temporalCliPath } from '../support/temporal';
import { fileFor, HISTORIES } from '../support/histories';

/**
 * Determinism guard, fresh runs: a run of every workflow type (both API versions) replays on the code that made it.
 * RECORD_HISTORIES=1 (re)writes their histories under test/histories/ (by workflow id; no other file touched: to keep
 * the current ones beside the new, rename them first to `<file>@<tag>.json`, test/histories/README.md), which
 * replayRecorded.test.ts replays on every commit (no server needed).
 */
const suite = versionedWorkflowSuite({}, { startWorker: false });

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
});

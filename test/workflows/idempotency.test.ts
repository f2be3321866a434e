import { workflowSuite } from '../support/stack';
import { countApplied, lifecycleInput } from '../support/inputs';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

const suite = workflowSuite({}, { startWorker: false });

beforeEach(() => {
  suite.stack.sim.clearFaults();
  suite.stack.sim.clearLog();
});

function groupsNamedFor(workflowId: string) {
  return suite.stack.sim.snapshot().groups.filter((g) => g.name.includes(workflowId));
}

/** Every look name in the group appears as often as one add call creates looks, never twice over. */
/** Each of the run's photos became exactly one look of its group (generated photos are all 'generated' looks). */
async function expectNoDuplicateLooks(workflowId: string, groupId: string) {
  const photos = (await suite.stack.client.lifecycleProgress(workflowId)).ids.imageKeys;
  expect(photos.length).toBeGreaterThan(0);
  const looks = suite.stack.sim
    .snapshot()
    .looks.filter((l) => l.groupId === groupId && photos.includes(l.imageKey ?? ''));
  expect(looks.map((l) => l.imageKey).sort()).toEqual([...photos].sort());
}

describe('billable creates are not repeated', () => {
  test('answers lost after HeyGen accepted a group create, an add and a train are reconciled, not repeated', async () => {
    const { worker, done } = await suite.stack.startWorker();
    try {
      for (const path of ['avatar_group/create', 'avatar_group/add', 'train']) {
        suite.stack.sim.addFault({
          method: 'POST',
          path: `^/v2/photo_avatar/${path}$`,
          kind: 'drop',
          when: 'after',
        });
      }
      const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput({ looks: [] }));
      const result = await suite.stack.client.waitForLifecycle(workflowId);
      const log = suite.stack.sim.log();
      // Each create was answered with a dropped connection once, then found again on the retry.
      expect(
        log.filter((e) => e.path === '/v2/photo_avatar/avatar_group/create').map((e) => e.status),
      ).toEqual([0]);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/add')).toBe(1);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/train')).toBe(1);
      expect(groupsNamedFor(workflowId)).toHaveLength(1);
      expect(groupsNamedFor(workflowId)[0]?.trainingsStarted).toBe(1);
      await expectNoDuplicateLooks(workflowId, result.groupId);
    } finally {
      worker.shutdown();
      await done;
    }
  });

  test('the documented window: a render whose answer is lost is submitted again (HeyGen offers no reconciliation)', async () => {
    const { worker, done } = await suite.stack.startWorker();
    try {
      suite.stack.sim.addFault({ method: 'POST', path: '^/v2/video/generate$', kind: 'drop', when: 'after' });
      const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput({ looks: [] }));
      await suite.stack.client.waitForLifecycle(workflowId);
      // Counted, not hidden: two renders were billed for this run.
      expect(countApplied(suite.stack.sim.log(), 'POST', '/v2/video/generate')).toBe(2);
    } finally {
      worker.shutdown();
      await done;
    }
  });

  test('a worker killed with SIGKILL during the group create and again during training: the restarted worker completes the run without duplicates', async () => {
    const workerEnv = {
      TEMPORAL_ADDRESS: suite.env.address,
      TEMPORAL_NAMESPACE: suite.stack.config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: suite.stack.config.temporal.taskQueue,
      HEYGEN_API_BASE_URL: suite.stack.sim.url,
      HEYGEN_API_KEY: suite.stack.sim.apiKey,
      OUTPUT_DIR: suite.stack.outputDir,
      INPUT_DIR: suite.stack.outputDir,
    };
    suite.stack.sim.setDurations({ trainingMs: 3000 });
    // HeyGen creates the group at once but answers only after 5 s: the worker dies in between.
    suite.stack.sim.addFault({
      method: 'POST',
      path: '^/v2/photo_avatar/avatar_group/create$',
      kind: 'slow',
      delayMs: 5000,
      when: 'after',
    });
    let worker: WorkerProcess = await spawnWorker(workerEnv);
    try {
      const { workflowId } = await suite.stack.client.startLifecycle(lifecycleInput());
      await until(() => groupsNamedFor(workflowId).length === 1, 60_000, 'the group to be created');
      await worker.kill();
      worker = await spawnWorker(workerEnv);
      // The lost attempt is retried after its start-to-close timeout; it finds the group by name.
      await until(
        async () =>
          (await suite.stack.client.lifecycleProgress(workflowId)).stage === 'training' &&
          groupsNamedFor(workflowId)[0]?.trainingsStarted === 1,
        120_000,
        'training to start',
      );
      await worker.kill();
      worker = await spawnWorker(workerEnv);
      const result = await suite.stack.client.waitForLifecycle(workflowId);

      const log = suite.stack.sim.log();
      expect(groupsNamedFor(workflowId)).toHaveLength(1);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/create')).toBe(1);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/add')).toBe(1);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/train')).toBe(1);
      expect(groupsNamedFor(workflowId)[0]?.trainingsStarted).toBe(1);
      expect(countApplied(log, 'POST', '/v2/photo_avatar/look/generate')).toBe(1);
      expect(countApplied(log, 'POST', '/v2/video/generate')).toBe(1);
      await expectNoDuplicateLooks(workflowId, result.groupId);

      // SIGTERM shuts the worker down gracefully: it drains and exits 0.
      const stopped = await worker.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toContain('worker: stopped');
    } finally {
      await worker.stop();
      suite.stack.sim.setDurations({ trainingMs: 0 });
    }
  }, 240_000);
});

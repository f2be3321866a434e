import { createHeyGenPort } from '../../heygen/select';
import { renderPng } from '../../simulator/media/png';
import { countApplied } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite, type Stack } from '../support/stack';
import { billed, lifecycleInputFor, WIRE } from '../support/versions';
import { exactPath, PATHS, workerEnvFor } from '../support/wire';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

/**
 * Billable creates are never billed twice, whatever happens to their answers or to the worker making them. v2 has
 * no idempotency: the adapter reconciles a lost answer by the run-unique name (groups, looks) or the training state,
 * and a render whose answer is lost is the one documented window. v3 sends an Idempotency-Key per run and step: a
 * retry replays the first answer. Every "billed" figure comes from the simulator's ledger.
 */
const suite = versionedWorkflowSuite({}, { startWorker: false });

const bodyHas = (body: unknown, key: string) =>
  typeof body === 'object' && body !== null && key in (body as Record<string, unknown>);

describe.each(testedApiVersions())('billable creates are not repeated (HeyGen API %s)', (version) => {
  const stack = (): Stack => suite.stacks[version];
  const wire = WIRE[version];
  const paths = PATHS[version];

  beforeEach(() => {
    stack().sim.clearFaults();
    stack().sim.clearLog();
  });

  function groupsNamedFor(workflowId: string) {
    return stack()
      .sim.snapshot()
      .groups.filter((g) => g.name.includes(workflowId));
  }

  /** Runs `fn` with a worker of this file's stack (in-process), stopped afterwards. */
  async function withWorker(fn: () => Promise<void>): Promise<void> {
    const { worker, done } = await stack().startWorker();
    try {
      await fn();
    } finally {
      worker.shutdown();
      await done;
    }
  }

  /** Each of the run's photos became exactly one look of its group (generated photos are all 'generated' looks). */
  async function expectNoDuplicateLooks(workflowId: string, groupId: string) {
    const photos = (await stack().client.lifecycleProgress(workflowId)).ids.imageKeys;
    expect(photos.length).toBeGreaterThan(0);
    const looks = stack()
      .sim.snapshot()
      .looks.filter((l) => l.groupId === groupId && photos.includes(l.imageKey ?? ''));
    expect(looks.map((l) => l.imageKey).sort()).toEqual([...photos].sort());
  }

  if (version === 'v2') {
    test('answers lost after HeyGen accepted a group create, an add and a train are reconciled, not repeated', async () => {
      await withWorker(async () => {
        const { sim, client } = stack();
        for (const path of ['avatar_group/create', 'avatar_group/add', 'train']) {
          sim.addFault({
            method: 'POST',
            path: `^/v2/photo_avatar/${path}$`,
            kind: 'drop',
            when: 'after',
          });
        }
        const before = sim.ledger().length;
        const { workflowId } = await client.startLifecycle(lifecycleInputFor(version, { looks: [] }));
        const result = await client.waitForLifecycle(workflowId);
        const log = sim.log();
        // Each create was answered with a dropped connection once, then found again on the retry.
        expect(log.filter((e) => e.path === paths.avatarCreate).map((e) => e.status)).toEqual([0]);
        expect(countApplied(log, 'POST', '/v2/photo_avatar/avatar_group/add')).toBe(1);
        expect(countApplied(log, 'POST', '/v2/photo_avatar/train')).toBe(1);
        expect(groupsNamedFor(workflowId)).toHaveLength(1);
        expect(groupsNamedFor(workflowId)[0]?.trainingsStarted).toBe(1);
        await expectNoDuplicateLooks(workflowId, result.groupId);
        const { look_generation: _none, ...expected } = wire.lifecycleBilling;
        expect(billed(sim.ledger().slice(before))).toEqual(expected);
      });
    });

    test('the documented window: a render whose answer is lost is submitted again (v2 offers no reconciliation)', async () => {
      await withWorker(async () => {
        const { sim, client } = stack();
        sim.addFault({ method: 'POST', path: exactPath(wire.renderCreate), kind: 'drop', when: 'after' });
        const before = sim.ledger().length;
        const { workflowId } = await client.startLifecycle(lifecycleInputFor(version, { looks: [] }));
        await client.waitForLifecycle(workflowId);
        // Counted, not hidden: two renders were billed for this run.
        expect(countApplied(sim.log(), 'POST', wire.renderCreate)).toBe(2);
        expect(billed(sim.ledger().slice(before)).render).toBe(2);
      });
    });
  } else {
    test('answers lost after HeyGen created the avatar, a look and the render are replayed under the same key, not repeated', async () => {
      await withWorker(async () => {
        const { sim, client } = stack();
        // Photos HeyGen holds: the avatar from the first, the other two added as looks (one a call).
        const heygen = createHeyGenPort(stack().config.heygen);
        const photos: string[] = [];
        for (let i = 0; i < 3; i++) {
          const asset = await heygen.uploadAsset(
            renderPng({ width: 64, height: 64, seed: `lost-${Date.now()}-${i}` }),
            'image/png',
          );
          photos.push(asset.photoRef ?? '');
        }
        sim.clearLog();
        // The avatar create and the first look add lose their answers (the create's replay, between them, is
        // answered: a 'slow' rule of 0 ms only takes its turn), then the render does.
        const avatars = exactPath(paths.avatarCreate);
        sim.addFault({ method: 'POST', path: avatars, kind: 'drop', when: 'after' });
        sim.addFault({ method: 'POST', path: avatars, kind: 'slow', delayMs: 0 });
        sim.addFault({ method: 'POST', path: avatars, kind: 'drop', when: 'after' });
        sim.addFault({ method: 'POST', path: exactPath(wire.renderCreate), kind: 'drop', when: 'after' });
        const before = sim.ledger().length;
        const { workflowId } = await client.startLifecycle(
          lifecycleInputFor(version, { photo: { imageKeys: photos }, looks: [] }),
        );
        const result = await client.waitForLifecycle(workflowId);
        const log = sim.log();

        // Every lost answer was followed by a replay under the same key, which created nothing.
        const dropped = log.filter((e) => e.fault === 'drop');
        expect(dropped.map((e) => e.path)).toEqual([
          paths.avatarCreate,
          paths.avatarCreate,
          wire.renderCreate,
        ]);
        for (const lost of dropped) {
          expect(lost).toMatchObject({ applied: true, status: 0 });
          const retry = log.find((e) => e.seq > lost.seq && e.idempotencyKey === lost.idempotencyKey);
          expect(retry).toMatchObject({ path: lost.path, status: 200, idempotentReplay: true });
        }
        // Two steps never share a key.
        const keys = log.filter((e) => e.method === 'POST' && e.idempotencyKey).map((e) => e.idempotencyKey);
        expect(new Set(keys).size).toBe(4); // avatar, two looks, render
        expect(result.videoId).toBe(dropped[2]?.createdId);
        expect(result.lookIds).toHaveLength(3);
        // Replayed, not reconciled: nothing was looked up by name.
        expect(log.some((e) => e.method === 'GET' && e.path === '/v3/avatars')).toBe(false);
        expect(groupsNamedFor(workflowId)).toHaveLength(1);
        expect(billed(sim.ledger().slice(before))).toEqual({ avatar: 1, look: 2, render: 1 });
      });
    });
  }

  test('a worker killed with SIGKILL during the avatar create and again during the next job: the restarted worker completes the run without duplicates', async () => {
    const { sim, client } = stack();
    const workerEnv = workerEnvFor(stack(), { LOG_LEVEL: 'ERROR' });
    // The job after the avatar takes 3 s: v2 trains the group, v3 generates the new look.
    sim.setDurations(version === 'v2' ? { trainingMs: 3000 } : { lookGenerationMs: 3000 });
    // HeyGen creates the avatar at once but answers only after 5 s: the worker dies in between.
    sim.addFault({
      method: 'POST',
      path: exactPath(paths.avatarCreate),
      kind: 'slow',
      delayMs: 5000,
      when: 'after',
    });
    const before = sim.ledger().length;
    let worker: WorkerProcess = await spawnWorker(workerEnv);
    try {
      const { workflowId } = await client.startLifecycle(lifecycleInputFor(version));
      await until(() => groupsNamedFor(workflowId).length === 1, 60_000, 'the avatar to be created');
      await worker.kill();
      worker = await spawnWorker(workerEnv);
      // The lost attempt is retried after its start-to-close timeout: v2 finds the group by its name, v3 replays
      // the create under the same key.
      // Then killed again while HeyGen works on the next job: v2 trains the group; v3 makes the generated look.
      await until(
        async () => {
          const { stage } = await client.lifecycleProgress(workflowId);
          const group = groupsNamedFor(workflowId)[0];
          return version === 'v2'
            ? stage === 'training' && group?.trainingsStarted === 1
            : stage === 'generating_looks' &&
                sim.snapshot().looks.filter((l) => l.groupId === group?.id).length === 2;
        },
        120_000,
        'the next job to be under way',
      );
      await worker.kill();
      worker = await spawnWorker(workerEnv);
      const result = await client.waitForLifecycle(workflowId);

      const log = sim.log();
      expect(groupsNamedFor(workflowId)).toHaveLength(1);
      expect(groupsNamedFor(workflowId)[0]?.id).toBe(result.groupId);
      // Exactly what one uninterrupted run bills.
      expect(billed(sim.ledger().slice(before))).toEqual(wire.lifecycleBilling);
      if (version === 'v2') {
        expect(countApplied(log, 'POST', paths.avatarCreate)).toBe(1);
        expect(groupsNamedFor(workflowId)[0]?.trainingsStarted).toBe(1);
        await expectNoDuplicateLooks(workflowId, result.groupId);
      } else {
        // The killed worker's create and its retry carried the same key; the retry was answered by a replay.
        const [killed, ...retries] = log.filter(
          (e) => e.method === 'POST' && e.path === paths.avatarCreate && !bodyHas(e.body, 'avatar_id'),
        );
        expect(killed).toMatchObject({ fault: 'slow', applied: true });
        expect(retries.length).toBeGreaterThanOrEqual(1);
        for (const retry of retries) expect(retry.idempotencyKey).toBe(killed?.idempotencyKey);
        expect(retries.at(-1)).toMatchObject({ status: 200, idempotentReplay: true });
      }

      // SIGTERM shuts the worker down gracefully: it drains and exits 0.
      const stopped = await worker.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toContain('worker: stopped');
    } finally {
      await worker.stop();
      sim.setDurations(version === 'v2' ? { trainingMs: 0 } : { lookGenerationMs: 0 });
    }
  }, 240_000);
});

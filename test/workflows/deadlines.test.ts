import { ApplicationFailure } from '@temporalio/common';
import {
  acquireRenderSlotSignal,
  deliverJobEventSignal,
  releaseRenderSlotSignal,
  routeJobEventSignal,
} from '../../contracts/definitions';
import { FAILURE_TYPES } from '../../contracts/retries';
import type { JobEvent } from '../../contracts/results';
import { jobEventMailbox, MAILBOX_TTL_MS, UNCLAIMED_EVENT_TTL_MS } from '../../workflows/jobEventMailbox';
import { STAGE_DEADLINES_MS } from '../../workflows/photoAvatarLifecycle';
import { RENDER_DEADLINE_MS } from '../../workflows/renderVideo';
import { IDLE_MS, renderSlots, SLOT_LEASE_MS } from '../../workflows/renderSlots';
import { JobInbox, waitForJob } from '../../workflows/waiting';
import type * as FakeWorkflow from '../support/fakeWorkflow';
import { fake, settle, signal } from '../support/fakeWorkflow';

/*
 * Every deadline, TTL and lease the workflows keep, with time skipped on a fake clock (jest's), so hours pass in
 * milliseconds. Temporal's own time-skipping test server is out of reach on this machine (docs/testing.md); the
 * workflow APIs these functions call are faked by test/support/fakeWorkflow.ts, the code under test is the real one.
 */
jest.mock('@temporalio/workflow', () =>
  // Required here: jest runs this factory before the imports above are initialised.
  jest.requireActual<typeof FakeWorkflow>('../support/fakeWorkflow').fakeWorkflowModule(),
);

const SECOND = 1000;
const MINUTE = 60 * SECOND;

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z') });
  fake.reset();
});
afterEach(() => jest.useRealTimers());

/** Where a promise stands, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('stage deadlines (waitForJob)', () => {
  const deadlines: Array<[string, number]> = [
    ...Object.entries(STAGE_DEADLINES_MS),
    ['render', RENDER_DEADLINE_MS],
  ];

  test.each(deadlines)(
    '%s: a job that never finishes fails the stage at its deadline, not before',
    async (what, ms) => {
      const poll = jest.fn(() => Promise.resolve({ done: false as const, status: 'processing' }));
      const wait = track(
        waitForJob({
          what,
          poll,
          polling: { initialSeconds: 5, maxSeconds: 30, backoff: 1.5 },
          deadlineMs: ms,
        }),
      );
      await jest.advanceTimersByTimeAsync(ms - MINUTE);
      expect(wait.settled).toBe(false);
      await jest.advanceTimersByTimeAsync(2 * MINUTE);
      expect(wait.settled).toBe(true);
      expect(wait.error).toBeInstanceOf(ApplicationFailure);
      const failure = wait.error as ApplicationFailure;
      expect(failure.type).toBe(FAILURE_TYPES.stageTimeout);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toBe(`${what} did not finish within ${ms / SECOND} s`);
      // Reads at 0, ~5, ~12.5, ~24, ~41, ~66 s, then every ~30 s (±10 % jitter) until the deadline.
      const expected = 6 + (ms - 66 * SECOND) / (30 * SECOND);
      expect(poll.mock.calls.length).toBeGreaterThan(expected * 0.9);
      expect(poll.mock.calls.length).toBeLessThan(expected * 1.12);
    },
  );

  test('a job event ends a webhook-mode wait at once: the status is read then, not after the 10 min fallback', async () => {
    const inbox = new JobInbox();
    let done = false;
    const poll = jest.fn(() =>
      Promise.resolve(
        done ? { done: true as const, value: 'ready' } : { done: false as const, status: 'pending' },
      ),
    );
    const wait = track(
      waitForJob({
        what: 'Render v1',
        poll,
        polling: { initialSeconds: 600, maxSeconds: 1800 },
        deadlineMs: RENDER_DEADLINE_MS,
        event: { inbox, kind: 'render', resourceId: 'v1' },
        pollFirst: false,
      }),
    );
    await jest.advanceTimersByTimeAsync(3 * MINUTE);
    expect(poll).not.toHaveBeenCalled();
    done = true;
    inbox.record({ kind: 'render', resourceId: 'v1', outcome: 'success' });
    fake.wake();
    await settle();
    expect(poll).toHaveBeenCalledTimes(1);
    expect(wait).toEqual({ settled: true, value: 'ready' });
  });

  test('without an event the fallback poll still ends the wait, on its own cadence', async () => {
    const poll = jest
      .fn<Promise<{ done: false; status: string } | { done: true; value: string }>, []>()
      .mockResolvedValueOnce({ done: false, status: 'pending' })
      .mockResolvedValue({ done: true, value: 'ready' });
    const wait = track(
      waitForJob({
        what: 'Render v2',
        poll,
        polling: { initialSeconds: 600, maxSeconds: 1800 },
        deadlineMs: RENDER_DEADLINE_MS,
        event: { inbox: new JobInbox(), kind: 'render', resourceId: 'v2' },
      }),
    );
    await jest.advanceTimersByTimeAsync(9 * MINUTE);
    expect(poll).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(2 * MINUTE); // 600 s ± 10 %
    expect(wait).toEqual({ settled: true, value: 'ready' });
  });
});

describe('mailbox TTLs (jobEventMailbox)', () => {
  const job = { kind: 'render', resourceId: 'v9' } as const;
  const event: JobEvent = { kind: 'render', resourceId: 'v9', outcome: 'success' };

  test('an event nobody claims closes its mailbox after UNCLAIMED_EVENT_TTL_MS (1 h), not 6 h', async () => {
    signal(deliverJobEventSignal, { event }); // the starting signal (signal-with-start)
    const mailbox = track(jobEventMailbox(job));
    await jest.advanceTimersByTimeAsync(UNCLAIMED_EVENT_TTL_MS - SECOND);
    expect(mailbox.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(2 * SECOND);
    expect(mailbox.value).toEqual({ delivered: false, reason: 'no route for render v9' });
    expect(fake.sent).toEqual([]);
  });

  test('a route whose event never comes closes after MAILBOX_TTL_MS (6 h)', async () => {
    signal(routeJobEventSignal, { workflowId: 'render-1' });
    const mailbox = track(jobEventMailbox(job));
    await jest.advanceTimersByTimeAsync(MAILBOX_TTL_MS - SECOND);
    expect(mailbox.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(2 * SECOND);
    expect(mailbox.value).toEqual({ delivered: false, reason: 'no event' });
  });

  test('an event that waited 59 min for its route is still delivered, once, to that route', async () => {
    signal(deliverJobEventSignal, { event });
    const mailbox = track(jobEventMailbox(job));
    await jest.advanceTimersByTimeAsync(59 * MINUTE);
    signal(routeJobEventSignal, { workflowId: 'render-1' });
    signal(deliverJobEventSignal, { event: { ...event, message: 'a duplicate' } });
    await settle();
    expect(mailbox.value).toEqual({ delivered: true, to: 'render-1' });
    expect(fake.sent).toEqual([{ to: 'render-1', signal: 'heygenJobEvent', args: [event] }]);
  });
});

describe('render-slot lease and idle end (renderSlots)', () => {
  const granted = () => fake.sent.filter((s) => s.signal === 'renderSlotGranted').map((s) => s.to);

  test('a holder that never releases loses its slot after SLOT_LEASE_MS (3 h); the queued render gets it', async () => {
    signal(acquireRenderSlotSignal, { workflowId: 'render-A', capacity: 1 });
    const slots = track(renderSlots({ capacity: 1 }));
    await settle();
    expect(granted()).toEqual(['render-A']);

    signal(acquireRenderSlotSignal, { workflowId: 'render-B', capacity: 1 });
    await jest.advanceTimersByTimeAsync(SLOT_LEASE_MS - MINUTE);
    expect(granted()).toEqual(['render-A']); // A still holds its lease
    // The lease is checked every SLOT_LEASE_MS / 6 (30 min) while anything is held or queued.
    await jest.advanceTimersByTimeAsync(SLOT_LEASE_MS / 6 + MINUTE);
    expect(granted()).toEqual(['render-A', 'render-B']);
    expect(slots.settled).toBe(false);
  });

  test('a released slot goes to the next render at once; once all are released the workflow ends at its next check', async () => {
    signal(acquireRenderSlotSignal, { workflowId: 'render-A', capacity: 1 });
    signal(acquireRenderSlotSignal, { workflowId: 'render-B', capacity: 1 });
    const slots = track(renderSlots({ capacity: 1 }));
    await settle();
    expect(granted()).toEqual(['render-A']);
    signal(releaseRenderSlotSignal, { workflowId: 'render-A' });
    await settle();
    expect(granted()).toEqual(['render-A', 'render-B']);
    signal(releaseRenderSlotSignal, { workflowId: 'render-B' });
    // The wait B's grant began (the lease check, every SLOT_LEASE_MS / 6) ends with nothing held or queued.
    await jest.advanceTimersByTimeAsync(SLOT_LEASE_MS / 6 - MINUTE);
    expect(slots.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    expect(slots).toEqual({ settled: true, value: undefined });
  });

  test('started with nothing to do, it ends after IDLE_MS (1 h); the next acquire starts it again', async () => {
    const slots = track(renderSlots({ capacity: 3 }));
    await jest.advanceTimersByTimeAsync(IDLE_MS - MINUTE);
    expect(slots.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    expect(slots).toEqual({ settled: true, value: undefined });
  });

  test('a grant that cannot be delivered (the render is gone) frees the slot for the next one', async () => {
    fake.gone.add('render-A');
    signal(acquireRenderSlotSignal, { workflowId: 'render-A', capacity: 1 });
    signal(acquireRenderSlotSignal, { workflowId: 'render-B', capacity: 1 });
    track(renderSlots({ capacity: 1 }));
    await settle();
    await settle();
    expect(granted()).toEqual(['render-B']);
  });
});

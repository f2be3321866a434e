import { getEventListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import {
  batchCounts,
  followHistory,
  followStages,
  runUpdates,
  type BatchCounts,
  type RunUpdate,
} from '../../cli/watch';
import { LIFECYCLE_STAGES } from '../../contracts/progress';
import { HISTORIES, recordedHistories } from '../support/histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The recorded history (test/histories) of the first run of this workflow type. */
async function recorded(workflowType: string): Promise<HistoryEvent[]> {
  for (const file of await recordedHistories()) {
    const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
    const events = history.events ?? [];
    if (events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === workflowType)
      return events;
  }
  throw new Error(`no recorded ${workflowType} history in ${HISTORIES}`);
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((r) => setTimeout(r, 1));
    yield item;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const ms = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

describe('the stage display reads the run history, not the workers', () => {
  test("a lifecycle's stages and API version come from its search-attribute upserts, timed by its workflow tasks", async () => {
    const events = await recorded('photoAvatarLifecycle');
    const updates = await collect(runUpdates(from(events)));
    const stages = updates.flatMap((u) => (u.kind === 'stage' ? [u] : []));
    const versions = updates.flatMap((u) => (u.kind === 'apiVersion' ? [u.version] : []));
    expect(versions).toHaveLength(1);
    expect(['v2', 'v3']).toContain(versions[0]);
    // Every stage the lifecycle passes through, in order (v3 runs some of them as no-ops, never skips one).
    expect(stages.map((s) => s.stage)).toEqual([...LIFECYCLE_STAGES]);
    // A stage's time is the start of a workflow task of the run (the workflow's clock), in order.
    const taskStarts = new Set(events.filter((e) => e.workflowTaskStartedEventAttributes).map((e) => ms(e)));
    for (const s of stages) expect(taskStarts.has(s.at.getTime())).toBe(true);
    const times = stages.map((s) => s.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('each stage and the API version print once; "failed" is left to the error line', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, s));
    const source: RunUpdate[] = [
      { kind: 'stage', stage: 'validating', at: at(0) },
      { kind: 'apiVersion', version: 'v3' },
      { kind: 'stage', stage: 'photos', at: at(1) },
      // The same stage again (as a replayed `progress` answer used to report it, with another start time)
      { kind: 'stage', stage: 'photos', at: at(2) },
      { kind: 'apiVersion', version: 'v3' },
      { kind: 'stage', stage: 'rendering', at: at(3) },
      { kind: 'stage', stage: 'failed', at: at(4) },
    ];
    const lines: string[] = [];
    const result = await followStages(
      () => from(source),
      Promise.resolve('result'),
      'lifecycle',
      (l) => lines.push(l),
    );
    expect(result).toBe('result');
    // The display finished before the result was handed back: nothing prints after the JSON result.
    expect(lines).toEqual([
      '[lifecycle] 08:00:00 stage: validating',
      '[lifecycle] HeyGen API v3',
      '[lifecycle] 08:00:01 stage: photos',
      '[lifecycle] 08:00:03 stage: rendering',
    ]);
  });

  test("a failed run's error is thrown once its stages are shown; a broken display never hides it", async () => {
    const lines: string[] = [];
    const failure = new Error('run failed');
    const done = Promise.reject(failure);
    await expect(
      followStages(
        () => from<RunUpdate>([{ kind: 'stage', stage: 'photos', at: new Date(0) }]),
        done,
        'render',
        (l) => lines.push(l),
      ),
    ).rejects.toBe(failure);
    expect(lines).toEqual(['[render] 00:00:00 stage: photos']);
    const broken = (): AsyncIterable<RunUpdate> => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('history read refused')) }),
    });
    await expect(followStages(broken, Promise.resolve(7), 'render', () => undefined)).resolves.toBe(7);
  });

  test("a batch's counts from its history end where its result says", async () => {
    const events = await recorded('renderBatch');
    const counts: BatchCounts[] = await collect(batchCounts(from(events)));
    const close = events.find((e) => e.workflowExecutionCompletedEventAttributes);
    const result = defaultPayloadConverter.fromPayload<{ total: number; completed: number; failed: number }>(
      close!.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!,
    );
    expect(counts.at(-1)).toEqual({
      total: result.total,
      completed: result.completed,
      failed: result.failed,
      running: 0,
      pending: 0,
    });
    // Children are counted as running from the moment the batch starts them, as its `progress` query counts them.
    expect(Math.max(...counts.map((c) => c.running))).toBeGreaterThan(0);
    for (const c of counts) expect(c.completed + c.failed + c.running + c.pending).toBe(c.total);
  });

  test('a continued batch starts from the outcomes its input carries', async () => {
    const input = {
      items: [{}, {}, {}, {}],
      next: 2,
      outcomes: [{ status: 'completed' }, { status: 'failed' }],
    };
    const started: HistoryEvent = {
      workflowExecutionStartedEventAttributes: {
        input: { payloads: [defaultPayloadConverter.toPayload(input)] },
      },
    };
    const counts = await collect(batchCounts(from([started])));
    expect(counts).toEqual([{ total: 4, completed: 1, failed: 1, running: 0, pending: 2 }]);
  });
});

/** A client whose only service call is the history read, answering from `pages` and recording each request. */
function historyStub(
  answer: (
    req: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest,
    signal?: AbortSignal,
  ) => Promise<unknown>,
) {
  let signal: AbortSignal | undefined;
  const requests: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest[] = [];
  const client = {
    options: { namespace: 'ns' },
    async withAbortSignal<R>(s: AbortSignal, fn: () => Promise<R>): Promise<R> {
      signal = s;
      try {
        return await fn();
      } finally {
        signal = undefined;
      }
    },
    workflowService: {
      getWorkflowExecutionHistory(req: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest) {
        requests.push({ ...req, execution: { ...req.execution } });
        return answer(req, signal);
      },
    },
  } as unknown as Client;
  return { client, requests };
}

describe('followHistory', () => {
  test('long-polls page after page, then follows continue-as-new to the last run', async () => {
    const token = new Uint8Array([1]);
    const pages = [
      { history: { events: [{ eventId: 1 }, { eventId: 2 }] }, nextPageToken: token },
      {
        history: {
          events: [
            { eventId: 3, workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'r2' } },
          ],
        },
        nextPageToken: new Uint8Array(),
      },
      { history: { events: [{ eventId: 1 }, { eventId: 2 }] }, nextPageToken: new Uint8Array() },
    ];
    const { client, requests } = historyStub(() => Promise.resolve(pages.shift()));
    const events = await collect(followHistory(client, 'wf', { runId: 'r1' }));
    expect(events.map((e) => e.eventId)).toEqual([1, 2, 3, 1, 2]);
    expect(requests.map((r) => [r.execution?.runId, r.nextPageToken, r.waitNewEvent, r.namespace])).toEqual([
      ['r1', undefined, true, 'ns'],
      ['r1', token, true, 'ns'],
      ['r2', undefined, true, 'ns'],
    ]);
  });

  test('an abort ends a pending long poll quietly and leaves no listener behind', async () => {
    const { client, requests } = historyStub(
      (_req, signal) =>
        new Promise((resolve, reject) => {
          if (requests.length <= 3) {
            resolve({
              history: { events: [{ eventId: requests.length }] },
              nextPageToken: new Uint8Array([1]),
            });
            return;
          }
          signal?.addEventListener('abort', () => reject(new Error('CANCELLED')));
        }),
    );
    const abort = new AbortController();
    const seen: HistoryEvent[] = [];
    const following = (async () => {
      for await (const e of followHistory(client, 'wf', { signal: abort.signal })) seen.push(e);
    })();
    while (requests.length < 4) await new Promise((r) => setTimeout(r, 1));
    // One listener however many reads went before (the SDK keeps one per call on the signal it is given).
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    abort.abort();
    await expect(following).resolves.toBeUndefined();
    expect(seen.map((e) => e.eventId)).toEqual([1, 2, 3]);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });
});

import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { BatchProgress } from '../contracts/results';
import { SEARCH_ATTRIBUTES } from '../contracts/searchAttributes';
import { info } from './output';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * A run's history from its first event, then each new one as the server records it, across continue-as-new (and
 * workflow retries) to the last run. Each read is a long poll (`waitNewEvent`): the server answers when the run
 * records an event, so following a run puts nothing on a worker (a `progress` query would run a workflow task each
 * time, and replay the whole run once it has closed). Ends when the last run has closed and its history is read, or
 * when `signal` aborts (the pending read is cancelled; the iteration then ends without an error).
 */
export async function* followHistory(
  client: Client,
  workflowId: string,
  opts: { runId?: string; signal?: AbortSignal } = {},
): AsyncGenerator<HistoryEvent> {
  const execution = { workflowId, runId: opts.runId };
  let nextPageToken: Uint8Array | undefined;
  const read = () =>
    client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution,
      nextPageToken,
      waitNewEvent: true,
      skipArchival: true,
    });
  for (;;) {
    if (opts.signal?.aborted) return;
    let response: temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
    try {
      response = await abortable(client, opts.signal, read);
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    let next: string | undefined;
    for (const event of response.history?.events ?? []) {
      next = nextRunId(event) ?? next;
      yield event;
    }
    if (response.nextPageToken && response.nextPageToken.length > 0) {
      nextPageToken = response.nextPageToken;
      continue;
    }
    if (!next) return;
    execution.runId = next;
    nextPageToken = undefined;
  }
}

/**
 * `fn` under `signal`, through a signal of its own: the SDK leaves a listener on the signal it is given for each
 * call, and a run followed for long makes many calls.
 */
async function abortable<T>(
  client: Client,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!signal) return fn();
  const call = new AbortController();
  const forward = () => call.abort();
  signal.addEventListener('abort', forward, { once: true });
  try {
    return await client.withAbortSignal(call.signal, fn);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

/** The run a closed run handed over to (continue-as-new, a retry, a cron run), if any. */
function nextRunId(event: HistoryEvent): string | undefined {
  return (
    event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ??
    event.workflowExecutionCompletedEventAttributes?.newExecutionRunId ??
    event.workflowExecutionFailedEventAttributes?.newExecutionRunId ??
    event.workflowExecutionTimedOutEventAttributes?.newExecutionRunId ??
    undefined
  );
}

function eventMs(event: HistoryEvent): number | undefined {
  const t = event.eventTime;
  if (!t) return undefined;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

function decode(payload: Payload | null | undefined): unknown {
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** What the display shows of a run: its HeyGen API, then each stage it enters, with the (workflow) time it did. */
export type RunUpdate = { kind: 'apiVersion'; version: string } | { kind: 'stage'; stage: string; at: Date };

/**
 * Reads the updates from a run's history: the workflows record their stage in the `HeyGenStage` search attribute
 * (workflows/visibility.ts) and their API in `HeyGenApiVersion`, and each upsert is an event. A stage's time is the
 * start of the workflow task that entered it, which is the workflow's own clock (the time the `progress` query
 * reported). Stage notes are not in the history (they live in the run's memory and current details), so they are
 * not shown.
 */
export async function* runUpdates(events: AsyncIterable<HistoryEvent>): AsyncGenerator<RunUpdate> {
  let taskStartedMs: number | undefined;
  for await (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) taskStartedMs = eventMs(event);
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (!fields) continue;
    const version = decode(fields[SEARCH_ATTRIBUTES.apiVersion.name]);
    if (typeof version === 'string') yield { kind: 'apiVersion', version };
    const stage = decode(fields[SEARCH_ATTRIBUTES.stage.name]);
    if (typeof stage === 'string') {
      yield { kind: 'stage', stage, at: new Date(taskStartedMs ?? eventMs(event) ?? Date.now()) };
    }
  }
}

/** How long the display may take, once the result is in, to read the rest of the closed run's history. */
const DRAIN_MS = 5000;

/**
 * Prints each stage once, as the run enters it, until `done` settles and the closed run's last stages are shown;
 * then returns (or throws) what `done` gave. The display is best effort: a history read that fails stops it, never
 * the command. 'failed' is not printed as a stage: the error that follows says where the run failed.
 */
export async function followStages<T>(
  updates: (signal: AbortSignal) => AsyncIterable<RunUpdate>,
  done: Promise<T>,
  label: string,
  print: (line: string) => void = info,
): Promise<T> {
  const abort = new AbortController();
  const printed = new Set<string>();
  const display = (async () => {
    for await (const u of updates(abort.signal)) {
      const key = u.kind === 'apiVersion' ? 'apiVersion' : `stage:${u.stage}`;
      if (printed.has(key) || (u.kind === 'stage' && u.stage === 'failed')) continue;
      printed.add(key);
      print(
        u.kind === 'apiVersion'
          ? `[${label}] HeyGen API ${u.version}`
          : `[${label}] ${u.at.toISOString().slice(11, 19)} stage: ${u.stage}`,
      );
    }
  })().catch(() => undefined);
  try {
    return await done;
  } finally {
    // The run has closed: its history ends, so the display finishes on its own (bounded in case it cannot).
    const timer = setTimeout(() => abort.abort(), DRAIN_MS);
    await display;
    clearTimeout(timer);
  }
}

/** The stage display of a lifecycle or render run, from its history. */
export function historyStages(client: Client, workflowId: string, runId?: string) {
  return (signal: AbortSignal) =>
    runUpdates(followHistory(client, workflowId, { ...(runId ? { runId } : {}), signal }));
}

export type BatchCounts = Omit<BatchProgress, 'run'>;

/**
 * A batch's counts from its history, as its `progress` query would report them, after every event that changes
 * them: each run starts from the outcomes its input carries (continue-as-new), then counts its child renders as they
 * are started and end.
 */
export async function* batchCounts(events: AsyncIterable<HistoryEvent>): AsyncGenerator<BatchCounts> {
  let counts: BatchCounts = { total: 0, completed: 0, failed: 0, running: 0, pending: 0 };
  const settle = (change: Partial<BatchCounts>): BatchCounts => {
    const c = { ...counts, ...change };
    counts = { ...c, pending: c.total - c.completed - c.failed - c.running };
    return counts;
  };
  for await (const event of events) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = decode(started.input?.payloads?.[0]) as
        { items?: unknown[]; outcomes?: Array<{ status?: string }> } | undefined;
      const outcomes = input?.outcomes ?? [];
      yield settle({
        total: input?.items?.length ?? 0,
        completed: outcomes.filter((o) => o.status === 'completed').length,
        failed: outcomes.filter((o) => o.status === 'failed').length,
        running: 0,
      });
      continue;
    }
    const { completed, failed, running } = counts;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        yield settle({ running: running + 1 });
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
        yield settle({ running: running - 1, failed: failed + 1 });
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
        yield settle({ running: running - 1, completed: completed + 1 });
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
        yield settle({ running: running - 1, failed: failed + 1 });
        break;
      default:
        break;
    }
  }
}

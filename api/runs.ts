import {
  ApplicationFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { runApiVersion, type PipelinesClient, type RunRef } from '../client/pipelinesClient';
import type { MediaName, StoredFile } from '../contracts/media';
import { SEARCH_ATTRIBUTES } from '../contracts/searchAttributes';
import { PROGRESS_QUERY, WORKFLOW_TYPES } from '../contracts/definitions';
import {
  RUN_KINDS,
  RUN_STATUSES,
  type ListFilter,
  type RunFailure,
  type RunKind,
  type RunProgress,
  type RunStatus,
  type RunSummary,
  type RunView,
} from './schemas';

export type { RunKind } from './schemas';

const TYPE_BY_KIND: Record<RunKind, string> = {
  lifecycle: WORKFLOW_TYPES.lifecycle,
  render: WORKFLOW_TYPES.render,
  batch: WORKFLOW_TYPES.batch,
};
const KIND_BY_TYPE = new Map<string, RunKind>(RUN_KINDS.map((k) => [TYPE_BY_KIND[k], k]));

/** Visibility's ExecutionStatus values for each status filter. */
const VISIBILITY_STATUS: Record<RunStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
};

export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
  constructor(readonly workflowId: string) {
    super(`No run with workflow id ${workflowId}`);
  }
}

export class RunStateError extends Error {
  override readonly name = 'RunStateError';
}

/** A visibility-query string literal (double quotes and backslashes escaped). */
const literal = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function statusOf(d: Pick<WorkflowExecutionInfo, 'status'>): RunStatus {
  const name = d.status.name.toLowerCase();
  return name === 'canceled'
    ? 'cancelled'
    : (((RUN_STATUSES as readonly string[]).includes(name) ? name : 'running') as RunStatus);
}

type RunInfo = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
>;

function summarize(d: RunInfo, kind: RunKind): RunSummary {
  const reference = d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.reference);
  const apiVersion = runApiVersion(d.typedSearchAttributes);
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    kind,
    status: statusOf(d),
    startTime: d.startTime.toISOString(),
    ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}),
    ...(reference ? { reference } : {}),
    ...(apiVersion ? { apiVersion } : {}),
  };
}

/** The ApplicationFailure under a WorkflowFailedError, as the workflows throw it (type, stage, HeyGen code). */
function failureOf(err: unknown): RunFailure {
  let current: unknown = err;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof ApplicationFailure) {
      const details = (current.details?.[0] ?? {}) as { stage?: string; code?: string | number };
      return {
        type: current.type ?? 'Error',
        message: current.message,
        ...(details.stage ? { stage: details.stage } : {}),
        ...(details.code !== undefined && details.code !== null ? { code: details.code } : {}),
      };
    }
    current = (current as { cause?: unknown }).cause;
  }
  const message = err instanceof Error ? err.message : String(err);
  const type = err instanceof WorkflowFailedError ? (err.cause?.name ?? 'WorkflowFailed') : 'Error';
  return { type, message };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/**
 * What the HTTP API does, without HTTP: start runs (validated by PipelinesClient with the workflows' own schemas),
 * read them, cancel them, list them. Stateless: everything lives in Temporal, so any number of API instances can
 * serve the same runs.
 */
export class RunsService {
  /**
   * `callTimeoutMs` bounds every Temporal call an API request makes (an unreachable cluster answers 503 after it
   * instead of hanging); the progress query gets `queryTimeoutMs` (no worker answering -> no progress field).
   */
  constructor(
    readonly pipelines: PipelinesClient,
    private readonly callTimeoutMs = 10_000,
    private readonly queryTimeoutMs = 5000,
  ) {}

  private bounded<T>(fn: () => Promise<T>): Promise<T> {
    return this.pipelines.client.connection.withDeadline(Date.now() + this.callTimeoutMs, fn);
  }

  start(kind: RunKind, input: unknown, reference?: string): Promise<RunRef> {
    const opts = reference ? { reference } : {};
    return this.bounded(() => {
      switch (kind) {
        case 'lifecycle':
          return this.pipelines.startLifecycle(input, opts);
        case 'render':
          return this.pipelines.startRender(input, opts);
        case 'batch':
          return this.pipelines.startBatch(input, opts);
      }
    });
  }

  private async describe(workflowId: string): Promise<{ d: WorkflowExecutionDescription; kind: RunKind }> {
    let d: WorkflowExecutionDescription;
    try {
      d = await this.bounded(() => this.pipelines.client.workflow.getHandle(workflowId).describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(workflowId);
      throw err;
    }
    const kind = KIND_BY_TYPE.get(d.type);
    if (!kind) throw new RunNotFoundError(workflowId);
    return { d, kind };
  }

  /** Status, progress and, once closed, the result or the failure. */
  async get(workflowId: string): Promise<RunView> {
    const { d, kind } = await this.describe(workflowId);
    const view: RunView = summarize(d, kind);
    const handle = this.pipelines.client.workflow.getHandle(workflowId);
    const progress = await within(handle.query<RunProgress>(PROGRESS_QUERY), this.queryTimeoutMs);
    if (progress !== undefined) view.progress = progress;
    if (view.status === 'completed') view.result = await this.bounded(() => this.result(kind, workflowId));
    else if (view.status !== 'running') {
      view.failure = await this.bounded(() => handle.result()).then(
        () => ({ type: 'Unknown', message: `run ended as ${view.status}` }),
        (err: unknown) => failureOf(err),
      );
    }
    return view;
  }

  private result(kind: RunKind, workflowId: string): Promise<RunView['result']> {
    switch (kind) {
      case 'lifecycle':
        return this.pipelines.waitForLifecycle(workflowId);
      case 'render':
        return this.pipelines.waitForRender(workflowId);
      case 'batch':
        return this.pipelines.waitForBatch(workflowId);
    }
  }

  async progress(workflowId: string): Promise<RunProgress> {
    await this.describe(workflowId); // 404 unless it is a run the API exposes
    return this.bounded(() =>
      this.pipelines.client.workflow.getHandle(workflowId).query<RunProgress>(PROGRESS_QUERY),
    );
  }

  /** Requests cancellation of a running run; a closed run cannot be cancelled. */
  async cancel(workflowId: string): Promise<RunSummary> {
    const { d, kind } = await this.describe(workflowId);
    const summary = summarize(d, kind);
    if (summary.status !== 'running') {
      throw new RunStateError(`Run ${workflowId} is ${summary.status}: only running runs can be cancelled`);
    }
    await this.bounded(() => this.pipelines.cancel(workflowId));
    return summary;
  }

  /** The stored file `name` of a completed lifecycle or render run (a MediaError says why there is none). */
  mediaFile(workflowId: string, name: MediaName): Promise<StoredFile> {
    return this.bounded(() => this.pipelines.mediaFile(workflowId, name));
  }

  /** Recent runs of this product's task queue, newest first. */
  list(filter: ListFilter): Promise<RunSummary[]> {
    return this.bounded(() => this.listUnbounded(filter));
  }

  private async listUnbounded(filter: ListFilter): Promise<RunSummary[]> {
    const types = filter.kind ? [TYPE_BY_KIND[filter.kind]] : RUN_KINDS.map((k) => TYPE_BY_KIND[k]);
    const clauses = [
      `TaskQueue = ${literal(this.pipelines.taskQueue)}`,
      `WorkflowType IN (${types.map(literal).join(', ')})`,
      ...(filter.status ? [`ExecutionStatus = ${literal(VISIBILITY_STATUS[filter.status])}`] : []),
      ...(filter.reference ? [`${SEARCH_ATTRIBUTES.reference.name} = ${literal(filter.reference)}`] : []),
    ];
    const out: RunSummary[] = [];
    for await (const info of this.pipelines.client.workflow.list({
      query: clauses.join(' AND '),
      pageSize: filter.limit,
    })) {
      const kind = KIND_BY_TYPE.get(info.type);
      if (!kind) continue;
      out.push(summarize(info, kind));
      if (out.length >= filter.limit) break;
    }
    return out;
  }
}

import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { lifecycleInputSchema, type LifecycleInput, type LifecycleResult } from '../contracts/lifecycle';
import type { LifecycleProgress, RenderProgress } from '../contracts/progress';
import { renderVideoInputSchema, type RenderVideoInput, type RenderVideoResult } from '../contracts/render';
import { parseInput } from '../contracts/validation';
import {
  renderBatchInputSchema,
  type BatchProgress,
  type RenderBatchInput,
  type RenderBatchResult,
} from '../contracts/batch';
import type { JobEvent, WaitMode } from '../contracts/events';
import {
  jobEventSignal,
  batchProgressQuery,
  lifecycleProgressQuery,
  renderProgressQuery,
  WORKFLOW_TYPES,
} from '../workflows/definitions';
import type { photoAvatarLifecycle, renderBatch, renderVideo } from '../workflows';
import { defaultWaitModeFromEnv, temporalConfigFromEnv, type TemporalConfig } from './config';

export interface StartOptions {
  /** Defaults to `<kind>-<slug of name>-<uuid>` */
  workflowId?: string;
}

export interface RunRef {
  workflowId: string;
  runId: string;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'run'
  );
}

/**
 * Typed entry point for other TypeScript services: start, follow, query, signal and cancel runs. Inputs are
 * validated here, at the edge, with the same schemas the workflows use: a bad input throws an
 * InputValidationError naming the field, and no workflow (hence no HeyGen call) is started.
 */
export class PipelinesClient {
  /** `defaultWaitMode` applies to inputs that do not set `waitMode` (webhook when a receiver is registered). */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    readonly defaultWaitMode: WaitMode = 'poll',
  ) {}

  static async connect(
    config: TemporalConfig = temporalConfigFromEnv(),
    defaultWaitMode: WaitMode = defaultWaitModeFromEnv(),
  ): Promise<PipelinesClient> {
    const connection = await Connection.connect({ address: config.address });
    return new PipelinesClient(
      new Client({ connection, namespace: config.namespace }),
      config.taskQueue,
      defaultWaitMode,
    );
  }

  async startLifecycle(input: LifecycleInput, opts: StartOptions = {}): Promise<RunRef> {
    const valid = { waitMode: this.defaultWaitMode, ...parseInput(lifecycleInputSchema, input) };
    const workflowId = opts.workflowId ?? `lifecycle-${slug(valid.name)}-${randomUUID()}`;
    const handle = await this.client.workflow.start<typeof photoAvatarLifecycle>(WORKFLOW_TYPES.lifecycle, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [valid],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  async startRender(input: RenderVideoInput, opts: StartOptions = {}): Promise<RunRef> {
    const valid = { waitMode: this.defaultWaitMode, ...parseInput(renderVideoInputSchema, input) };
    const title = valid.video?.title ?? valid.avatarIv?.video_title ?? (valid.webm ? 'webm' : 'video');
    const workflowId = opts.workflowId ?? `render-${slug(title)}-${randomUUID()}`;
    const handle = await this.client.workflow.start<typeof renderVideo>(WORKFLOW_TYPES.render, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [valid],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  /** Starts a batch of renders; `waitMode` defaults apply to every item that does not set its own. */
  async startBatch(input: RenderBatchInput, opts: StartOptions = {}): Promise<RunRef> {
    const valid = parseInput(renderBatchInputSchema, input);
    const items = valid.items.map((item) => ({
      ...item,
      render: { waitMode: this.defaultWaitMode, ...item.render },
    }));
    const workflowId = opts.workflowId ?? `batch-${items.length}-${randomUUID()}`;
    const handle = await this.client.workflow.start<typeof renderBatch>(WORKFLOW_TYPES.batch, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ ...valid, items }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  /** Follows the batch across continue-as-new to its final result. */
  waitForBatch(workflowId: string): Promise<RenderBatchResult> {
    return this.client.workflow.getHandle<typeof renderBatch>(workflowId).result();
  }

  batchProgress(workflowId: string): Promise<BatchProgress> {
    return this.client.workflow.getHandle<typeof renderBatch>(workflowId).query(batchProgressQuery);
  }

  lifecycleHandle(workflowId: string): WorkflowHandle<typeof photoAvatarLifecycle> {
    return this.client.workflow.getHandle<typeof photoAvatarLifecycle>(workflowId);
  }

  renderHandle(workflowId: string): WorkflowHandle<typeof renderVideo> {
    return this.client.workflow.getHandle<typeof renderVideo>(workflowId);
  }

  /** Waits for a lifecycle's result; a failed run throws a WorkflowFailedError whose cause carries HeyGen's code. */
  waitForLifecycle(workflowId: string): Promise<LifecycleResult> {
    return this.lifecycleHandle(workflowId).result();
  }

  waitForRender(workflowId: string): Promise<RenderVideoResult> {
    return this.renderHandle(workflowId).result();
  }

  lifecycleProgress(workflowId: string): Promise<LifecycleProgress> {
    return this.lifecycleHandle(workflowId).query(lifecycleProgressQuery);
  }

  renderProgress(workflowId: string): Promise<RenderProgress> {
    return this.renderHandle(workflowId).query(renderProgressQuery);
  }

  /** Tells a waiting run that a HeyGen job ended (what the webhook receiver does). */
  async notifyJobEvent(workflowId: string, event: JobEvent): Promise<void> {
    await this.client.workflow.getHandle(workflowId).signal(jobEventSignal, event);
  }

  /** Requests cancellation; the running stage stops and the run ends as cancelled. */
  async cancel(workflowId: string): Promise<void> {
    await this.client.workflow.getHandle(workflowId).cancel();
  }

  async describe(
    workflowId: string,
  ): Promise<{ type: string; status: string; startTime: Date; closeTime?: Date }> {
    const d = await this.client.workflow.getHandle(workflowId).describe();
    return { type: d.type, status: d.status.name, startTime: d.startTime, closeTime: d.closeTime };
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

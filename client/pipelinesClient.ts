import { createHash, randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { API_VERSIONS, type ApiVersion } from '../contracts/apiVersion';
import { lifecycleInputSchema, type LifecycleInput, type PhotoSource } from '../contracts/lifecycle';
import type {
  LifecycleResult,
  LifecycleProgress,
  RenderProgress,
  RenderVideoResult,
  BatchProgress,
  RenderBatchResult,
  JobEvent,
} from '../contracts/results';
import { renderVideoInputSchema, type RenderVideoInput } from '../contracts/render';
import { SEARCH_ATTRIBUTES } from '../contracts/searchAttributes';
import { InputValidationError, parseInput } from '../contracts/validation';
import { renderBatchInputSchema, type RenderBatchInput } from '../contracts/batch';
import type { WaitMode } from '../contracts/polling';
import {
  jobEventSignal,
  batchProgressQuery,
  lifecycleProgressQuery,
  renderProgressQuery,
  WORKFLOW_TYPES,
} from '../contracts/definitions';
import type { photoAvatarLifecycle, renderBatch, renderVideo } from '../workflows';
import type { MediaName, StoredFile } from '../contracts/media';
import type { StoredObject, VideoStorage } from '../storage/types';
import { connectTemporalClient } from './connection';
import { downloadRunMedia, runMediaFile } from './media';
import { defaultWaitModeFromEnv, temporalConfigFromEnv, type TemporalConfig } from './config';

export interface StartOptions {
  /** An explicit workflow id; starting it again while its run is known to Temporal is an error. */
  workflowId?: string;
  /**
   * The caller's own reference (an order id, a row id...). The workflow id is derived from it, so starting the
   * same reference twice does not run it twice: the second start returns the first run (`existing: true`).
   */
  reference?: string;
}

export interface RunRef {
  workflowId: string;
  runId: string;
  /** True when a run for this reference already existed and was returned instead of starting another */
  existing?: boolean;
}

export interface RunDescription {
  type: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  /** The HeyGen API generation the run speaks (its HeyGenApiVersion search attribute, set once validated) */
  apiVersion?: ApiVersion;
}

/** The run's HeyGen API version from its search attributes; undefined before its input was validated. */
export function runApiVersion(attributes: Pick<TypedSearchAttributes, 'get'>): ApiVersion | undefined {
  const value = attributes.get(SEARCH_ATTRIBUTES.apiVersion);
  return API_VERSIONS.find((v) => v === value);
}

/** `<kind>-<readable slug>-<hash>`: meaningful in the Temporal UI, deterministic, and collision-free. */
export function referenceWorkflowId(kind: string, reference: string): string {
  return `${kind}-${slug(reference)}-${createHash('sha256').update(reference).digest('hex').slice(0, 12)}`;
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
 * Temporal refuses payloads over 2 MiB ("Blob data size exceeds limit"); refuse a bigger input here, as a
 * validation error with a way out, instead of an opaque server error. 1.5 MiB leaves room for the encoding.
 */
export const MAX_INPUT_BYTES = 1.5 * 1024 * 1024;

function assertPayloadSize(input: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > MAX_INPUT_BYTES) {
    throw new InputValidationError(
      '(input)',
      `is ${(bytes / 1024 / 1024).toFixed(1)} MiB as JSON; at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB fits a Temporal payload (split large batches)`,
    );
  }
}

/** How the Temporal UI summary names a lifecycle's photo source. */
function photoSourceLabel(photo: PhotoSource): string {
  if (photo.generate) return 'AI photos from attributes';
  if (photo.prompt !== undefined) return 'AI photo from a prompt';
  if (photo.imageKeys) return `${photo.imageKeys.length} photo(s) HeyGen holds`;
  return `${photo.files?.length ?? 0} uploaded file(s)`;
}

/** A render's title (for its workflow id and summary) and what kind of video it is. */
function renderLabel(input: RenderVideoInput): { title: string; label: string } {
  if (input.video) {
    return { title: input.video.title ?? 'video', label: `${input.video.scenes.length} scene(s)` };
  }
  if (input.avatarIv) return { title: input.avatarIv.title, label: 'Avatar IV' };
  return { title: input.webm?.title ?? 'webm', label: 'transparent WebM' };
}

/**
 * Typed entry point for other TypeScript services: start, follow, query, signal and cancel runs. Inputs are the
 * product's API-neutral contract (contracts/), validated here, at the edge, with the same schemas the workflows
 * use: a bad input throws an InputValidationError naming the field, and no workflow (hence no HeyGen call) is
 * started. Which HeyGen API a run speaks is the worker's setting (HEYGEN_API_VERSION): the worker refuses, before
 * any HeyGen call, a field that API cannot honour, and every result names the version in `apiVersion`.
 */
export class PipelinesClient {
  /**
   * `defaultWaitMode` is written into inputs that do not set `waitMode`; undefined (the default) leaves the choice to
   * the worker that validates the run (its HEYGEN_WAIT_MODE: the deployment knows whether webhooks arrive).
   */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    readonly defaultWaitMode?: WaitMode,
  ) {}

  static async connect(
    config: TemporalConfig = temporalConfigFromEnv(),
    defaultWaitMode: WaitMode | undefined = defaultWaitModeFromEnv(),
  ): Promise<PipelinesClient> {
    return new PipelinesClient(await connectTemporalClient(config), config.taskQueue, defaultWaitMode);
  }

  /**
   * Validates `input` with the workflow's own schema (an InputValidationError names the field), then starts the
   * run. Typed callers pass a LifecycleInput; JSON from a file or a request goes in as it is, unvalidated.
   */
  startLifecycle(input: LifecycleInput, opts?: StartOptions): Promise<RunRef>;
  startLifecycle(input: unknown, opts?: StartOptions): Promise<RunRef>;
  async startLifecycle(input: unknown, opts: StartOptions = {}): Promise<RunRef> {
    const valid = { ...this.waitModeDefault(), ...parseInput(lifecycleInputSchema, input) };
    const summary = `Photo-avatar lifecycle "${valid.name}": ${photoSourceLabel(valid.photo)}, ${valid.looks?.length ?? 0} new look(s), ${valid.waitMode ? `${valid.waitMode} mode` : 'wait mode of the workers'}`;
    return this.start(WORKFLOW_TYPES.lifecycle, 'lifecycle', valid.name, valid, opts, summary);
  }

  /** As startLifecycle: `input` is validated here. */
  startRender(input: RenderVideoInput, opts?: StartOptions): Promise<RunRef>;
  startRender(input: unknown, opts?: StartOptions): Promise<RunRef>;
  async startRender(input: unknown, opts: StartOptions = {}): Promise<RunRef> {
    const valid = { ...this.waitModeDefault(), ...parseInput(renderVideoInputSchema, input) };
    const { title, label } = renderLabel(valid);
    return this.start(WORKFLOW_TYPES.render, 'render', title, valid, opts, `Render "${title}" (${label})`);
  }

  /**
   * Starts a batch of renders (`input` validated here); `waitMode` defaults apply to every item that does not set
   * its own.
   */
  startBatch(input: RenderBatchInput, opts?: StartOptions): Promise<RunRef>;
  startBatch(input: unknown, opts?: StartOptions): Promise<RunRef>;
  async startBatch(input: unknown, opts: StartOptions = {}): Promise<RunRef> {
    const valid = parseInput(renderBatchInputSchema, input);
    const items = valid.items.map((item) => ({
      ...item,
      render: { ...this.waitModeDefault(), ...item.render },
    }));
    const summary = `Batch of ${items.length} renders`;
    return this.start(WORKFLOW_TYPES.batch, 'batch', `${items.length}`, { ...valid, items }, opts, summary);
  }

  private waitModeDefault(): { waitMode?: WaitMode } {
    return this.defaultWaitMode ? { waitMode: this.defaultWaitMode } : {};
  }

  private async start(
    workflowType: string,
    kind: string,
    label: string,
    input: unknown,
    opts: StartOptions,
    summary: string,
  ): Promise<RunRef> {
    assertPayloadSize(input);
    const workflowId =
      opts.workflowId ??
      (opts.reference ? referenceWorkflowId(kind, opts.reference) : `${kind}-${slug(label)}-${randomUUID()}`);
    try {
      const handle = await this.client.workflow.start(workflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: summary,
        ...(opts.reference
          ? {
              staticDetails: `Caller reference: \`${opts.reference}\``,
              typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.reference, value: opts.reference }],
            }
          : {}),
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !opts.reference) throw err;
      const existing = await this.client.workflow.getHandle(workflowId).describe();
      return { workflowId, runId: existing.runId, existing: true };
    }
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

  /** Type, status and times of a run, and the HeyGen API it speaks once its input was validated. */
  async describe(workflowId: string): Promise<RunDescription> {
    const d = await this.client.workflow.getHandle(workflowId).describe();
    const apiVersion = runApiVersion(d.typedSearchAttributes);
    return {
      type: d.type,
      status: d.status.name,
      startTime: d.startTime,
      closeTime: d.closeTime,
      ...(apiVersion ? { apiVersion } : {}),
    };
  }

  /**
   * The stored file `name` (video, captions, thumbnail, gif) of a completed lifecycle or render run, from its result:
   * where it is (`uri`), its sha256, size and type. Throws a MediaError saying why when there is none.
   */
  mediaFile(workflowId: string, name: MediaName = 'video'): Promise<StoredFile> {
    return runMediaFile(this.client, workflowId, name);
  }

  /**
   * Downloads a run's stored file to `destination`, through `storage` (default: the one the environment names,
   * STORAGE and S3_*, like the workers'): from a presigned URL for S3, from the directory for local storage; the
   * size and sha256 are checked against the result before the file appears under its name.
   */
  async downloadMedia(
    workflowId: string,
    destination: string,
    opts: { name?: MediaName; storage?: VideoStorage } = {},
  ): Promise<StoredObject> {
    // Loaded here, not with the client: the S3 SDK costs every process that embeds a client ~0.4 s to load.
    let storage = opts.storage;
    if (!storage) {
      const { createStorage, storageConfigFromEnv } = await import('../storage/config');
      storage = createStorage(storageConfigFromEnv());
    }
    return downloadRunMedia(this.client, storage, workflowId, opts.name ?? 'video', destination);
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

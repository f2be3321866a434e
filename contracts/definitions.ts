import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MailboxDelivery, MailboxRoute } from './events';
import type { JobEvent, BatchProgress, LifecycleProgress, RenderProgress } from './results';

/**
 * Signals and queries shared by workflows, the client, the CLI and the webhook receiver. Names are part of the
 * language-neutral contract: any Temporal SDK can send `heygenJobEvent` or query `progress`.
 */
export const jobEventSignal = defineSignal<[JobEvent]>('heygenJobEvent');
/** Every run answers the same query name with its kind's progress (contracts/results.ts). */
export const PROGRESS_QUERY = 'progress';
export const lifecycleProgressQuery = defineQuery<LifecycleProgress>(PROGRESS_QUERY);
export const renderProgressQuery = defineQuery<RenderProgress>(PROGRESS_QUERY);
export const batchProgressQuery = defineQuery<BatchProgress>(PROGRESS_QUERY);

/** Sent by a batch item's render to its batch once HeyGen accepted the render (the batch polls in bulk). */
export const renderSubmittedSignal =
  defineSignal<[{ workflowId: string; videoId: string }]>('renderSubmitted');

/** Sent to a job's mailbox by the webhook receiver. */
export const deliverJobEventSignal = defineSignal<[MailboxDelivery]>('deliverJobEvent');
/** Sent to a job's mailbox on behalf of the workflow waiting for that job. */
export const routeJobEventSignal = defineSignal<[MailboxRoute]>('routeJobEvent');

/** Render slots: plan concurrency at HeyGen, shared by every worker (see renderSlots.ts). */
export const acquireRenderSlotSignal =
  defineSignal<[{ workflowId: string; capacity: number }]>('acquireRenderSlot');
export const releaseRenderSlotSignal = defineSignal<[{ workflowId: string }]>('releaseRenderSlot');
export const renderSlotGrantedSignal = defineSignal('renderSlotGranted');
export const renderSlotsQuery = defineQuery<{ capacity: number; holders: string[]; queue: string[] }>(
  'slots',
);

export const WORKFLOW_TYPES = {
  lifecycle: 'photoAvatarLifecycle',
  render: 'renderVideo',
  batch: 'renderBatch',
  mailbox: 'jobEventMailbox',
  renderSlots: 'renderSlots',
} as const;

/** The one render-slots workflow of a namespace. */
export const RENDER_SLOTS_WORKFLOW_ID = 'heygen-render-slots';

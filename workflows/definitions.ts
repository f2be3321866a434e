import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JobEvent, MailboxDelivery, MailboxRoute } from '../contracts/events';
import type { LifecycleProgress, RenderProgress } from '../contracts/progress';

/**
 * Signals and queries shared by workflows, the client, the CLI and the webhook receiver. Names are part of the
 * language-neutral contract: any Temporal SDK can send `heygenJobEvent` or query `progress`.
 */
export const jobEventSignal = defineSignal<[JobEvent]>('heygenJobEvent');
export const lifecycleProgressQuery = defineQuery<LifecycleProgress>('progress');
export const renderProgressQuery = defineQuery<RenderProgress>('progress');

/** Sent to a job's mailbox by the webhook receiver. */
export const deliverJobEventSignal = defineSignal<[MailboxDelivery]>('deliverJobEvent');
/** Sent to a job's mailbox on behalf of the workflow waiting for that job. */
export const routeJobEventSignal = defineSignal<[MailboxRoute]>('routeJobEvent');

export const WORKFLOW_TYPES = {
  lifecycle: 'photoAvatarLifecycle',
  render: 'renderVideo',
  mailbox: 'jobEventMailbox',
} as const;

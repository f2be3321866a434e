import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JobEvent } from '../contracts/events';
import type { LifecycleProgress, RenderProgress } from '../contracts/progress';

/**
 * Signals and queries shared by workflows, the client, the CLI and the webhook receiver. Names are part of the
 * language-neutral contract: any Temporal SDK can send `heygenJobEvent` or query `progress`.
 */
export const jobEventSignal = defineSignal<[JobEvent]>('heygenJobEvent');
export const lifecycleProgressQuery = defineQuery<LifecycleProgress>('progress');
export const renderProgressQuery = defineQuery<RenderProgress>('progress');

export const WORKFLOW_TYPES = {
  lifecycle: 'photoAvatarLifecycle',
  render: 'renderVideo',
} as const;

import type { Client } from '@temporalio/client';
import { deliverToMailbox } from '../client/mailbox';
import type { JobEventSink, RoutedJobEvent } from './types';

/** How long the receiver waits for Temporal before answering 5xx (HeyGen then redelivers). */
export const SINK_DEADLINE_MS = 5000;

/**
 * Delivers verified events into Temporal: one signal-with-start on the job's mailbox workflow, which forwards the
 * event to the waiting run exactly once. Duplicates (a closed mailbox) are reported as such; any failure to reach
 * Temporal rejects, so the receiver answers 5xx and no accepted event is lost.
 */
export class TemporalJobEventSink implements JobEventSink {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async deliver(e: RoutedJobEvent): Promise<'accepted' | 'duplicate'> {
    const outcome = await this.client.withDeadline(Date.now() + SINK_DEADLINE_MS, () =>
      deliverToMailbox(
        { client: this.client, taskQueue: this.taskQueue, kind: e.kind, resourceId: e.resourceId },
        {
          event: {
            kind: e.kind,
            resourceId: e.resourceId,
            outcome: e.outcome,
            eventType: e.eventType,
            ...(e.message !== undefined ? { message: e.message } : {}),
          },
          ...(e.route !== undefined ? { route: e.route } : {}),
        },
      ),
    );
    return outcome === 'accepted' ? 'accepted' : 'duplicate';
  }
}

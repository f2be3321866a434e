import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { deliverToMailbox } from '../routing/mailbox';
import type { JobEvent } from '../contracts/results';
import { jobEventSignal } from '../contracts/definitions';
import type { JobEventSink, RoutedJobEvent } from './types';

/** How long the receiver waits for Temporal before answering 5xx (HeyGen then redelivers). */
export const SINK_DEADLINE_MS = 5000;

/**
 * Delivers verified events into Temporal. An event that names its workflow (a render's callback_id) is signalled to
 * it directly: that workflow exists before its job does, and a duplicate signal is harmless (a wait reads the job's
 * status after any event). Other events (photo generations, training) go to the job's mailbox workflow with one
 * signal-with-start; the mailbox forwards the event to the waiting run exactly once. An event for a run that has
 * closed, or a mailbox that has, is reported as a duplicate; any failure to reach Temporal rejects, so the receiver
 * answers 5xx and no accepted event is lost.
 */
export class TemporalJobEventSink implements JobEventSink {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async deliver(e: RoutedJobEvent): Promise<'accepted' | 'duplicate'> {
    const event: JobEvent = {
      kind: e.kind,
      resourceId: e.resourceId,
      outcome: e.outcome,
      eventType: e.eventType,
      ...(e.message !== undefined ? { message: e.message } : {}),
    };
    return this.client.withDeadline(Date.now() + SINK_DEADLINE_MS, async () => {
      if (e.route !== undefined) {
        try {
          await this.client.workflow.getHandle(e.route).signal(jobEventSignal, event);
          return 'accepted';
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return 'duplicate'; // the run has closed
          throw err;
        }
      }
      const outcome = await deliverToMailbox(
        { client: this.client, taskQueue: this.taskQueue, kind: e.kind, resourceId: e.resourceId },
        { event },
      );
      return outcome === 'accepted' ? 'accepted' : 'duplicate';
    });
  }
}

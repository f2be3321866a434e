import { condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { JobKind } from '../contracts/events';
import type { JobEvent } from '../contracts/results';
import { deliverJobEventSignal, jobEventSignal, routeJobEventSignal } from '../contracts/definitions';

/** Long enough for the slowest job (renders get two hours); after that the waiting run is polling anyway. */
export const MAILBOX_TTL_MS = 6 * 60 * 60 * 1000;

/**
 * An event that arrives with no route waits this long for one. A webhook-mode run registers its route seconds after
 * its create (minutes under faults); events nobody will claim (poll-mode runs' jobs, duplicate creates) should not
 * keep a workflow open for 6 h. If a route does come later, the run's own fallback poll still ends its wait.
 */
export const UNCLAIMED_EVENT_TTL_MS = 60 * 60 * 1000;

export interface MailboxResult {
  delivered: boolean;
  to?: string;
  reason?: string;
}

/**
 * Holds one HeyGen job event until the workflow waiting for it is known, then signals that workflow once and
 * closes. This is what makes webhook routing reliable: photo-generation and training events carry only HeyGen's
 * resource id, and can arrive before the waiting workflow has even recorded that id (the job finished faster than
 * the create call returned). Duplicate deliveries collapse here, across any number of receiver instances.
 */
export async function jobEventMailbox(job: { kind: JobKind; resourceId: string }): Promise<MailboxResult> {
  let event: JobEvent | undefined;
  let route: string | undefined;
  setHandler(deliverJobEventSignal, (delivery) => {
    event ??= delivery.event;
    route ??= delivery.route;
  });
  setHandler(routeJobEventSignal, (r) => {
    route ??= r.workflowId;
  });

  // The starting signal has been applied by now (signal-with-start): an event alone gets the shorter wait.
  const ttl = event && !route ? UNCLAIMED_EVENT_TTL_MS : MAILBOX_TTL_MS;
  const ready = await condition(() => event !== undefined && route !== undefined, ttl);
  if (!ready || !event || !route) {
    return { delivered: false, reason: event ? `no route for ${job.kind} ${job.resourceId}` : 'no event' };
  }
  try {
    await getExternalWorkflowHandle(route).signal(jobEventSignal, event);
    return { delivered: true, to: route };
  } catch (err) {
    // The waiting workflow has finished (completed, failed, cancelled): not an error.
    return { delivered: false, to: route, reason: err instanceof Error ? err.message : String(err) };
  }
}

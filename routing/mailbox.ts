/**
 * Routing of HeyGen job events through their mailbox workflows, shared by the webhook receiver (which delivers an
 * event) and the waiting runs' activity (which says where it must go): both only signal-with-start the mailbox.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  mailboxWorkflowId,
  type JobKind,
  type MailboxDelivery,
  type MailboxRoute,
} from '../contracts/events';
import { deliverJobEventSignal, routeJobEventSignal, WORKFLOW_TYPES } from '../contracts/definitions';

export type MailboxOutcome = 'accepted' | 'closed';

interface MailboxTarget {
  client: Client;
  taskQueue: string;
  kind: JobKind;
  resourceId: string;
}

/**
 * Signals a job's mailbox, starting it if it does not exist yet (signal-with-start: one durable call). A mailbox
 * that already closed refuses to start again (REJECT_DUPLICATE): the outcome is then 'closed' — the event was
 * delivered before, or the mailbox gave up waiting.
 */
async function signalMailbox(
  target: MailboxTarget,
  signal: typeof deliverJobEventSignal | typeof routeJobEventSignal,
  arg: MailboxDelivery | MailboxRoute,
): Promise<MailboxOutcome> {
  try {
    await target.client.workflow.signalWithStart<
      (start: { kind: JobKind; resourceId: string }) => Promise<unknown>,
      [MailboxDelivery | MailboxRoute]
    >(WORKFLOW_TYPES.mailbox, {
      workflowId: mailboxWorkflowId(target.kind, target.resourceId),
      taskQueue: target.taskQueue,
      args: [{ kind: target.kind, resourceId: target.resourceId }],
      signal: signal.name,
      signalArgs: [arg],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return 'accepted';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
    throw err;
  }
}

/** The webhook receiver's side: hand over an event (with its route when the event names one). */
export function deliverToMailbox(target: MailboxTarget, delivery: MailboxDelivery): Promise<MailboxOutcome> {
  return signalMailbox(target, deliverJobEventSignal, delivery);
}

/** The waiting workflow's side: say where the job's event must go. */
export function routeMailbox(target: MailboxTarget, route: MailboxRoute): Promise<MailboxOutcome> {
  return signalMailbox(target, routeJobEventSignal, route);
}

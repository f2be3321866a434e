import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { JobKind } from '../contracts/events';
import { routeMailbox } from '../routing/mailbox';
import type { ActivityDeps } from './deps';

/**
 * Webhook routing for events that carry only HeyGen's resource id (photo generations, training): tells the job's
 * mailbox which workflow waits for it. Idempotent: a repeated route changes nothing.
 */
export function jobRouteActivities({ temporal }: ActivityDeps) {
  return {
    registerJobRoute: async (input: {
      kind: JobKind;
      resourceId: string;
    }): Promise<{ registered: boolean; kind: JobKind; resourceId: string }> => {
      if (!temporal) {
        throw ApplicationFailure.nonRetryable(
          'This worker has no Temporal client for webhook routing',
          'Misconfigured',
        );
      }
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      if (!workflowId)
        throw ApplicationFailure.nonRetryable('registerJobRoute runs only for a workflow', 'Misconfigured');
      const outcome = await routeMailbox(
        {
          client: temporal.client,
          taskQueue: temporal.taskQueue,
          kind: input.kind,
          resourceId: input.resourceId,
        },
        { workflowId },
      );
      // The job is echoed in the result: a local activity's marker records its result, not its input.
      return { registered: outcome === 'accepted', kind: input.kind, resourceId: input.resourceId };
    },
  };
}

/**
 * A HeyGen job event delivered to a waiting workflow (by the webhook receiver, or by any service that learns of a
 * job's end). Workflows treat it as a hint: they read the job's status once more before moving on, so a forged or
 * stale event cannot advance a run by itself.
 */
export type JobKind = 'photo_generation' | 'training' | 'render';

export interface JobEvent {
  kind: JobKind;
  /** generation_id, group_id or video_id */
  resourceId: string;
  outcome: 'success' | 'fail';
  /** HeyGen's event type, e.g. 'avatar_video.success' */
  eventType?: string;
  message?: string;
}

export function jobEventKey(kind: JobKind, resourceId: string): string {
  return `${kind}:${resourceId}`;
}

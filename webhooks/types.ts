import type { JobKind } from '../contracts/events';

/**
 * A verified HeyGen webhook event mapped to the job it concerns. `route` is the waiting workflow when the event
 * names it (videos: callback_id); photo-generation and training events carry only HeyGen's resource id, and their
 * route is registered by the waiting workflow (see webhooks/temporalSink.ts).
 */
export interface RoutedJobEvent {
  kind: JobKind;
  /** generation_id, group_id or video_id */
  resourceId: string;
  outcome: 'success' | 'fail';
  /** HeyGen's event type, e.g. 'photo_avatar_train.success' */
  eventType: string;
  /** HeyGen's failure message (fail events) */
  message?: string;
  /** Workflow to signal, when the event itself names it (callback_id) */
  route?: string;
  /** HeyGen's event id (Heygen-Event-Id header, else the v3 body's event_id), else sha256 of the raw body */
  eventId: string;
}

/**
 * Where verified events go. The Temporal implementation signals the run an event names, else the job's mailbox
 * workflow; tests use fakes.
 */
export interface JobEventSink {
  /**
   * Hands over one event. Resolves once it is durably accepted (or recognised as a duplicate). Rejects when it
   * cannot be accepted now (e.g. Temporal unreachable): the receiver then answers 5xx so HeyGen redelivers.
   */
  deliver(event: RoutedJobEvent): Promise<'accepted' | 'duplicate'>;
}

export interface ReceiverLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

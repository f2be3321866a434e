/**
 * Public contract of the local HeyGen simulator.
 *
 * The simulator is a real HTTP server that behaves like HeyGen's v1/v2 API (see docs/heygen-api-notes.md) and,
 * beside it on the same server, HeyGen's v3 API (paths under /v3/, see docs/heygen-v3-notes.md): the response
 * envelopes of each, API key checks, asynchronous jobs that move through the documented statuses, signed media URLs
 * that expire, webhook deliveries signed with HMAC-SHA256, v3 Idempotency-Key replays, a billing ledger, and failure
 * modes injected on demand. v2 and v3 share the account: an avatar or video created with one is read with the other.
 * Tests start it in-process with `startSimulator()`; operators start it with the CLI (`simulator` command).
 */

/** How long each asynchronous job takes, in milliseconds. 0 = done at the first status read. */
export interface JobDurations {
  /** POST /v2/photo_avatar/photo/generate: in_progress -> success */
  photoGenerationMs: number;
  /** POST /v2/photo_avatar/look/generate: in_progress -> success */
  lookGenerationMs: number;
  /** A look added to a group (create/add/generated): pending -> processing -> completed */
  lookProcessingMs: number;
  /** POST /v2/photo_avatar/train: pending -> training -> ready */
  trainingMs: number;
  /** Video renders (v2, Avatar IV, WebM): waiting -> pending -> processing -> completed */
  renderMs: number;
}

export interface SimulatorOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 0 (the CLI defaults to 4010). */
  port?: number;
  /** The only X-Api-Key accepted. Default 'sim-api-key'. */
  apiKey?: string;
  /** Base of the URLs the simulator hands out (media, signed links). Default http://host:port. */
  publicBaseUrl?: string;
  /** Job durations; missing fields take DEFAULT_DURATIONS. */
  durations?: Partial<JobDurations>;
  /**
   * Real jobs never take the same time twice: each job's duration is drawn from duration × [1 − j, 1 + j]
   * (0 ≤ j < 1, seeded by `durationJitterSeed`). Default 0: every job takes exactly its duration.
   */
  durationJitter?: number;
  durationJitterSeed?: number;
  /** Plan limit on a video's length; a longer script fails the render with code 40119. Default 3600. */
  maxVideoSeconds?: number;
  /** Speech rate used to turn a script into a duration. Default 2.5 words per second. */
  wordsPerSecond?: number;
  /** Lifetime of signed media URLs. Default 7 days. An expired URL answers 403. */
  urlTtlSeconds?: number;
  /** After a render completes, its file answers 404 for this long (HeyGen's "not downloadable yet"). Default 0. */
  downloadNotReadyMs?: number;
  /**
   * Rendered videos repeat a full keyframe every that many seconds, which makes their files big (1920x1080 with a
   * keyframe every second is about 3 MB per second of video): for download benchmarks. Default: one keyframe only.
   */
  mediaKeyframeIntervalSeconds?: number;
  /** Frame rate of rendered videos, 1..120. Default 10. */
  mediaFps?: number;
  /**
   * How deliveries to endpoints registered with v1 are signed. Default 'signature' (header `Signature`, as in the
   * seeds). Every style carries the hex HMAC-SHA256 keyed with the endpoint secret:
   * - 'signature': `Signature` over the raw body;
   * - 'x-heygen-signature': `X-HeyGen-Signature` over the raw body;
   * - 'heygen-signature': `Heygen-Signature` over the raw body, with `Heygen-Timestamp` (unix s) and
   *   `Heygen-Event-Id`;
   * - 'x-heygen-signature-timestamped': `X-HeyGen-Signature` over `<timestamp>.<raw body>`, with
   *   `X-HeyGen-Timestamp` (unix s).
   */
  webhookSignatureStyle?: WebhookSignatureStyle;
  /**
   * How deliveries to endpoints registered with v3 are signed. HeyGen's v3 header names and signed string are not
   * documented (notes §3.10: the third-party variants disagree), so each variant is selectable. Default
   * 'heygen-signature' (`Heygen-Signature` + `Heygen-Timestamp` + `Heygen-Event-Id`, the variant that also carries
   * the event id).
   */
  webhookV3SignatureStyle?: WebhookSignatureStyle;
  /**
   * The HMAC key of v3 deliveries: 'raw' (default) = the whole `whsec_…` secret string as UTF-8; 'base64' = the
   * base64-decoded part after `whsec_`. Which one HeyGen uses is not documented (notes §3.10).
   */
  webhookV3SecretKey?: 'raw' | 'base64';
  /**
   * Whether registering or re-pointing a v3 endpoint first sends the OPTIONS probe v1 sends. Whether v3 does is not
   * documented (notes §3.8). Default false.
   */
  webhookV3Probe?: boolean;
  /**
   * Remaining billable v3 creates (POST /v3/avatars, POST /v3/videos); each successful one uses one, and at 0 they
   * answer 402 insufficient_credit. Default undefined = unlimited. v2 never runs out.
   */
  credits?: number;
  /** Redelivery attempts when a webhook endpoint answers non-2xx or is unreachable. Default 5. */
  webhookMaxAttempts?: number;
  /** Delay before the first redelivery; doubles each time. Default 500 ms. */
  webhookRetryBaseMs?: number;
  /** Print one line per request to stderr. Default false. */
  verbose?: boolean;
}

export const DEFAULT_DURATIONS: JobDurations = {
  photoGenerationMs: 20_000,
  lookGenerationMs: 20_000,
  lookProcessingMs: 5_000,
  trainingMs: 60_000,
  renderMs: 60_000,
};

/** Every job done at its first status read: for tests and benchmarks that measure orchestration, not waiting. */
export const ZERO_DURATIONS: JobDurations = {
  photoGenerationMs: 0,
  lookGenerationMs: 0,
  lookProcessingMs: 0,
  trainingMs: 0,
  renderMs: 0,
};

export type WebhookSignatureStyle =
  'signature' | 'x-heygen-signature' | 'heygen-signature' | 'x-heygen-signature-timestamped';

/** Failure injected into HTTP calls that match `method` and `path`. */
export interface FaultRule {
  /** HTTP method to match (case-insensitive). Omitted = any. */
  method?: string;
  /** Regular expression (source) tested against the request path without query. Omitted = any path. */
  path?: string;
  /**
   * Each is answered in the envelope of the path's API version (v3: `{error:{code, message}}` with string codes).
   * - 'http_error': answer `status` (default 500) with an error envelope.
   * - 'rate_limit': answer 429 with `Retry-After: retryAfterSeconds` (default 1).
   * - 'error_envelope': answer HTTP 200 whose envelope carries an error (code/message).
   * - 'slow': wait `delayMs` before answering normally.
   * - 'drop': destroy the socket without an answer.
   */
  kind: 'http_error' | 'rate_limit' | 'error_envelope' | 'slow' | 'drop';
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  code?: number | string;
  message?: string;
  /**
   * 'before' (default): the request is not processed. 'after': the request IS processed (a create really
   * creates) and only the answer is replaced/lost: "HeyGen accepted it but the client never heard back".
   */
  when?: 'before' | 'after';
  /** How many matching calls it applies to. Default 1. Use a large number for "always". */
  times?: number;
  /** Chance (0..1) that a matching call is affected. Default 1. */
  probability?: number;
}

/**
 * Forces the outcome of the next asynchronous jobs of a kind. On v3, 'photo_generation' applies to a prompt avatar
 * that creates a new identity, 'look_generation' to a prompt look added to an existing one, 'render' to videos.
 */
export interface JobOutcomeRule {
  job: 'photo_generation' | 'look_generation' | 'training' | 'render';
  outcome: 'fail';
  message?: string;
  /** v1/v2 numeric error code */
  code?: number;
  /** v3 `failure_code` (videos) / `error.code` (looks). Default 'rendering_failed' / 'generation_failed'. */
  failureCode?: string;
  times?: number;
}

/** Faults applied to outgoing webhook deliveries. */
export interface WebhookFaultRule {
  /** Event type to match (e.g. 'avatar_video.success'); omitted = any. */
  eventType?: string;
  kind: 'drop' | 'duplicate' | 'delay';
  delayMs?: number;
  times?: number;
  probability?: number;
}

export interface CallLogEntry {
  seq: number;
  /** epoch ms (wall clock) when the request arrived */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status answered; 0 when the connection was dropped */
  status: number;
  requestId: string;
  /** Parsed JSON body; for uploads `{ bytes, contentType }` */
  body?: unknown;
  /** The fault applied, if any */
  fault?: FaultRule['kind'];
  /** Whether the request was processed (false for 'before' faults, auth and validation errors) */
  applied: boolean;
  /** For creates: the id of what was created (generation_id, group id, video_id, ...) */
  createdId?: string;
  /**
   * The caller's TCP port (loopback callers: tells which local process made the call, e.g. which worker was
   * killed while its create was in flight). Log only, not part of the API.
   */
  remotePort?: number;
  /**
   * epoch ms when the answer was written or the connection dropped; absent while the call is in flight (a 'slow'
   * fault holds it). `answeredAt - at` is how long the caller had to wait. Log only, not part of the API.
   */
  answeredAt?: number;
  /**
   * epoch ms when the caller closed the connection before it was answered (it gave up, timed out, or died): the
   * answer, if any, went nowhere. Log only, not part of the API.
   */
  callerGoneAt?: number;
  /** v3: the Idempotency-Key the request carried (valid ones only) */
  idempotencyKey?: string;
  /** v3, with an Idempotency-Key: whether the answer was the replay of an earlier request's (nothing ran) */
  idempotentReplay?: boolean;
  /** Something the caller should know, e.g. an idempotent replay whose body differs from the original's */
  warning?: string;
}

export interface WebhookDeliveryLogEntry {
  seq: number;
  at: number;
  endpointId: string;
  url: string;
  eventType: string;
  eventId: string;
  attempt: number;
  /** HTTP status received; 0 when unreachable */
  status: number;
  fault?: WebhookFaultRule['kind'];
}

/** What exists in the simulated account: tests assert on it (duplicates, counts). */
export interface SimulatorSnapshot {
  photoGenerations: Array<{
    id: string;
    kind: 'photo' | 'look';
    groupId?: string;
    status: string;
    createdAt: number;
    /** How long the job takes (after jitter) */
    durationMs: number;
    imageKeys: string[];
  }>;
  groups: Array<{
    id: string;
    name: string;
    createdAt: number;
    trainStatus: string;
    trainingsStarted: number;
    /** How long the latest training takes (after jitter) */
    trainingMs?: number;
  }>;
  looks: Array<{
    id: string;
    groupId: string;
    name: string;
    imageKey: string;
    status: string;
    businessType: string;
    processingMs: number;
  }>;
  videos: Array<{
    id: string;
    kind: VideoKind;
    status: string;
    callbackId?: string;
    title?: string;
    durationSeconds: number;
    createdAt: number;
    renderMs: number;
    /** Photo-avatar looks the render uses */
    lookIds: string[];
  }>;
  assets: Array<{
    id: string;
    name: string;
    fileType: 'image' | 'video' | 'audio';
    imageKey?: string;
    bytes: number;
  }>;
  /** `apiVersion` and `entityId` are present for endpoints registered with v3 only. */
  webhookEndpoints: Array<{
    endpointId: string;
    url: string;
    events: string[];
    secret: string;
    apiVersion?: 'v3';
    entityId?: string;
  }>;
  ledger: LedgerEntry[];
}

/** v2 `/v2/video/generate`, Avatar IV, `/v1/video.webm`, and the three v3 `POST /v3/videos` types. */
export type VideoKind = 'v2' | 'av4' | 'webm' | 'v3_avatar' | 'v3_image' | 'v3_studio';

/**
 * What a billable create made. v2: photo generation, group create ('avatar'), look add (one per look), training,
 * look generation, render. v3 POST /v3/avatars: 'avatar' when it creates a new identity (group), 'look' when a photo
 * look joins an existing group, 'look_generation' when a prompt look joins one; POST /v3/videos: 'render'.
 */
export type LedgerKind = 'photo_generation' | 'avatar' | 'look' | 'training' | 'look_generation' | 'render';

export interface LedgerEntry {
  seq: number;
  /** epoch ms on the simulator's clock */
  at: number;
  version: 'v2' | 'v3';
  kind: LedgerKind;
  /** generation id, group id ('avatar'), look id, training id, video id */
  resourceId: string;
  /** v3: the Idempotency-Key of the create, when it had one */
  idempotencyKey?: string;
  /** The name the caller gave (group/look name; training and look generation: the group's; renders: the title) */
  name?: string;
  /** Renders: the callback_id */
  callbackId?: string;
}

export interface DuplicateCount {
  kind: LedgerKind;
  /** Distinct grouping keys seen */
  keys: number;
  /** Entries beyond the first, summed over the keys */
  duplicates: number;
  /** key -> entries, for the keys with more than one */
  byKey: Record<string, number>;
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:4010 — serves the API host and the upload host alike */
  readonly url: string;
  readonly apiKey: string;
  readonly port: number;
  log(): CallLogEntry[];
  webhookLog(): WebhookDeliveryLogEntry[];
  snapshot(): SimulatorSnapshot;
  addFault(rule: FaultRule): void;
  addJobOutcome(rule: JobOutcomeRule): void;
  addWebhookFault(rule: WebhookFaultRule): void;
  clearFaults(): void;
  setDurations(durations: Partial<JobDurations>): void;
  /** Clears the call log (not the account state). */
  clearLog(): void;
  /** Every billable resource created, in order (replays excluded). */
  ledger(): LedgerEntry[];
  /** Duplicates in the ledger for one kind, grouped by `keyFn` (see `duplicatesBy` in ledger.ts). */
  duplicatesBy(kind: LedgerKind, keyFn: (entry: LedgerEntry) => string | undefined): DuplicateCount;
  /** Remaining billable v3 creates; undefined = unlimited. */
  credits(): number | undefined;
  setCredits(credits: number | undefined): void;
  /** The simulator's clock (epoch ms): wall time plus every `advanceClock`. */
  now(): number;
  /** Moves the simulator's clock forward: jobs complete, links expire, idempotency keys age. */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

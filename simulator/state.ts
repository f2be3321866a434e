import { SimClock } from './clock';
import type { ResolvedOptions } from './config';
import { CODES } from './http';
import { Ledger } from './ledger';
import { UrlSigner } from './signing';
import type { JobDurations, JobOutcomeRule, SimulatorSnapshot, VideoKind } from './types';
import { hexId, uuid } from './util';

// ---------------------------------------------------------------------------------------------------------------
// Records of the simulated account

export interface ImageRecord {
  hex: string;
  /** `image/<hex>/original` */
  key: string;
  width: number;
  height: number;
  source: 'generated' | 'upload';
  generationId?: string;
  /** Uploaded bytes (source 'upload'); generated images are rendered from the key. */
  bytes?: Buffer;
  contentType?: string;
  label?: string;
}

export type GenerationStatus = 'in_progress' | 'success' | 'failed';
export interface PhotoGeneration {
  id: string;
  kind: 'photo' | 'look';
  groupId?: string;
  /** Look generations: the prompt, used to name the looks. */
  prompt?: string;
  name: string;
  createdAt: number;
  durationMs: number;
  /** Failure message when a JobOutcomeRule forced a failure. */
  failure: string | null;
  /** Hex of the four images, revealed (registered) on success. */
  imageHexes: string[];
  width: number;
  height: number;
  finalized: boolean;
}

export type TrainingState = 'pending' | 'training' | 'ready' | 'failed';
export interface Training {
  id: string;
  createdAt: number;
  durationMs: number;
  failure: string | null;
  finalized: boolean;
}

const JOB_KINDS: ReadonlyArray<keyof JobDurations> = [
  'photoGenerationMs',
  'lookGenerationMs',
  'lookProcessingMs',
  'trainingMs',
  'renderMs',
];

export interface Group {
  id: string;
  name: string;
  createdAt: number;
  trainings: Training[];
}

/** 'failed' only for v3 prompt looks whose generation a JobOutcomeRule failed (v2 looks never fail). */
export type LookStatus = 'pending' | 'processing' | 'completed' | 'failed';
export interface Look {
  id: string;
  groupId: string;
  name: string;
  imageKey: string;
  imageHex: string;
  createdAt: number;
  processingMs: number;
  businessType: 'generated' | 'user_upload';
  /** v3 prompt looks: why the generation failed; null = it did not */
  failure: { code: string; message: string } | null;
}

/** The job whose duration a look takes to become completed. */
export type LookJob = 'lookProcessingMs' | 'photoGenerationMs' | 'lookGenerationMs';

export type VideoState = 'waiting' | 'pending' | 'processing' | 'completed' | 'failed';
export interface VideoFailure {
  error: { code: number; message: string; detail: string } | null;
  msg: string;
  /** v3 `failure_code` when a JobOutcomeRule named one */
  failureCode?: string;
}
export interface Video {
  id: string;
  kind: VideoKind;
  /** v3 `output_format: 'webm'` (v1 WebM renders are kind 'webm') */
  outputFormat?: 'mp4' | 'webm';
  /** v3 caption with a `style`: captions burned into a captioned copy of the video */
  captionedVideo?: boolean;
  /** v3 caption: the SRT sidecar */
  subtitles?: boolean;
  createdAt: number;
  renderMs: number;
  durationSeconds: number;
  width: number;
  height: number;
  callbackId?: string;
  callbackUrl?: string;
  title?: string;
  caption: boolean;
  test: boolean;
  /** Spoken text per scene (captions). */
  scripts: string[];
  /** Photo-avatar looks the scenes use (talking_photo_id) */
  lookIds?: string[];
  failure: VideoFailure | null;
  finalized: boolean;
}

export type AssetFileType = 'image' | 'video' | 'audio';
export interface Asset {
  id: string;
  name: string;
  fileType: AssetFileType;
  contentType: string;
  bytes: Buffer;
  createdAt: number;
  folderId: string;
  imageHex?: string;
  meta: Record<string, unknown> | null;
}

export interface WebhookEndpoint {
  endpointId: string;
  /** Which API registered it: decides the delivery body and signature (v3: `{event_id, event_type, event_data}`) */
  version: 'v1' | 'v3';
  url: string;
  events: string[];
  secret: string;
  createdAt: number;
  /** v3 `entity_id`: only events about this entity (video, group, generation id) are delivered */
  entityId?: string;
}

/** A v3 direct upload (POST /v3/assets/direct-uploads) until it is completed into an Asset. */
export interface DirectUpload {
  id: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  maxBytes: number;
  checksumSha256?: string;
  createdAt: number;
  /** The PUT bytes, once uploaded */
  bytes?: Buffer;
  /** The complete answer, once completed (repeated completes return it) */
  completed?: Record<string, unknown>;
}

/** An event a job produced: what the v3 event history lists and every delivery carries. */
export interface EmittedEvent {
  eventId: string;
  eventType: string;
  eventData: Record<string, unknown>;
  createdAt: number;
  /** The entity the event is about (video, group or generation id), for the v3 entity filters */
  entityId?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Status from timestamps

const elapsedFraction = (createdAt: number, durationMs: number, now: number): number =>
  durationMs <= 0 ? 1 : (now - createdAt) / durationMs;

export function generationStatus(g: PhotoGeneration, now: number): GenerationStatus {
  if (elapsedFraction(g.createdAt, g.durationMs, now) < 1) return 'in_progress';
  return g.failure === null ? 'success' : 'failed';
}

export function lookStatus(l: Look, now: number): LookStatus {
  const f = elapsedFraction(l.createdAt, l.processingMs, now);
  if (f >= 1) return l.failure === null ? 'completed' : 'failed';
  return f < 0.2 ? 'pending' : 'processing';
}

export function trainingState(t: Training, now: number): TrainingState {
  const f = elapsedFraction(t.createdAt, t.durationMs, now);
  if (f >= 1) return t.failure === null ? 'ready' : 'failed';
  return f < 0.1 ? 'pending' : 'training';
}

/** When the training last changed state (for `updated_at`). */
export function trainingUpdatedAt(t: Training, now: number): number {
  const state = trainingState(t, now);
  if (state === 'pending') return t.createdAt;
  if (state === 'training') return t.createdAt + t.durationMs * 0.1;
  return t.createdAt + t.durationMs;
}

export function videoState(v: Video, now: number): VideoState {
  const f = elapsedFraction(v.createdAt, v.renderMs, now);
  if (f >= 1) return v.failure === null ? 'completed' : 'failed';
  if (f < 0.1) return 'waiting';
  return f < 0.25 ? 'pending' : 'processing';
}

export const videoCompletedAt = (v: Video): number => v.createdAt + v.renderMs;

/** The extension of a video's file: v1 WebM renders and v3 `output_format: 'webm'` end in .webm, like v1's do. */
export const videoExt = (v: Video): 'mp4' | 'webm' =>
  v.kind === 'webm' || v.outputFormat === 'webm' ? 'webm' : 'mp4';

export function groupTrainStatus(g: Group, now: number): TrainingState | 'empty' {
  const last = g.trainings[g.trainings.length - 1];
  return last ? trainingState(last, now) : 'empty';
}

export const imageKeyOf = (hex: string): string => `image/${hex}/original`;
export const imagePath = (hex: string): string => `/${imageKeyOf(hex)}`;

/** `image/<hex>/original` (also tolerates a leading slash) -> hex, or undefined. */
export function parseImageKey(key: string): string | undefined {
  return /^\/?image\/([0-9a-f]{32})\/original$/u.exec(key.trim())?.[1];
}

/** The entity an event is about, from its data. */
function entityOf(data: Record<string, unknown>): string | undefined {
  for (const key of ['video_id', 'group_id', 'generation_id']) {
    const value = data[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** The event history keeps the most recent events only. */
const MAX_EVENTS = 20_000;

interface PendingJob {
  dueAt: number;
  finalize: (dueAt: number) => void;
}

interface OutcomeRuleState {
  rule: JobOutcomeRule;
  remaining: number;
}

/**
 * The simulated account: every resource, the job clock and the forced outcomes.
 *
 * Job statuses are computed lazily from timestamps; each job also has a completion step (webhook event, creation of
 * generated looks) that runs exactly once, either from a timer at its due time or from `settle()`, which every
 * request calls first, whichever comes first.
 */
export class SimState {
  durations: JobDurations;
  baseUrl = '';
  readonly signer: UrlSigner;
  readonly clock = new SimClock();
  readonly ledger = new Ledger(this.clock);
  /** Remaining billable v3 creates; undefined = unlimited */
  credits: number | undefined;

  readonly images = new Map<string, ImageRecord>();
  readonly generations = new Map<string, PhotoGeneration>();
  readonly groups = new Map<string, Group>();
  readonly looks = new Map<string, Look>();
  readonly videos = new Map<string, Video>();
  readonly assets = new Map<string, Asset>();
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly directUploads = new Map<string, DirectUpload>();
  /** Every event jobs produced, oldest first (GET /v3/webhooks/events) */
  readonly events: EmittedEvent[] = [];

  private outcomes: OutcomeRuleState[] = [];
  private pending: PendingJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Receives every event a finished job produces (wired to the webhook dispatcher). */
  onEvent: (event: EmittedEvent) => void = () => undefined;

  /** One seeded stream per kind of job: the k-th job of a kind gets the same duration whatever else runs. */
  private readonly jitterStates = new Map<keyof JobDurations, number>();

  constructor(readonly options: ResolvedOptions) {
    this.durations = { ...options.durations };
    this.signer = new UrlSigner(() => this.options.urlTtlSeconds);
    this.credits = options.credits;
  }

  /** The simulator's clock (wall time plus every advance). */
  now(): number {
    return this.clock.now();
  }

  /**
   * A job's duration: the configured one, spread by the jitter option (mulberry32, seeded: reproducible). Each kind
   * of job draws from its own stream, so runs that create the same jobs in a different interleaving (the product and
   * the naive script in bench:baseline) get the same durations for the k-th photo generation, training, render...
   */
  jobMs(kind: keyof JobDurations): number {
    const base = this.durations[kind];
    const j = this.options.durationJitter;
    if (j === 0 || base === 0) return base;
    const start =
      (this.options.durationJitterSeed ^ Math.imul(JOB_KINDS.indexOf(kind) + 1, 0x9e3779b9)) >>> 0;
    let t = ((this.jitterStates.get(kind) ?? start) + 0x6d2b79f5) >>> 0;
    this.jitterStates.set(kind, t);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.round(base * (1 - j + 2 * j * r));
  }

  // ---- links ----

  signedUrl(path: string, now: number): string {
    return this.signer.sign(this.baseUrl, path, now);
  }

  imageUrl(hex: string, now: number): string {
    return this.signedUrl(imagePath(hex), now);
  }

  videoFileUrl(
    v: Video,
    what: 'video' | 'caption_video' | 'thumbnail' | 'gif' | 'vtt' | 'srt',
    now: number,
  ): string {
    const ext = videoExt(v);
    const path = {
      video: `/video/${v.id}.${ext}`,
      caption_video: `/video/${v.id}_caption.${ext}`,
      thumbnail: `/video/${v.id}.png`,
      gif: `/video/${v.id}.gif`,
      vtt: `/video/${v.id}.vtt`,
      srt: `/video/${v.id}.srt`,
    }[what];
    return this.signedUrl(path, now);
  }

  // ---- job outcomes ----

  addJobOutcome(rule: JobOutcomeRule): void {
    this.outcomes.push({ rule: { ...rule }, remaining: rule.times ?? 1 });
  }

  clearJobOutcomes(): void {
    this.outcomes = [];
  }

  /** Consumes the first rule for this kind of job, if any. */
  takeOutcome(job: JobOutcomeRule['job']): JobOutcomeRule | undefined {
    const entry = this.outcomes.find((o) => o.rule.job === job && o.remaining > 0);
    if (!entry) return undefined;
    entry.remaining -= 1;
    this.outcomes = this.outcomes.filter((o) => o.remaining > 0);
    return entry.rule;
  }

  // ---- job clock ----

  /** Registers a completion step due at `dueAt`; a timer makes sure it runs even if nobody polls. */
  private track(dueAt: number, finalize: (dueAt: number) => void): void {
    if (this.closed) return;
    this.pending.push({ dueAt, finalize });
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        // Timers may fire a millisecond before `dueAt` by the clock: settle as of dueAt at the latest, or this
        // job would wait for the next status read to finish (and never send its webhook when nobody polls).
        this.settle(Math.max(this.now(), dueAt));
      },
      Math.max(0, dueAt - this.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Runs the completion step of every job that is due, oldest first. */
  settle(now: number = this.now()): void {
    for (;;) {
      let next: PendingJob | undefined;
      for (const job of this.pending) if (job.dueAt <= now && (!next || job.dueAt < next.dueAt)) next = job;
      if (!next) return;
      const job = next;
      this.pending = this.pending.filter((j) => j !== job);
      job.finalize(job.dueAt);
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = [];
  }

  private emit(eventType: string, eventData: Record<string, unknown>): void {
    if (this.closed) return;
    const event: EmittedEvent = { eventId: uuid(), eventType, eventData, createdAt: this.now() };
    const entityId = entityOf(eventData);
    if (entityId !== undefined) event.entityId = entityId;
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.onEvent(event);
  }

  // ---- images ----

  registerImage(record: Omit<ImageRecord, 'key'>): ImageRecord {
    const full: ImageRecord = { ...record, key: imageKeyOf(record.hex) };
    this.images.set(full.hex, full);
    return full;
  }

  findImageByKey(key: string): ImageRecord | undefined {
    const hex = parseImageKey(key);
    return hex === undefined ? undefined : this.images.get(hex);
  }

  // ---- photo and look generation ----

  createGeneration(input: {
    kind: 'photo' | 'look';
    name: string;
    groupId?: string;
    prompt?: string;
    width: number;
    height: number;
    now: number;
  }): PhotoGeneration {
    const outcome = this.takeOutcome(input.kind === 'photo' ? 'photo_generation' : 'look_generation');
    const g: PhotoGeneration = {
      id: hexId(),
      kind: input.kind,
      groupId: input.groupId,
      prompt: input.prompt,
      name: input.name,
      createdAt: input.now,
      durationMs: this.jobMs(input.kind === 'photo' ? 'photoGenerationMs' : 'lookGenerationMs'),
      failure: outcome ? (outcome.message ?? 'Image generation failed, please try again') : null,
      imageHexes: [hexId(), hexId(), hexId(), hexId()],
      width: input.width,
      height: input.height,
      finalized: false,
    };
    this.generations.set(g.id, g);
    this.track(g.createdAt + g.durationMs, (dueAt) => this.finalizeGeneration(g, dueAt));
    return g;
  }

  private finalizeGeneration(g: PhotoGeneration, dueAt: number): void {
    if (g.finalized) return;
    g.finalized = true;
    const data: Record<string, unknown> = { generation_id: g.id };
    if (g.groupId !== undefined) data.group_id = g.groupId;
    if (g.failure !== null) {
      this.emit('photo_avatar_generation.fail', { ...data, msg: g.failure });
      return;
    }
    for (const [i, hex] of g.imageHexes.entries()) {
      this.registerImage({
        hex,
        width: g.width,
        height: g.height,
        source: 'generated',
        generationId: g.id,
        label: `${g.name} #${i + 1}`,
      });
    }
    if (g.kind === 'look' && g.groupId !== undefined && this.groups.has(g.groupId)) {
      for (const hex of g.imageHexes) {
        this.addLook({
          groupId: g.groupId,
          name: g.name,
          imageHex: hex,
          businessType: 'generated',
          now: dueAt,
          id: hexId(),
        });
      }
    }
    this.emit('photo_avatar_generation.success', data);
  }

  // ---- groups and looks ----

  /**
   * A group with its first look. v2: the first look carries the group's id; v3 passes its own `firstLookId` (v3
   * hands out both ids, and a client must not take one for the other).
   */
  createGroup(input: {
    name: string;
    image: ImageRecord;
    now: number;
    firstLookId?: string;
    job?: LookJob;
    failure?: Look['failure'];
  }): { group: Group; look: Look } {
    const id = hexId();
    const group: Group = { id, name: input.name, createdAt: input.now, trainings: [] };
    this.groups.set(id, group);
    const look = this.addLook({
      id: input.firstLookId ?? id,
      groupId: id,
      name: input.name,
      imageHex: input.image.hex,
      businessType: input.image.source === 'generated' ? 'generated' : 'user_upload',
      now: input.now,
      job: input.job,
      failure: input.failure,
    });
    return { group, look };
  }

  addLook(input: {
    id: string;
    groupId: string;
    name: string;
    imageHex: string;
    businessType: Look['businessType'];
    now: number;
    /** Default lookProcessingMs; v3 prompt looks take the generation's duration */
    job?: LookJob;
    failure?: Look['failure'];
  }): Look {
    const look: Look = {
      id: input.id,
      groupId: input.groupId,
      name: input.name,
      imageKey: imageKeyOf(input.imageHex),
      imageHex: input.imageHex,
      createdAt: input.now,
      processingMs: this.jobMs(input.job ?? 'lookProcessingMs'),
      businessType: input.businessType,
      failure: input.failure ?? null,
    };
    this.looks.set(look.id, look);
    return look;
  }

  /** v3: deleting a group's last look deletes the group too (notes §3.4). */
  deleteLook(lookId: string): boolean {
    const look = this.looks.get(lookId);
    if (!look) return false;
    this.looks.delete(lookId);
    if (this.looksOf(look.groupId).length === 0) this.groups.delete(look.groupId);
    return true;
  }

  deleteGroup(groupId: string): boolean {
    if (!this.groups.delete(groupId)) return false;
    for (const look of this.looksOf(groupId)) this.looks.delete(look.id);
    return true;
  }

  looksOf(groupId: string): Look[] {
    return [...this.looks.values()].filter((l) => l.groupId === groupId);
  }

  // ---- training ----

  startTraining(group: Group, now: number): Training {
    const outcome = this.takeOutcome('training');
    const t: Training = {
      id: hexId(),
      createdAt: now,
      durationMs: this.jobMs('trainingMs'),
      failure: outcome ? (outcome.message ?? 'Training failed, please try again later') : null,
      finalized: false,
    };
    group.trainings.push(t);
    this.track(t.createdAt + t.durationMs, () => {
      if (t.finalized) return;
      t.finalized = true;
      if (t.failure === null) this.emit('photo_avatar_train.success', { group_id: group.id });
      else this.emit('photo_avatar_train.fail', { group_id: group.id, msg: t.failure });
    });
    return t;
  }

  // ---- videos ----

  createVideo(
    input: Omit<Video, 'id' | 'renderMs' | 'failure' | 'finalized'>,
    preFailure: VideoFailure | null,
  ): Video {
    // The forced outcome is consumed by the next render whatever else happens to it.
    const outcome = this.takeOutcome('render');
    let failure = preFailure;
    if (failure === null && input.durationSeconds > this.options.maxVideoSeconds) {
      const message = 'Video is too long (exceeds the maximum video length allowed by your plan)';
      failure = {
        error: {
          code: CODES.VIDEO_TOO_LONG,
          message,
          detail: `The video is ${input.durationSeconds.toFixed(1)} s long; the limit of your plan is ${this.options.maxVideoSeconds} s.`,
        },
        msg: message,
      };
    }
    if (failure === null && outcome) {
      failure =
        outcome.message === undefined
          ? { error: null, msg: 'Video rendering failed' }
          : {
              error: {
                code: outcome.code ?? CODES.INTERNAL,
                message: outcome.message,
                detail: outcome.message,
              },
              msg: outcome.message,
            };
      if (outcome.failureCode !== undefined) failure.failureCode = outcome.failureCode;
    }
    const v: Video = {
      ...input,
      id: hexId(),
      renderMs: this.jobMs('renderMs'),
      failure,
      finalized: false,
    };
    this.videos.set(v.id, v);
    this.track(videoCompletedAt(v), (dueAt) => this.finalizeVideo(v, dueAt));
    return v;
  }

  private finalizeVideo(v: Video, dueAt: number): void {
    if (v.finalized) return;
    v.finalized = true;
    // A video deleted (v3) before its render ended produces no event.
    if (this.videos.get(v.id) !== v) return;
    if (v.failure !== null) {
      this.emit('avatar_video.fail', {
        video_id: v.id,
        msg: v.failure.msg,
        callback_id: v.callbackId ?? null,
      });
      return;
    }
    const now = Math.max(dueAt, this.now());
    this.emit('avatar_video.success', {
      video_id: v.id,
      url: this.videoFileUrl(v, 'video', now),
      callback_id: v.callbackId ?? null,
      gif_download_url: this.videoFileUrl(v, 'gif', now),
      video_share_page_url: `${this.baseUrl}/share/${v.id}`,
      folder_id: '',
      callback_url: v.callbackUrl ?? null,
    });
  }

  /** Renders not yet completed or failed. */
  rendersInFlight(now: number): number {
    let n = 0;
    for (const v of this.videos.values()) {
      const s = videoState(v, now);
      if (s !== 'completed' && s !== 'failed') n += 1;
    }
    return n;
  }

  // ---- snapshot ----

  snapshot(now: number): SimulatorSnapshot {
    return {
      photoGenerations: [...this.generations.values()].map((g) => ({
        id: g.id,
        kind: g.kind,
        ...(g.groupId !== undefined ? { groupId: g.groupId } : {}),
        status: generationStatus(g, now),
        createdAt: g.createdAt,
        durationMs: g.durationMs,
        imageKeys: g.imageHexes.map(imageKeyOf),
      })),
      groups: [...this.groups.values()].map((g) => ({
        id: g.id,
        name: g.name,
        createdAt: g.createdAt,
        trainStatus: groupTrainStatus(g, now),
        trainingsStarted: g.trainings.length,
        ...(g.trainings.length > 0 ? { trainingMs: g.trainings[g.trainings.length - 1]!.durationMs } : {}),
      })),
      looks: [...this.looks.values()].map((l) => ({
        id: l.id,
        groupId: l.groupId,
        name: l.name,
        imageKey: l.imageKey,
        status: lookStatus(l, now),
        businessType: l.businessType,
        processingMs: l.processingMs,
      })),
      videos: [...this.videos.values()].map((v) => ({
        id: v.id,
        kind: v.kind,
        status: videoState(v, now),
        ...(v.callbackId !== undefined ? { callbackId: v.callbackId } : {}),
        ...(v.title !== undefined ? { title: v.title } : {}),
        durationSeconds: v.durationSeconds,
        createdAt: v.createdAt,
        renderMs: v.renderMs,
        lookIds: v.lookIds ?? [],
      })),
      assets: [...this.assets.values()].map((a) => ({
        id: a.id,
        name: a.name,
        fileType: a.fileType,
        ...(a.imageHex !== undefined ? { imageKey: imageKeyOf(a.imageHex) } : {}),
        bytes: a.bytes.length,
      })),
      webhookEndpoints: [...this.endpoints.values()].map((e) => ({
        endpointId: e.endpointId,
        url: e.url,
        events: [...e.events],
        secret: e.secret,
        ...(e.version === 'v3' ? { apiVersion: 'v3' as const } : {}),
        ...(e.entityId !== undefined ? { entityId: e.entityId } : {}),
      })),
      ledger: this.ledger.entries(),
    };
  }
}

import type { Readable } from 'node:stream';
import type { ApiCapabilities, ApiVersion } from '../contracts/apiVersion';
import type { RenderRequest } from '../contracts/renderRequest';
import type { Background, Character, LookSpec, PhotoAttributes, Scene, Speech } from '../contracts/fields';

/**
 * The product's own view of HeyGen: the operations workflows and activities need, in neutral types. Two adapters
 * implement it — `heygen/v3` (HeyGen's current API, the default) and `heygen/v2` (the v1/v2 API) — chosen by
 * HEYGEN_API_VERSION. Nothing outside `heygen/` knows a HeyGen request or response shape.
 *
 * Every method validates its request before sending (an invalid request never reaches HeyGen), parses the
 * response tolerantly (unknown fields allowed, strict on what the code relies on), throws HeyGenError on every
 * failure, and never retries: Temporal owns retries.
 */
export interface HeyGenPort {
  readonly version: ApiVersion;
  readonly capabilities: ApiCapabilities;

  /**
   * The fields of a request this API cannot honour, each with the reason, without calling HeyGen. Callers refuse
   * such input before any billable call (for example `test: true` on v3, which has no free test mode).
   */
  unsupported(request: UnsupportedCheck): UnsupportedField[];

  // ---- AI photos, avatars and looks ----

  /** v2 only (capabilities.promptCreatesAvatar false): starts an AI photo generation job. */
  generatePhotos(request: GeneratePhotosRequest, opts?: CallOptions): Promise<{ generationId: string }>;
  /** v2 only: the photo generation's state; done with the photos (image keys) it produced. */
  getPhotoGeneration(generationId: string, opts?: CallOptions): Promise<JobState<{ photos: string[] }>>;

  /**
   * Creates an avatar (HeyGen: a photo-avatar group with its first look) from a photo HeyGen holds or, on v3,
   * straight from a prompt. v3 sends `opts.idempotencyKey`; v2 cannot, and its callers reconcile by the name.
   */
  createAvatar(request: CreateAvatarRequest, opts?: CallOptions): Promise<CreatedAvatar>;
  /** Adds photos as looks of an avatar: at most capabilities.maxPhotosPerAdd per call. */
  addLooks(request: AddLooksRequest, opts?: CallOptions): Promise<{ lookIds: string[]; reused?: boolean }>;
  /**
   * v2 only (capabilities.training): starts the group's training, unless the group already has a training job (an
   * earlier attempt's answer was lost): `started` false then.
   */
  startTraining(groupId: string, opts?: CallOptions): Promise<{ started: boolean; status: string }>;
  /** v2 only: the group's training state; `undefined` when the group was never trained. */
  getTraining(groupId: string, opts?: CallOptions): Promise<JobState<void> | undefined>;
  /**
   * Generates a new look from a prompt. v2: a job (`generationId`) whose images later appear as looks of the
   * group (find them with `findGeneratedLooks`); v3: the new look at once (`lookIds`), ready when its status is.
   */
  generateLook(request: GenerateLookRequest, opts?: CallOptions): Promise<GeneratedLook>;
  /** v2: the looks a look generation produced, once they exist and are completed. */
  findGeneratedLooks(
    request: FindGeneratedLooksRequest,
    opts?: CallOptions,
  ): Promise<JobState<{ lookIds: string[] }>>;
  /** The looks of one avatar (group), with their readiness. Every cursor page. */
  listGroupLooks(groupId: string, opts?: CallOptions): Promise<Look[]>;
  /** The account's own avatars (groups). Every cursor page. */
  listAvatarGroups(opts?: CallOptions): Promise<AvatarGroup[]>;

  // ---- videos ----

  /** Submits a render. v3 sends `opts.idempotencyKey`. `callbackId` is echoed in status reads and webhook events. */
  submitRender(request: RenderRequest, opts?: CallOptions): Promise<{ videoId: string }>;
  getRender(videoId: string, opts?: CallOptions): Promise<RenderStatus>;
  /** Several renders at once: one call on v3 (`GET /v3/videos/statuses`, up to 100 ids), one per id on v2. */
  getRenders(videoIds: string[], opts?: CallOptions): Promise<RenderSummary[]>;

  // ---- assets ----

  /** Uploads a file (v2 raw bytes; v3 multipart up to 32 MB, the direct-upload flow above). */
  uploadAsset(
    data: Buffer | Readable,
    contentType: AssetContentType,
    opts?: CallOptions & { contentLength?: number; fileName?: string },
  ): Promise<UploadedAsset>;
  listAssetsPage(query?: AssetQuery, opts?: CallOptions): Promise<AssetPage>;
  /** Every asset, over every cursor page. */
  listAssets(query?: Omit<AssetQuery, 'token'>, opts?: CallOptions): AsyncIterable<Asset>;
  deleteAsset(assetId: string, opts?: CallOptions): Promise<void>;

  // ---- catalog ----

  /** Public and studio avatars (v2 avatars and talking photos; v3 public looks), every page. */
  listAvatars(opts?: CallOptions): Promise<CatalogAvatar[]>;
  listVoices(opts?: CallOptions): Promise<Voice[]>;

  // ---- webhook endpoints ----

  addWebhookEndpoint(request: WebhookEndpointRequest, opts?: CallOptions): Promise<WebhookEndpoint>;
  updateWebhookEndpoint(
    request: { endpointId: string } & Partial<WebhookEndpointRequest>,
    opts?: CallOptions,
  ): Promise<WebhookEndpoint>;
  listWebhookEndpoints(opts?: CallOptions): Promise<WebhookEndpoint[]>;
  deleteWebhookEndpoint(endpointId: string, opts?: CallOptions): Promise<void>;
  /** v3 only: a new signing secret; HeyGen invalidates the old one at once. */
  rotateWebhookSecret(
    endpointId: string,
    opts?: CallOptions,
  ): Promise<{ endpointId: string; secret: string }>;
  /** v3 only: the history of delivered events, newest first, one page. */
  listWebhookEvents(query?: WebhookEventQuery, opts?: CallOptions): Promise<WebhookEventPage>;
}

export interface CallOptions {
  /** Aborts the HTTP request (activities pass their cancellation signal). */
  signal?: AbortSignal;
  /**
   * v3: sent as `Idempotency-Key` on creates, so a retry replays the first answer instead of creating (and billing)
   * again. Derived from the run and the step (activities/idempotency.ts). v2 has no such header and ignores it.
   */
  idempotencyKey?: string;
  /**
   * The activity attempt making this call (1 = first). v2 reconciles on a retry (attempt > 1): it looks for what an
   * earlier attempt may have created (by its run-unique name, or the training status) before creating again. A first
   * attempt cannot have created anything, so it does not pay for the lookup.
   */
  attempt?: number;
}

/** A job's state as the port reports it: still running (with HeyGen's own status), done, or failed. */
export type JobState<T> =
  | { state: 'running'; status: string }
  | { state: 'done'; value: T }
  | { state: 'failed'; code?: string | number; message?: string };

export interface UnsupportedField {
  /** Path of the field in the request checked, e.g. `test` or `scenes.0.speech.emotion` */
  field: string;
  reason: string;
}

/** What `unsupported` can check, before anything is sent. */
export type UnsupportedCheck =
  | { kind: 'render'; request: RenderRequest }
  | { kind: 'photos'; source: PhotoPrompt }
  | { kind: 'look'; look: LookSpec };

// ---- photos, avatars, looks ----

/** An AI photo described by the eight attributes, or by free text. */
export type PhotoPrompt = { attributes: PhotoAttributes } | { prompt: string };

export type GeneratePhotosRequest = { name: string } & PhotoPrompt;

export type CreateAvatarRequest = {
  /** Unique per run (the workflow id is part of it): v2 reconciles lost answers by it */
  name: string;
} & (
  | {
      source: 'photo';
      photo: string;
      /** v2: the photo generation the photo came from */ generationId?: string;
    }
  | ({ source: 'prompt' } & PhotoPrompt)
);

export interface CreatedAvatar {
  groupId: string;
  /** The avatar's first look */
  lookId: string;
  /** v2: an earlier attempt's group was found by its name instead of creating one */
  reused?: boolean;
}

export interface AddLooksRequest {
  groupId: string;
  /** Unique within the group per call: v2 reconciles lost answers by it */
  name: string;
  /** Photos HeyGen holds (v2 image keys, v3 asset ids) */
  photos: string[];
}

export interface GenerateLookRequest {
  groupId: string;
  /** v3: the existing look the new one keeps the character of (`avatar_id`) */
  baseLookId: string;
  name: string;
  look: LookSpec;
}

export type GeneratedLook =
  | {
      generationId: string;
      /** the group's looks before the generation (v2 tells new looks by them) */ lookIdsBefore: string[];
    }
  | { lookIds: string[] };

export interface FindGeneratedLooksRequest {
  groupId: string;
  generationId: string;
  lookIdsBefore: string[];
  /** Looks already claimed by other generations of the same run */
  claimedLookIds?: string[];
}

export type LookStatus = 'processing' | 'completed' | 'failed' | 'pending_consent';

export interface Look {
  id: string;
  groupId?: string;
  name?: string;
  /** HeyGen's status mapped to the neutral set; unknown values count as `processing` */
  status: LookStatus;
  /** HeyGen's own status string */
  rawStatus?: string;
  createdAt?: number;
  failure?: { code?: string | number; message?: string };
  previewImageUrl?: string;
}

export interface AvatarGroup {
  id: string;
  name: string;
  createdAt?: number;
  looksCount?: number;
  status?: string;
  previewImageUrl?: string;
}

// ---- videos ----

/** A render request in the product's words (contracts/renderRequest.ts: the renderVideo contract, references resolved). */
export type { RenderRequest };

export type { Background, Character, Scene, Speech };

export type RenderState = 'pending' | 'processing' | 'completed' | 'failed';

export interface RenderStatus {
  videoId: string;
  /** HeyGen's status mapped to the neutral set; unknown values count as `processing` */
  state: RenderState;
  rawStatus: string;
  durationSeconds?: number;
  callbackId?: string;
  /** Presigned URLs; they expire (a 403/404 on download means: read the status again) */
  media: { video?: string; captions?: string; thumbnail?: string; gif?: string };
  failure?: { code?: string | number; message?: string };
}

export interface RenderSummary {
  videoId: string;
  state: RenderState | 'not_found';
  rawStatus: string;
  failure?: { code?: string | number; message?: string };
}

// ---- assets ----

export const ASSET_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'video/mp4',
  'video/webm',
  'audio/mpeg',
] as const;
export type AssetContentType = (typeof ASSET_CONTENT_TYPES)[number];

export interface UploadedAsset {
  assetId: string;
  /** What avatar creation and Avatar IV take for this photo: v2 `image_key`, v3 the asset id */
  photoRef?: string;
  url?: string;
  contentType?: string;
  bytes?: number;
}

export interface AssetQuery {
  fileType?: 'image' | 'video' | 'audio';
  folderId?: string;
  limit?: number;
  token?: string;
}

export interface Asset {
  id: string;
  name?: string;
  fileType?: string;
  folderId?: string;
  createdAt?: number;
  url?: string;
}

export interface AssetPage {
  assets: Asset[];
  /** Cursor of the next page; undefined at the end */
  nextToken?: string;
}

// ---- catalog ----

export interface CatalogAvatar {
  avatarId: string;
  name?: string;
  gender?: string;
  /** v2: `avatar` (studio) or `talking_photo`; v3: the look's avatar_type */
  type: string;
  previewImageUrl?: string;
  previewVideoUrl?: string;
  premium?: boolean;
  defaultVoiceId?: string;
  /** Whether the avatar can be rendered as a transparent WebM (v2: studio avatars; v3: matting support) */
  supportsWebm: boolean;
}

export interface Voice {
  voiceId: string;
  name?: string;
  language?: string;
  gender?: string;
  previewAudioUrl?: string;
  supportPause?: boolean;
  emotionSupport?: boolean;
}

// ---- webhooks ----

export interface WebhookEndpointRequest {
  url: string;
  /** Omitted = every event */
  events?: string[];
}

export interface WebhookEndpoint {
  endpointId: string;
  url: string;
  events?: string[];
  status?: string;
  /** The signing secret; v3 returns it at creation and rotation only (null in lists) */
  secret?: string;
  createdAt?: string | number;
}

export interface WebhookEventQuery {
  eventType?: string;
  entityId?: string;
  limit?: number;
  token?: string;
}

export interface WebhookEvent {
  eventId: string;
  eventType: string;
  eventData: Record<string, unknown>;
  createdAt?: string;
}

export interface WebhookEventPage {
  events: WebhookEvent[];
  nextToken?: string;
}

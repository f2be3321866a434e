import { Readable } from 'node:stream';
import type { z } from 'zod';
import { API_CAPABILITIES } from '../../contracts/apiVersion';
import { lookSpecSchema, photoAttributesSchema, promptSchema } from '../../contracts/fields';
import type { HeyGenConfig } from '../config';
import { HeyGenError } from '../errors';
import type { Timeouts } from '../http';
import type {
  AddLooksRequest,
  Asset,
  AssetContentType,
  AssetPage,
  AssetQuery,
  AvatarGroup,
  CallOptions,
  CatalogAvatar,
  CreateAvatarRequest,
  CreatedAvatar,
  FindGeneratedLooksRequest,
  GeneratedLook,
  GenerateLookRequest,
  GeneratePhotosRequest,
  HeyGenPort,
  JobState,
  Look,
  LookStatus,
  RenderRequest,
  RenderState,
  RenderStatus,
  RenderSummary,
  UnsupportedCheck,
  UnsupportedField,
  UploadedAsset,
  Voice,
  WebhookEndpoint,
  WebhookEndpointRequest,
  WebhookEventPage,
  WebhookEventQuery,
} from '../port';
import { V3Client, V3_OPERATIONS, validate } from './client';
import { multipartBody, spoolToTempFile } from './multipart';
import { composeLookPrompt, composePhotoPrompt } from './prompt';
import { mapRenderRequest } from './render';
import {
  assetContentTypeSchema,
  assetQuerySchema,
  contentLengthSchema,
  createAvatarBodySchema,
  createVideoBodySchema,
  directUploadBodySchema,
  idempotencyKeySchema,
  PAGE_LIMITS,
  v3IdSchema,
  webhookEndpointBodySchema,
  webhookEndpointPatchSchema,
  webhookEventQuerySchema,
  type avatarGroupSchema,
  type AvatarItem,
  type catalogLookSchema,
  type CreateAvatarBody,
  type uploadedAssetSchema,
  type videoSchema,
  type videoStatusItemSchema,
  type webhookEndpointSchema,
} from './schemas';

/** `POST /v3/assets` takes files up to 32 MB (notes §3.1); larger ones go through the direct-upload flow. */
export const MAX_MULTIPART_UPLOAD_BYTES = 32 * 1024 * 1024;
/** `GET /v3/videos/statuses` takes at most this many ids a call. */
export const MAX_STATUS_IDS = 100;

const API = 'HeyGen API v3';
const ops = V3_OPERATIONS;

const FILE_EXTENSIONS: Readonly<Record<AssetContentType, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
};

const LOOK_STATUSES: ReadonlySet<string> = new Set<LookStatus>([
  'processing',
  'pending_consent',
  'failed',
  'completed',
]);

/**
 * Video statuses: the GET enum, plus create's 'waiting' and the bulk endpoint's 'queued' (notes §3.6). Anything
 * else is taken as still processing: a status HeyGen adds later must not end a render.
 */
const RENDER_STATES: Readonly<Record<string, RenderState>> = {
  waiting: 'pending',
  queued: 'pending',
  pending: 'pending',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
};

/** HeyGen API v3 behind the neutral port (heygen-v3-notes.md §2–§5). */
export class V3Adapter implements HeyGenPort {
  readonly version = 'v3' as const;
  readonly capabilities = API_CAPABILITIES.v3;

  private readonly client: V3Client;
  /** `GET /v3/assets` needs the account's username: asked once per adapter. */
  private username?: Promise<string>;

  constructor(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}) {
    this.client = new V3Client(config, timeouts);
  }

  unsupported(check: UnsupportedCheck): UnsupportedField[] {
    if (check.kind !== 'render') return []; // v3 honours photo attributes and look specs by composing its prompt
    const mapping = mapRenderRequest(check.request);
    return 'unsupported' in mapping ? mapping.unsupported : [];
  }

  // ---- AI photos, avatars and looks ----

  generatePhotos(_request: GeneratePhotosRequest, _opts?: CallOptions): Promise<{ generationId: string }> {
    return Promise.reject(unsupportedOperation('generatePhotos', 'a prompt creates the avatar itself'));
  }

  getPhotoGeneration(_generationId: string, _opts?: CallOptions): Promise<JobState<{ photos: string[] }>> {
    return Promise.reject(unsupportedOperation('getPhotoGeneration', 'it has no photo generation jobs'));
  }

  async createAvatar(request: CreateAvatarRequest, opts: CallOptions = {}): Promise<CreatedAvatar> {
    const operation = ops.createAvatar.name;
    let body: CreateAvatarBody;
    if (request.source === 'photo') {
      body = { type: 'photo', name: request.name, file: { type: 'asset_id', asset_id: request.photo } };
    } else {
      const source =
        'attributes' in request
          ? {
              attributes: validate(
                operation,
                photoAttributesSchema,
                request.attributes,
                'request.attributes',
              ),
            }
          : { prompt: validate(operation, promptSchema, request.prompt, 'request.prompt') };
      body = { type: 'prompt', name: request.name, prompt: composePhotoPrompt(source) };
    }
    const data = await this.createAvatarCall(body, opts);
    const look = data.avatar_item;
    const groupId = data.avatar_group?.id ?? look?.group_id ?? undefined;
    if (!look || !groupId)
      throw invalidResponse(operation, 'the answer names no avatar_item and avatar_group');
    return { groupId, lookId: look.id };
  }

  async addLooks(request: AddLooksRequest, opts: CallOptions = {}): Promise<{ lookIds: string[] }> {
    const operation = ops.createAvatar.name;
    const max = this.capabilities.maxPhotosPerAdd;
    if (request.photos.length !== max) {
      throw invalidRequest(
        operation,
        `Invalid request.photos: ${API} adds exactly ${max} photo per call, got ${request.photos.length}`,
      );
    }
    const data = await this.createAvatarCall(
      {
        type: 'photo',
        name: request.name,
        file: { type: 'asset_id', asset_id: request.photos[0] ?? '' },
        avatar_group_id: request.groupId,
      },
      opts,
    );
    return { lookIds: [requireItem(operation, data.avatar_item).id] };
  }

  startTraining(_groupId: string, _opts?: CallOptions): Promise<{ started: boolean; status: string }> {
    return Promise.reject(
      unsupportedOperation('startTraining', 'looks become ready without a training step'),
    );
  }

  getTraining(_groupId: string, _opts?: CallOptions): Promise<JobState<void> | undefined> {
    return Promise.reject(unsupportedOperation('getTraining', 'looks become ready without a training step'));
  }

  async generateLook(request: GenerateLookRequest, opts: CallOptions = {}): Promise<GeneratedLook> {
    const operation = ops.createAvatar.name;
    const look = validate(operation, lookSpecSchema, request.look, 'request.look');
    const data = await this.createAvatarCall(
      {
        type: 'prompt',
        name: request.name,
        prompt: composeLookPrompt(look),
        avatar_id: request.baseLookId,
        avatar_group_id: request.groupId,
      },
      opts,
    );
    return { lookIds: [requireItem(operation, data.avatar_item).id] };
  }

  findGeneratedLooks(
    _request: FindGeneratedLooksRequest,
    _opts?: CallOptions,
  ): Promise<JobState<{ lookIds: string[] }>> {
    return Promise.reject(
      unsupportedOperation('findGeneratedLooks', 'a look generation returns its look at once'),
    );
  }

  async listGroupLooks(groupId: string, opts: CallOptions = {}): Promise<Look[]> {
    const group_id = idParam(ops.listLooks.name, 'groupId', groupId);
    const items = await this.client.all(
      ops.listLooks,
      { path: '/v3/avatars/looks', query: { group_id, limit: PAGE_LIMITS.looks } },
      opts,
    );
    return items.map(toLook);
  }

  async listAvatarGroups(opts: CallOptions = {}): Promise<AvatarGroup[]> {
    const groups = await this.client.all(
      ops.listGroups,
      { path: '/v3/avatars', query: { ownership: 'private', limit: PAGE_LIMITS.groups } },
      opts,
    );
    return groups.map(toGroup);
  }

  // ---- videos ----

  async submitRender(request: RenderRequest, opts: CallOptions = {}): Promise<{ videoId: string }> {
    const operation = ops.createVideo.name;
    const mapping = mapRenderRequest(request);
    if ('unsupported' in mapping) {
      throw new HeyGenError({
        kind: 'Unsupported',
        operation,
        message: `${API} cannot honour ${mapping.unsupported.map((u) => `${u.field}: ${u.reason}`).join('; ')}`,
        mayHaveBeenProcessed: false,
      });
    }
    const body = validate(operation, createVideoBodySchema, mapping.body);
    const data = await this.client.create(ops.createVideo, { path: '/v3/videos', body }, opts);
    return { videoId: data.video_id };
  }

  async getRender(videoId: string, opts: CallOptions = {}): Promise<RenderStatus> {
    const id = idParam(ops.getVideo.name, 'videoId', videoId);
    const video = await this.client.call(
      ops.getVideo,
      { path: `/v3/videos/${encodeURIComponent(id)}` },
      opts,
    );
    return toRenderStatus(video);
  }

  async getRenders(videoIds: string[], opts: CallOptions = {}): Promise<RenderSummary[]> {
    const operation = ops.videoStatuses.name;
    const ids = videoIds.map((id) => idParam(operation, 'videoIds', id));
    const found = new Map<string, RenderSummary>();
    // The bulk endpoint takes a comma-separated list: an id that itself holds a comma is read on its own.
    const listable = [...new Set(ids.filter((id) => !id.includes(',')))];
    for (let i = 0; i < listable.length; i += MAX_STATUS_IDS) {
      const chunk = listable.slice(i, i + MAX_STATUS_IDS);
      const items = await this.client.call(
        ops.videoStatuses,
        { path: '/v3/videos/statuses', query: { video_ids: chunk.join(',') } },
        opts,
      );
      for (const item of items)
        if (item.video_id) found.set(item.video_id, toRenderSummary(item.video_id, item));
    }
    for (const id of ids.filter((i) => i.includes(','))) {
      const status = await this.getRender(id, opts);
      found.set(id, {
        videoId: id,
        state: status.state,
        rawStatus: status.rawStatus,
        ...(status.failure ? { failure: status.failure } : {}),
      });
    }
    return ids.map((id) => {
      const summary = found.get(id);
      if (!summary) throw invalidResponse(operation, `no status for video ${id} in the answer`);
      return summary;
    });
  }

  // ---- assets ----

  async uploadAsset(
    data: Buffer | Readable,
    contentType: AssetContentType,
    opts: CallOptions & { contentLength?: number; fileName?: string } = {},
  ): Promise<UploadedAsset> {
    const operation = ops.uploadAsset.name;
    try {
      const type = validate(operation, assetContentTypeSchema, contentType, 'contentType');
      if (opts.idempotencyKey !== undefined) {
        validate(operation, idempotencyKeySchema, opts.idempotencyKey, 'idempotencyKey');
      }
      const fileName = uploadFileName(opts.fileName, type);
      if (Buffer.isBuffer(data)) return await this.uploadKnownLength(data, data.length, type, fileName, opts);
      if (opts.contentLength !== undefined) {
        const length = validate(operation, contentLengthSchema, opts.contentLength, 'contentLength');
        return await this.uploadKnownLength(data, length, type, fileName, opts);
      }
      // Unknown length: to disk first (never memory), so the size that decides the upload path is exact.
      const spooled = await spoolSource(operation, data, opts.signal);
      const file = spooled.open();
      try {
        return await this.uploadKnownLength(file, spooled.size, type, fileName, opts);
      } finally {
        file.destroy();
        await spooled.remove();
      }
    } finally {
      // Refused, failed or cancelled before the end: nobody will read the rest.
      if (data instanceof Readable && !data.readableEnded) data.destroy();
    }
  }

  private async uploadKnownLength(
    data: Buffer | Readable,
    size: number,
    contentType: AssetContentType,
    fileName: string,
    opts: CallOptions,
  ): Promise<UploadedAsset> {
    if (size === 0) throw invalidRequest(ops.uploadAsset.name, 'Invalid upload: the file is empty');
    if (size <= MAX_MULTIPART_UPLOAD_BYTES) {
      const body = multipartBody({ field: 'file', fileName, contentType, data, length: size });
      const asset = await this.client.create(
        ops.uploadAsset,
        {
          path: '/v3/assets',
          raw: { data: body.data, contentType: body.contentType, contentLength: body.contentLength },
        },
        opts,
      );
      return toUploaded(asset);
    }
    return this.directUpload(data, size, contentType, fileName, opts);
  }

  /** Presigned direct upload (notes §3.1): reserve, PUT the bytes with the signed headers, complete. */
  private async directUpload(
    data: Buffer | Readable,
    size: number,
    contentType: AssetContentType,
    fileName: string,
    opts: CallOptions,
  ): Promise<UploadedAsset> {
    const operation = ops.createDirectUpload.name;
    const body = validate(operation, directUploadBodySchema, {
      filename: fileName,
      content_type: contentType,
      size_bytes: size,
    });
    // No Idempotency-Key on the reservation: it bills nothing, and a replay would hand back the first answer's
    // upload URL, which may have expired by the time a retry comes (every retry would then fail for 24 h).
    const { idempotencyKey: _key, ...reserveOpts } = opts;
    const slot = await this.client.create(
      ops.createDirectUpload,
      { path: '/v3/assets/direct-uploads', body },
      reserveOpts,
    );
    if (typeof slot.max_bytes === 'number' && size > slot.max_bytes) {
      throw new HeyGenError({
        kind: 'PayloadTooLarge',
        operation,
        message: `The file has ${size} bytes; HeyGen takes at most ${slot.max_bytes} in a direct upload`,
        mayHaveBeenProcessed: false,
      });
    }
    await this.client.putPresigned({
      url: slot.upload_url,
      data,
      contentLength: size,
      headers: slot.upload_headers,
      contentType,
      signal: opts.signal,
    });
    // Completing is idempotent by definition ("repeated calls return the same finalized asset"): no key needed.
    const done = await this.client.call(
      ops.completeDirectUpload,
      { path: `/v3/assets/${encodeURIComponent(slot.asset_id)}/complete`, body: {} },
      opts,
    );
    return toUploaded(done);
  }

  async listAssetsPage(query: AssetQuery = {}, opts: CallOptions = {}): Promise<AssetPage> {
    const operation = ops.listAssets.name;
    const q = validate(operation, assetQuerySchema, query, 'query');
    const username = await this.accountUsername(opts);
    const page = await this.client.page(
      ops.listAssets,
      {
        path: '/v3/assets',
        // v3 filters by folder only; the type filter is applied to each page here.
        query: { username, limit: q.limit, token: q.token, folder_id: q.folderId },
      },
      opts,
    );
    const assets = page.data.filter((a) => q.fileType === undefined || a.type === q.fileType).map(toAsset);
    return { assets, nextToken: page.hasMore ? page.nextToken : undefined };
  }

  async *listAssets(query: Omit<AssetQuery, 'token'> = {}, opts: CallOptions = {}): AsyncGenerator<Asset> {
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.listAssetsPage({ ...query, token }, opts);
      yield* page.assets;
      token = page.nextToken;
      if (token !== undefined && seen.has(token)) {
        throw invalidResponse(ops.listAssets.name, 'the cursor repeats a page');
      }
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
  }

  async deleteAsset(assetId: string, opts: CallOptions = {}): Promise<void> {
    const id = idParam(ops.deleteAsset.name, 'assetId', assetId);
    await this.client.call(ops.deleteAsset, { path: `/v3/assets/${encodeURIComponent(id)}` }, opts);
  }

  private accountUsername(opts: CallOptions): Promise<string> {
    if (!this.username) {
      const request = this.client.call(ops.userMe, { path: '/v3/users/me' }, opts).then((me) => me.username);
      // A failed lookup is not remembered: the next call asks again.
      request.catch(() => {
        if (this.username === request) this.username = undefined;
      });
      this.username = request;
    }
    return this.username;
  }

  // ---- catalog ----

  async listAvatars(opts: CallOptions = {}): Promise<CatalogAvatar[]> {
    const looks = await this.client.all(
      ops.listPublicLooks,
      { path: '/v3/avatars/looks', query: { ownership: 'public', limit: PAGE_LIMITS.looks } },
      opts,
    );
    return looks.map(toCatalogAvatar);
  }

  async listVoices(opts: CallOptions = {}): Promise<Voice[]> {
    const voices = await this.client.all(
      ops.listVoices,
      { path: '/v3/voices', query: { limit: PAGE_LIMITS.voices } },
      opts,
    );
    return voices.map((v) => ({
      voiceId: v.voice_id,
      name: v.name ?? undefined,
      language: v.language ?? undefined,
      gender: v.gender ?? undefined,
      previewAudioUrl: v.preview_audio_url ?? undefined,
      supportPause: v.support_pause ?? undefined,
    }));
  }

  // ---- webhook endpoints ----

  async addWebhookEndpoint(
    request: WebhookEndpointRequest,
    opts: CallOptions = {},
  ): Promise<WebhookEndpoint> {
    const body = validate(ops.addWebhook.name, webhookEndpointBodySchema, {
      url: request.url,
      events: request.events,
    });
    const endpoint = await this.client.create(ops.addWebhook, { path: '/v3/webhooks/endpoints', body }, opts);
    return toEndpoint(endpoint);
  }

  async updateWebhookEndpoint(
    request: { endpointId: string } & Partial<WebhookEndpointRequest>,
    opts: CallOptions = {},
  ): Promise<WebhookEndpoint> {
    const operation = ops.updateWebhook.name;
    const id = idParam(operation, 'endpointId', request.endpointId);
    const body = validate(operation, webhookEndpointPatchSchema, {
      url: request.url,
      events: request.events,
    });
    const endpoint = await this.client.call(
      ops.updateWebhook,
      { path: `/v3/webhooks/endpoints/${encodeURIComponent(id)}`, body },
      opts,
    );
    return toEndpoint(endpoint);
  }

  async listWebhookEndpoints(opts: CallOptions = {}): Promise<WebhookEndpoint[]> {
    const endpoints = await this.client.all(
      ops.listWebhooks,
      { path: '/v3/webhooks/endpoints', query: { limit: PAGE_LIMITS.webhooks } },
      opts,
    );
    return endpoints.map(toEndpoint);
  }

  async deleteWebhookEndpoint(endpointId: string, opts: CallOptions = {}): Promise<void> {
    const id = idParam(ops.deleteWebhook.name, 'endpointId', endpointId);
    await this.client.call(
      ops.deleteWebhook,
      { path: `/v3/webhooks/endpoints/${encodeURIComponent(id)}` },
      opts,
    );
  }

  async rotateWebhookSecret(
    endpointId: string,
    opts: CallOptions = {},
  ): Promise<{ endpointId: string; secret: string }> {
    const id = idParam(ops.rotateWebhookSecret.name, 'endpointId', endpointId);
    const data = await this.client.create(
      ops.rotateWebhookSecret,
      { path: `/v3/webhooks/endpoints/${encodeURIComponent(id)}/rotate-secret` },
      opts,
    );
    return { endpointId: data.endpoint_id, secret: data.secret };
  }

  async listWebhookEvents(query: WebhookEventQuery = {}, opts: CallOptions = {}): Promise<WebhookEventPage> {
    const q = validate(ops.listWebhookEvents.name, webhookEventQuerySchema, query, 'query');
    const page = await this.client.page(
      ops.listWebhookEvents,
      {
        path: '/v3/webhooks/events',
        query: { event_type: q.eventType, entity_id: q.entityId, limit: q.limit, token: q.token },
      },
      opts,
    );
    return {
      events: page.data.map((e) => ({
        eventId: e.event_id,
        eventType: e.event_type,
        eventData: e.event_data,
        createdAt: e.created_at ?? undefined,
      })),
      nextToken: page.hasMore ? page.nextToken : undefined,
    };
  }

  // ---- helpers ----

  private createAvatarCall(body: CreateAvatarBody, opts: CallOptions) {
    const valid = validate(ops.createAvatar.name, createAvatarBodySchema, body);
    return this.client.create(ops.createAvatar, { path: '/v3/avatars', body: valid }, opts);
  }
}

// ---- mapping of v3 answers to neutral types ----

/**
 * A look's readiness. `status` is "only present for private avatars"; without it, HeyGen's own readiness rule
 * applies (a preview image with non-zero dimensions, notes §3.3).
 */
function toLook(item: AvatarItem): Look {
  const raw = item.status ?? undefined;
  let status: LookStatus;
  if (raw !== undefined) status = LOOK_STATUSES.has(raw) ? (raw as LookStatus) : 'processing';
  else status = item.preview_image_url && item.image_width && item.image_height ? 'completed' : 'processing';
  return {
    id: item.id,
    groupId: item.group_id ?? undefined,
    name: item.name ?? undefined,
    status,
    rawStatus: raw,
    ...(item.error
      ? { failure: { code: item.error.code ?? undefined, message: item.error.message ?? undefined } }
      : {}),
    previewImageUrl: item.preview_image_url ?? undefined,
  };
}

function toGroup(group: z.infer<typeof avatarGroupSchema>): AvatarGroup {
  return {
    id: group.id,
    name: group.name,
    createdAt: group.created_at ?? undefined,
    looksCount: group.looks_count ?? undefined,
    status: group.status ?? undefined,
    previewImageUrl: group.preview_image_url ?? undefined,
  };
}

function toRenderStatus(video: z.infer<typeof videoSchema>): RenderStatus {
  const state = RENDER_STATES[video.status] ?? 'processing';
  const failed = state === 'failed' || video.failure_code != null || video.failure_message != null;
  return {
    videoId: video.id,
    state,
    rawStatus: video.status,
    durationSeconds: video.duration ?? undefined,
    callbackId: video.callback_id ?? undefined,
    media: {
      video: video.video_url ?? undefined,
      captions: video.subtitle_url ?? undefined,
      thumbnail: video.thumbnail_url ?? undefined,
      gif: video.gif_url ?? undefined,
    },
    ...(failed
      ? { failure: { code: video.failure_code ?? undefined, message: video.failure_message ?? undefined } }
      : {}),
  };
}

function toRenderSummary(videoId: string, item: z.infer<typeof videoStatusItemSchema>): RenderSummary {
  const state = item.status === 'not_found' ? 'not_found' : (RENDER_STATES[item.status] ?? 'processing');
  const error = item.error;
  const failure =
    typeof error === 'string'
      ? { message: error }
      : error
        ? { code: error.code ?? undefined, message: error.message ?? undefined }
        : undefined;
  return { videoId, state, rawStatus: item.status, ...(failure ? { failure } : {}) };
}

function toUploaded(asset: z.infer<typeof uploadedAssetSchema>): UploadedAsset {
  return {
    assetId: asset.asset_id,
    photoRef: asset.asset_id,
    url: asset.url ?? undefined,
    contentType: asset.mime_type ?? undefined,
    bytes: asset.size_bytes ?? undefined,
  };
}

function toAsset(item: {
  id: string;
  name?: string | null;
  type?: string | null;
  folder_id?: string | null;
  uploaded_at?: number | null;
  url?: string | null;
}): Asset {
  return {
    id: item.id,
    name: item.name ?? undefined,
    fileType: item.type ?? undefined,
    folderId: item.folder_id ?? undefined,
    createdAt: item.uploaded_at ?? undefined,
    url: item.url ?? undefined,
  };
}

/**
 * v3 documents that WebM "requires an avatar that supports matting" but gives no per-look flag for it: studio
 * avatars are the ones HeyGen renders with matting, so they are the ones reported as WebM-capable.
 */
function toCatalogAvatar(look: z.infer<typeof catalogLookSchema>): CatalogAvatar {
  return {
    avatarId: look.id,
    name: look.name ?? undefined,
    gender: look.gender ?? undefined,
    type: look.avatar_type,
    previewImageUrl: look.preview_image_url ?? undefined,
    previewVideoUrl: look.preview_video_url ?? undefined,
    defaultVoiceId: look.default_voice_id ?? undefined,
    supportsWebm: look.avatar_type === 'studio_avatar',
  };
}

function toEndpoint(endpoint: z.infer<typeof webhookEndpointSchema>): WebhookEndpoint {
  return {
    endpointId: endpoint.endpoint_id,
    url: endpoint.url,
    events: endpoint.events ?? undefined,
    status: endpoint.status ?? undefined,
    secret: endpoint.secret ?? undefined,
    createdAt: endpoint.created_at ?? undefined,
  };
}

// ---- small helpers ----

function requireItem(operation: string, item: AvatarItem | null | undefined): AvatarItem {
  if (!item) throw invalidResponse(operation, 'the answer has no avatar_item');
  return item;
}

function idParam(operation: string, field: string, value: unknown): string {
  return validate(operation, v3IdSchema, value, field);
}

/** A name for the multipart part and the direct upload: the caller's (its last path segment) or `upload.<ext>`. */
function uploadFileName(given: string | undefined, type: AssetContentType): string {
  const base = given?.split(/[\\/]/).pop()?.trim();
  return base ? base.slice(-255) : `upload.${FILE_EXTENSIONS[type]}`;
}

async function spoolSource(operation: string, data: Readable, signal: AbortSignal | undefined) {
  try {
    return await spoolToTempFile(data, signal);
  } catch (err) {
    if (signal?.aborted) {
      throw new HeyGenError({
        kind: 'Timeout',
        operation,
        message: 'Upload cancelled before it was sent',
        mayHaveBeenProcessed: false,
        cause: err,
      });
    }
    throw new HeyGenError({
      kind: 'Network',
      operation,
      message: `Reading the file to upload failed: ${err instanceof Error ? err.message : String(err)}`,
      mayHaveBeenProcessed: false,
      cause: err,
    });
  }
}

function unsupportedOperation(name: string, why: string): HeyGenError {
  return new HeyGenError({
    kind: 'Unsupported',
    operation: `v3.${name}`,
    message: `${name} is not available on ${API}: ${why}`,
    mayHaveBeenProcessed: false,
  });
}

function invalidRequest(operation: string, message: string): HeyGenError {
  return new HeyGenError({ kind: 'InvalidRequest', operation, message, mayHaveBeenProcessed: false });
}

function invalidResponse(operation: string, detail: string): HeyGenError {
  return new HeyGenError({
    kind: 'InvalidResponse',
    operation,
    message: `Unexpected response from HeyGen (${operation}): ${detail}`,
  });
}

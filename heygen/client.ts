import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { HeyGenConfig } from './config';
import { HeyGenError } from './errors';
import { HeyGenHttp, type Operation, type Timeouts } from './http';
import {
  addLooksRequestSchema,
  addLooksResponseSchema,
  addWebhookEndpointRequestSchema,
  assetContentTypeSchema,
  assetListPageSchema,
  avatarGroupListSchema,
  avatarListSchema,
  createGroupRequestSchema,
  generateAvatarIvRequestSchema,
  generateLookRequestSchema,
  generatePhotosRequestSchema,
  generateVideoRequestSchema,
  generateWebmRequestSchema,
  generationIdResponseSchema,
  generationStatusSchema,
  groupLooksSchema,
  listAssetsQuerySchema,
  photoAvatarLookSchema,
  trainingStatusSchema,
  updateWebhookEndpointRequestSchema,
  uploadedAssetSchema,
  videoIdResponseSchema,
  videoStatusSchema,
  voiceListSchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  type AddLooksRequest,
  type AddWebhookEndpointRequest,
  type AssetContentType,
  type AssetListItem,
  type AssetListPage,
  type AvatarGroup,
  type AvatarList,
  type CreateGroupRequest,
  type GenerateAvatarIvRequest,
  type GenerateLookRequest,
  type GeneratePhotosRequest,
  type GenerateVideoRequest,
  type GenerateWebmRequest,
  type GenerationStatus,
  type ListAssetsQuery,
  type PhotoAvatarLook,
  type TrainingStatus,
  type UpdateWebhookEndpointRequest,
  type UploadedAsset,
  type VideoStatus,
  type Voice,
  type WebhookEndpoint,
} from './schemas';

export interface RequestOptions {
  /** Aborts the HTTP request (activities pass their cancellation signal). */
  signal?: AbortSignal;
}

const anyData = z.unknown();
const op = <T>(o: Operation<T>): Operation<T> => o;

/** Every endpoint this product uses, described once. */
export const OPERATIONS = {
  generatePhotos: op({
    name: 'photoAvatar.generatePhotos',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: generationIdResponseSchema,
  }),
  generationStatus: op({
    name: 'photoAvatar.generationStatus',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'status',
    schema: generationStatusSchema,
  }),
  createGroup: op({
    name: 'photoAvatar.createGroup',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: photoAvatarLookSchema,
  }),
  addLooks: op({
    name: 'photoAvatar.addLooks',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: addLooksResponseSchema,
  }),
  train: op({
    name: 'photoAvatar.train',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: anyData,
  }),
  trainingStatus: op({
    name: 'photoAvatar.trainingStatus',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'status',
    schema: trainingStatusSchema,
  }),
  generateLook: op({
    name: 'photoAvatar.generateLook',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: generationIdResponseSchema,
  }),
  listAvatarGroups: op({
    name: 'avatarGroups.list',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'list',
    schema: avatarGroupListSchema,
  }),
  listGroupLooks: op({
    name: 'avatarGroups.looks',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'list',
    schema: groupLooksSchema,
  }),
  listAvatars: op({
    name: 'catalog.avatars',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'catalog',
    schema: avatarListSchema,
  }),
  listVoices: op({
    name: 'catalog.voices',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'catalog',
    schema: voiceListSchema,
  }),
  generateVideo: op({
    name: 'video.generate',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: videoIdResponseSchema,
  }),
  generateAvatarIv: op({
    name: 'video.generateAvatarIv',
    method: 'POST',
    host: 'api',
    envelope: 'v2',
    timeout: 'create',
    schema: videoIdResponseSchema,
  }),
  generateWebm: op({
    name: 'video.generateWebm',
    method: 'POST',
    host: 'api',
    envelope: 'v1',
    timeout: 'create',
    schema: videoIdResponseSchema,
  }),
  videoStatus: op({
    name: 'video.status',
    method: 'GET',
    host: 'api',
    envelope: 'v1',
    timeout: 'status',
    schema: videoStatusSchema,
  }),
  uploadAsset: op({
    name: 'asset.upload',
    method: 'POST',
    host: 'upload',
    envelope: 'v1',
    timeout: 'upload',
    schema: uploadedAssetSchema,
  }),
  listAssets: op({
    name: 'asset.list',
    method: 'GET',
    host: 'api',
    envelope: 'v2',
    timeout: 'list',
    schema: assetListPageSchema,
  }),
  deleteAsset: op({
    name: 'asset.delete',
    method: 'POST',
    host: 'api',
    envelope: 'v1',
    timeout: 'create',
    schema: anyData,
  }),
  addWebhookEndpoint: op({
    name: 'webhook.add',
    method: 'POST',
    host: 'api',
    envelope: 'v1',
    timeout: 'create',
    schema: webhookEndpointSchema,
  }),
  updateWebhookEndpoint: op({
    name: 'webhook.update',
    method: 'PATCH',
    host: 'api',
    envelope: 'v1',
    timeout: 'create',
    schema: webhookEndpointSchema,
  }),
  listWebhookEndpoints: op({
    name: 'webhook.list',
    method: 'GET',
    host: 'api',
    envelope: 'v1',
    timeout: 'list',
    schema: webhookEndpointListSchema,
  }),
  deleteWebhookEndpoint: op({
    name: 'webhook.delete',
    method: 'DELETE',
    host: 'api',
    envelope: 'v1',
    timeout: 'create',
    schema: anyData,
  }),
} as const;

/**
 * Typed client for HeyGen's v1/v2 API: one method per endpoint of the specification, in HeyGen's own shapes. The
 * product talks to it only through the v2 adapter (heygen/v2/adapter.ts), which implements the neutral port. Requests
 * are validated before they are sent (an invalid request never reaches HeyGen), responses are parsed, and every
 * failure is a HeyGenError. It does not retry: the caller (a Temporal activity) owns retries.
 */
export class HeyGenClient {
  private readonly http: HeyGenHttp;

  /** `timeouts` overrides the per-operation defaults (CALL_TIMEOUTS_MS in contracts/retries.ts). */
  constructor(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}) {
    this.http = new HeyGenHttp(config, timeouts);
  }

  // ---- photo avatars ----

  async generatePhotos(
    request: GeneratePhotosRequest,
    opts: RequestOptions = {},
  ): Promise<{ generationId: string }> {
    const body = validate(OPERATIONS.generatePhotos.name, generatePhotosRequestSchema, request);
    const data = await this.http.call(OPERATIONS.generatePhotos, {
      path: '/v2/photo_avatar/photo/generate',
      body,
      ...opts,
    });
    return { generationId: data.generation_id };
  }

  /** Status of a photo generation or a look generation (same endpoint). */
  async getGeneration(generationId: string, opts: RequestOptions = {}): Promise<GenerationStatus> {
    const id = validate(OPERATIONS.generationStatus.name, idSchema('generationId'), generationId);
    return this.http.call(OPERATIONS.generationStatus, {
      path: `/v2/photo_avatar/generation/${encodeURIComponent(id)}`,
      ...opts,
    });
  }

  async createAvatarGroup(request: CreateGroupRequest, opts: RequestOptions = {}): Promise<PhotoAvatarLook> {
    const body = validate(OPERATIONS.createGroup.name, createGroupRequestSchema, request);
    return this.http.call(OPERATIONS.createGroup, {
      path: '/v2/photo_avatar/avatar_group/create',
      body,
      ...opts,
    });
  }

  async addLooks(request: AddLooksRequest, opts: RequestOptions = {}): Promise<PhotoAvatarLook[]> {
    const body = validate(OPERATIONS.addLooks.name, addLooksRequestSchema, request);
    const data = await this.http.call(OPERATIONS.addLooks, {
      path: '/v2/photo_avatar/avatar_group/add',
      body,
      ...opts,
    });
    return data.photo_avatar_list;
  }

  async trainGroup(groupId: string, opts: RequestOptions = {}): Promise<void> {
    const group_id = validate(OPERATIONS.train.name, idSchema('groupId'), groupId);
    await this.http.call(OPERATIONS.train, { path: '/v2/photo_avatar/train', body: { group_id }, ...opts });
  }

  async getTrainingStatus(groupId: string, opts: RequestOptions = {}): Promise<TrainingStatus> {
    const id = validate(OPERATIONS.trainingStatus.name, idSchema('groupId'), groupId);
    return this.http.call(OPERATIONS.trainingStatus, {
      path: `/v2/photo_avatar/train/status/${encodeURIComponent(id)}`,
      ...opts,
    });
  }

  async generateLook(
    request: GenerateLookRequest,
    opts: RequestOptions = {},
  ): Promise<{ generationId: string }> {
    const body = validate(OPERATIONS.generateLook.name, generateLookRequestSchema, request);
    const data = await this.http.call(OPERATIONS.generateLook, {
      path: '/v2/photo_avatar/look/generate',
      body,
      ...opts,
    });
    return { generationId: data.generation_id };
  }

  async listAvatarGroups(opts: RequestOptions = {}): Promise<AvatarGroup[]> {
    const data = await this.http.call(OPERATIONS.listAvatarGroups, {
      path: '/v2/avatar_group.list',
      ...opts,
    });
    return data.avatar_group_list;
  }

  async listGroupLooks(groupId: string, opts: RequestOptions = {}): Promise<PhotoAvatarLook[]> {
    const id = validate(OPERATIONS.listGroupLooks.name, idSchema('groupId'), groupId);
    const data = await this.http.call(OPERATIONS.listGroupLooks, {
      path: `/v2/avatar_group/${encodeURIComponent(id)}/avatars`,
      ...opts,
    });
    return data.avatar_list;
  }

  // ---- catalog ----

  async listAvatars(opts: RequestOptions = {}): Promise<AvatarList> {
    return this.http.call(OPERATIONS.listAvatars, { path: '/v2/avatars', ...opts });
  }

  async listVoices(opts: RequestOptions = {}): Promise<Voice[]> {
    const data = await this.http.call(OPERATIONS.listVoices, { path: '/v2/voices', ...opts });
    return data.voices;
  }

  // ---- videos ----

  async generateVideo(
    request: GenerateVideoRequest,
    opts: RequestOptions = {},
  ): Promise<{ videoId: string }> {
    const body = validate(OPERATIONS.generateVideo.name, generateVideoRequestSchema, request);
    const data = await this.http.call(OPERATIONS.generateVideo, {
      path: '/v2/video/generate',
      body,
      ...opts,
    });
    return { videoId: data.video_id };
  }

  async generateAvatarIvVideo(
    request: GenerateAvatarIvRequest,
    opts: RequestOptions = {},
  ): Promise<{ videoId: string }> {
    const body = validate(OPERATIONS.generateAvatarIv.name, generateAvatarIvRequestSchema, request);
    const data = await this.http.call(OPERATIONS.generateAvatarIv, {
      path: '/v2/video/av4/generate',
      body,
      ...opts,
    });
    return { videoId: data.video_id };
  }

  async generateWebmVideo(
    request: GenerateWebmRequest,
    opts: RequestOptions = {},
  ): Promise<{ videoId: string }> {
    const body = validate(OPERATIONS.generateWebm.name, generateWebmRequestSchema, request);
    const data = await this.http.call(OPERATIONS.generateWebm, { path: '/v1/video.webm', body, ...opts });
    return { videoId: data.video_id };
  }

  async getVideoStatus(videoId: string, opts: RequestOptions = {}): Promise<VideoStatus> {
    const video_id = validate(OPERATIONS.videoStatus.name, idSchema('videoId'), videoId);
    return this.http.call(OPERATIONS.videoStatus, {
      path: '/v1/video_status.get',
      query: { video_id },
      ...opts,
    });
  }

  // ---- assets ----

  /** Uploads raw bytes (not multipart), as HeyGen expects. Images come back with the `image_key` groups take. */
  async uploadAsset(
    data: Buffer | Readable,
    contentType: AssetContentType,
    opts: RequestOptions & { contentLength?: number } = {},
  ): Promise<UploadedAsset> {
    const type = validate(OPERATIONS.uploadAsset.name, assetContentTypeSchema, contentType);
    const contentLength = Buffer.isBuffer(data) ? data.length : opts.contentLength;
    return this.http.call(OPERATIONS.uploadAsset, {
      path: '/v1/asset',
      raw: { data, contentType: type, contentLength },
      signal: opts.signal,
    });
  }

  async listAssetsPage(query: ListAssetsQuery = {}, opts: RequestOptions = {}): Promise<AssetListPage> {
    const q = validate(OPERATIONS.listAssets.name, listAssetsQuerySchema, query);
    return this.http.call(OPERATIONS.listAssets, { path: '/v1/asset/list', query: q, ...opts });
  }

  /** Every asset, following the cursor until HeyGen returns an empty token. */
  async *listAssets(
    query: Omit<ListAssetsQuery, 'token'> = {},
    opts: RequestOptions = {},
  ): AsyncGenerator<AssetListItem> {
    let token: string | undefined;
    do {
      const page = await this.listAssetsPage({ ...query, token }, opts);
      yield* page.assets;
      token = page.token ? page.token : undefined;
    } while (token);
  }

  async deleteAsset(assetId: string, opts: RequestOptions = {}): Promise<void> {
    const id = validate(OPERATIONS.deleteAsset.name, idSchema('assetId'), assetId);
    await this.http.call(OPERATIONS.deleteAsset, {
      path: `/v1/asset/${encodeURIComponent(id)}/delete`,
      ...opts,
    });
  }

  // ---- webhooks ----

  async addWebhookEndpoint(
    request: AddWebhookEndpointRequest,
    opts: RequestOptions = {},
  ): Promise<WebhookEndpoint> {
    const body = validate(OPERATIONS.addWebhookEndpoint.name, addWebhookEndpointRequestSchema, request);
    return this.http.call(OPERATIONS.addWebhookEndpoint, { path: '/v1/webhook/endpoint.add', body, ...opts });
  }

  async updateWebhookEndpoint(
    request: UpdateWebhookEndpointRequest,
    opts: RequestOptions = {},
  ): Promise<WebhookEndpoint> {
    const body = validate(OPERATIONS.updateWebhookEndpoint.name, updateWebhookEndpointRequestSchema, request);
    return this.http.call(OPERATIONS.updateWebhookEndpoint, {
      path: '/v1/webhook/endpoint.update',
      body,
      ...opts,
    });
  }

  async listWebhookEndpoints(opts: RequestOptions = {}): Promise<WebhookEndpoint[]> {
    return this.http.call(OPERATIONS.listWebhookEndpoints, { path: '/v1/webhook/endpoint.list', ...opts });
  }

  async deleteWebhookEndpoint(endpointId: string, opts: RequestOptions = {}): Promise<void> {
    const endpoint_id = validate(OPERATIONS.deleteWebhookEndpoint.name, idSchema('endpointId'), endpointId);
    await this.http.call(OPERATIONS.deleteWebhookEndpoint, {
      path: '/v1/webhook/endpoint.delete',
      query: { endpoint_id },
      ...opts,
    });
  }
}

function idSchema(field: string) {
  return z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, `${field} must not be empty`);
}

/**
 * Validates a request before it is sent; the error names the offending field (under `prefix`, when the value is
 * one field of a larger request).
 */
export function validate<T>(operation: string, schema: z.ZodType<T>, value: unknown, prefix?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [...(prefix === undefined ? [] : [prefix]), ...(issue?.path ?? []).map(String)];
  const field = path.length > 0 ? path.join('.') : 'request';
  throw new HeyGenError({
    kind: 'InvalidRequest',
    operation,
    message: `Invalid ${field}: ${issue?.message ?? 'invalid value'}`,
    mayHaveBeenProcessed: false,
  });
}

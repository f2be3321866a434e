import type { Readable } from 'node:stream';
import type {
  AddLooksRequest,
  AddWebhookEndpointRequest,
  AssetContentType,
  AssetListItem,
  AssetListPage,
  AvatarGroup,
  AvatarList,
  CreateGroupRequest,
  GenerateAvatarIvRequest,
  GenerateLookRequest,
  GeneratePhotosRequest,
  GenerateVideoRequest,
  GenerateWebmRequest,
  GenerationStatus,
  ListAssetsQuery,
  PhotoAvatarLook,
  TrainingStatus,
  UpdateWebhookEndpointRequest,
  UploadedAsset,
  VideoStatus,
  Voice,
  WebhookEndpoint,
} from './schemas';

export interface PortRequestOptions {
  signal?: AbortSignal;
}

/**
 * The operations the product needs from HeyGen. Activities depend on this port, not on a transport, so that a v3
 * adapter (HeyGen's successor API) can be added without touching workflow or activity code. `HeyGenClient` is the
 * v1/v2 implementation.
 */
export interface HeyGenPort {
  generatePhotos(
    request: GeneratePhotosRequest,
    opts?: PortRequestOptions,
  ): Promise<{ generationId: string }>;
  getGeneration(generationId: string, opts?: PortRequestOptions): Promise<GenerationStatus>;
  createAvatarGroup(request: CreateGroupRequest, opts?: PortRequestOptions): Promise<PhotoAvatarLook>;
  addLooks(request: AddLooksRequest, opts?: PortRequestOptions): Promise<PhotoAvatarLook[]>;
  trainGroup(groupId: string, opts?: PortRequestOptions): Promise<void>;
  getTrainingStatus(groupId: string, opts?: PortRequestOptions): Promise<TrainingStatus>;
  generateLook(request: GenerateLookRequest, opts?: PortRequestOptions): Promise<{ generationId: string }>;
  listAvatarGroups(opts?: PortRequestOptions): Promise<AvatarGroup[]>;
  listGroupLooks(groupId: string, opts?: PortRequestOptions): Promise<PhotoAvatarLook[]>;
  listAvatars(opts?: PortRequestOptions): Promise<AvatarList>;
  listVoices(opts?: PortRequestOptions): Promise<Voice[]>;
  generateVideo(request: GenerateVideoRequest, opts?: PortRequestOptions): Promise<{ videoId: string }>;
  generateAvatarIvVideo(
    request: GenerateAvatarIvRequest,
    opts?: PortRequestOptions,
  ): Promise<{ videoId: string }>;
  generateWebmVideo(request: GenerateWebmRequest, opts?: PortRequestOptions): Promise<{ videoId: string }>;
  getVideoStatus(videoId: string, opts?: PortRequestOptions): Promise<VideoStatus>;
  uploadAsset(
    data: Buffer | Readable,
    contentType: AssetContentType,
    opts?: PortRequestOptions & { contentLength?: number },
  ): Promise<UploadedAsset>;
  listAssetsPage(query?: ListAssetsQuery, opts?: PortRequestOptions): Promise<AssetListPage>;
  listAssets(query?: Omit<ListAssetsQuery, 'token'>, opts?: PortRequestOptions): AsyncIterable<AssetListItem>;
  deleteAsset(assetId: string, opts?: PortRequestOptions): Promise<void>;
  addWebhookEndpoint(request: AddWebhookEndpointRequest, opts?: PortRequestOptions): Promise<WebhookEndpoint>;
  updateWebhookEndpoint(
    request: UpdateWebhookEndpointRequest,
    opts?: PortRequestOptions,
  ): Promise<WebhookEndpoint>;
  listWebhookEndpoints(opts?: PortRequestOptions): Promise<WebhookEndpoint[]>;
  deleteWebhookEndpoint(endpointId: string, opts?: PortRequestOptions): Promise<void>;
}

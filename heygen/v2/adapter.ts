import type { Readable } from 'node:stream';
import { API_CAPABILITIES, type ApiCapabilities, type ApiVersion } from '../../contracts/apiVersion';
import { photoAttributesSchema, promptSchema } from '../../contracts/fields';
import { HeyGenClient, OPERATIONS, validate, type RequestOptions } from '../client';
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
  GenerateLookRequest,
  GeneratePhotosRequest,
  GeneratedLook,
  HeyGenPort,
  JobState,
  Look,
  RenderRequest,
  RenderStatus,
  RenderSummary,
  UnsupportedCheck,
  UnsupportedField,
  UploadedAsset,
  Voice,
  WebhookEndpoint,
  WebhookEndpointRequest,
  WebhookEventPage,
} from '../port';
import { addLooksPhotosSchema, addLooksRequestSchema, generateLookRequestSchema } from '../schemas';
import { generatedLooksOf, generatedLooksState } from './generatedLooks';
import {
  API_NAME,
  assetOf,
  avatarGroupOf,
  avatarIvRequestOf,
  byCreation,
  catalogAvatarsOf,
  isFailedStatus,
  isSucceededStatus,
  lookOf,
  lookRequestOf,
  photoAttributesOf,
  renderStatusOf,
  unsupportedFields,
  videoRequestOf,
  voiceOfCatalog,
  webhookEndpointOf,
  webmRequestOf,
} from './mapping';

/** Training statuses that mean the group has a training job (running or done): it is not started again. */
const TRAINING_STARTED = new Set(['pending', 'training', 'ready', 'in_progress', 'processing']);
/**
 * A group never trained: HeyGen's answer for it is not documented; the simulator says `empty`, and an unknown
 * group is a 404. Both mean "no training".
 */
const NO_TRAINING = new Set(['empty']);

/**
 * The port on HeyGen's v1/v2 API, over the typed transport client (heygen/client.ts). v2 has no idempotency key,
 * so creates that an earlier attempt may have made are reconciled here: by the run-unique group name (on a retry),
 * by the add-call's name within the group (always: a group's looks are few), and by the training status.
 */
export class V2Adapter implements HeyGenPort {
  readonly version: ApiVersion = 'v2';
  readonly capabilities: ApiCapabilities = API_CAPABILITIES.v2;
  private readonly client: HeyGenClient;

  constructor(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}) {
    this.client = new HeyGenClient(config, timeouts);
  }

  unsupported(request: UnsupportedCheck): UnsupportedField[] {
    return unsupportedFields(request);
  }

  // ---- AI photos, avatars and looks ----

  async generatePhotos(
    request: GeneratePhotosRequest,
    opts: CallOptions = {},
  ): Promise<{ generationId: string }> {
    const operation = OPERATIONS.generatePhotos.name;
    if ('attributes' in request) validate(operation, photoAttributesSchema, request.attributes, 'attributes');
    else validate(operation, promptSchema, request.prompt, 'prompt');
    return this.client.generatePhotos({ name: request.name, ...photoAttributesOf(request) }, transport(opts));
  }

  async getPhotoGeneration(
    generationId: string,
    opts: CallOptions = {},
  ): Promise<JobState<{ photos: string[] }>> {
    return this.generation(generationId, 'Photo generation', opts);
  }

  async createAvatar(request: CreateAvatarRequest, opts: CallOptions = {}): Promise<CreatedAvatar> {
    const operation = OPERATIONS.createGroup.name;
    if (request.source !== 'photo') {
      throw unsupported(
        operation,
        'an avatar is created from a photo (generate photos first); creating one from a prompt needs HeyGen API v3',
      );
    }
    // Listing every group costs more as the account grows: only a retry can find one an earlier attempt created.
    if ((opts.attempt ?? 1) > 1) {
      const groups = await this.client.listAvatarGroups(transport(opts));
      const existing = groups.find((g) => g.name === request.name);
      if (existing) {
        const looks = await this.client.listGroupLooks(existing.id, transport(opts));
        // The group's first look carries the group's id; failing that, the oldest look is the first.
        const first = looks.find((l) => l.id === existing.id) ?? byCreation(looks)[0];
        return { groupId: existing.id, lookId: first?.id ?? existing.id, reused: true };
      }
    }
    const look = await this.client.createAvatarGroup(
      { name: request.name, image_key: request.photo, generation_id: request.generationId },
      transport(opts),
    );
    return { groupId: look.group_id ?? look.id, lookId: look.id, reused: false };
  }

  async addLooks(
    request: AddLooksRequest,
    opts: CallOptions = {},
  ): Promise<{ lookIds: string[]; reused: boolean }> {
    validate(OPERATIONS.addLooks.name, addLooksPhotosSchema, request.photos, 'photos');
    const body = validate(OPERATIONS.addLooks.name, addLooksRequestSchema, {
      group_id: request.groupId,
      name: request.name,
      image_keys: request.photos,
    });
    // Always checked (a group's looks are few): an earlier attempt's add may have gone through unanswered.
    const already = (await this.client.listGroupLooks(body.group_id, transport(opts))).filter(
      (l) => l.name === body.name,
    );
    if (already.length > 0) return { lookIds: already.map((l) => l.id), reused: true };
    const created = await this.client.addLooks(body, transport(opts));
    return { lookIds: created.map((l) => l.id), reused: false };
  }

  async startTraining(
    groupId: string,
    opts: CallOptions = {},
  ): Promise<{ started: boolean; status: string }> {
    const before = await this.trainingStatus(groupId, opts);
    if (before !== undefined && TRAINING_STARTED.has(before)) return { started: false, status: before };
    try {
      await this.client.trainGroup(groupId, transport(opts));
    } catch (err) {
      // "Already training": an earlier attempt got through after all. Anything else is a real refusal.
      if (err instanceof HeyGenError && (err.kind === 'InvalidRequest' || err.kind === 'ApiError')) {
        const after = await this.trainingStatus(groupId, opts);
        if (after !== undefined && TRAINING_STARTED.has(after)) return { started: false, status: after };
      }
      throw err;
    }
    return { started: true, status: 'pending' };
  }

  async getTraining(groupId: string, opts: CallOptions = {}): Promise<JobState<void> | undefined> {
    const training = await this.readTraining(groupId, opts);
    if (!training) return undefined;
    const status = training.status.toLowerCase();
    if (status === 'ready') return { state: 'done', value: undefined };
    if (isFailedStatus(status)) return { state: 'failed', message: training.error_msg ?? undefined };
    return { state: 'running', status: training.status };
  }

  async generateLook(request: GenerateLookRequest, opts: CallOptions = {}): Promise<GeneratedLook> {
    // v2 generates looks for the group (trained first): `baseLookId` is v3's and has no v2 counterpart.
    const body = validate(
      OPERATIONS.generateLook.name,
      generateLookRequestSchema,
      lookRequestOf(request.groupId, request.look),
    );
    // Read just before the create: the generation's looks are then the ones not in this list.
    const before = await this.client.listGroupLooks(body.group_id, transport(opts));
    const { generationId } = await this.client.generateLook(body, transport(opts));
    return { generationId, lookIdsBefore: before.map((l) => l.id) };
  }

  async findGeneratedLooks(
    request: FindGeneratedLooksRequest,
    opts: CallOptions = {},
  ): Promise<JobState<{ lookIds: string[] }>> {
    const generation = await this.generation(request.generationId, 'Look generation', opts);
    if (generation.state !== 'done') return generation;
    const imageKeys = generation.value.photos;
    const looks = await this.client.listGroupLooks(request.groupId, transport(opts));
    const found = generatedLooksOf(looks, {
      imageKeys,
      lookIdsBefore: request.lookIdsBefore,
      claimedLookIds: request.claimedLookIds ?? [],
    });
    return generatedLooksState(found, imageKeys.length);
  }

  async listGroupLooks(groupId: string, opts: CallOptions = {}): Promise<Look[]> {
    return (await this.client.listGroupLooks(groupId, transport(opts))).map(lookOf);
  }

  async listAvatarGroups(opts: CallOptions = {}): Promise<AvatarGroup[]> {
    return (await this.client.listAvatarGroups(transport(opts))).map(avatarGroupOf);
  }

  // ---- videos ----

  async submitRender(request: RenderRequest, opts: CallOptions = {}): Promise<{ videoId: string }> {
    const refused = unsupportedFields({ kind: 'render', request });
    if (refused.length > 0) {
      throw unsupported(
        OPERATIONS.generateVideo.name,
        refused.map((f) => `${f.field}: ${f.reason}`).join('; '),
      );
    }
    if (request.kind === 'scenes') return this.client.generateVideo(videoRequestOf(request), transport(opts));
    if (request.kind === 'avatar_iv') {
      return this.client.generateAvatarIvVideo(avatarIvRequestOf(request), transport(opts));
    }
    return this.client.generateWebmVideo(webmRequestOf(request), transport(opts));
  }

  async getRender(videoId: string, opts: CallOptions = {}): Promise<RenderStatus> {
    return renderStatusOf(videoId, await this.client.getVideoStatus(videoId, transport(opts)));
  }

  /** v2 has no bulk status read: one status call per id, one after the other (gentle on the rate limit). */
  async getRenders(videoIds: string[], opts: CallOptions = {}): Promise<RenderSummary[]> {
    const summaries: RenderSummary[] = [];
    for (const videoId of videoIds) {
      try {
        const status = await this.getRender(videoId, opts);
        summaries.push({
          videoId,
          state: status.state,
          rawStatus: status.rawStatus,
          failure: status.failure,
        });
      } catch (err) {
        if (!(err instanceof HeyGenError && err.kind === 'NotFound')) throw err;
        summaries.push({ videoId, state: 'not_found', rawStatus: 'not_found' });
      }
    }
    return summaries;
  }

  // ---- assets ----

  async uploadAsset(
    data: Buffer | Readable,
    contentType: AssetContentType,
    opts: CallOptions & { contentLength?: number; fileName?: string } = {},
  ): Promise<UploadedAsset> {
    // v1 uploads are raw bytes: there is no file name to send.
    const contentLength = Buffer.isBuffer(data) ? data.length : opts.contentLength;
    const asset = await this.client.uploadAsset(data, contentType, { signal: opts.signal, contentLength });
    return {
      assetId: asset.id,
      // Group creation and Avatar IV take a photo's image_key, not its asset id
      photoRef: asset.image_key ?? undefined,
      url: asset.url ?? undefined,
      contentType,
      bytes: contentLength,
    };
  }

  async listAssetsPage(query: AssetQuery = {}, opts: CallOptions = {}): Promise<AssetPage> {
    const page = await this.client.listAssetsPage(
      { file_type: query.fileType, folder_id: query.folderId, limit: query.limit, token: query.token },
      transport(opts),
    );
    // The cursor ends on an empty or null token
    return { assets: page.assets.map(assetOf), nextToken: page.token ? page.token : undefined };
  }

  async *listAssets(query: Omit<AssetQuery, 'token'> = {}, opts: CallOptions = {}): AsyncGenerator<Asset> {
    let token: string | undefined;
    do {
      const page = await this.listAssetsPage({ ...query, token }, opts);
      yield* page.assets;
      token = page.nextToken;
    } while (token);
  }

  async deleteAsset(assetId: string, opts: CallOptions = {}): Promise<void> {
    await this.client.deleteAsset(assetId, transport(opts));
  }

  // ---- catalog ----

  async listAvatars(opts: CallOptions = {}): Promise<CatalogAvatar[]> {
    return catalogAvatarsOf(await this.client.listAvatars(transport(opts)));
  }

  async listVoices(opts: CallOptions = {}): Promise<Voice[]> {
    return (await this.client.listVoices(transport(opts))).map(voiceOfCatalog);
  }

  // ---- webhook endpoints ----

  async addWebhookEndpoint(
    request: WebhookEndpointRequest,
    opts: CallOptions = {},
  ): Promise<WebhookEndpoint> {
    return webhookEndpointOf(
      await this.client.addWebhookEndpoint({ url: request.url, events: request.events }, transport(opts)),
    );
  }

  async updateWebhookEndpoint(
    request: { endpointId: string } & Partial<WebhookEndpointRequest>,
    opts: CallOptions = {},
  ): Promise<WebhookEndpoint> {
    return webhookEndpointOf(
      await this.client.updateWebhookEndpoint(
        { endpoint_id: request.endpointId, url: request.url, events: request.events },
        transport(opts),
      ),
    );
  }

  async listWebhookEndpoints(opts: CallOptions = {}): Promise<WebhookEndpoint[]> {
    return (await this.client.listWebhookEndpoints(transport(opts))).map(webhookEndpointOf);
  }

  async deleteWebhookEndpoint(endpointId: string, opts: CallOptions = {}): Promise<void> {
    await this.client.deleteWebhookEndpoint(endpointId, transport(opts));
  }

  rotateWebhookSecret(endpointId: string): Promise<{ endpointId: string; secret: string }> {
    return Promise.reject(
      unsupported('webhook.rotateSecret', `endpoint ${endpointId}: v1/v2 webhooks cannot rotate a secret`),
    );
  }

  listWebhookEvents(): Promise<WebhookEventPage> {
    return Promise.reject(unsupported('webhook.events', 'v1/v2 keep no history of delivered webhook events'));
  }

  // ---- internals ----

  /** A photo or look generation (one status endpoint for both) as a job state; done with its image keys. */
  private async generation(
    generationId: string,
    what: string,
    opts: CallOptions,
  ): Promise<JobState<{ photos: string[] }>> {
    const status = await this.client.getGeneration(generationId, transport(opts));
    if (isSucceededStatus(status.status)) {
      const photos = status.image_key_list ?? [];
      if (photos.length === 0) {
        throw new HeyGenError({
          kind: 'InvalidResponse',
          operation: OPERATIONS.generationStatus.name,
          message: `${what} ${generationId} succeeded without image keys`,
        });
      }
      return { state: 'done', value: { photos } };
    }
    if (isFailedStatus(status.status)) return { state: 'failed', message: status.msg ?? undefined };
    return { state: 'running', status: status.status };
  }

  private async readTraining(groupId: string, opts: CallOptions) {
    try {
      const training = await this.client.getTrainingStatus(groupId, transport(opts));
      return NO_TRAINING.has(training.status.toLowerCase()) ? undefined : training;
    } catch (err) {
      if (err instanceof HeyGenError && err.kind === 'NotFound') return undefined;
      throw err;
    }
  }

  /** The group's training status in lower case, or undefined when it was never trained. */
  private async trainingStatus(groupId: string, opts: CallOptions): Promise<string | undefined> {
    return (await this.readTraining(groupId, opts))?.status.toLowerCase();
  }
}

/** What the transport takes of the call options: v2 has no idempotency header, and `attempt` is the adapter's. */
function transport(opts: CallOptions): RequestOptions {
  return opts.signal ? { signal: opts.signal } : {};
}

function unsupported(operation: string, detail: string): HeyGenError {
  return new HeyGenError({
    kind: 'Unsupported',
    operation,
    message: `${API_NAME} cannot do this: ${detail}`,
    mayHaveBeenProcessed: false,
  });
}

import { z } from 'zod';
import type { HeyGenConfig } from '../config';
import { HeyGenError } from '../errors';
import {
  HeyGenHttp,
  type CallArgs,
  type Operation,
  type Page,
  type PresignedPut,
  type Timeouts,
} from '../http';
import type { CallOptions } from '../port';
import {
  anyDataSchema,
  assetItemSchema,
  avatarGroupSchema,
  avatarItemSchema,
  catalogLookSchema,
  createAvatarResponseSchema,
  createVideoResponseSchema,
  directUploadSchema,
  idempotencyKeySchema,
  rotatedSecretSchema,
  uploadedAssetSchema,
  userMeSchema,
  videoSchema,
  videoStatusesSchema,
  voiceSchema,
  webhookEndpointSchema,
  webhookEventSchema,
} from './schemas';

const op = <T>(o: Omit<Operation<T>, 'host' | 'envelope'>): Operation<T> => ({
  host: 'api', // v3 uploads go to the API host too (notes §2.1)
  envelope: 'v3',
  ...o,
});

/** Every v3 endpoint the adapter calls, described once (the name is the metrics label). */
export const V3_OPERATIONS = {
  createAvatar: op({
    name: 'v3.avatar.create',
    method: 'POST',
    timeout: 'create',
    schema: createAvatarResponseSchema,
  }),
  listLooks: op({
    name: 'v3.avatar.looks',
    method: 'GET',
    timeout: 'list',
    schema: z.array(avatarItemSchema),
  }),
  listGroups: op({
    name: 'v3.avatar.groups',
    method: 'GET',
    timeout: 'list',
    schema: z.array(avatarGroupSchema),
  }),
  createVideo: op({
    name: 'v3.video.create',
    method: 'POST',
    timeout: 'create',
    schema: createVideoResponseSchema,
  }),
  getVideo: op({ name: 'v3.video.get', method: 'GET', timeout: 'status', schema: videoSchema }),
  videoStatuses: op({
    name: 'v3.video.statuses',
    method: 'GET',
    timeout: 'status',
    schema: videoStatusesSchema,
  }),
  uploadAsset: op({
    name: 'v3.asset.upload',
    method: 'POST',
    timeout: 'upload',
    schema: uploadedAssetSchema,
  }),
  createDirectUpload: op({
    name: 'v3.asset.directUpload.create',
    method: 'POST',
    timeout: 'create',
    schema: directUploadSchema,
  }),
  completeDirectUpload: op({
    name: 'v3.asset.directUpload.complete',
    method: 'POST',
    timeout: 'create',
    schema: uploadedAssetSchema,
  }),
  listAssets: op({ name: 'v3.asset.list', method: 'GET', timeout: 'list', schema: z.array(assetItemSchema) }),
  deleteAsset: op({ name: 'v3.asset.delete', method: 'DELETE', timeout: 'create', schema: anyDataSchema }),
  userMe: op({ name: 'v3.user.me', method: 'GET', timeout: 'status', schema: userMeSchema }),
  listPublicLooks: op({
    name: 'v3.catalog.avatars',
    method: 'GET',
    timeout: 'catalog',
    schema: z.array(catalogLookSchema),
  }),
  listVoices: op({
    name: 'v3.catalog.voices',
    method: 'GET',
    timeout: 'catalog',
    schema: z.array(voiceSchema),
  }),
  addWebhook: op({
    name: 'v3.webhook.create',
    method: 'POST',
    timeout: 'create',
    schema: webhookEndpointSchema,
  }),
  updateWebhook: op({
    name: 'v3.webhook.update',
    method: 'PATCH',
    timeout: 'create',
    schema: webhookEndpointSchema,
  }),
  listWebhooks: op({
    name: 'v3.webhook.list',
    method: 'GET',
    timeout: 'list',
    schema: z.array(webhookEndpointSchema),
  }),
  deleteWebhook: op({
    name: 'v3.webhook.delete',
    method: 'DELETE',
    timeout: 'create',
    schema: anyDataSchema,
  }),
  rotateWebhookSecret: op({
    name: 'v3.webhook.rotateSecret',
    method: 'POST',
    timeout: 'create',
    schema: rotatedSecretSchema,
  }),
  listWebhookEvents: op({
    name: 'v3.webhook.events',
    method: 'GET',
    timeout: 'list',
    schema: z.array(webhookEventSchema),
  }),
} as const;

/** The presigned PUT of a direct upload (no v3 envelope: it goes to storage, not the API). */
export const DIRECT_UPLOAD_PUT = 'v3.asset.directUpload.put';

type Args = Omit<CallArgs, 'signal' | 'headers'>;

/**
 * The v3 transport the adapter speaks through: one HTTP attempt per call (Temporal retries the activity), the
 * Idempotency-Key on the creates that take it, and every cursor page of a list.
 */
export class V3Client {
  private readonly http: HeyGenHttp;

  constructor(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}) {
    this.http = new HeyGenHttp(config, timeouts);
  }

  /** A call that creates nothing: the idempotency key, if any, is not sent. */
  call<T>(operation: Operation<T>, args: Args, opts: CallOptions = {}): Promise<T> {
    return this.http.call(operation, { ...args, signal: opts.signal });
  }

  /** A create that takes `Idempotency-Key`: sent when `opts.idempotencyKey` is given, after validation. */
  create<T>(operation: Operation<T>, args: Args, opts: CallOptions = {}): Promise<T> {
    const headers = idempotencyHeaders(operation.name, opts.idempotencyKey);
    return this.http.call(operation, { ...args, headers, signal: opts.signal });
  }

  page<T>(operation: Operation<T>, args: Args, opts: CallOptions = {}): Promise<Page<T>> {
    return this.http.callPage(operation, { ...args, signal: opts.signal });
  }

  /** Every item of a list, following `next_token` while `has_more`. */
  async all<T>(operation: Operation<T[]>, args: Args, opts: CallOptions = {}): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const page = await this.page(operation, { ...args, query: { ...args.query, token } }, opts);
      items.push(...page.data);
      if (!page.hasMore || page.nextToken === undefined) return items;
      if (seen.has(page.nextToken)) {
        throw new HeyGenError({
          kind: 'InvalidResponse',
          operation: operation.name,
          message: `Unexpected response from HeyGen (${operation.name}): the cursor repeats a page`,
        });
      }
      seen.add(page.nextToken);
      token = page.nextToken;
    }
  }

  putPresigned(put: PresignedPut): Promise<void> {
    return this.http.putPresigned(DIRECT_UPLOAD_PUT, put);
  }
}

function idempotencyHeaders(operation: string, key: string | undefined): Record<string, string> | undefined {
  if (key === undefined) return undefined;
  return { 'Idempotency-Key': validate(operation, idempotencyKeySchema, key, 'idempotencyKey') };
}

/** Validates a request before it is sent; the error names the offending field. */
export function validate<T>(operation: string, schema: z.ZodType<T>, value: unknown, what = 'request'): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `${what}.${issue.path.join('.')}` : what;
  throw new HeyGenError({
    kind: 'InvalidRequest',
    operation,
    message: `Invalid ${field}: ${issue?.message ?? 'invalid value'}`,
    mayHaveBeenProcessed: false,
  });
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError, CODES, formatPath, type RouteResult } from '../../http';
import type { ImageRecord, SimState } from '../../state';
import { hexId, isHttpUrl } from '../../util';
import { MEDIA_TYPES, imageSize, sniffMime } from '../assets';

// ---------------------------------------------------------------------------------------------------------------
// Errors: `{error: {code, message, param?, doc_url?}}` with string codes (notes §2.2, §2.3)

const NUMERIC_FOR_STATUS: Record<number, number> = {
  400: CODES.INVALID_PARAMETER,
  401: CODES.UNAUTHORIZED,
  404: CODES.NOT_FOUND,
  413: CODES.PAYLOAD_TOO_LARGE,
  429: CODES.RATE_LIMITED,
};

export function v3Error(
  status: number,
  code: string,
  message: string,
  param?: string,
  headers: Record<string, string> = {},
): ApiError {
  const numeric = NUMERIC_FOR_STATUS[status] ?? (status >= 500 ? CODES.INTERNAL : CODES.INVALID_PARAMETER);
  return new ApiError(
    status,
    numeric,
    message,
    code,
    headers,
    param === undefined ? { code } : { code, param },
  );
}

export const v3Errors = {
  /** A request that does not fit the schema (missing, mistyped or unknown field). */
  validation: (param: string, message: string) => v3Error(400, 'validation_error', message, param),
  /** A well-formed value the simulator cannot accept (unknown reference, wrong state, bad combination). */
  invalid: (param: string, message: string) => v3Error(400, 'invalid_parameter', message, param),
  notFound: (code: 'not_found' | 'avatar_not_found' | 'video_not_found', message: string, param?: string) =>
    v3Error(404, code, message, param),
  insufficientCredit: () =>
    v3Error(
      402,
      'insufficient_credit',
      'Insufficient credit: the account has no credits left for this request',
    ),
};

/** Parses with zod; the first issue becomes 400 validation_error naming the field in `param`. */
export function validateV3<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw v3Errors.validation('body', 'invalid request');
  let path: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path = [...path, issue.keys[0]];
  const param = formatPath(path);
  const message =
    issue.code === 'unrecognized_keys'
      ? `${param}: unknown field (this API version has no such parameter)`
      : `${param}: ${issue.message}`;
  throw v3Errors.validation(param, message);
}

// ---------------------------------------------------------------------------------------------------------------
// Pagination: `limit` + opaque `token`; answers carry `has_more` and `next_token` (notes §2.4)

export interface LimitRange {
  max: number;
  default: number;
}

/** Per-endpoint `limit` ranges and defaults (notes §2.4). */
export const LIMITS = {
  avatars: { max: 50, default: 20 },
  looks: { max: 50, default: 20 },
  voices: { max: 100, default: 20 },
  assets: { max: 100, default: 20 },
  videos: { max: 100, default: 10 },
  webhookEndpoints: { max: 100, default: 10 },
  webhookEvents: { max: 100, default: 10 },
} as const satisfies Record<string, LimitRange>;

interface Cursor {
  /** Offset of the next page */
  o: number;
  /** Hash of the filters of the listing that issued it: a token only continues the same listing */
  f: string;
}

const filterHash = (filters: Record<string, string | undefined>): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(filters).filter(([, v]) => v !== undefined)))
    .digest('hex')
    .slice(0, 16);

function parseLimit(raw: string | undefined, range: LimitRange): number {
  if (raw === undefined) return range.default;
  const n = /^\d+$/u.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= range.max)) {
    throw v3Errors.invalid('limit', `limit must be a whole number between 1 and ${range.max}`);
  }
  return n;
}

function parseToken(raw: string | undefined, filters: string): number {
  if (raw === undefined || raw === '') return 0;
  try {
    const cursor = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof cursor.o === 'number' && Number.isInteger(cursor.o) && cursor.o >= 0 && cursor.f === filters) {
      return cursor.o;
    }
  } catch {
    // fall through: not one of ours
  }
  throw v3Errors.invalid(
    'token',
    'token is not a cursor of this listing (use next_token with the same filters)',
  );
}

/**
 * One page of `items` (already filtered and ordered) as a v3 list answer. `filters` are the query filters of the
 * listing: a token issued for other filters is refused, so a client that drops its filters between pages is caught.
 */
export function paginate<T>(
  items: readonly T[],
  query: Record<string, string>,
  range: LimitRange,
  filters: Record<string, string | undefined>,
  toJson: (item: T) => unknown,
): RouteResult {
  const limit = parseLimit(query.limit, range);
  const hash = filterHash(filters);
  const offset = parseToken(query.token, hash);
  const page = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  const next: Cursor = { o: offset + limit, f: hash };
  return {
    data: page.map(toJson),
    extra: {
      has_more: hasMore,
      next_token: hasMore ? Buffer.from(JSON.stringify(next)).toString('base64url') : null,
    },
  };
}

/** Reads an enum query parameter; anything else is 400 invalid_parameter. */
export function enumQuery<T extends string>(
  query: Record<string, string>,
  name: string,
  values: readonly T[],
): T | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  const value = values.find((v) => v === raw);
  if (value === undefined) throw v3Errors.invalid(name, `${name} must be one of ${values.join(', ')}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Credits

/**
 * Spends one credit for a billable create, or refuses it with 402 when none are left. Called once every check
 * has passed, right before the resource is made, so a refused or invalid request costs nothing.
 */
export function spendCredit(state: SimState): void {
  if (state.credits === undefined) return;
  if (state.credits <= 0) throw v3Errors.insufficientCredit();
  state.credits -= 1;
}

// ---------------------------------------------------------------------------------------------------------------
// AssetInput: {type:url} | {type:asset_id} | {type:base64, media_type, data} (notes §3.1)

export const id = z.string().trim().min(1, 'must not be empty');
export const httpUrl = z.string().refine(isHttpUrl, 'must be an http(s) URL');

export const assetInputSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url'), url: httpUrl }),
  z.looseObject({ type: z.literal('asset_id'), asset_id: id }),
  z.looseObject({
    type: z.literal('base64'),
    media_type: z.string().min(1, 'must not be empty'),
    data: z.string().min(1, 'must not be empty'),
  }),
]);
export type AssetInput = z.output<typeof assetInputSchema>;

/** Size the simulator gives pictures it cannot see: images named by URL (it does not download them). */
const URL_IMAGE_SIZE = { width: 768, height: 768 };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

function decodeBase64(input: Extract<AssetInput, { type: 'base64' }>, param: string): Buffer {
  const text = input.data.replace(/\s+/gu, '');
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw v3Errors.validation(`${param}.data`, `${param}.data: must be base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  const sniffed = sniffMime(bytes);
  if (sniffed !== input.media_type) {
    throw v3Errors.invalid(
      `${param}.media_type`,
      `${param}.media_type is ${input.media_type} but the data is ${sniffed ?? 'no supported media type'}`,
    );
  }
  return bytes;
}

/**
 * The picture an AssetInput names, as an image record the looks and renders can use. URLs are not downloaded (the
 * simulator only talks to loopback): the picture is generated from the URL, so the same URL is the same picture.
 */
export function resolveImageInput(state: SimState, input: AssetInput, param: string): ImageRecord {
  if (input.type === 'asset_id') {
    const asset = state.assets.get(input.asset_id);
    if (!asset) throw v3Errors.invalid(`${param}.asset_id`, `asset ${input.asset_id} not found`);
    const image = asset.imageHex !== undefined ? state.images.get(asset.imageHex) : undefined;
    if (!image) {
      throw v3Errors.invalid(
        `${param}.asset_id`,
        `asset ${input.asset_id} is a ${asset.fileType}, not an image`,
      );
    }
    return image;
  }
  if (input.type === 'url') {
    const seed = createHash('sha256').update(input.url).digest('hex').slice(0, 32);
    return (
      state.images.get(seed) ??
      state.registerImage({ hex: seed, ...URL_IMAGE_SIZE, source: 'upload', label: 'url image' })
    );
  }
  const bytes = decodeBase64(input, param);
  if (MEDIA_TYPES[input.media_type]?.fileType !== 'image') {
    throw v3Errors.invalid(`${param}.media_type`, `${param} must be an image (image/png or image/jpeg)`);
  }
  const size = imageSize(bytes) ?? { width: 0, height: 0 };
  return state.registerImage({
    hex: hexId(),
    ...size,
    source: 'upload',
    bytes,
    contentType: input.media_type,
  });
}

/** An asset id that must name an asset of the given type (audio tracks, backgrounds, video scenes). */
export function requireAssetOfType(
  state: SimState,
  assetId: string,
  fileType: 'image' | 'video' | 'audio',
  param: string,
): void {
  const asset = state.assets.get(assetId);
  if (!asset) throw v3Errors.invalid(param, `asset ${assetId} not found`);
  if (asset.fileType !== fileType) {
    throw v3Errors.invalid(param, `asset ${assetId} is a ${asset.fileType}, not a ${fileType}`);
  }
}

/** A non-image AssetInput (a video scene's source): it must name something of the type. */
export function checkMediaInput(
  state: SimState,
  input: AssetInput,
  fileType: 'video' | 'audio',
  param: string,
): void {
  if (input.type === 'asset_id') requireAssetOfType(state, input.asset_id, fileType, `${param}.asset_id`);
  else if (input.type === 'base64') {
    decodeBase64(input, param);
    if (MEDIA_TYPES[input.media_type]?.fileType !== fileType) {
      throw v3Errors.invalid(`${param}.media_type`, `${param} must be a ${fileType}`);
    }
  }
}

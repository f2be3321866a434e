import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { ApiError, CODES, apiErrors, validate, type ApiRoute } from '../http';
import { imageKeyOf, type Asset, type AssetFileType, type SimState } from '../state';
import { hexId, unixSeconds } from '../util';

const MB = 1024 * 1024;

/** Accepted upload types, what they become, and HeyGen's size limit for each. */
export const ASSET_TYPES: Record<string, { fileType: AssetFileType; maxBytes: number; ext: string }> = {
  'image/jpeg': { fileType: 'image', maxBytes: 50 * MB, ext: 'jpg' },
  'image/png': { fileType: 'image', maxBytes: 50 * MB, ext: 'png' },
  'video/mp4': { fileType: 'video', maxBytes: 100 * MB, ext: 'mp4' },
  'video/webm': { fileType: 'video', maxBytes: 100 * MB, ext: 'webm' },
  'audio/mpeg': { fileType: 'audio', maxBytes: 50 * MB, ext: 'mp3' },
};
const MAX_UPLOAD_BYTES = 100 * MB;

/**
 * Every media type the simulator stores and serves: v1's upload types plus WAV, which v3 accepts (notes §3.1:
 * "png, jpeg, mp4, webm, mp3, wav, pdf, srt"). PDF and SRT are refused by the simulator: they are no image, video or
 * audio, the only asset types its records (and v3's asset `type` values the product uses) know.
 */
export const MEDIA_TYPES: Record<string, { fileType: AssetFileType; maxBytes: number; ext: string }> = {
  ...ASSET_TYPES,
  'audio/wav': { fileType: 'audio', maxBytes: 50 * MB, ext: 'wav' },
};

/** The media type the bytes say they are (magic numbers), or undefined. v3 detects the MIME type from the bytes. */
export function sniffMime(bytes: Buffer): string | undefined {
  const ascii = (start: number, end: number) => bytes.toString('latin1', start, end);
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return 'image/png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') return 'video/mp4';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return 'video/webm';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'audio/wav';
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'audio/mpeg';
  // An MPEG audio frame header: 11 sync bits, then a layer that is not "reserved".
  if (
    bytes.length >= 2 &&
    bytes[0] === 0xff &&
    ((bytes[1] ?? 0) & 0xe0) === 0xe0 &&
    ((bytes[1] ?? 0) & 0x06) !== 0
  ) {
    return 'audio/mpeg';
  }
  return undefined;
}

export function contentTypeOf(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Width and height of a PNG or JPEG, when the bytes say so. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (
    bytes.length >= 24 &&
    bytes.readUInt32BE(0) === 0x89504e47 &&
    bytes.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) {
        i += 1;
        continue;
      }
      const marker = bytes[i + 1] ?? 0;
      const length = bytes.readUInt16BE(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
      i += 2 + length;
    }
  }
  return undefined;
}

const listQuerySchema = z.object({
  file_type: z.enum(['image', 'video', 'audio']).optional(),
  folder_id: z.string().optional(),
  limit: z
    .string()
    .regex(/^\d+$/u, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'must be between 1 and 100')
    .optional(),
  token: z.string().optional(),
});

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw apiErrors.invalid('token', 'unknown pagination token');
}

export function assetUrl(state: SimState, asset: Asset, now: number): string {
  if (asset.imageHex !== undefined) return state.imageUrl(asset.imageHex, now);
  const ext = MEDIA_TYPES[asset.contentType]?.ext ?? 'bin';
  return state.signedUrl(`/asset/${asset.id}.${ext}`, now);
}

export function assetRoutes(state: SimState): ApiRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/asset$/u,
      envelope: 'v1',
      raw: true,
      maxBodyBytes: (headers) => ASSET_TYPES[contentTypeOf(headers)]?.maxBytes ?? MAX_UPLOAD_BYTES,
      handle: (ctx) => {
        const contentType = contentTypeOf(ctx.headers);
        const type = ASSET_TYPES[contentType];
        if (!type) {
          throw apiErrors.invalid(
            'Content-Type',
            `${contentType || '(none)'} is not supported; use one of ${Object.keys(ASSET_TYPES).join(', ')}`,
          );
        }
        if (ctx.rawBody.length === 0) throw apiErrors.missing('body (the raw file bytes)');
        if (ctx.rawBody.length > type.maxBytes) {
          throw new ApiError(
            413,
            CODES.PAYLOAD_TOO_LARGE,
            `File too large: ${type.fileType} uploads are limited to ${type.maxBytes / MB} MB`,
          );
        }
        const id = hexId();
        const asset = storeAsset(state, {
          id,
          name: ctx.query.name?.trim() || id,
          bytes: ctx.rawBody,
          mime: contentType,
          now: ctx.now,
        });
        return {
          data: {
            id,
            name: asset.name,
            file_type: asset.fileType,
            folder_id: asset.folderId,
            meta: asset.meta,
            created_ts: unixSeconds(asset.createdAt),
            url: assetUrl(state, asset, ctx.now),
            image_key: asset.imageHex !== undefined ? imageKeyOf(asset.imageHex) : null,
          },
          createdId: id,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/asset\/list$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const query = validate(listQuerySchema, ctx.query);
        const limit = query.limit ?? 100;
        const offset = query.token ? decodeToken(query.token) : 0;
        const matching = [...state.assets.values()].filter(
          (a) =>
            (query.file_type === undefined || a.fileType === query.file_type) &&
            (query.folder_id === undefined || query.folder_id === '' || a.folderId === query.folder_id),
        );
        const page = matching.slice(offset, offset + limit);
        const next = offset + limit < matching.length ? encodeToken(offset + limit) : null;
        return {
          data: {
            assets: page.map((a) => ({
              id: a.id,
              name: a.name,
              file_type: a.fileType,
              folder_id: a.folderId,
              created_ts: unixSeconds(a.createdAt),
              url: assetUrl(state, a, ctx.now),
              // Undocumented, present in real answers.
              meta: a.meta,
            })),
            total: matching.length,
            token: next,
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/asset\/([^/]+)\/delete$/u,
      envelope: 'v1',
      handle: (ctx) => {
        const assetId = ctx.params[0] ?? '';
        if (!state.assets.delete(assetId)) throw apiErrors.notFound(`Asset ${assetId} not found`);
        return { data: null };
      },
    },
  ];
}

/** Stores bytes whose type was sniffed as an asset; images also become pictures looks and renders can use. */
export function storeAsset(
  state: SimState,
  input: { id: string; name: string; bytes: Buffer; mime: string; now: number },
) {
  const type = MEDIA_TYPES[input.mime];
  if (!type) throw new Error(`no media type ${input.mime}`);
  const size = type.fileType === 'image' ? imageSize(input.bytes) : undefined;
  const asset: Asset = {
    id: input.id,
    name: input.name,
    fileType: type.fileType,
    contentType: input.mime,
    bytes: input.bytes,
    createdAt: input.now,
    folderId: '',
    meta: size ? { ...size } : null,
  };
  if (type.fileType === 'image') {
    const hex = hexId();
    state.registerImage({
      hex,
      width: size?.width ?? 0,
      height: size?.height ?? 0,
      source: 'upload',
      bytes: input.bytes,
      contentType: input.mime,
    });
    asset.imageHex = hex;
  }
  state.assets.set(asset.id, asset);
  return asset;
}

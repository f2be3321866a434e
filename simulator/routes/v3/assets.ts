import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ACCOUNT } from '../../catalogData';
import { readBody } from '../../../lib/httpServer';
import type { ApiRoute } from '../../http';
import { fingerprintOf } from '../../idempotency';
import type { Asset, DirectUpload, SimState } from '../../state';
import { hexId, unixSeconds } from '../../util';
import { MEDIA_TYPES, assetUrl, contentTypeOf, sniffMime, storeAsset } from '../assets';
import { LIMITS, paginate, v3Error, v3Errors, validateV3 } from './common';

const MB = 1024 * 1024;
/** "Max 32 MB" for POST /v3/assets (notes §3.1). */
export const MAX_MULTIPART_FILE_BYTES = 32 * MB;
/** Room for the multipart framing around the file part. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** Lifetime of a direct upload's PUT URL. HeyGen's is not documented; the answer states it (expires_in_seconds). */
const UPLOAD_URL_TTL_SECONDS = 3600;

/** `sha256` checksums as hex or base64 (the encoding HeyGen expects is not documented: both are accepted). */
function checksumMatches(expected: string, bytes: Buffer): boolean {
  const digest = createHash('sha256').update(bytes).digest();
  const text = expected.trim();
  if (/^[0-9a-fA-F]{64}$/u.test(text)) return text.toLowerCase() === digest.toString('hex');
  return text === digest.toString('base64');
}

function sniffOrRefuse(bytes: Buffer, param: string): string {
  const mime = sniffMime(bytes);
  if (mime === undefined || !MEDIA_TYPES[mime]) {
    throw v3Errors.invalid(
      param,
      `${param}: unsupported file type (the simulator accepts ${Object.keys(MEDIA_TYPES).join(', ')})`,
    );
  }
  return mime;
}

export function assetItem(state: SimState, a: Asset, now: number): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    owner: ACCOUNT.username,
    space_id: ACCOUNT.spaceId,
    type: a.fileType,
    uploaded_at: unixSeconds(a.createdAt),
    url: assetUrl(state, a, now),
    folder_id: a.folderId === '' ? null : a.folderId,
  };
}

/** The multipart body's boundary: left out of the idempotency fingerprint, since every client picks a new one. */
function multipartFingerprint(raw: Buffer, headers: IncomingHttpHeaders): string {
  const boundary = /boundary="?([^";]+)"?/iu.exec(headers['content-type'] ?? '')?.[1];
  const text = raw.toString('latin1');
  return fingerprintOf(boundary ? text.split(boundary).join('') : text);
}

const directUploadSchema = z.looseObject({
  filename: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  content_type: z
    .string()
    .refine((t) => MEDIA_TYPES[t] !== undefined, `must be one of ${Object.keys(MEDIA_TYPES).join(', ')}`),
  size_bytes: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  checksum_sha256: z.string().min(1).nullish(),
});
const completeSchema = z.looseObject({ checksum_sha256: z.string().min(1).nullish() });

const uploadPath = (id: string) => `/v3-upload/${id}`;

export function v3AssetRoutes(state: SimState): ApiRoute[] {
  const assetNotFound = (assetId: string) =>
    v3Errors.notFound('not_found', `Asset ${assetId} not found`, 'asset_id');

  return [
    {
      method: 'GET',
      pattern: /^\/v3\/users\/me$/u,
      envelope: 'v3',
      handle: () => ({ data: { username: ACCOUNT.username } }),
    },
    {
      method: 'POST',
      pattern: /^\/v3\/assets$/u,
      envelope: 'v3',
      raw: true,
      idempotent: true,
      fingerprint: multipartFingerprint,
      maxBodyBytes: () => MAX_MULTIPART_FILE_BYTES + MULTIPART_OVERHEAD_BYTES,
      handle: async (ctx) => {
        if (contentTypeOf(ctx.headers) !== 'multipart/form-data') {
          throw v3Errors.validation(
            'Content-Type',
            'Content-Type: must be multipart/form-data with a part named file',
          );
        }
        // Node's own multipart parser (undici's Response.formData), not a hand-rolled one.
        let form: FormData;
        try {
          form = await new Response(ctx.rawBody, {
            headers: { 'content-type': ctx.headers['content-type'] ?? '' },
          }).formData();
        } catch {
          throw v3Errors.validation('file', 'file: the body is not valid multipart/form-data');
        }
        const parts = form.getAll('file');
        const [part] = parts;
        if (parts.length !== 1 || part === undefined || typeof part === 'string') {
          throw v3Errors.validation('file', 'file: exactly one file part named "file" is required');
        }
        const bytes = Buffer.from(await part.arrayBuffer());
        if (bytes.length > MAX_MULTIPART_FILE_BYTES) {
          throw v3Error(
            413,
            'payload_too_large',
            `file: at most ${MAX_MULTIPART_FILE_BYTES / MB} MB (use a direct upload)`,
            'file',
          );
        }
        if (bytes.length === 0) throw v3Errors.validation('file', 'file: must not be empty');
        const mime = sniffOrRefuse(bytes, 'file');
        const asset = storeAsset(state, {
          id: hexId(),
          name: part.name || 'upload',
          bytes,
          mime,
          now: ctx.now,
        });
        return {
          data: {
            asset_id: asset.id,
            url: assetUrl(state, asset, ctx.now),
            mime_type: mime,
            size_bytes: bytes.length,
          },
          createdId: asset.id,
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/assets\/direct-uploads$/u,
      envelope: 'v3',
      idempotent: true,
      handle: (ctx) => {
        const body = validateV3(directUploadSchema, ctx.body);
        const maxBytes = MEDIA_TYPES[body.content_type]?.maxBytes ?? 0;
        if (body.size_bytes > maxBytes) {
          throw v3Errors.invalid(
            'size_bytes',
            `size_bytes: at most ${maxBytes} bytes for ${body.content_type}`,
          );
        }
        const upload: DirectUpload = {
          id: hexId(),
          filename: body.filename,
          contentType: body.content_type,
          sizeBytes: body.size_bytes,
          maxBytes,
          createdAt: ctx.now,
        };
        if (body.checksum_sha256) upload.checksumSha256 = body.checksum_sha256;
        state.directUploads.set(upload.id, upload);
        return {
          data: {
            asset_id: upload.id,
            upload_url: state.signer.sign(
              state.baseUrl,
              uploadPath(upload.id),
              ctx.now,
              UPLOAD_URL_TTL_SECONDS,
            ),
            upload_headers: { 'Content-Type': upload.contentType },
            expires_in_seconds: UPLOAD_URL_TTL_SECONDS,
            max_bytes: maxBytes,
            status: 'pending_upload',
          },
          createdId: upload.id,
        };
      },
    },
    {
      // Idempotent by definition: "repeated calls return the same finalized asset" (notes §2.6).
      method: 'POST',
      pattern: /^\/v3\/assets\/([^/]+)\/complete$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const assetId = ctx.params[0] ?? '';
        const body = validateV3(completeSchema, ctx.body);
        const upload = state.directUploads.get(assetId);
        if (!upload) throw assetNotFound(assetId);
        if (upload.completed) return { data: upload.completed };
        if (!upload.bytes) {
          throw v3Error(
            400,
            'asset_not_available',
            `Asset ${assetId} has not been uploaded yet (PUT it to upload_url)`,
          );
        }
        const checksum = body.checksum_sha256 ?? upload.checksumSha256;
        if (checksum && !checksumMatches(checksum, upload.bytes)) {
          throw v3Errors.invalid('checksum_sha256', 'checksum_sha256 does not match the uploaded bytes');
        }
        const mime = sniffOrRefuse(upload.bytes, 'file');
        const asset = storeAsset(state, {
          id: upload.id,
          name: upload.filename,
          bytes: upload.bytes,
          mime,
          now: ctx.now,
        });
        upload.completed = {
          asset_id: asset.id,
          mime_type: mime,
          size_bytes: asset.bytes.length,
          // The notes' example status; the asset is usable at once in the simulator.
          status: 'processing',
          url: assetUrl(state, asset, ctx.now),
        };
        return { data: upload.completed, createdId: asset.id };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/assets$/u,
      envelope: 'v3',
      handle: (ctx) => {
        // Required while the endpoint is in beta (notes §3.1).
        const username = ctx.query.username;
        if (!username)
          throw v3Errors.validation('username', 'username: required (GET /v3/users/me tells it)');
        const folderId = ctx.query.folder_id;
        const assets =
          username !== ACCOUNT.username
            ? []
            : [...state.assets.values()].filter((a) => folderId === undefined || a.folderId === folderId);
        return paginate(assets, ctx.query, LIMITS.assets, { username, folder_id: folderId }, (a) =>
          assetItem(state, a, ctx.now),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/assets\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const assetId = ctx.params[0] ?? '';
        const asset = state.assets.get(assetId);
        if (!asset) throw assetNotFound(assetId);
        return { data: assetItem(state, asset, ctx.now) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/assets\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const assetId = ctx.params[0] ?? '';
        if (!state.assets.delete(assetId)) throw assetNotFound(assetId);
        return { data: { id: assetId } };
      },
    },
  ];
}

function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * The direct upload's `upload_url`: a presigned PUT like a storage bucket's (no API key; the signature and its
 * expiry are the credential). The body must be exactly the declared `size_bytes`, sent with the `upload_headers`.
 * Returns false when the path is not an upload path.
 */
export async function handleDirectUpload(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const m = /^\/v3-upload\/([0-9a-f]{32})$/u.exec(url.pathname);
  if (!m) return false;
  if (req.method !== 'PUT') {
    sendXmlError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    return true;
  }
  const check = state.signer.verify(url.pathname, url.searchParams, state.now());
  if (check !== 'ok') {
    sendXmlError(
      res,
      403,
      'AccessDenied',
      check === 'expired' ? 'Request has expired' : 'Invalid or missing signature',
    );
    return true;
  }
  const upload = state.directUploads.get(m[1] ?? '');
  if (!upload) {
    sendXmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    return true;
  }
  if (upload.completed) {
    sendXmlError(res, 403, 'AccessDenied', 'The upload was completed; its URL no longer accepts data.');
    return true;
  }
  if (contentTypeOf(req.headers) !== upload.contentType) {
    sendXmlError(
      res,
      403,
      'SignatureDoesNotMatch',
      `Content-Type must be ${upload.contentType} (see upload_headers)`,
    );
    return true;
  }
  const read = await readBody(req, upload.sizeBytes);
  if (read.kind === 'aborted') {
    req.destroy();
    return true;
  }
  if (read.kind === 'too_large') {
    res.setHeader('Connection', 'close');
    res.once('finish', () => req.socket.destroySoon());
    sendXmlError(
      res,
      400,
      'EntityTooLarge',
      `The body exceeds the declared size of ${upload.sizeBytes} bytes.`,
    );
    return true;
  }
  const bytes = read.body;
  if (bytes.length !== upload.sizeBytes) {
    sendXmlError(
      res,
      400,
      'IncompleteBody',
      `The body is ${bytes.length} bytes; ${upload.sizeBytes} were declared.`,
    );
    return true;
  }
  upload.bytes = bytes;
  res.writeHead(200, { ETag: `"${createHash('md5').update(bytes).digest('hex')}"`, 'Content-Length': '0' });
  res.end();
  return true;
}

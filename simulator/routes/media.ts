import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { STUDIO_AVATAR_IDS, VOICE_IDS } from '../catalogData';
import { mp4Size, renderGif, renderPng, streamMp4, type Mp4Options } from '../media';
import { videoCompletedAt, videoExt, videoState, type SimState, type Video } from '../state';
import { countWords } from '../util';
import { MEDIA_TYPES } from './assets';

/** Inclusive byte range. */
interface ByteRange {
  start: number;
  end: number;
}

interface MediaBody {
  contentType: string;
  size: number;
  /** Produces the bytes of `range` (the whole file when undefined). */
  open: (range?: ByteRange) => Buffer | Readable;
}

const CACHE_LIMIT = 32;
const cache = new Map<string, Buffer>();
function cached(key: string, make: () => Buffer): Buffer {
  const hit = cache.get(key);
  if (hit) return hit;
  const value = make();
  cache.set(key, value);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return value;
}

const bufferBody = (contentType: string, bytes: Buffer): MediaBody => ({
  contentType,
  size: bytes.length,
  open: (range) => (range ? bytes.subarray(range.start, range.end + 1) : bytes),
});

function mp4Body(opts: Mp4Options, type: string) {
  return {
    contentType: type,
    size: mp4Size(opts),
    open: (range?: ByteRange) => streamMp4(opts, range),
  };
}

/** A few silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz): a valid, quiet voice preview. */
function silentMp3(): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64], 0);
  return Buffer.concat(Array.from({ length: 40 }, () => frame));
}

function evenAtMost(n: number, max: number): number {
  const v = Math.max(2, Math.min(n, max));
  return v - (v % 2);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range). 'invalid' = ignore the header; 'unsatisfiable' = 416. */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/u.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function sendMedia(req: IncomingMessage, res: ServerResponse, body: MediaBody): void {
  const range = parseRange(req.headers.range, body.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${body.size}`, 'Accept-Ranges': 'bytes' });
    res.end();
    return;
  }
  const headers: Record<string, string> = {
    'Content-Type': body.contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=3600',
  };
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${body.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
  } else {
    headers['Content-Length'] = String(body.size);
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const data = body.open(range);
  if (Buffer.isBuffer(data)) {
    res.end(data);
    return;
  }
  data.on('error', () => res.destroy());
  res.on('close', () => data.destroy());
  data.pipe(res);
}

/** `hh:mm:ss.mmm` (WebVTT) or `hh:mm:ss,mmm` (SRT). */
function formatCueTime(seconds: number, separator: '.' | ','): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** One cue per scene with text, spread over the video in proportion to the words. */
function captionCues(v: Video, separator: '.' | ','): string[] {
  const weights = v.scripts.map((s) => Math.max(1, countWords(s)));
  const total = weights.reduce((a, b) => a + b, 0);
  let t = 0;
  const cues: string[] = [];
  v.scripts.forEach((text, i) => {
    const length = (v.durationSeconds * (weights[i] ?? 1)) / total;
    if (text.trim() !== '') {
      const times = `${formatCueTime(t, separator)} --> ${formatCueTime(t + length, separator)}`;
      cues.push(`${i + 1}\n${times}\n${text.trim()}`);
    }
    t += length;
  });
  return cues;
}

function captionsVtt(v: Video): Buffer {
  return Buffer.from(`WEBVTT\n\n${captionCues(v, '.').join('\n\n')}\n`);
}

/** The v3 `subtitle_url` sidecar (caption `file_format: 'srt'`). */
function captionsSrt(v: Video): Buffer {
  return Buffer.from(`${captionCues(v, ',').join('\n\n')}\n`);
}

/**
 * Serves the files behind the links the API hands out (no X-Api-Key, like HeyGen's CDN):
 * `/image/<hex>/original`, `/video/<id>.<mp4|webm|png|gif|vtt|srt>`, `/video/<id>_caption.<mp4|webm>`,
 * `/asset/<id>.<ext>` (signed: 403 when the signature is wrong or expired), plus unsigned catalog previews
 * (`/catalog/avatars/<id>/preview.<png|mp4>`, `/catalog/voices/<id>/preview.mp3`) and `/share/<id>`.
 * Returns false when the path is not a media path.
 */
export function handleMedia(state: SimState, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  const now = state.now();
  const isRead = req.method === 'GET' || req.method === 'HEAD';

  const checkSignature = (): boolean => {
    const check = state.signer.verify(path, url.searchParams, now);
    if (check === 'ok') return true;
    if (check === 'expired') sendError(res, 403, 'AccessDenied', 'Request has expired');
    else sendError(res, 403, 'AccessDenied', 'Invalid or missing signature');
    return false;
  };

  let m = /^\/image\/([0-9a-f]{32})\/original$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    if (!checkSignature()) return true;
    const hex = m[1] ?? '';
    const image = state.images.get(hex);
    if (!image) {
      sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return true;
    }
    const bytes =
      image.bytes ??
      cached(`png:${hex}`, () =>
        renderPng({
          width: image.width,
          height: image.height,
          seed: image.key,
          label: image.label?.toUpperCase(),
        }),
      );
    sendMedia(req, res, bufferBody(image.contentType ?? 'image/png', bytes));
    return true;
  }

  m = /^\/video\/([0-9a-f]{32})(_caption)?\.(mp4|webm|png|gif|vtt|srt)$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    if (!checkSignature()) return true;
    const v = state.videos.get(m[1] ?? '');
    const captioned = m[2] !== undefined;
    const ext = m[3] ?? '';
    let exists = false;
    if (v) {
      const hasCaptionedCopy = v.caption || v.captionedVideo === true;
      if (ext === 'mp4' || ext === 'webm') exists = ext === videoExt(v) && (!captioned || hasCaptionedCopy);
      else if (ext === 'vtt') exists = !captioned && v.caption;
      else if (ext === 'srt') exists = !captioned && v.subtitles === true;
      else exists = !captioned;
    }
    if (!v || !exists || videoState(v, now) !== 'completed') {
      sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return true;
    }
    if (now < videoCompletedAt(v) + state.options.downloadNotReadyMs) {
      sendError(res, 404, 'NoSuchKey', 'The file is not available yet; retry shortly.');
      return true;
    }
    const seed = v.id;
    if (ext === 'mp4' || ext === 'webm') {
      const opts: Mp4Options = {
        width: v.width,
        height: v.height,
        durationSeconds: Math.max(v.durationSeconds, 0.1),
        seed,
      };
      // Options that make big files (download benchmarks); unset = the small default files.
      if (state.options.mediaFps !== undefined) opts.fps = state.options.mediaFps;
      if (state.options.mediaKeyframeIntervalSeconds !== undefined) {
        opts.keyframeIntervalSeconds = state.options.mediaKeyframeIntervalSeconds;
      }
      sendMedia(req, res, mp4Body(opts, ext === 'webm' ? 'video/webm' : 'video/mp4'));
    } else if (ext === 'png') {
      const bytes = cached(`thumb:${seed}`, () => renderPng({ width: v.width, height: v.height, seed }));
      sendMedia(req, res, bufferBody('image/png', bytes));
    } else if (ext === 'gif') {
      const width = evenAtMost(Math.round(v.width / 4), 480);
      const height = evenAtMost(Math.round((width * v.height) / v.width), 480);
      const bytes = cached(`gif:${seed}`, () => renderGif({ width, height, seed }));
      sendMedia(req, res, bufferBody('image/gif', bytes));
    } else if (ext === 'srt') {
      sendMedia(req, res, bufferBody('application/x-subrip; charset=utf-8', captionsSrt(v)));
    } else {
      sendMedia(req, res, bufferBody('text/vtt; charset=utf-8', captionsVtt(v)));
    }
    return true;
  }

  m = /^\/asset\/([0-9a-f]{32})\.([a-z0-9]+)$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    if (!checkSignature()) return true;
    const asset = state.assets.get(m[1] ?? '');
    if (!asset || MEDIA_TYPES[asset.contentType]?.ext !== m[2]) {
      sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return true;
    }
    sendMedia(req, res, bufferBody(asset.contentType, asset.bytes));
    return true;
  }

  m = /^\/catalog\/avatars\/([^/]+)\/preview\.(png|mp4)$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    const avatarId = decodeURIComponent(m[1] ?? '');
    if (!STUDIO_AVATAR_IDS.has(avatarId)) {
      sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    } else if (m[2] === 'png') {
      const bytes = cached(`avatar:${avatarId}`, () =>
        renderPng({ width: 512, height: 512, seed: avatarId, label: avatarId }),
      );
      sendMedia(req, res, bufferBody('image/png', bytes));
    } else {
      sendMedia(
        req,
        res,
        mp4Body({ width: 640, height: 360, durationSeconds: 3, seed: avatarId }, 'video/mp4'),
      );
    }
    return true;
  }

  m = /^\/catalog\/voices\/([0-9a-f]+)\/preview\.mp3$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    if (!VOICE_IDS.has(m[1] ?? '')) sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    else sendMedia(req, res, bufferBody('audio/mpeg', cached('mp3:silent', silentMp3)));
    return true;
  }

  m = /^\/share\/([0-9a-f]{32})$/u.exec(path);
  if (m) {
    if (!isRead) return notAllowed(res);
    const v = state.videos.get(m[1] ?? '');
    if (!v) {
      sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return true;
    }
    const title = (v.title ?? v.id).replace(/[<>&"]/gu, '');
    const html = `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>Status: ${videoState(v, now)}</p></body></html>\n`;
    sendMedia(req, res, bufferBody('text/html; charset=utf-8', Buffer.from(html)));
    return true;
  }

  return false;
}

function notAllowed(res: ServerResponse): boolean {
  sendError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  return true;
}

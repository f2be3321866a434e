import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../contracts/retries';
import type { MediaName, RunMedia, StoredFile } from '../contracts/media';
import { downloadToStorage, type DownloadOptions } from '../heygen/download';
import { HeyGenError } from '../heygen/errors';
import type { RenderStatus } from '../heygen/port';
import { safeSegment, StorageError, storageKey, type StoredObject } from '../storage';
import { canonicalExtension, extensionOfType, type MediaExtension } from '../storage/mediaTypes';
import { activitySignal, heartbeat } from './context';
import { portFor, type ActivityDeps, type Versioned } from './deps';
import { classified } from './errors';

/** The files stored beside the video (MEDIA_NAMES but the video). */
export type ExtraKind = Exclude<MediaName, 'video'>;

export interface DownloadVideoInput extends Versioned {
  videoId: string;
  /** First key segment (the workflow id) */
  directory: string;
  /** Name of the video file; default `<videoId>.mp4` */
  fileName?: string;
  /** Also keep captions, thumbnail and GIF when the status has them. Default true. */
  extras?: boolean;
}

export interface DownloadVideoResult {
  /** Where each stored file is, for every backend (what results carry) */
  media: RunMedia;
  /** The video's absolute path: local storage only */
  path?: string;
  /** The video's sha256 and size (the same as media.video) */
  sha256: string;
  bytes: number;
  /** The video's storage key */
  key?: string;
  /** Extras the status announced but whose URL answered 404 (they do not exist): skipped, not an error */
  missingExtras?: ExtraKind[];
}

/** Heartbeat details of downloadVideo. */
export interface DownloadProgress {
  file: MediaName;
  bytes: number;
  total?: number;
}

const HEARTBEAT_INTERVAL_MS = 1000;

/** Extension of the URL's path, if it is one of `allowed`. Never logs the URL. */
function urlExtension(url: string, allowed: readonly MediaExtension[]): MediaExtension | undefined {
  try {
    return canonicalExtension(/\.([a-z0-9]+)$/iu.exec(new URL(url).pathname)?.[1], allowed);
  } catch {
    return undefined;
  }
}

const CAPTION_EXTENSIONS = ['vtt', 'srt', 'ass'] as const satisfies MediaExtension[];
const IMAGE_EXTENSIONS = ['png', 'jpg', 'webp'] as const satisfies MediaExtension[];

interface ExtraSpec {
  kind: ExtraKind;
  url: string;
  /** Extension from the content type, then from the URL, then the default */
  extension: (contentType: string | undefined) => string;
}

function extrasOf(media: RenderStatus['media']): ExtraSpec[] {
  const out: ExtraSpec[] = [];
  if (media.captions) {
    const url = media.captions;
    out.push({
      kind: 'captions',
      url,
      extension: (type) =>
        extensionOfType(type, CAPTION_EXTENSIONS) ?? urlExtension(url, CAPTION_EXTENSIONS) ?? 'vtt',
    });
  }
  if (media.thumbnail) {
    const url = media.thumbnail;
    out.push({
      kind: 'thumbnail',
      url,
      extension: (type) =>
        extensionOfType(type, IMAGE_EXTENSIONS) ?? urlExtension(url, IMAGE_EXTENSIONS) ?? 'png',
    });
  }
  if (media.gif) out.push({ kind: 'gif', url: media.gif, extension: () => 'gif' });
  return out;
}

/** `name` without its extension (`a.b.mp4` -> `a.b`). */
function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Errors of the storage itself: a refused key cannot get better by retrying; disk errors can (Temporal retries). */
function storageFailure(err: unknown): unknown {
  if (err instanceof StorageError && err.kind === 'InvalidKey') {
    return ApplicationFailure.create({
      type: FAILURE_TYPES.fileError,
      message: err.message,
      nonRetryable: true,
      cause: err,
    });
  }
  return err;
}

/**
 * Keeps the finished video — and, when its status has them, its captions, thumbnail and GIF — before the URLs
 * expire. Each attempt reads the status once, so it always downloads from freshly signed URLs. An expired URL
 * (403/410) or a file not downloadable yet right after `completed` (404) fails the attempt as retryable
 * `UrlExpired`: Temporal retries with backoff and the next attempt reads a fresh status. An extra whose URL answers
 * 404 once the video itself was downloadable does not exist: it is skipped (`missingExtras`), not an error.
 * The bytes go to `storage` (temporary name, size and sha256 checked, then renamed), never to history: the result
 * holds only small descriptors.
 */
export function deliveryActivities(deps: ActivityDeps) {
  const { storage } = deps;
  return {
    downloadVideo: classified(async (input: DownloadVideoInput): Promise<DownloadVideoResult> => {
      // Heartbeat at once (then every second while bytes flow): a worker lost before the transfer starts is
      // noticed after the heartbeat timeout, not after the whole start-to-close.
      heartbeat({ phase: 'status' });
      const signal = activitySignal();
      const status = await portFor(deps, input.api).getRender(input.videoId, { signal });
      const videoUrl = status.media.video;
      if (status.state !== 'completed' || !videoUrl) {
        throw new HeyGenError({
          kind: 'InvalidResponse',
          operation: 'video.status',
          message: `Video ${input.videoId} is ${status.rawStatus} without a downloadable URL`,
        });
      }
      const directory = safeSegment(input.directory);
      const fileName = safeSegment(input.fileName ?? `${input.videoId}.mp4`);
      const videoKey = storageKey(directory, fileName);

      let lastBeat = 0;
      const progress = (file: DownloadProgress['file']): DownloadOptions => ({
        signal,
        onProgress: (bytes, total) => {
          const now = Date.now();
          if (now - lastBeat >= HEARTBEAT_INTERVAL_MS || (total !== undefined && bytes === total)) {
            lastBeat = now;
            const details: DownloadProgress = total !== undefined ? { file, bytes, total } : { file, bytes };
            heartbeat(details);
          }
        },
      });

      let video;
      try {
        video = await downloadToStorage(videoUrl, storage, videoKey, progress('video'));
      } catch (err) {
        throw storageFailure(err);
      }
      const media: RunMedia = { video: toStoredFile(video) };
      const result: DownloadVideoResult = {
        media,
        ...(video.path !== undefined ? { path: video.path } : {}),
        sha256: video.sha256,
        bytes: video.bytes,
        key: video.key,
      };
      if (input.extras === false) return result;

      const missing: ExtraKind[] = [];
      for (const extra of extrasOf(status.media)) {
        const keyFor = (contentType: string | undefined): string => {
          const ext = extra.extension(contentType);
          const key = storageKey(directory, `${stem(fileName)}.${ext}`);
          // Never overwrite the video (a fileName such as `x.gif`).
          return key === videoKey ? storageKey(directory, `${stem(fileName)}.${extra.kind}.${ext}`) : key;
        };
        try {
          media[extra.kind] = toStoredFile(
            await downloadToStorage(extra.url, storage, (r) => keyFor(r.contentType), progress(extra.kind)),
          );
        } catch (err) {
          // The video URL from the same status read worked, so a 404 here means "this file does not exist".
          // 403/410 (expired) still fails the attempt: the next one reads fresh URLs.
          if (err instanceof HeyGenError && err.kind === 'UrlExpired' && err.httpStatus === 404) {
            missing.push(extra.kind);
            continue;
          }
          throw storageFailure(err);
        }
      }
      if (missing.length > 0) result.missingExtras = missing;
      return result;
    }),
  };
}

/** Only the neutral descriptor (no key, no local path) goes into results. */
function toStoredFile(stored: StoredObject): StoredFile {
  return { uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes, contentType: stored.contentType };
}

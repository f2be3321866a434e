import path from 'node:path';
import { HeyGenError } from '../heygen/errors';
import { downloadToFile, type DownloadResult } from '../heygen/download';
import { activitySignal, heartbeat } from './context';
import type { ActivityDeps } from './deps';
import { classified } from './errors';

/** Directory and file names come from workflow ids and HeyGen ids; keep them to safe characters. */
export function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 200) || 'file';
}

/**
 * Keeps the finished video before its URL expires. Each attempt reads the status again, so it always downloads from
 * a freshly signed URL (an expired one answers 403/404, which fails the attempt as retryable `UrlExpired`, and so
 * does a file that is not downloadable yet right after `completed`). The bytes go to disk, never to history.
 */
export function deliveryActivities({ heygen, outputDir }: ActivityDeps) {
  return {
    downloadVideo: classified(
      async (input: { videoId: string; directory: string; fileName?: string }): Promise<DownloadResult> => {
        const signal = activitySignal();
        const status = await heygen.getVideoStatus(input.videoId, { signal });
        if (status.status.toLowerCase() !== 'completed' || !status.video_url) {
          throw new HeyGenError({
            kind: 'InvalidResponse',
            operation: 'video.status',
            message: `Video ${input.videoId} is ${status.status} without a downloadable URL`,
          });
        }
        const destination = path.resolve(
          outputDir,
          safeName(input.directory),
          safeName(input.fileName ?? `${input.videoId}.mp4`),
        );
        let lastBeat = 0;
        return downloadToFile(status.video_url, destination, {
          signal,
          onProgress: (bytes, total) => {
            const now = Date.now();
            if (now - lastBeat > 1000) {
              lastBeat = now;
              heartbeat({ bytes, total });
            }
          },
        });
      },
    ),
  };
}

import { pathToFileURL } from 'node:url';
import type { RunMedia } from '../../contracts/media';

/**
 * The local path of a result stored with the local backend, after checking the result's two descriptions of it
 * agree (`videoPath` and the neutral `media.video`).
 */
export function localVideoPath(result: { videoPath?: string; media: RunMedia; sha256: string }): string {
  const { videoPath, media } = result;
  if (videoPath === undefined)
    throw new Error('the result has no videoPath: not stored with the local backend');
  expect(media.video.uri).toBe(pathToFileURL(videoPath).href);
  expect(media.video.sha256).toBe(result.sha256);
  return videoPath;
}

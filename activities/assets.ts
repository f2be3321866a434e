import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { sniffContentType } from '../heygen/contentType';
import { callOptions } from './context';
import { portFor, type ActivityDeps, type Versioned } from './deps';
import { FAILURE_TYPES } from '../contracts/retries';
import { classified } from './errors';

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

function fileError(message: string) {
  return ApplicationFailure.create({ type: FAILURE_TYPES.fileError, message, nonRetryable: true });
}

/** Resolves a caller-given path inside the worker's input directory; anything outside is refused. */
export function resolveInputPath(inputDir: string, file: string): string {
  const root = path.resolve(inputDir);
  const resolved = path.resolve(root, file);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    throw fileError(`File ${file} is outside the worker's input directory (INPUT_DIR=${root})`);
  }
  return resolved;
}

/**
 * Uploads a local photo (streamed, never held whole in memory) and returns the reference avatar creation and Avatar
 * IV take (v2 `image_key`, v3 asset id). The type is detected from the file's bytes. An upload bills nothing; on v3 it
 * still carries the step's Idempotency-Key, so a retry does not even leave a spare asset.
 */
export function assetActivities(deps: ActivityDeps) {
  const { inputDir } = deps;
  return {
    uploadPhotoFile: classified(
      async (input: Versioned & { file: string }): Promise<{ imageKey: string; assetId: string }> => {
        const file = resolveInputPath(inputDir, input.file);
        let size: number;
        const head = Buffer.alloc(16);
        try {
          size = (await stat(file)).size;
          const handle = await open(file, 'r');
          try {
            await handle.read(head, 0, head.length, 0);
          } finally {
            await handle.close();
          }
        } catch (err) {
          throw fileError(`Cannot read ${input.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const type = sniffContentType(head);
        if (!type || !PHOTO_TYPES.has(type)) {
          throw fileError(`${input.file} is not a JPEG or PNG photo (detected: ${type ?? 'unknown'})`);
        }
        const asset = await portFor(deps, input.api).uploadAsset(createReadStream(file), type, {
          ...callOptions({ billable: true }),
          contentLength: size,
          fileName: path.basename(file),
        });
        if (!asset.photoRef) throw fileError(`HeyGen returned no photo reference for ${input.file}`);
        return { imageKey: asset.photoRef, assetId: asset.assetId };
      },
    ),
  };
}

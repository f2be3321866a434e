import { PipelinesClient } from '../../client/pipelinesClient';
import { MEDIA_NAMES, mediaNameSchema } from '../../contracts/media';
import { createStorage, safeSegment, storageConfigFromEnv } from '../../storage';
import { extensionOfType, type MediaExtension } from '../../storage/mediaTypes';
import { info, reportFailure } from '../output';

const ANY_EXTENSION: MediaExtension[] = ['mp4', 'webm', 'gif', 'png', 'jpg', 'webp', 'vtt', 'srt', 'ass'];

/**
 * `download WORKFLOW_ID [--name video|captions|thumbnail|gif] [--output FILE]`: a completed run's file, reached
 * through the storage the environment names (STORAGE, S3_*: the workers' settings), its size and sha256 checked
 * against the run's result before it appears under FILE (default `<workflowId>-<name>.<ext>` here).
 */
export async function download(
  workflowId: string,
  flags: { name?: string; output?: string; json?: boolean },
): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    // Everything that can be checked without a connection is checked first.
    const name = mediaNameSchema.safeParse(flags.name ?? 'video');
    if (!name.success) throw new Error(`--name: must be one of ${MEDIA_NAMES.join(', ')}`);
    const storage = createStorage(storageConfigFromEnv());
    client = await PipelinesClient.connect();
    const file = await client.mediaFile(workflowId, name.data);
    const ext = extensionOfType(file.contentType, ANY_EXTENSION) ?? 'bin';
    const output = flags.output ?? `${safeSegment(workflowId)}-${name.data}.${ext}`;
    const stored = await client.downloadMedia(workflowId, output, { name: name.data, storage });
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ workflowId, name: name.data, path: stored.path, sha256: stored.sha256, bytes: stored.bytes, contentType: stored.contentType, from: file.uri }, null, 2)}\n`,
      );
    }
    info(
      `${name.data} of ${workflowId}: ${stored.path} (${stored.bytes} bytes, sha256 ${stored.sha256} checked)`,
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  } finally {
    await client?.close();
  }
}

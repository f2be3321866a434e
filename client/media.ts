import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import axios from 'axios';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { runMediaSchema, type MediaName, type StoredFile } from '../contracts/media';
import { WORKFLOW_TYPES } from '../contracts/definitions';
import { LocalDirectoryStorage } from '../storage/localStorage';
import type { MediaReach, StoredObject, VideoStorage } from '../storage/types';

/** Why a run's file cannot be handed out; the HTTP API maps each kind to a status. */
export type MediaErrorKind =
  /** No run with that workflow id (or not one of this product's runs) */
  | 'RunNotFound'
  /** The run is still running: its media does not exist yet */
  | 'RunNotFinished'
  /** The run closed without a result (failed, cancelled...), or its kind has no media of its own (a batch) */
  | 'NoMedia'
  /** The run's result has no file of that name (e.g. no captions were made) */
  | 'MediaNotFound'
  /** The file is stored where this process's storage configuration cannot reach */
  | 'MediaUnreachable';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The runs whose result names media (a batch's items are render runs of their own). */
const MEDIA_WORKFLOW_TYPES: ReadonlySet<string> = new Set([WORKFLOW_TYPES.lifecycle, WORKFLOW_TYPES.render]);

/**
 * The stored file `name` of a completed lifecycle or render run, from the run's result (the server holds it: no
 * worker is involved).
 */
export async function runMediaFile(client: Client, workflowId: string, name: MediaName): Promise<StoredFile> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new MediaError('RunNotFound', `No run with workflow id ${workflowId}`);
    throw err;
  }
  if (!MEDIA_WORKFLOW_TYPES.has(description.type)) {
    throw new MediaError(
      description.type === WORKFLOW_TYPES.batch ? 'NoMedia' : 'RunNotFound',
      description.type === WORKFLOW_TYPES.batch
        ? `Run ${workflowId} is a batch: each item is a render run of its own, with its own media`
        : `No run with workflow id ${workflowId}`,
    );
  }
  const status = description.status.name;
  if (status === 'RUNNING') {
    throw new MediaError('RunNotFinished', `Run ${workflowId} is still running: its media is not stored yet`);
  }
  if (status !== 'COMPLETED') {
    throw new MediaError('NoMedia', `Run ${workflowId} ended ${status.toLowerCase()}: it stored no media`);
  }
  const result: unknown = await handle.result();
  const media = runMediaSchema.safeParse((result as { media?: unknown } | null)?.media);
  if (!media.success) {
    throw new MediaError(
      'NoMedia',
      `The result of run ${workflowId} names no media (recorded before results did)`,
    );
  }
  const file = media.data[name];
  if (!file) throw new MediaError('MediaNotFound', `Run ${workflowId} has no ${name} (HeyGen made none)`);
  return file;
}

/** How to reach `file` through `storage` (a presigned URL, or a local path), or a MediaError('MediaUnreachable'). */
export async function reachMedia(
  storage: VideoStorage,
  file: StoredFile,
  expiresInSeconds: number,
): Promise<MediaReach> {
  const reach = await storage.reach(file.uri, { expiresInSeconds });
  if (!reach) {
    throw new MediaError(
      'MediaUnreachable',
      `The file is stored at ${file.uri}, which this process's storage (${storage.backend}) cannot reach: give it the workers' STORAGE settings`,
    );
  }
  return reach;
}

/** The bytes of a reached file as a stream (a presigned URL is fetched, a local path read). */
async function openReach(reach: MediaReach): Promise<Readable> {
  if (reach.kind === 'file') return createReadStream(reach.path);
  const response = await axios.get<Readable>(reach.url, {
    responseType: 'stream',
    validateStatus: () => true,
    decompress: false,
    maxContentLength: Infinity,
  });
  if (response.status !== 200) {
    response.data.resume();
    // The URL is a credential: never in the message.
    throw new MediaError(
      'MediaUnreachable',
      `The storage answered HTTP ${response.status} to the media link`,
    );
  }
  return response.data;
}

/**
 * Downloads a run's stored file to `destination` (written to a temporary name, size and sha256 checked against the
 * result, then renamed: a partial file is never visible under that name).
 */
export async function downloadRunMedia(
  client: Client,
  storage: VideoStorage,
  workflowId: string,
  name: MediaName,
  destination: string,
): Promise<StoredObject> {
  const file = await runMediaFile(client, workflowId, name);
  const body = await openReach(await reachMedia(storage, file, 300));
  const absolute = path.resolve(destination);
  return new LocalDirectoryStorage(path.dirname(absolute)).put(path.basename(absolute), body, {
    expectedBytes: file.bytes,
    expectedSha256: file.sha256,
    contentType: file.contentType,
  });
}

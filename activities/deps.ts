import type { Client } from '@temporalio/client';
import type { HeyGenPort } from '../heygen/port';
import type { VideoStorage } from '../storage';

/** What activities need from the worker: the HeyGen port and where files live. Secrets stay inside `heygen`. */
export interface ActivityDeps {
  heygen: HeyGenPort;
  /** Directory finished videos are written to */
  outputDir: string;
  /** Where downloaded media (videos, captions, thumbnails, GIFs) is stored; bytes never go through history */
  storage: VideoStorage;
  /** Local files given as photo input must be inside this directory */
  inputDir: string;
  /** For webhook routing (mailbox signals) and render slots */
  temporal?: { client: Client; taskQueue: string };
  /** Plan concurrency: renders in flight at HeyGen across all workers; undefined = not limited */
  maxConcurrentRenders?: number;
}

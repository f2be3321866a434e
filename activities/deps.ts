import type { Client } from '@temporalio/client';
import type { HeyGenPort } from '../heygen/port';

/** What activities need from the worker: the HeyGen port and where files live. Secrets stay inside `heygen`. */
export interface ActivityDeps {
  heygen: HeyGenPort;
  /** Directory finished videos are written to */
  outputDir: string;
  /** Local files given as photo input must be inside this directory */
  inputDir: string;
  /** For webhook routing (mailbox signals); absent in workers that only poll */
  temporal?: { client: Client; taskQueue: string };
}

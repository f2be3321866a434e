import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ApiVersion } from '../contracts/apiVersion';
import type { HeyGenPort } from '../heygen/port';
import type { WaitMode } from '../contracts/polling';
import type { VideoStorage } from '../storage';

/** What activities need from the worker: the HeyGen ports and where files live. Secrets stay inside the ports. */
export interface ActivityDeps {
  /** The configured API version's adapter (HEYGEN_API_VERSION): new runs speak it */
  heygen: HeyGenPort;
  /**
   * An adapter per API version, so a run keeps the version it was validated with for its whole life, even on a
   * worker configured for the other one (every activity input names its run's version). Defaults to `heygen` only.
   */
  ports?: Partial<Record<ApiVersion, HeyGenPort>>;
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
  /** The wait mode of runs whose input names none (HEYGEN_WAIT_MODE); undefined: they poll */
  defaultWaitMode?: WaitMode;
  /** How long a render waits for its slot before asking again; default DEFAULT_RENDER_SLOT_REFRESH_MS */
  renderSlotRefreshMs?: number;
}

/** Every HeyGen activity's input names the API version of its run. */
export interface Versioned {
  api: ApiVersion;
}

/** The adapter of a run's API version. */
export function portFor(deps: Pick<ActivityDeps, 'heygen' | 'ports'>, api: ApiVersion): HeyGenPort {
  const port = deps.ports?.[api] ?? (deps.heygen.version === api ? deps.heygen : undefined);
  if (!port) {
    throw ApplicationFailure.nonRetryable(
      `This worker has no HeyGen API ${api} adapter for a run that speaks ${api}`,
      'Misconfigured',
    );
  }
  return port;
}

/** A render with no slot granted after this long asks again (the semaphore may be gone). */
export const DEFAULT_RENDER_SLOT_REFRESH_MS = 10 * 60 * 1000;

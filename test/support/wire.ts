import type { ApiVersion } from '../../contracts/apiVersion';
import type { CallLogEntry } from '../../simulator';
import type { Stack } from './stack';
import { WIRE } from './versions';

/** A regular expression source matching exactly one path (for the simulator's fault rules). */
export function exactPath(path: string): string {
  return `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * What else each API version looks like on the wire, beside `WIRE` (test/support/versions.ts): the paths tests
 * inject faults into and count, and how each reports a failed render.
 */
export const PATHS = {
  v2: {
    /** The avatar (photo-avatar group) create */
    avatarCreate: '/v2/photo_avatar/avatar_group/create',
    /** Fault rule source: every status read of one render */
    renderStatus: exactPath('/v1/video_status.get'),
    /** Fault rule source: the looks of a group, read while waiting for them to be ready */
    groupLooks: '^/v2/avatar_group/[^/]+/avatars$',
    /** The studio-avatar catalog (WebM renders check their avatar against it) */
    isCatalogRead: (e: CallLogEntry) => e.path === '/v2/avatars',
    webmCreate: '/v1/video.webm',
    avatarIvCreate: '/v2/video/av4/generate',
  },
  v3: {
    avatarCreate: '/v3/avatars',
    renderStatus: '^/v3/videos/(?!statuses$)[^/]+$',
    groupLooks: exactPath('/v3/avatars/looks'),
    isCatalogRead: (e: CallLogEntry) => e.path === '/v3/avatars/looks' && e.query.ownership === 'public',
    webmCreate: '/v3/videos',
    avatarIvCreate: '/v3/videos',
    /** One status read for many renders */
    bulkStatus: '/v3/videos/statuses',
  },
} as const;

/**
 * How each version reports a render that failed because the script is longer than the plan allows: v2 with its
 * numeric code 40119, v3 with a `failure_code` (the simulator uses the reference's example, 'rendering_failed') and
 * HeyGen's message.
 */
export const TOO_LONG_FAILURE_CODE: Record<ApiVersion, string | number> = {
  v2: 40119,
  v3: 'rendering_failed',
};

/** The environment of a `heygen-pipelines worker` process serving a stack's task queue in the stack's API version. */
export function workerEnvFor(stack: Stack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: stack.config.temporal.address,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    HEYGEN_API_VERSION: stack.apiVersion,
    HEYGEN_API_BASE_URL: stack.sim.url,
    HEYGEN_UPLOAD_BASE_URL: stack.sim.url,
    HEYGEN_API_KEY: stack.sim.apiKey,
    OUTPUT_DIR: stack.outputDir,
    INPUT_DIR: stack.outputDir,
    ...extra,
  };
}

/** Applied render creates in a call log, for either version. */
export function renderCreates(version: ApiVersion, log: CallLogEntry[]): CallLogEntry[] {
  return log.filter((e) => e.method === 'POST' && e.path === WIRE[version].renderCreate);
}

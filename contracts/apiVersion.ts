// No zod here: workflows import these values (the workflow bundle must not evaluate zod).

/** HeyGen API generations the product speaks. v3 is the default; v2 (with its v1 endpoints) stays selectable. */
export const API_VERSIONS = ['v3', 'v2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const DEFAULT_API_VERSION: ApiVersion = 'v3';

/**
 * What differs between the API generations in the lifecycle's shape. A run reads its version once (from the
 * validation local activity's recorded result), so these are fixed for the run's whole life.
 */
export interface ApiCapabilities {
  version: ApiVersion;
  /**
   * v2: AI photos are a generation job whose images then found a group. v3: one create makes the group and its
   * first look from a prompt.
   */
  promptCreatesAvatar: boolean;
  /** v2 trains a group (a billable job to wait for); v3 has no train step: looks become ready by themselves. */
  training: boolean;
  /** Photos one add-look call takes: v2 `image_keys` (up to 4), v3 a single `file`. */
  maxPhotosPerAdd: number;
  /** v2: a look generation is a job whose images become looks later; v3: the create returns the new look. */
  lookGenerationIsJob: boolean;
  /** Renders whose webhook events name the run (callback_id): v2 scene videos only; v3 every video type. */
  callbackForEveryRender: boolean;
  /** One status read can cover many renders (v3 `GET /v3/videos/statuses`). */
  bulkRenderStatus: boolean;
}

export const API_CAPABILITIES: Readonly<Record<ApiVersion, ApiCapabilities>> = {
  v2: {
    version: 'v2',
    promptCreatesAvatar: false,
    training: true,
    maxPhotosPerAdd: 4,
    lookGenerationIsJob: true,
    callbackForEveryRender: false,
    bulkRenderStatus: false,
  },
  v3: {
    version: 'v3',
    promptCreatesAvatar: true,
    training: false,
    maxPhotosPerAdd: 1,
    lookGenerationIsJob: false,
    callbackForEveryRender: true,
    bulkRenderStatus: true,
  },
};

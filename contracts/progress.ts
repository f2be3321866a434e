import type { ApiVersion } from './apiVersion';

/** Stages of the photo-avatar lifecycle, in order. */
export const LIFECYCLE_STAGES = [
  'validating',
  'photos',
  'group',
  'adding_looks',
  'training',
  'generating_looks',
  'rendering',
  'completed',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number] | 'failed';

export const RENDER_STAGES = ['validating', 'submitting', 'rendering', 'downloading', 'completed'] as const;
export type RenderStage = (typeof RENDER_STAGES)[number] | 'failed';

export interface StageTiming {
  stage: string;
  /** ISO timestamps (workflow time) */
  startedAt: string;
  endedAt?: string;
  /** What the stage means in this run, when not obvious (v3's training stage only waits for the looks) */
  note?: string;
}

export interface FailureInfo {
  stage: string;
  type: string;
  message: string;
  /** HeyGen's error code, when HeyGen reported one (e.g. 40119) */
  code?: string | number;
}

/** HeyGen ids known so far. */
export interface LifecycleIds {
  photoGenerationId?: string;
  imageKeys: string[];
  groupId?: string;
  /** Looks created from the input images (group create + add) */
  addedLookIds: string[];
  lookGenerationIds: string[];
  /** Looks produced by look generation */
  generatedLookIds: string[];
  renderWorkflowId?: string;
  videoId?: string;
}

export interface LifecycleProgress {
  stage: LifecycleStage;
  stages: StageTiming[];
  ids: LifecycleIds;
  /** The HeyGen API generation the run speaks, once validated */
  apiVersion?: ApiVersion;
  failure?: FailureInfo;
}

export interface RenderProgress {
  stage: RenderStage;
  stages: StageTiming[];
  videoId?: string;
  /** Last status HeyGen reported (waiting, pending, processing, completed, failed) */
  heygenStatus?: string;
  /** The HeyGen API generation the run speaks, once validated */
  apiVersion?: ApiVersion;
  failure?: FailureInfo;
}

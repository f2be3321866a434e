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

/** Stages of a render, in order. */
export const RENDER_STAGES = ['validating', 'submitting', 'rendering', 'downloading', 'completed'] as const;

// The progress types (LifecycleProgress, RenderProgress, StageTiming, ...) are z.infer of their schemas: results.ts.

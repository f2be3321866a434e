import { API_CAPABILITIES, type ApiVersion } from '../../contracts/apiVersion';
import type { WaitMode } from '../../contracts/polling';
import type { LifecycleInput } from '../../contracts/lifecycle';
import {
  DEFAULT_POLLING,
  DEFAULT_WEBHOOK_FALLBACK_POLLING,
  LOOK_READY_POLLING,
} from '../../contracts/polling';
import type { PollingPolicy } from '../../contracts/results';
import { DEFAULT_DURATIONS, ZERO_DURATIONS, type JobDurations } from '../../simulator';
import { BENCH_DIMENSION } from './api';

/** Simulated HeyGen job durations plus the product polling cadence that goes with them. */
export interface DurationProfile {
  name: string;
  durations: JobDurations;
  /** DEFAULT_DURATIONS × scale (1 = the simulator's defaults); 0 for zero durations */
  scale: number;
  /** One line saying exactly what was simulated, printed with the results */
  description: string;
}

/**
 * 'zero': every job done at its first status read (pure orchestration cost).
 * 'realistic': the simulator's DEFAULT_DURATIONS (photo 20 s, looks 5 s, training 60 s, look generation 20 s,
 * render 60 s) multiplied by `scale`; below 1, the product's polling cadence is scaled by the same factor so that
 * the lifecycle keeps the shape it has at full scale (same number of polls, proportionally the same lag).
 */
export function durationProfile(name: string, scale: number): DurationProfile {
  if (name === 'zero') {
    return {
      name,
      durations: ZERO_DURATIONS,
      scale: 0,
      description: 'zero: every job done at its first status read',
    };
  }
  if (name !== 'realistic') throw new Error(`unknown durations profile ${name} (zero or realistic)`);
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale must be in (0, 1], got ${scale}`);
  const d = Object.fromEntries(
    Object.entries(DEFAULT_DURATIONS).map(([k, v]) => [k, Math.round(v * scale)]),
  ) as unknown as JobDurations;
  const what =
    `photo ${d.photoGenerationMs / 1000} s, look processing ${d.lookProcessingMs / 1000} s, training ${d.trainingMs / 1000} s, ` +
    `look generation ${d.lookGenerationMs / 1000} s, render ${d.renderMs / 1000} s; simulated critical path per lifecycle ` +
    `${criticalPathMs(d, 'v2') / 1000} s on v2, ${criticalPathMs(d, 'v3') / 1000} s on v3 (no training, no added looks)`;
  const polling = productPolling('poll', { name, durations: d, scale, description: '' });
  const description =
    scale === 1
      ? `realistic: the simulator's DEFAULT_DURATIONS (${what}); product polling at its defaults (poll mode ${DEFAULT_POLLING.initialSeconds} s ×${DEFAULT_POLLING.backoff ?? 2} → ${DEFAULT_POLLING.maxSeconds} s)`
      : `realistic ×${scale}: DEFAULT_DURATIONS scaled by ${scale} so the run fits the time budget (${what}); ` +
        `product polling scaled alike (poll mode ${polling?.initialSeconds} s → ${polling?.maxSeconds} s)`;
  return { name: scale === 1 ? 'realistic' : `realistic×${scale}`, durations: d, scale, description };
}

/**
 * Simulated job time a lifecycle cannot avoid: its jobs run one after another. v2: photos, training (with the
 * group's added looks processing alongside it), look generation, the generated looks processing, the render. v3:
 * the avatar's look from the prompt (the photo generation's duration), the generated look (the look generation's:
 * on v3 the look is the job), the render.
 */
export function criticalPathMs(d: JobDurations, version: ApiVersion): number {
  if (!API_CAPABILITIES[version].training) return d.photoGenerationMs + d.lookGenerationMs + d.renderMs;
  return (
    d.photoGenerationMs +
    Math.max(d.lookProcessingMs, d.trainingMs) +
    d.lookGenerationMs +
    d.lookProcessingMs +
    d.renderMs
  );
}

const scaled = (p: PollingPolicy, s: number): PollingPolicy => ({
  ...p,
  initialSeconds: Math.max(0.05, p.initialSeconds * s),
  maxSeconds: Math.max(0.05, p.maxSeconds * s),
});

/**
 * The `polling` a run is given: none at full scale (the product's own defaults for the mode), the defaults scaled
 * for a scaled profile, and a fast cadence with zero durations in poll mode (every job is done at the first read,
 * so it is never used). Webhook mode keeps its slow fallback (scaled), so webhook runs do not poll.
 */
export function productPolling(mode: WaitMode, p: DurationProfile): PollingPolicy | undefined {
  if (mode === 'webhook')
    return p.scale === 0 || p.scale === 1 ? undefined : scaled(DEFAULT_WEBHOOK_FALLBACK_POLLING, p.scale);
  if (p.scale === 0) return { initialSeconds: 0.05, maxSeconds: 1 };
  return p.scale === 1 ? undefined : scaled(DEFAULT_POLLING, p.scale);
}

export const LOOK_POLLING_NOTE = `webhook mode polls look readiness every ${LOOK_READY_POLLING.initialSeconds} s → ${LOOK_READY_POLLING.maxSeconds} s (HeyGen sends no event for it)`;

/** The photos every benchmark generates (the product's lifecycles and the naive script alike). */
export const BENCH_PHOTO_ATTRIBUTES = {
  age: 'Young Adult',
  gender: 'Woman',
  ethnicity: 'East Asian',
  orientation: 'square',
  pose: 'half_body',
  style: 'Realistic',
  appearance: 'Benchmark presenter',
} as const;

/** The benchmark lifecycle without its name, mode and polling. */
export const BENCH_LIFECYCLE = {
  photo: { generate: BENCH_PHOTO_ATTRIBUTES },
  looks: [{ prompt: 'Grey suit', orientation: 'square', pose: 'half_body', style: 'Realistic' }],
  video: {
    script: 'A short benchmark script for the photo avatar.',
    voiceId: '1bd001e7e50f421d891986aad5158bc8',
    dimension: BENCH_DIMENSION,
  },
} as const satisfies Omit<LifecycleInput, 'name'>;

/**
 * The benchmark lifecycle. v2: four generated photos (group + three added looks), training, one generated look, one
 * render. v3: the avatar from the prompt (one look), one generated look, one render (the same input: the version
 * decides the steps).
 */
export function benchLifecycleInput(mode: WaitMode, p: DurationProfile, name = 'Bench'): LifecycleInput {
  const polling = productPolling(mode, p);
  return {
    name,
    ...BENCH_LIFECYCLE,
    waitMode: mode,
    ...(polling ? { polling } : {}),
  };
}

import { z } from 'zod';
import { isHttpUrl } from './util';
import {
  DEFAULT_DURATIONS,
  type JobDurations,
  type SimulatorOptions,
  type WebhookSignatureStyle,
} from './types';

export type SignatureStyle = WebhookSignatureStyle;
export const SIGNATURE_STYLES = [
  'signature',
  'x-heygen-signature',
  'heygen-signature',
  'x-heygen-signature-timestamped',
] as const satisfies readonly SignatureStyle[];
export const V3_SECRET_KEYS = ['raw', 'base64'] as const;

/** SimulatorOptions with every default applied (publicBaseUrl stays optional: it depends on the bound port). */
export interface ResolvedOptions {
  host: string;
  port: number;
  apiKey: string;
  publicBaseUrl: string | undefined;
  durations: JobDurations;
  durationJitter: number;
  durationJitterSeed: number;
  maxVideoSeconds: number;
  wordsPerSecond: number;
  urlTtlSeconds: number;
  downloadNotReadyMs: number;
  mediaKeyframeIntervalSeconds: number | undefined;
  mediaFps: number | undefined;
  webhookSignatureStyle: SignatureStyle;
  webhookV3SignatureStyle: SignatureStyle;
  webhookV3SecretKey: (typeof V3_SECRET_KEYS)[number];
  webhookV3Probe: boolean;
  credits: number | undefined;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  verbose: boolean;
}

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`Simulator option ${name} must be a number >= 0`);
  return value;
};

function signatureStyle(name: string, value: string): SignatureStyle {
  const style = SIGNATURE_STYLES.find((s) => s === value);
  if (!style) throw new Error(`Simulator option ${name} must be one of ${SIGNATURE_STYLES.join(', ')}`);
  return style;
}

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  const durations: JobDurations = { ...DEFAULT_DURATIONS };
  for (const key of Object.keys(DEFAULT_DURATIONS) as Array<keyof JobDurations>) {
    durations[key] = nonNegative(`durations.${key}`, options.durations?.[key], DEFAULT_DURATIONS[key]);
  }
  const style = signatureStyle('webhookSignatureStyle', options.webhookSignatureStyle ?? 'signature');
  const v3Style = signatureStyle(
    'webhookV3SignatureStyle',
    options.webhookV3SignatureStyle ?? 'heygen-signature',
  );
  const secretKey = options.webhookV3SecretKey ?? 'raw';
  if (!V3_SECRET_KEYS.includes(secretKey)) {
    throw new Error(`Simulator option webhookV3SecretKey must be one of ${V3_SECRET_KEYS.join(', ')}`);
  }
  const credits = options.credits;
  if (credits !== undefined && !(Number.isInteger(credits) && credits >= 0)) {
    throw new Error('Simulator option credits must be a whole number >= 0');
  }
  const keyframeInterval = options.mediaKeyframeIntervalSeconds;
  if (keyframeInterval !== undefined && !(Number.isFinite(keyframeInterval) && keyframeInterval > 0)) {
    throw new Error('Simulator option mediaKeyframeIntervalSeconds must be a number > 0');
  }
  const fps = options.mediaFps;
  if (fps !== undefined && !(Number.isFinite(fps) && fps >= 1 && fps <= 120)) {
    throw new Error('Simulator option mediaFps must be a number between 1 and 120');
  }
  const jitter = nonNegative('durationJitter', options.durationJitter, 0);
  if (jitter >= 1) throw new Error('Simulator option durationJitter must be below 1');
  const wordsPerSecond = nonNegative('wordsPerSecond', options.wordsPerSecond, 2.5);
  if (wordsPerSecond === 0) throw new Error('Simulator option wordsPerSecond must be > 0');
  return {
    host: options.host ?? '127.0.0.1',
    port: nonNegative('port', options.port, 0),
    apiKey: options.apiKey ?? 'sim-api-key',
    publicBaseUrl: options.publicBaseUrl?.replace(/\/+$/u, ''),
    durations,
    durationJitter: jitter,
    durationJitterSeed: options.durationJitterSeed ?? 1,
    maxVideoSeconds: nonNegative('maxVideoSeconds', options.maxVideoSeconds, 3600),
    wordsPerSecond,
    urlTtlSeconds: nonNegative('urlTtlSeconds', options.urlTtlSeconds, 7 * 24 * 3600),
    downloadNotReadyMs: nonNegative('downloadNotReadyMs', options.downloadNotReadyMs, 0),
    mediaKeyframeIntervalSeconds: keyframeInterval,
    mediaFps: fps,
    webhookSignatureStyle: style,
    webhookV3SignatureStyle: v3Style,
    webhookV3SecretKey: secretKey,
    webhookV3Probe: options.webhookV3Probe ?? false,
    credits,
    webhookMaxAttempts: Math.max(
      1,
      Math.floor(nonNegative('webhookMaxAttempts', options.webhookMaxAttempts, 5)),
    ),
    webhookRetryBaseMs: nonNegative('webhookRetryBaseMs', options.webhookRetryBaseMs, 500),
    verbose: options.verbose ?? false,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Environment

const intVar = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/u, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const positiveNumberVar = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/u, 'must be a number')
  .transform(Number)
  .refine((n) => n > 0, 'must be greater than 0');

const boolVar = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''].includes(v),
    'must be true or false',
  )
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const urlVar = z.string().trim().refine(isHttpUrl, 'must be an http(s) URL');

const MS = intVar(0, 24 * 3600 * 1000);

/** Each environment variable, its parser, and the option it sets. */
const ENV_VARS = {
  SIMULATOR_HOST: z.string().trim().min(1, 'must not be empty'),
  SIMULATOR_PORT: intVar(0, 65535),
  SIMULATOR_API_KEY: z.string().min(1, 'must not be empty'),
  SIMULATOR_PUBLIC_URL: urlVar,
  SIM_DURATION_PHOTO_MS: MS,
  SIM_DURATION_LOOK_MS: MS,
  SIM_DURATION_LOOK_PROCESSING_MS: MS,
  SIM_DURATION_TRAINING_MS: MS,
  SIM_DURATION_RENDER_MS: MS,
  SIM_MAX_VIDEO_SECONDS: intVar(1, 1_000_000),
  SIM_URL_TTL_SECONDS: intVar(0, 10 * 365 * 24 * 3600),
  SIM_DOWNLOAD_NOT_READY_MS: MS,
  SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS: positiveNumberVar,
  SIM_MEDIA_FPS: positiveNumberVar.refine((n) => n >= 1 && n <= 120, 'must be between 1 and 120'),
  SIM_WEBHOOK_SIGNATURE_STYLE: z.enum(SIGNATURE_STYLES),
  SIM_WEBHOOK_V3_SIGNATURE_STYLE: z.enum(SIGNATURE_STYLES),
  SIM_WEBHOOK_V3_SECRET_KEY: z.enum(V3_SECRET_KEYS),
  SIM_WEBHOOK_V3_PROBE: boolVar,
  SIM_CREDITS: intVar(0, 1_000_000_000),
  SIM_WEBHOOK_MAX_ATTEMPTS: intVar(1, 100),
  SIM_WEBHOOK_RETRY_BASE_MS: MS,
  SIM_WORDS_PER_SECOND: positiveNumberVar,
  SIM_VERBOSE: boolVar,
} as const;

type EnvName = keyof typeof ENV_VARS;
type EnvValues = { [K in EnvName]?: z.output<(typeof ENV_VARS)[K]> };

/**
 * Options for the CLI from the environment. Unset (or empty) variables keep the defaults; the CLI binds
 * 127.0.0.1:4010 with the key `sim-api-key`. Throws an Error naming the variable when a value is invalid.
 */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const values: EnvValues = {};
  const problems: string[] = [];
  for (const name of Object.keys(ENV_VARS) as EnvName[]) {
    const raw = env[name];
    if (raw === undefined || (raw.trim() === '' && name !== 'SIMULATOR_API_KEY')) continue;
    const parsed = ENV_VARS[name].safeParse(raw);
    if (parsed.success) {
      (values as Record<string, unknown>)[name] = parsed.data;
    } else {
      problems.push(`${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid simulator environment: ${problems.join('; ')}`);
  }

  const durations: Partial<JobDurations> = {};
  if (values.SIM_DURATION_PHOTO_MS !== undefined) durations.photoGenerationMs = values.SIM_DURATION_PHOTO_MS;
  if (values.SIM_DURATION_LOOK_MS !== undefined) durations.lookGenerationMs = values.SIM_DURATION_LOOK_MS;
  if (values.SIM_DURATION_LOOK_PROCESSING_MS !== undefined) {
    durations.lookProcessingMs = values.SIM_DURATION_LOOK_PROCESSING_MS;
  }
  if (values.SIM_DURATION_TRAINING_MS !== undefined) durations.trainingMs = values.SIM_DURATION_TRAINING_MS;
  if (values.SIM_DURATION_RENDER_MS !== undefined) durations.renderMs = values.SIM_DURATION_RENDER_MS;

  const options: SimulatorOptions = {
    host: values.SIMULATOR_HOST ?? '127.0.0.1',
    port: values.SIMULATOR_PORT ?? 4010,
    apiKey: values.SIMULATOR_API_KEY ?? 'sim-api-key',
  };
  if (values.SIMULATOR_PUBLIC_URL !== undefined) options.publicBaseUrl = values.SIMULATOR_PUBLIC_URL;
  if (Object.keys(durations).length > 0) options.durations = durations;
  if (values.SIM_MAX_VIDEO_SECONDS !== undefined) options.maxVideoSeconds = values.SIM_MAX_VIDEO_SECONDS;
  if (values.SIM_URL_TTL_SECONDS !== undefined) options.urlTtlSeconds = values.SIM_URL_TTL_SECONDS;
  if (values.SIM_DOWNLOAD_NOT_READY_MS !== undefined)
    options.downloadNotReadyMs = values.SIM_DOWNLOAD_NOT_READY_MS;
  if (values.SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS !== undefined) {
    options.mediaKeyframeIntervalSeconds = values.SIM_MEDIA_KEYFRAME_INTERVAL_SECONDS;
  }
  if (values.SIM_MEDIA_FPS !== undefined) options.mediaFps = values.SIM_MEDIA_FPS;
  if (values.SIM_WEBHOOK_SIGNATURE_STYLE !== undefined) {
    options.webhookSignatureStyle = values.SIM_WEBHOOK_SIGNATURE_STYLE;
  }
  if (values.SIM_WEBHOOK_V3_SIGNATURE_STYLE !== undefined) {
    options.webhookV3SignatureStyle = values.SIM_WEBHOOK_V3_SIGNATURE_STYLE;
  }
  if (values.SIM_WEBHOOK_V3_SECRET_KEY !== undefined) {
    options.webhookV3SecretKey = values.SIM_WEBHOOK_V3_SECRET_KEY;
  }
  if (values.SIM_WEBHOOK_V3_PROBE !== undefined) options.webhookV3Probe = values.SIM_WEBHOOK_V3_PROBE;
  if (values.SIM_CREDITS !== undefined) options.credits = values.SIM_CREDITS;
  if (values.SIM_WEBHOOK_MAX_ATTEMPTS !== undefined)
    options.webhookMaxAttempts = values.SIM_WEBHOOK_MAX_ATTEMPTS;
  if (values.SIM_WEBHOOK_RETRY_BASE_MS !== undefined)
    options.webhookRetryBaseMs = values.SIM_WEBHOOK_RETRY_BASE_MS;
  if (values.SIM_WORDS_PER_SECOND !== undefined) options.wordsPerSecond = values.SIM_WORDS_PER_SECOND;
  if (values.SIM_VERBOSE !== undefined) options.verbose = values.SIM_VERBOSE;
  return options;
}

import { z } from 'zod';
import { API_VERSIONS, DEFAULT_API_VERSION, type ApiVersion } from '../contracts/apiVersion';
import { parseEnv } from '../lib/env';

/** The simulator's defaults, so the demo works with no configuration at all. */
export const SIMULATOR_DEFAULT_URL = 'http://127.0.0.1:4010';
export const SIMULATOR_DEFAULT_API_KEY = 'sim-api-key';

export interface HeyGenConfig {
  /** Which HeyGen API the adapters speak (HEYGEN_API_VERSION, default v3) */
  apiVersion: ApiVersion;
  apiBaseUrl: string;
  uploadBaseUrl: string;
  apiKey: string;
}

const envSchema = z.object({
  HEYGEN_API_VERSION: z.enum(API_VERSIONS).default(DEFAULT_API_VERSION),
  HEYGEN_API_BASE_URL: z.url().default(SIMULATOR_DEFAULT_URL),
  HEYGEN_UPLOAD_BASE_URL: z.url().optional(),
  HEYGEN_API_KEY: z.string().trim().min(1).default(SIMULATOR_DEFAULT_API_KEY),
});

/** Reads the HeyGen connection from the environment; throws an Error naming the bad variable. */
export function heygenConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HeyGenConfig {
  const v = parseEnv(envSchema, env);
  const apiBaseUrl = stripSlash(v.HEYGEN_API_BASE_URL);
  return {
    apiVersion: v.HEYGEN_API_VERSION,
    apiBaseUrl,
    // The simulator serves both hosts on one port. Real HeyGen: v2 uploads go to https://upload.heygen.com, v3
    // uploads to the API host (the v3 adapter ignores this).
    uploadBaseUrl: stripSlash(v.HEYGEN_UPLOAD_BASE_URL ?? apiBaseUrl),
    apiKey: v.HEYGEN_API_KEY,
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

import { z } from 'zod';
import { parseEnv } from '../lib/env';

/** The simulator's defaults, so the demo works with no configuration at all. */
export const SIMULATOR_DEFAULT_URL = 'http://127.0.0.1:4010';
export const SIMULATOR_DEFAULT_API_KEY = 'sim-api-key';

export interface HeyGenConfig {
  apiBaseUrl: string;
  uploadBaseUrl: string;
  apiKey: string;
}

const envSchema = z.object({
  HEYGEN_API_BASE_URL: z.url().default(SIMULATOR_DEFAULT_URL),
  HEYGEN_UPLOAD_BASE_URL: z.url().optional(),
  HEYGEN_API_KEY: z.string().trim().min(1).default(SIMULATOR_DEFAULT_API_KEY),
});

/** Reads the HeyGen connection from the environment; throws an Error naming the bad variable. */
export function heygenConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HeyGenConfig {
  const v = parseEnv(envSchema, env);
  const apiBaseUrl = stripSlash(v.HEYGEN_API_BASE_URL);
  return {
    apiBaseUrl,
    // The simulator serves both hosts on one port; real HeyGen uploads go to https://upload.heygen.com.
    uploadBaseUrl: stripSlash(v.HEYGEN_UPLOAD_BASE_URL ?? apiBaseUrl),
    apiKey: v.HEYGEN_API_KEY,
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

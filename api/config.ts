import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from '../lib/env';

/** A caller allowed to use the API: its name shows in logs, its token never does. */
export interface ApiToken {
  name: string;
  token: string;
}

export interface ApiConfig {
  host: string;
  port: number;
  tokens: ApiToken[];
  maxBodyBytes: number;
}

const envSchema = z.object({
  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8089),
  API_TOKENS: z.string().optional(),
  API_TOKENS_FILE: z.string().trim().min(1).optional(),
  API_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
});

/**
 * `name:token` or bare `token` entries, separated by commas or new lines. Tokens shorter than 16 characters are
 * refused: they would be guessable.
 */
export function parseTokens(text: string, variable: string): ApiToken[] {
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon).trim() : `token-${i + 1}`;
    const token = colon > 0 ? entry.slice(colon + 1).trim() : entry;
    if (token.length < 16) {
      throw new Error(
        `Invalid environment variable ${variable}: token ${name} is shorter than 16 characters`,
      );
    }
    return { name, token };
  });
}

/** The API's settings; at least one bearer token is required (the API has no open endpoint but /healthz). */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const v = parseEnv(envSchema, env);
  const tokens = parseTokens(v.API_TOKENS ?? '', 'API_TOKENS');
  if (v.API_TOKENS_FILE) {
    let text: string;
    try {
      text = readFileSync(v.API_TOKENS_FILE, 'utf8');
    } catch (err) {
      throw new Error(
        `Invalid environment variable API_TOKENS_FILE: cannot read ${v.API_TOKENS_FILE} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    tokens.push(...parseTokens(text, 'API_TOKENS_FILE'));
  }
  if (tokens.length === 0) {
    throw new Error(
      'Invalid environment variable API_TOKENS: give at least one bearer token (or API_TOKENS_FILE)',
    );
  }
  return { host: v.API_HOST, port: v.API_PORT, tokens, maxBodyBytes: v.API_MAX_BODY_BYTES };
}

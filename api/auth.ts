import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from './config';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time (digests of equal length,
 * every token compared). Returns the caller's name, or undefined.
 */
export function authenticate(header: string | undefined, tokens: readonly ApiToken[]): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const presented = digest(match[1]);
  let caller: string | undefined;
  for (const { name, token } of tokens) {
    if (timingSafeEqual(presented, digest(token)) && caller === undefined) caller = name;
  }
  return caller;
}

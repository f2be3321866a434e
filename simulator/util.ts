import { randomBytes, randomUUID } from 'node:crypto';

/** 32 lowercase hex characters, the shape HeyGen uses for most ids. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}

/** Unix time in seconds with millisecond precision (HeyGen's photo-avatar `created_at`). */
export function unixSecondsFloat(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Whole unix seconds (HeyGen's video `created_at`, asset `created_ts`). */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function countWords(text: string): number {
  const words = text.trim().split(/\s+/u);
  return words.length === 1 && words[0] === '' ? 0 : words.length;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an absolute http: or https: URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

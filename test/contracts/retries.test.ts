import {
  activityTimeLimitMs,
  ACTIVITY_CALLS,
  CALL_TIMEOUTS_MS,
  HEYGEN_ERROR_KINDS,
  NON_RETRYABLE_TYPES,
  RETRY_AFTER_CAP_MS,
  retryDelayMs,
  type HeyGenErrorKind,
} from '../../contracts/retries';
import { HeyGenError } from '../../heygen/errors';

/** The one retry table: errors, failure types, policies and time limits all follow it. */

test('a HeyGen error retries exactly when its kind says so, and only non-retryable kinds stop the policies', () => {
  for (const kind of Object.keys(HEYGEN_ERROR_KINDS) as HeyGenErrorKind[]) {
    const retryable = HEYGEN_ERROR_KINDS[kind].retryable;
    expect(new HeyGenError({ kind, message: 'x', operation: 'op' }).retryable).toBe(retryable);
    expect(NON_RETRYABLE_TYPES.includes(`HeyGen${kind}`)).toBe(!retryable);
  }
  expect(NON_RETRYABLE_TYPES).toEqual(
    expect.arrayContaining(['InvalidInput', 'FileError', 'HeyGenJobFailed']),
  );
  expect(NON_RETRYABLE_TYPES).not.toContain('HeyGenRateLimited');
});

test('Retry-After is honoured up to the cap', () => {
  expect(retryDelayMs(5_000)).toBe(5_000);
  expect(retryDelayMs(3_600_000)).toBe(RETRY_AFTER_CAP_MS);
  expect(retryDelayMs(-1)).toBe(0);
});

test("each activity's time limit covers every call it makes, one after the other", () => {
  for (const kind of Object.keys(ACTIVITY_CALLS) as Array<keyof typeof ACTIVITY_CALLS>) {
    const calls = ACTIVITY_CALLS[kind].reduce((sum, call) => sum + CALL_TIMEOUTS_MS[call], 0);
    expect(activityTimeLimitMs(kind)).toBeGreaterThan(calls);
  }
  // A WebM submission may read the catalog twice (a miss refreshes it) before it creates: 60 + 60 + 30 s.
  expect(activityTimeLimitMs('render')).toBeGreaterThan(150_000);
});

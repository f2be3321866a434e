import { ApplicationFailure } from '@temporalio/common';
import { classified, jobFailed, toActivityFailure } from '../../activities/errors';
import { resolveInputPath } from '../../activities/assets';
import { InputValidationError } from '../../contracts/validation';
import { NON_RETRYABLE_TYPES, RETRY_AFTER_CAP_MS, type HeyGenErrorKind } from '../../contracts/retries';
import { HeyGenError } from '../../heygen/errors';

function failureFor(
  kind: HeyGenErrorKind,
  extra: Partial<ConstructorParameters<typeof HeyGenError>[0]> = {},
) {
  const f = toActivityFailure(new HeyGenError({ kind, operation: 'op', message: 'm', ...extra }));
  expect(f).toBeInstanceOf(ApplicationFailure);
  return f as ApplicationFailure;
}

describe('activity error classification', () => {
  test.each<[HeyGenErrorKind, boolean]>([
    ['InvalidRequest', true],
    ['Unauthorized', true],
    ['Forbidden', true],
    // v3 402: no credits left; retrying cannot help until someone adds credits
    ['InsufficientCredit', true],
    // v3 409 request_in_progress: the same Idempotency-Key is still running; a later retry gets the replay
    ['InProgress', false],
    ['Conflict', true],
    ['Unsupported', true],
    ['NotFound', true],
    ['PayloadTooLarge', true],
    ['ApiError', true],
    ['InvalidResponse', true],
    ['RateLimited', false],
    ['ServerError', false],
    ['Timeout', false],
    ['Network', false],
    ['UrlExpired', false],
  ])('%s → type HeyGen<kind>, nonRetryable=%s', (kind, nonRetryable) => {
    const f = failureFor(kind);
    expect(f.type).toBe(`HeyGen${kind}`);
    expect(f.nonRetryable).toBe(nonRetryable);
    if (nonRetryable) expect(NON_RETRYABLE_TYPES).toContain(f.type);
  });

  test('429 asks Temporal to wait for Retry-After', () => {
    const f = failureFor('RateLimited', { retryAfterMs: 4000, httpStatus: 429 });
    expect(f.nextRetryDelay).toBe(4000);
    expect(f.message).toContain('HTTP 429');
  });

  test('a Retry-After longer than the cap is not honoured whole: the activity retries at the cap and asks again', () => {
    const f = failureFor('RateLimited', { retryAfterMs: 3_600_000, httpStatus: 429 });
    expect(f.nextRetryDelay).toBe(RETRY_AFTER_CAP_MS);
  });

  test('only a rate limit sets a retry delay of its own', () => {
    expect(failureFor('ServerError', { retryAfterMs: 4000, httpStatus: 503 }).nextRetryDelay).toBeUndefined();
  });

  test('v3 string codes travel like v2 numeric ones', () => {
    const f = failureFor('InsufficientCredit', { code: 'insufficient_credit', httpStatus: 402 });
    expect(f.details?.[0]).toMatchObject({
      code: 'insufficient_credit',
      kind: 'InsufficientCredit',
      httpStatus: 402,
    });
    expect(f.message).toContain('HeyGen code insufficient_credit');
    expect(f.message).toContain('HTTP 402');
  });

  test('HeyGen code and request id travel in the failure details', () => {
    const f = failureFor('ApiError', { code: 400175, requestId: 'req-1' });
    expect(f.details?.[0]).toMatchObject({ code: 400175, requestId: 'req-1', kind: 'ApiError' });
    expect(f.message).toContain('HeyGen code 400175');
  });

  test('invalid input is final and names the field', () => {
    const f = toActivityFailure(new InputValidationError('video.script', 'Required')) as ApplicationFailure;
    expect(f.type).toBe('InvalidInput');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('video.script');
  });

  test.each<[string, string | number]>([
    ['v2', 40119],
    ['v3', 'rendering_failed'],
  ])('failed jobs are final with the HeyGen code (%s)', (_version, code) => {
    const f = jobFailed('Render of video v', 'Video is too long', code);
    expect(f).toMatchObject({ type: 'HeyGenJobFailed', nonRetryable: true });
    expect(f.details?.[0]).toMatchObject({ code, message: 'Video is too long' });
    expect(f.message).toBe(`Render of video v failed (HeyGen code ${code}): Video is too long`);
  });

  test('a failed job without a reason says so', () => {
    expect(jobFailed('Look l', '  ', undefined).message).toBe('Look l failed: no reason given by HeyGen');
    expect(jobFailed('Look l', null, null).details?.[0]).toMatchObject({ code: undefined });
  });

  test('unknown errors pass through unchanged (Temporal retries them)', async () => {
    const boom = new Error('boom');
    const fn = classified(() => Promise.reject(boom));
    await expect(fn()).rejects.toBe(boom);
  });

  test('photo files must live inside the input directory', () => {
    expect(resolveInputPath('/data/in', 'a/b.png')).toBe('/data/in/a/b.png');
    expect(() => resolveInputPath('/data/in', '../../etc/passwd')).toThrow(/outside/);
    expect(() => resolveInputPath('/data/in', '/etc/passwd')).toThrow(/outside/);
  });
});

import { ApplicationFailure } from '@temporalio/common';
import { classified, jobFailed, NON_RETRYABLE_TYPES, toActivityFailure } from '../../activities/errors';
import { resolveInputPath } from '../../activities/assets';
import { InputValidationError } from '../../contracts/validation';
import { HeyGenError, type HeyGenErrorKind } from '../../heygen/errors';

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
    ['NotFound', true],
    ['ApiError', true],
    ['InvalidResponse', true],
    ['RateLimited', false],
    ['ServerError', false],
    ['Timeout', false],
    ['Network', false],
    ['UrlExpired', false],
  ])('%s → nonRetryable=%s, type HeyGen%s', (kind, nonRetryable) => {
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

  test('failed jobs are final with the HeyGen code', () => {
    const f = jobFailed('Render of video v', 'Video is too long', 40119);
    expect(f).toMatchObject({ type: 'HeyGenJobFailed', nonRetryable: true });
    expect(f.details?.[0]).toMatchObject({ code: 40119 });
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

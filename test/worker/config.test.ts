import path from 'node:path';
import { workerConfigFromEnv } from '../../worker/config';

describe('worker configuration from the environment', () => {
  test('defaults run the demo against the local simulator', () => {
    const config = workerConfigFromEnv({}, '/srv/app');
    expect(config).toEqual({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'heygen-pipelines' },
      heygen: {
        apiVersion: 'v3',
        apiBaseUrl: 'http://127.0.0.1:4010',
        uploadBaseUrl: 'http://127.0.0.1:4010',
        apiKey: 'sim-api-key',
      },
      storage: { backend: 'local', outputDir: path.resolve('/srv/app/output'), linkTtlSeconds: 900 },
      outputDir: path.resolve('/srv/app/output'),
      inputDir: path.resolve('/srv/app'),
      maxConcurrentActivities: 100,
      maxCachedWorkflows: 1000,
      metricsPort: 9464,
    });
  });

  test('real HeyGen settings are read as given', () => {
    const config = workerConfigFromEnv(
      {
        HEYGEN_API_BASE_URL: 'https://api.heygen.com/',
        HEYGEN_UPLOAD_BASE_URL: 'https://upload.heygen.com',
        HEYGEN_API_KEY: 'k-123',
        OUTPUT_DIR: '/data/videos',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '8',
      },
      '/srv/app',
    );
    expect(config.heygen).toEqual({
      apiVersion: 'v3',
      apiBaseUrl: 'https://api.heygen.com',
      uploadBaseUrl: 'https://upload.heygen.com',
      apiKey: 'k-123',
    });
    expect(config.outputDir).toBe('/data/videos');
    expect(config.maxConcurrentActivities).toBe(8);
  });

  test('HEYGEN_API_VERSION chooses the API new runs speak: v3 by default, v2 when asked', () => {
    expect(workerConfigFromEnv({}).heygen.apiVersion).toBe('v3');
    expect(workerConfigFromEnv({ HEYGEN_API_VERSION: 'v3' }).heygen.apiVersion).toBe('v3');
    expect(workerConfigFromEnv({ HEYGEN_API_VERSION: 'v2' }).heygen.apiVersion).toBe('v2');
  });

  test('HEYGEN_WAIT_MODE makes webhook (or poll) the default of the runs the worker validates', () => {
    expect(workerConfigFromEnv({})).not.toHaveProperty('defaultWaitMode');
    expect(workerConfigFromEnv({ HEYGEN_WAIT_MODE: 'webhook' }).defaultWaitMode).toBe('webhook');
    expect(() => workerConfigFromEnv({ HEYGEN_WAIT_MODE: 'push' })).toThrow(
      /^Invalid environment variable HEYGEN_WAIT_MODE/,
    );
  });

  test('the render-slot refresh interval and the storage backend come from the environment', () => {
    expect(workerConfigFromEnv({ HEYGEN_RENDER_SLOT_REFRESH_SECONDS: '90' }).renderSlotRefreshMs).toBe(
      90_000,
    );
    expect(() => workerConfigFromEnv({ HEYGEN_RENDER_SLOT_REFRESH_SECONDS: '0' })).toThrow(
      /HEYGEN_RENDER_SLOT_REFRESH_SECONDS/,
    );
    expect(workerConfigFromEnv({ STORAGE: 's3', S3_BUCKET: 'media' }).storage).toMatchObject({
      backend: 's3',
      bucket: 'media',
    });
    expect(() => workerConfigFromEnv({ STORAGE: 's3' })).toThrow(/S3_BUCKET: required when STORAGE=s3/);
  });

  test('plan concurrency and the call-rate cap are optional and validated', () => {
    expect(workerConfigFromEnv({})).not.toHaveProperty('maxConcurrentRenders');
    const config = workerConfigFromEnv({
      HEYGEN_MAX_CONCURRENT_RENDERS: '3',
      HEYGEN_MAX_CALLS_PER_SECOND: '2.5',
    });
    expect(config).toMatchObject({ maxConcurrentRenders: 3, maxCallsPerSecond: 2.5 });
    expect(() => workerConfigFromEnv({ HEYGEN_MAX_CONCURRENT_RENDERS: '0' })).toThrow(
      /HEYGEN_MAX_CONCURRENT_RENDERS/,
    );
  });

  test.each([
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['HEYGEN_API_BASE_URL', 'not a url'],
    ['HEYGEN_API_KEY', '   '],
    ['HEYGEN_API_VERSION', 'v1'],
    ['HEYGEN_API_VERSION', 'V3'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'many'],
  ])('a bad %s (%j) stops start-up with an error naming it', (name, value) => {
    expect(() => workerConfigFromEnv({ [name]: value })).toThrow(
      new RegExp(`Invalid environment variable ${name}`),
    );
  });
});

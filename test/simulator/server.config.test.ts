import { DEFAULT_DURATIONS, simulatorOptionsFromEnv, startSimulator } from '../../simulator';

describe('simulatorOptionsFromEnv', () => {
  it('defaults to 127.0.0.1:4010 with the key sim-api-key', () => {
    expect(simulatorOptionsFromEnv({})).toEqual({ host: '127.0.0.1', port: 4010, apiKey: 'sim-api-key' });
  });

  it('reads every variable', () => {
    const options = simulatorOptionsFromEnv({
      SIMULATOR_HOST: '0.0.0.0',
      SIMULATOR_PORT: '5000',
      SIMULATOR_API_KEY: 'k',
      SIMULATOR_PUBLIC_URL: 'https://sim.example.test',
      SIM_DURATION_PHOTO_MS: '1',
      SIM_DURATION_LOOK_MS: '2',
      SIM_DURATION_LOOK_PROCESSING_MS: '3',
      SIM_DURATION_TRAINING_MS: '4',
      SIM_DURATION_RENDER_MS: '5',
      SIM_MAX_VIDEO_SECONDS: '60',
      SIM_URL_TTL_SECONDS: '30',
      SIM_DOWNLOAD_NOT_READY_MS: '100',
      SIM_WEBHOOK_SIGNATURE_STYLE: 'heygen-signature',
      SIM_VERBOSE: 'true',
    });
    expect(options).toEqual({
      host: '0.0.0.0',
      port: 5000,
      apiKey: 'k',
      publicBaseUrl: 'https://sim.example.test',
      durations: {
        photoGenerationMs: 1,
        lookGenerationMs: 2,
        lookProcessingMs: 3,
        trainingMs: 4,
        renderMs: 5,
      },
      maxVideoSeconds: 60,
      urlTtlSeconds: 30,
      downloadNotReadyMs: 100,
      webhookSignatureStyle: 'heygen-signature',
      verbose: true,
    });
  });

  it.each([
    ['SIMULATOR_PORT', '70000'],
    ['SIMULATOR_PORT', 'abc'],
    ['SIM_DURATION_RENDER_MS', '-5'],
    ['SIM_WEBHOOK_SIGNATURE_STYLE', 'md5'],
    ['SIMULATOR_PUBLIC_URL', 'not a url'],
    ['SIM_VERBOSE', 'maybe'],
    ['SIMULATOR_API_KEY', ''],
  ])('names %s when it is invalid (%j)', (name, value) => {
    expect(() => simulatorOptionsFromEnv({ [name]: value })).toThrow(name);
  });

  it('gives options startSimulator accepts', async () => {
    const sim = await startSimulator({
      ...simulatorOptionsFromEnv({ SIM_DURATION_RENDER_MS: '0' }),
      port: 0,
    });
    try {
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
      expect(sim.apiKey).toBe('sim-api-key');
      expect(DEFAULT_DURATIONS.renderMs).toBe(60_000);
    } finally {
      await sim.close();
    }
  });
});

import { simulatorOptionsFromEnv, startSimulator, type SimulatorOptions } from '../../simulator';

describe('simulator v3 options', () => {
  it('reads the v3 variables from the environment', () => {
    expect(
      simulatorOptionsFromEnv({
        SIM_WEBHOOK_V3_SIGNATURE_STYLE: 'x-heygen-signature-timestamped',
        SIM_WEBHOOK_V3_SECRET_KEY: 'base64',
        SIM_WEBHOOK_V3_PROBE: 'true',
        SIM_CREDITS: '25',
        SIM_WEBHOOK_SIGNATURE_STYLE: 'x-heygen-signature-timestamped',
      }),
    ).toMatchObject({
      webhookV3SignatureStyle: 'x-heygen-signature-timestamped',
      webhookV3SecretKey: 'base64',
      webhookV3Probe: true,
      credits: 25,
      webhookSignatureStyle: 'x-heygen-signature-timestamped',
    });
  });

  it.each([
    ['SIM_WEBHOOK_V3_SIGNATURE_STYLE', 'md5'],
    ['SIM_WEBHOOK_V3_SECRET_KEY', 'hex'],
    ['SIM_WEBHOOK_V3_PROBE', 'maybe'],
    ['SIM_CREDITS', '-1'],
    ['SIM_CREDITS', '1.5'],
  ])('names %s when it is invalid (%j)', (name, value) => {
    expect(() => simulatorOptionsFromEnv({ [name]: value })).toThrow(name);
  });

  it.each<[string, SimulatorOptions]>([
    ['webhookV3SignatureStyle', { webhookV3SignatureStyle: 'md5' as never }],
    ['webhookV3SecretKey', { webhookV3SecretKey: 'hex' as never }],
    ['credits', { credits: -1 }],
    ['credits', { credits: 0.5 }],
  ])('startSimulator refuses an invalid %s', async (name, options) => {
    await expect(startSimulator(options)).rejects.toThrow(name);
  });

  it('takes a v3 failure code in job outcomes through the control API', async () => {
    const sim = await startSimulator({ durations: { renderMs: 0 } });
    try {
      const res = await fetch(`${sim.url}/_sim/job-outcomes`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ job: 'render', outcome: 'fail', failureCode: 'avatar_unavailable' }),
      });
      expect(res.status).toBe(200);
      const created = await fetch(`${sim.url}/v3/videos`, {
        method: 'POST',
        headers: { 'X-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'avatar', avatar_id: 'Angela-inblackskirt-20220820', script: 'Hi' }),
      });
      const { data } = (await created.json()) as { data: { video_id: string } };
      const status = await fetch(`${sim.url}/v3/videos/${data.video_id}`, {
        headers: { 'X-Api-Key': sim.apiKey },
      });
      expect(((await status.json()) as { data: unknown }).data).toMatchObject({
        status: 'failed',
        failure_code: 'avatar_unavailable',
      });
    } finally {
      await sim.close();
    }
  });
});

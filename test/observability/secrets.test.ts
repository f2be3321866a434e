/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- JSON answers and log lines are inspected loosely */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createHeyGenPort } from '../../heygen/select';
import { freeLoopbackPort } from '../../lib/net';
import { ensureWebhookEndpoint } from '../../webhooks/registration';
import { writeWorkflowBundle } from '../../worker/bundle';
import { VOICE_ID } from '../support/inputs';
import { testedApiVersions, versionedWorkflowSuite } from '../support/stack';
import { lifecycleInputFor } from '../support/versions';
import { workerEnvFor } from '../support/wire';
import { spawnWorker, until, type WorkerProcess } from '../support/workerProcess';

/**
 * The production processes (`worker`, `api --with-webhooks`) run a webhook-mode lifecycle started over HTTP, with
 * distinctive secrets. Then: every log line is JSON and the run is traceable by workflow and HeyGen ids; /metrics
 * serves the product's metrics and Temporal's; and the HeyGen API key, the webhook secret and the API token appear
 * in no workflow history (the worker runs from a prebuilt workflow bundle, as in the image) (decoded payloads included) and no log line.
 */
const HEYGEN_KEY = `hg-secret-${randomBytes(12).toString('hex')}`;
const API_TOKEN = `api-secret-${randomBytes(12).toString('hex')}`;
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

const suite = versionedWorkflowSuite({ apiKey: HEYGEN_KEY, webhookRetryBaseMs: 200 }, { startWorker: false });

interface Service {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `node dist/cli/main.js <args>` until `ready` appears in its stderr. */
async function startService(args: string[], env: Record<string, string>, ready: string): Promise<Service> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(
    () => {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${out}`);
      return out.includes(ready);
    },
    60_000,
    `${args.join(' ')} to start`,
  );
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every string in a history, Uint8Array payloads decoded as UTF-8. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

const api = (port: number, method: string, route: string, body?: unknown) =>
  fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

describe.each(testedApiVersions())('observability and secrets (HeyGen API %s)', (version) => {
  let worker: WorkerProcess | undefined;
  let service: Service | undefined;
  let webhookSecret = '';

  afterAll(async () => {
    await service?.stop();
    await worker?.stop();
  });

  test('a lifecycle through the production processes: JSON logs with ids, metrics, and no secret anywhere', async () => {
    const { env } = suite;
    const stack = suite.stacks[version];
    const [apiPort, webhookPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const temporalEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    };
    const serviceEnv = {
      ...temporalEnv,
      API_PORT: String(apiPort),
      API_TOKENS: `crm:${API_TOKEN}`,
      WEBHOOK_PORT: String(webhookPort),
      HEYGEN_WAIT_MODE: 'webhook',
      METRICS_PORT: '0',
    };
    // Registration needs a receiver that answers HeyGen's probe; the secret comes back from it (as in prod-shape).
    service = await startService(
      ['api', '--with-webhooks'],
      { ...serviceEnv, HEYGEN_WEBHOOK_SECRETS: `bootstrap-${randomBytes(8).toString('hex')}` },
      '"component":"api"',
    );
    const heygen = createHeyGenPort(stack.config.heygen);
    const { endpoint } = await ensureWebhookEndpoint(
      heygen,
      `http://127.0.0.1:${webhookPort}/webhooks/heygen`,
    );
    webhookSecret = endpoint.secret ?? '';
    expect(webhookSecret.length).toBeGreaterThan(8);
    const bootstrapLog = service.output();
    await service.stop();
    service = await startService(
      ['api', '--with-webhooks'],
      { ...serviceEnv, HEYGEN_WEBHOOK_SECRETS: webhookSecret },
      '"component":"api"',
    );
    // The worker loads a prebuilt workflow bundle, as in the Docker image.
    const bundle = await writeWorkflowBundle(path.join(stack.outputDir, 'workflow-bundle.js'));
    worker = await spawnWorker(
      workerEnvFor(stack, {
        WORKFLOW_BUNDLE_PATH: bundle.path,
        HEYGEN_API_KEY: HEYGEN_KEY,
        LOG_LEVEL: 'DEBUG',
      }),
    );

    const started = await api(apiPort, 'POST', '/v1/lifecycles', {
      reference: `observability-${version}`,
      input: lifecycleInputFor(version, { name: 'Observed' }),
    });
    expect(started.status).toBe(201);
    const { workflowId } = (await started.json()) as { workflowId: string };
    let result: any;
    await until(
      async () => {
        const r = await api(apiPort, 'GET', `/v1/runs/${workflowId}/result`);
        if (r.status !== 200) return false;
        result = await r.json();
        return true;
      },
      120_000,
      'the lifecycle result',
    );
    expect(result.status).toBe('completed');
    // An error path too: a render HeyGen refuses (unknown avatar) fails with a logged, classified error.
    const refused = await api(apiPort, 'POST', '/v1/renders', {
      input: {
        video: {
          scenes: [
            {
              character: { type: 'avatar', avatarId: 'no-such-avatar' },
              speech: { type: 'text', voiceId: VOICE_ID, text: 'Hi' },
            },
          ],
        },
      },
    });
    const renderId = ((await refused.json()) as { workflowId: string }).workflowId;
    await until(
      async () => (await api(apiPort, 'GET', `/v1/runs/${renderId}/result`)).status === 200,
      60_000,
    );

    // Metrics: the worker's (product + Temporal runtime + workflow stage durations) and the API process's.
    const metricsUrl = /"metrics":"(http:[^"]+)"/.exec(worker.output())?.[1] ?? '';
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const workerMetrics = await (await fetch(metricsUrl)).text();
    // The avatar create (v3: one endpoint also makes the generated look) and the refused render, by outcome.
    expect(workerMetrics).toMatch(
      version === 'v2'
        ? /heygen_calls_total\{endpoint="photoAvatar\.createGroup",outcome="ok"\} 1\n/
        : /heygen_calls_total\{endpoint="v3\.avatar\.create",outcome="ok"\} 2\n/,
    );
    // v2 refuses an unknown avatar with a 400, v3 with 404 avatar_not_found.
    const refusal = version === 'v2' ? 'InvalidRequest' : 'NotFound';
    expect(workerMetrics).toMatch(
      new RegExp(`heygen_calls_total\\{endpoint="[^"]+",outcome="${refusal}"\\} [1-9]`),
    );
    expect(workerMetrics).toMatch(/heygen_call_duration_seconds_bucket\{/);
    expect(workerMetrics).toMatch(/^heygen_stage_duration\w*\{.*stage="training"/m);
    expect(workerMetrics).toMatch(/^temporal_\w+/m);
    const workerLog = (await worker.stop()).stderr;
    worker = undefined;
    const workerLines = workerLog.split('\n').filter(Boolean);
    const serviceMetricsUrl = /"metrics":"(http:[^"]+)"/.exec(service.output())?.[1] ?? '';
    const serviceMetrics = await (await fetch(serviceMetricsUrl)).text();
    expect(serviceMetrics).toMatch(/heygen_webhook_verifications_total\{result="verified"\} [1-9]/);
    expect(serviceMetrics).toMatch(/heygen_webhook_deliveries_total\{outcome="accepted"\} [1-9]/);
    expect(serviceMetrics).toMatch(/heygen_api_requests_total\{route="\/v1\/lifecycles",status="201"\} 1/);
    await service.stop();
    const serviceLines = service.output().split('\n').filter(Boolean);

    // Structured logs: every line is JSON; the run is traceable by workflow id and HeyGen ids.
    for (const line of [...workerLines, ...serviceLines])
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    const entries = workerLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const groupCreate = entries.find(
      (e) => e.activityType === 'createAvatar' && e.msg === 'activity done' && e.workflowId === workflowId,
    );
    expect(groupCreate).toMatchObject({ groupId: result.result.groupId, component: 'temporal' });
    expect(entries.some((e) => e.msg === 'stage training done' && e.workflowId === workflowId)).toBe(true);
    expect(
      entries.some((e) => e.msg === 'activity failed' && e.activityType === 'submitRender' && e.failureType),
    ).toBe(true);
    expect(serviceLines.some((l) => l.includes(`"workflowId":"${workflowId}"`))).toBe(true);

    // No secret in any history of the namespace (internal mailbox and slot workflows included).
    const secrets = { HEYGEN_KEY, webhookSecret, API_TOKEN };
    const checked: string[] = [];
    for await (const info of env.client.workflow.list()) {
      const history = await env.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const text = strings(history).join('\n');
      for (const [name, secret] of Object.entries(secrets)) {
        if (text.includes(secret)) throw new Error(`${name} found in the history of ${info.workflowId}`);
      }
      checked.push(info.workflowId);
    }
    // v2 also routes the photo and training events through the mailbox workflow; v3 renders route by callback_id.
    expect(checked).toEqual(expect.arrayContaining([workflowId, `${workflowId}/render`, renderId]));

    // ... nor in any log line or metrics answer of the run.
    const workerMetricsLeak = [bootstrapLog, workerLog, service.output(), serviceMetrics, workerMetrics].join(
      '\n',
    );
    for (const [name, secret] of Object.entries(secrets)) {
      if (workerMetricsLeak.includes(secret)) throw new Error(`${name} found in the logs or metrics`);
    }
    expect(workerLines.length).toBeGreaterThan(20);
  });
});

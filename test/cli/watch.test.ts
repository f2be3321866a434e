import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEV_SERVER_ARGS } from '../../cli/temporalDevServer';
import { LIFECYCLE_STAGES } from '../../contracts/progress';
import { freeLoopbackPort } from '../../lib/net';
import { createStack, type Stack } from '../support/stack';
import { runCli } from '../support/workerProcess';
import { bundleWorkflows, temporalCliPath } from '../support/temporal';

/**
 * `--wait` against a real dev server and worker: the compiled CLI shows every stage once, in order, and the bar of a
 * batch, while the server's own request counters show it sent no query (following costs the worker nothing).
 */
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let stack: Stack;
let metricsUrl: string;
let dir: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const metricsPort = await freeLoopbackPort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        ip: '127.0.0.1',
        extraArgs: [...DEV_SERVER_ARGS, '--metrics-port', String(metricsPort)],
      },
    }),
    bundleWorkflows(),
  ]);
  stack = await createStack(env, bundle, {}, 'v3');
  await stack.startWorker();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-watch-'));
});

afterAll(async () => {
  await stack?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Frontend requests of the default namespace for one operation, from the dev server's metrics. */
async function requests(operation: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('service_requests{') &&
        l.includes(`operation="${operation}"`) &&
        l.includes('service_name="frontend"') &&
        l.includes('namespace="default"'),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const cli = (args: string[]) =>
  runCli(args, { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue });

test('lifecycle start --wait: every stage once, in order, and not one query', async () => {
  const input = path.join(dir, 'lifecycle.json');
  // The demo's lifecycle (AI photos, one more look, a video), polling fast: the simulator's jobs take no time.
  const demo = JSON.parse(await readFile(path.join(EXAMPLES, 'demo-lifecycle.json'), 'utf8')) as object;
  await writeFile(input, JSON.stringify({ ...demo, polling: { initialSeconds: 0.05, maxSeconds: 0.2 } }));
  const queriesBefore = await requests('QueryWorkflow');
  const r = await cli(['lifecycle', 'start', '--input', input, '--wait']);
  expect(r.code).toBe(0);
  expect(await requests('QueryWorkflow')).toBe(queriesBefore);

  const result = JSON.parse(r.stdout) as { workflowId: string; apiVersion: string };
  expect(r.lines[0]).toMatch(new RegExp(`^started lifecycle ${result.workflowId} \\(run \\S+\\)$`));
  expect(r.lines).toContain('[lifecycle] HeyGen API v3');
  const stages = r.lines.flatMap((l) => /^\[lifecycle\] \d\d:\d\d:\d\d stage: (\w+)$/.exec(l)?.[1] ?? []);
  expect(stages).toEqual([...LIFECYCLE_STAGES]);
  // Nothing but the start line, the API line and the stages.
  expect(r.lines).toHaveLength(2 + LIFECYCLE_STAGES.length);
});

test('batch render --wait: the bar ends on the counts of the result, and not one query', async () => {
  const input = path.join(dir, 'items.jsonl');
  // examples/render-video.json (the simulator's studio avatar and voice), polling fast: renders take no time.
  const render = JSON.parse(await readFile(path.join(EXAMPLES, 'render-video.json'), 'utf8')) as object;
  const item = (ref: string) =>
    JSON.stringify({ ref, render: { ...render, polling: { initialSeconds: 0.05, maxSeconds: 0.2 } } });
  await writeFile(input, ['a', 'b', 'c'].map(item).join('\n'));
  const queriesBefore = await requests('QueryWorkflow');
  const r = await cli(['batch', 'render', '--input', input, '--max-parallel', '2', '--wait', '--json']);
  expect(r.code).toBe(0);
  expect(await requests('QueryWorkflow')).toBe(queriesBefore);
  const result = JSON.parse(r.stdout) as { completed: number; total: number };
  expect(result).toMatchObject({ total: 3, completed: 3, failed: 0 });
  const bars = r.lines.filter((l) => l.startsWith('['));
  expect(bars.at(-1)).toBe(`[${'#'.repeat(30)}] 3/3 done (3 ok, 0 failed), 0 running, 0 pending`);
  // --max-parallel 2: never more than two renders running.
  for (const bar of bars) expect(Number(/(\d+) running/.exec(bar)?.[1])).toBeLessThanOrEqual(2);
  expect(r.lines.at(-1)).toMatch(/^batch \S+: 3 completed, 0 failed of 3 \(HeyGen API v3\)$/);
});

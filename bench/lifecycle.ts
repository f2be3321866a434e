/**
 * Lifecycle benchmark: wall time of complete photo-avatar lifecycles against the simulator with zero job durations
 * (pure orchestration cost: Temporal round trips, activities, HTTP to the simulator, the download) and the HeyGen
 * calls each one makes, by endpoint, for each HeyGen API version asked for. Runs on a real Temporal dev server built
 * from its Go module (one server; a fresh simulator and worker per version).
 *
 *   npm run bench:lifecycle -- [runs=10] [--runs 10] [--api v3|v2|v3,v2]
 *
 * --api defaults to HEYGEN_API_VERSION, else v3; `--api v3,v2` runs both and prints them side by side.
 */
import type { ApiVersion } from '../contracts/apiVersion';
import type { LifecycleInput } from '../contracts/lifecycle';
import type { StageTiming } from '../contracts/results';
import { ZERO_DURATIONS } from '../simulator';
import { percentile, startBenchStack, startTemporalEnv } from './harness';
import { apiVersions } from './support/api';
import { Args } from './support/args';
import { endpointKey } from './support/calls';
import { BENCH_LIFECYCLE } from './support/profiles';
import { fixed, machineLine, ms, progress, table, type Cell } from './support/report';

const input: LifecycleInput = {
  name: 'Bench',
  ...BENCH_LIFECYCLE,
  polling: { initialSeconds: 0.05, maxSeconds: 1 },
};

interface VersionRun {
  version: ApiVersion;
  times: number[];
  calls: number;
  writes: number;
  byEndpoint: Map<string, number>;
  stages: StageTiming[];
}

async function measure(
  version: ApiVersion,
  env: Awaited<ReturnType<typeof startTemporalEnv>>,
  runs: number,
): Promise<VersionRun> {
  const stack = await startBenchStack({
    apiVersion: version,
    env,
    taskQueue: `bench-${version}`,
    sim: { durations: ZERO_DURATIONS },
  });
  const { sim, client } = stack;
  try {
    // Warm-up: the first run pays for workflow bundle loading and connection set-up.
    await client.waitForLifecycle((await client.startLifecycle(input)).workflowId);
    sim.clearLog();
    const times: number[] = [];
    let lastId = '';
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const { workflowId } = await client.startLifecycle(input);
      const result = await client.waitForLifecycle(workflowId);
      if (result.apiVersion !== version)
        throw new Error(`${workflowId} spoke ${result.apiVersion}, not ${version}`);
      times.push(performance.now() - started);
      lastId = workflowId;
    }
    const stages = (await client.lifecycleProgress(lastId)).stages;
    const calls = sim.log();
    const byEndpoint = new Map<string, number>();
    for (const c of calls) {
      const key = endpointKey(c.method, c.path);
      byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
    }
    times.sort((a, b) => a - b);
    return {
      version,
      times,
      calls: calls.length,
      writes: calls.filter((c) => c.method !== 'GET').length,
      byEndpoint,
      stages,
    };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  // `-- 10` (the runs, as before) or `--runs 10`.
  const argv = process.argv.slice(2);
  const positional = argv[0] !== undefined && !argv[0].startsWith('--') ? argv.shift() : undefined;
  const args = new Args(argv).only(['runs', 'api']);
  const runs = args.num('runs', Number(positional ?? 10));
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error('runs must be an integer >= 1');
  const versions = apiVersions(args);
  const machine = machineLine();
  const env = await startTemporalEnv();
  const results: VersionRun[] = [];
  try {
    for (const version of versions) {
      progress(`HeyGen API ${version}: ${runs} sequential lifecycles after one warm-up`);
      results.push(await measure(version, env, runs));
    }
  } finally {
    await env.teardown();
  }

  const out: string[] = [];
  out.push(
    `\n## Lifecycle (zero job durations), ${runs} sequential runs after one warm-up, per HeyGen API version\n`,
  );
  out.push(machine);
  out.push(
    '\nv2: 4 AI photos → group + 3 added looks → training → 1 generated look → render → download. v3: avatar from ' +
      'the prompt (one look) → 1 generated look → render → download (v3 has no training). Video 1280×720.\n',
  );
  const col = (f: (r: VersionRun) => Cell): Cell[] => results.map(f);
  out.push(
    table(
      ['metric', ...results.map((r) => `HeyGen API ${r.version}`)],
      [
        ['wall time p50', ...col((r) => ms(percentile(r.times, 50)))],
        ['wall time p99', ...col((r) => ms(percentile(r.times, 99)))],
        [
          'HeyGen calls per lifecycle',
          ...col(
            (r) =>
              `${fixed(r.calls / runs, 1)} (${fixed(r.writes / runs, 1)} writes, ${fixed((r.calls - r.writes) / runs, 1)} reads)`,
          ),
        ],
      ],
    ),
  );
  const endpoints = [...new Set(results.flatMap((r) => [...r.byEndpoint.keys()]))].sort();
  out.push('\n### HeyGen calls per lifecycle, by endpoint\n');
  out.push(
    table(
      ['endpoint', ...results.map((r) => r.version)],
      endpoints.map((k) => [
        k,
        ...col((r) => (r.byEndpoint.has(k) ? fixed(r.byEndpoint.get(k)! / runs, 1) : '–')),
      ]),
    ),
  );
  out.push('\n### Stages of the last run (ms)\n');
  const stageNames = [...new Set(results.flatMap((r) => r.stages.map((s) => s.stage)))];
  out.push(
    table(
      ['stage', ...results.map((r) => r.version)],
      stageNames.map((name) => [
        name,
        ...col((r) => {
          const s = r.stages.find((x) => x.stage === name);
          return s ? Date.parse(s.endedAt ?? s.startedAt) - Date.parse(s.startedAt) : undefined;
        }),
      ]),
    ),
  );
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

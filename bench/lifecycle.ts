import { ZERO_DURATIONS } from '../simulator';
/**
 * Lifecycle benchmark: wall time of complete photo-avatar lifecycles against the simulator with zero job durations
 * (pure orchestration cost: Temporal round trips, activities, HTTP to the simulator, the download) and the HeyGen
 * calls each one makes, by endpoint. Runs on a real Temporal dev server built from its Go module.
 *
 *   npm run bench:lifecycle -- [runs=10]
 */
import os from 'node:os';
import type { LifecycleInput } from '../contracts/lifecycle';
import { percentile, startBenchStack } from './harness';
import { BENCH_LIFECYCLE } from './support/profiles';

const input: LifecycleInput = {
  name: 'Bench',
  ...BENCH_LIFECYCLE,
  polling: { initialSeconds: 0.05, maxSeconds: 1 },
};

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 10);
  const stack = await startBenchStack({ taskQueue: 'bench', sim: { durations: ZERO_DURATIONS } });
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
      await client.waitForLifecycle(workflowId);
      times.push(performance.now() - started);
      lastId = workflowId;
    }
    const stages = (await client.lifecycleProgress(lastId)).stages;
    const calls = sim.log();
    const byEndpoint = new Map<string, number>();
    for (const c of calls) {
      const key = `${c.method} ${c.path.replace(/[0-9a-f]{32}/g, '{id}')}`;
      byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
    }
    times.sort((a, b) => a - b);
    console.log(`\nLifecycle (zero job durations), ${runs} sequential runs after one warm-up`);
    console.log(
      `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    );
    console.log('| metric | value |\n|---|---|');
    console.log(`| wall time p50 | ${percentile(times, 50).toFixed(0)} ms |`);
    console.log(`| wall time p99 | ${percentile(times, 99).toFixed(0)} ms |`);
    console.log(`| HeyGen calls per lifecycle | ${(calls.length / runs).toFixed(1)} |`);
    console.log('\n| endpoint | calls per lifecycle |\n|---|---|');
    for (const [k, v] of [...byEndpoint.entries()].sort()) console.log(`| ${k} | ${(v / runs).toFixed(1)} |`);
    console.log('\n| stage (last run) | ms |\n|---|---|');
    for (const s of stages) {
      console.log(`| ${s.stage} | ${Date.parse(s.endedAt ?? s.startedAt) - Date.parse(s.startedAt)} |`);
    }
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

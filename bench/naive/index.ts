/**
 * The naive scripts (the seed's approach) from the command line, in the HeyGen API version asked for:
 *
 *   node dist/bench/naive/index.js --url http://127.0.0.1:4010 --key sim-api-key [--api v3|v2] [--n 1] [--parallel]
 *                                  [--poll-ms 5000] [--out /tmp/naive-videos]
 */
import os from 'node:os';
import path from 'node:path';
import type { ApiVersion } from '../../contracts/apiVersion';
import { apiVersion } from '../support/api';
import { Args } from '../support/args';
import { NAIVE_POLL_MS, type NaiveOptions, type NaiveResult } from './common';
import { naiveLifecycle } from './naiveLifecycle';
import { naiveLifecycleV3 } from './naiveLifecycleV3';

export type { NaiveOptions, NaiveResult } from './common';

/** The naive lifecycle of one API version. */
export function naiveLifecycleFor(version: ApiVersion): (o: NaiveOptions) => Promise<NaiveResult> {
  return version === 'v2' ? naiveLifecycle : naiveLifecycleV3;
}

/** `n` lifecycles one after another. */
export async function naiveSequential(
  version: ApiVersion,
  n: number,
  o: NaiveOptions,
): Promise<NaiveResult[]> {
  const one = naiveLifecycleFor(version);
  const results: NaiveResult[] = [];
  for (let i = 0; i < n; i++) results.push(await one({ ...o, name: `${o.name ?? 'Naive'} ${i + 1}` }));
  return results;
}

/** `n` lifecycles at once, with Promise.all. */
export function naiveParallel(version: ApiVersion, n: number, o: NaiveOptions): Promise<NaiveResult[]> {
  const one = naiveLifecycleFor(version);
  return Promise.all(
    Array.from({ length: n }, (_, i) => one({ ...o, name: `${o.name ?? 'Naive'} ${i + 1}` })),
  );
}

async function main(): Promise<void> {
  const args = new Args().only(['url', 'key', 'api', 'n', 'parallel', 'poll-ms', 'out']);
  const version = apiVersion(args);
  const n = args.num('n', 1);
  const o: NaiveOptions = {
    baseUrl: args.str('url', 'http://127.0.0.1:4010'),
    apiKey: args.str('key', 'sim-api-key'),
    pollMs: args.num('poll-ms', NAIVE_POLL_MS),
    outDir: args.str('out', path.join(os.tmpdir(), 'naive-videos')),
  };
  const started = Date.now();
  const results = args.flag('parallel')
    ? await naiveParallel(version, n, o)
    : await naiveSequential(version, n, o);
  for (const r of results) console.log(`${r.videoId}\t${r.bytes} bytes\t${r.file}`);
  console.log(
    `${n} lifecycle(s) on HeyGen API ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

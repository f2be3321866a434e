import type { CallCounts } from './calls';
import type { SampledProc } from './proc';
import { fixed, mib, table, type Cell } from './report';

/** HeyGen calls per lifecycle, endpoint by endpoint, one column per measured approach. */
export function callsByEndpointTable(
  columns: Array<{ name: string; calls: CallCounts; lifecycles: number }>,
): string {
  const keys = [...new Set(columns.flatMap((c) => [...c.calls.byEndpoint.keys()]))].sort();
  const per = (c: { calls: CallCounts; lifecycles: number }, v: number) => fixed(v / c.lifecycles, 2);
  const rows: Cell[][] = keys.map((k) => [k, ...columns.map((c) => per(c, c.calls.byEndpoint.get(k) ?? 0))]);
  rows.push([
    '**total**',
    ...columns.map(
      (c) =>
        `**${per(c, c.calls.total)}** (${per(c, c.calls.writes)} writes, ${per(c, c.calls.reads)} reads)`,
    ),
  ]);
  const errs = columns.map((c) =>
    c.calls.errors.size === 0 ? 'none' : [...c.calls.errors.entries()].map(([s, n]) => `${s}×${n}`).join(' '),
  );
  rows.push(['non-2xx answers (whole run)', ...errs]);
  return table(['endpoint', ...columns.map((c) => c.name)], rows);
}

/** Peak resident set and CPU time of each sampled process during a measured window. */
export function processRows(prefix: Cell[], procs: SampledProc[], lifecycles: number): Cell[][] {
  return procs.map((p) => [
    ...prefix,
    p.label,
    mib(p.peakRssBytes),
    mib(p.startRssBytes),
    fixed(p.cpuSeconds, 1),
    lifecycles > 0 ? fixed((p.cpuSeconds * 1000) / lifecycles, 1) : '–',
  ]);
}

export const PROCESS_HEADERS = [
  'process',
  'peak RSS (sampled every 200 ms)',
  'RSS at start',
  'CPU s (user+sys)',
  'CPU ms per lifecycle',
];

/** The effective worker tuning, as the SDK compiled it. */
export function tuningTable(tuning: Record<string, unknown>, env: Record<string, string>): string {
  const rows: Cell[][] = Object.entries(env)
    .filter(([k]) => k.startsWith('WORKER_'))
    .map(([k, v]) => [`env ${k}`, v]);
  for (const [k, v] of Object.entries(tuning)) {
    if (v === undefined) continue;
    rows.push([k, typeof v === 'object' ? `\`${JSON.stringify(v)}\`` : JSON.stringify(v)]);
  }
  return table(['worker setting', 'value'], rows);
}

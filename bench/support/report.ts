import os from 'node:os';

export type Cell = string | number | undefined;

/** A markdown table (numbers are printed as given: format them first). */
export function table(headers: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]) => `| ${cells.map((c) => (c === undefined ? '–' : String(c))).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The machine, in one line: benchmarks are only comparable on the same one. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return (
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}; ` +
    `load average at start ${load}`
  );
}

export const ms = (v: number): string =>
  Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} ms` : '–';
export const sec = (v: number, digits = 1): string => (Number.isFinite(v) ? `${v.toFixed(digits)} s` : '–');
export const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : '–';
export const fixed = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const ratio = (a: number, b: number): string =>
  b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '–';

/** Progress lines go to stderr, so stdout holds only the report. */
export function progress(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

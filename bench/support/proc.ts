import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcStats {
  pid: number;
  comm: string;
  ppid: number;
  /** user + system CPU time since the process started */
  cpuSeconds: number;
  /** resident set now (VmRSS) */
  rssBytes: number;
  /** resident set high-water mark since the process started (VmHWM) */
  hwmBytes: number;
}

/** Reads a process's CPU time and memory from /proc (Linux); undefined once it has exited. */
export function readProc(pid: number): ProcStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after "(comm)": state is field 3, so field k is rest[k - 3]; utime = 14, stime = 15, ppid = 4.
    const rest = stat.slice(close + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return {
      pid,
      comm,
      ppid: Number(rest[1]),
      cpuSeconds: (Number(rest[11]) + Number(rest[12])) / CLK_TCK,
      rssBytes: kib('VmRSS'),
      hwmBytes: kib('VmHWM'),
    };
  } catch {
    return undefined;
  }
}

/** Processes below `root` (children, grandchildren...) whose command name matches. */
export function descendants(root: number, comm?: RegExp): ProcStats[] {
  const all: ProcStats[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readProc(Number(entry));
    if (p) all.push(p);
  }
  const below = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!below.has(p.pid) && below.has(p.ppid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => p.pid !== root && below.has(p.pid) && (!comm || comm.test(p.comm)));
}

export interface SampledProc {
  label: string;
  pid: number;
  /** CPU seconds (user + system) spent between start() and stop() */
  cpuSeconds: number;
  /** Highest VmRSS seen by the sampler between start() and stop() */
  peakRssBytes: number;
  /** Mean of the sampled VmRSS */
  meanRssBytes: number;
  /** VmRSS when sampling started */
  startRssBytes: number;
  /** VmHWM at stop(): the peak since the process started (includes its start-up) */
  hwmBytes: number;
  samples: number;
}

/** Samples the resident set of some processes every `intervalMs`, and their CPU time over the window. */
export class ProcSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly state = new Map<
    string,
    {
      pid: number;
      cpu0: number;
      cpu1: number;
      rss0: number;
      peak: number;
      sum: number;
      n: number;
      hwm: number;
    }
  >();

  constructor(
    private readonly procs: Array<{ label: string; pid: number }>,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    for (const { label, pid } of this.procs) {
      const p = readProc(pid);
      this.state.set(label, {
        pid,
        cpu0: p?.cpuSeconds ?? NaN,
        cpu1: p?.cpuSeconds ?? NaN,
        rss0: p?.rssBytes ?? NaN,
        peak: p?.rssBytes ?? 0,
        sum: p?.rssBytes ?? 0,
        n: p ? 1 : 0,
        hwm: p?.hwmBytes ?? NaN,
      });
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    for (const s of this.state.values()) {
      const p = readProc(s.pid);
      if (!p) continue;
      s.cpu1 = p.cpuSeconds;
      s.peak = Math.max(s.peak, p.rssBytes);
      s.sum += p.rssBytes;
      s.n += 1;
      s.hwm = p.hwmBytes;
    }
  }

  /** Current figures without stopping. */
  snapshot(): SampledProc[] {
    return [...this.state.entries()].map(([label, s]) => ({
      label,
      pid: s.pid,
      cpuSeconds: s.cpu1 - s.cpu0,
      peakRssBytes: s.peak,
      meanRssBytes: s.n > 0 ? s.sum / s.n : NaN,
      startRssBytes: s.rss0,
      hwmBytes: s.hwm,
      samples: s.n,
    }));
  }

  stop(): SampledProc[] {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    return this.snapshot();
  }
}

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which local process owns each TCP connection to `serverPort` (Linux /proc): the key is the client's port, which
 * the simulator logs for every call (`remotePort`). This is how a kill is known to have landed while the killed
 * worker had a create call in flight.
 */
export function clientPortOwners(serverPort: number, pids: number[]): Map<number, number> {
  const portByInode = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1]!.split(':')[1] ?? '', 16);
      const remote = parseInt(cols[2]!.split(':')[1] ?? '', 16);
      const inode = cols[9]!;
      if (remote === serverPort && local !== serverPort && inode !== '0') portByInode.set(inode, local);
    }
  }
  const owners = new Map<number, number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      const port = m ? portByInode.get(m[1]!) : undefined;
      if (port !== undefined) owners.set(port, pid);
    }
  }
  return owners;
}

/**
 * Samples which worker process owns each client port to the simulator (every `intervalMs`), so any call in the
 * simulator's log can be attributed to the process that made it (keep-alive sockets outlive single calls; a port is
 * remembered per owner with the time span it was seen).
 */
export class PortTracker {
  private readonly spans: Array<{ port: number; pid: number; first: number; last: number }> = [];
  private readonly open = new Map<string, { port: number; pid: number; first: number; last: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly serverPort: number,
    private readonly pids: () => number[],
    private readonly intervalMs = 500,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const now = Date.now();
    for (const [port, pid] of clientPortOwners(this.serverPort, this.pids())) {
      const key = `${port}/${pid}`;
      const span = this.open.get(key);
      if (span) span.last = now;
      else {
        const fresh = { port, pid, first: now, last: now };
        this.open.set(key, fresh);
        this.spans.push(fresh);
      }
    }
  }

  /** The process that owned `port` around `at` (seen within `slackMs` of it), if any. */
  ownerAt(port: number, at: number, slackMs = 2000): number | undefined {
    const candidates = this.spans.filter(
      (s) => s.port === port && at >= s.first - slackMs && at <= s.last + slackMs,
    );
    candidates.sort((a, b) => Math.abs(a.first - at) - Math.abs(b.first - at));
    return candidates[0]?.pid;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { ApiVersion } from '../../contracts/apiVersion';
import { progress } from '../support/report';

/** The product's worker (createWorker, configured from the environment) loading a prebuilt workflow bundle. */
const WORKER_CHILD = path.join(__dirname, '..', 'support', 'workerChild.js');

export interface PoolSettings {
  /** HEYGEN_API_VERSION of every worker: the version each run they validate speaks */
  apiVersion: ApiVersion;
  temporalAddress: string;
  taskQueue: string;
  heygenUrl: string;
  heygenApiKey: string;
  /** Shared by every worker process, so videos outlive the process that downloaded them */
  outputDir: string;
  codePath: string;
  /** Every worker's stderr is appended here */
  logFile: string;
}

export interface KillRecord {
  at: number;
  label: string;
  pid: number;
  /** The kill waited for a create call in flight from this worker */
  targeted: boolean;
}

interface Slot {
  label: string;
  child?: ChildProcess;
  pid?: number;
  /** Resolves when the current child exits */
  exited?: Promise<void>;
  /** The current child is being killed on purpose */
  killing: boolean;
  /** The current child has created its worker (connected to Temporal, polling) */
  ready: boolean;
  restarting?: Promise<void>;
}

/**
 * Worker processes under supervision: each is a child process (bench/support/workerChild: the product's
 * createWorker), started again after it is killed (after `restartDelayMs`) or after it dies on its own (counted as
 * an unexpected exit). Every process ever started is remembered, so the campaign can check that none is left.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  private readonly log: WriteStream;
  private closed = false;
  readonly kills: KillRecord[] = [];
  /** Exits nobody asked for; `whileStarting`: before the worker was created (e.g. Temporal unreachable) */
  readonly unexpectedExits: Array<{
    at: number;
    label: string;
    pid: number;
    code: number | null;
    whileStarting: boolean;
  }> = [];
  readonly starts: Array<{ at: number; label: string; pid: number; readyMs: number }> = [];
  readonly allPids = new Set<number>();

  constructor(
    count: number,
    private readonly s: PoolSettings,
  ) {
    this.slots = Array.from({ length: count }, (_, i) => ({
      label: `worker-${i + 1}`,
      killing: false,
      ready: false,
    }));
    this.log = createWriteStream(s.logFile, { flags: 'a' });
  }

  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
  }

  /** Labels and pids of the workers running (created and polling) now. */
  live(): Array<{ label: string; pid: number }> {
    return this.slots
      .filter((s) => s.child && s.pid !== undefined && s.ready && !s.killing && s.child.exitCode === null)
      .map((s) => ({ label: s.label, pid: s.pid! }));
  }

  private env(): NodeJS.ProcessEnv {
    const inherited = { ...process.env };
    for (const k of Object.keys(inherited)) {
      if (/^(TEMPORAL_|HEYGEN_|WORKER_)/.test(k)) delete inherited[k];
    }
    return {
      ...inherited,
      TEMPORAL_ADDRESS: this.s.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: this.s.taskQueue,
      HEYGEN_API_VERSION: this.s.apiVersion,
      HEYGEN_API_BASE_URL: this.s.heygenUrl,
      HEYGEN_UPLOAD_BASE_URL: this.s.heygenUrl,
      HEYGEN_API_KEY: this.s.heygenApiKey,
      OUTPUT_DIR: this.s.outputDir,
      INPUT_DIR: this.s.outputDir,
      BENCH_WORKFLOW_BUNDLE: this.s.codePath,
    };
  }

  private async spawn(slot: Slot): Promise<void> {
    if (this.closed) return;
    const began = Date.now();
    const child = fork(WORKER_CHILD, [], { env: this.env(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    if (child.pid !== undefined) this.allPids.add(child.pid);
    slot.child = child;
    slot.pid = child.pid;
    slot.killing = false;
    slot.ready = false;
    const label = slot.label;
    child.stderr?.on('data', (chunk: Buffer) =>
      this.log.write(`[${label} ${child.pid}] ${chunk.toString()}`),
    );
    slot.exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        if (!slot.killing && !this.closed) {
          this.unexpectedExits.push({
            at: Date.now(),
            label,
            pid: child.pid ?? -1,
            code,
            whileStarting: !slot.ready,
          });
          progress(`${label} (pid ${child.pid}) exited by itself (code ${code}); starting it again`);
          slot.restarting = this.respawnLater(slot, 1000);
        }
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start within 90 s`)), 90_000);
      child.once('message', () => {
        clearTimeout(timer);
        if (slot.child === child) slot.ready = true;
        resolve();
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(); // counted above; the supervisor starts it again
      });
    });
    if (child.exitCode === null && child.signalCode === null) {
      this.starts.push({ at: Date.now(), label, pid: child.pid ?? -1, readyMs: Date.now() - began });
    }
  }

  private async respawnLater(slot: Slot, delayMs: number): Promise<void> {
    await new Promise((r) => setTimeout(r, delayMs));
    if (this.closed) return;
    try {
      await this.spawn(slot);
    } catch (err) {
      progress(`${slot.label} failed to start: ${String(err)}; trying again`);
      await this.respawnLater(slot, 2000);
    }
  }

  /** SIGKILL one worker (no graceful shutdown: its in-flight activities are lost), start it again later. */
  async kill(pid: number, targeted: boolean, restartDelayMs: number): Promise<KillRecord | undefined> {
    const slot = this.slots.find((s) => s.pid === pid && !s.killing);
    if (!slot?.child || slot.child.exitCode !== null) return undefined;
    slot.killing = true;
    const record: KillRecord = { at: Date.now(), label: slot.label, pid, targeted };
    slot.child.kill('SIGKILL');
    this.kills.push(record);
    await slot.exited;
    slot.restarting = this.respawnLater(slot, restartDelayMs);
    return record;
  }

  /** Waits for pending restarts, then stops every worker (SIGTERM: drain; SIGKILL after 15 s). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => (s.restarting ?? Promise.resolve()).catch(() => undefined)));
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        slot.killing = true;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await slot.exited;
        clearTimeout(timer);
      }),
    );
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }

  /** Last resort (process exit): SIGKILL whatever still runs. */
  killAllNow(): void {
    for (const slot of this.slots) {
      if (slot.child && slot.child.exitCode === null && slot.child.signalCode === null) {
        slot.child.kill('SIGKILL');
      }
    }
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface WorkerProcess {
  child: ChildProcess;
  /** What the worker printed so far (JSON log lines) */
  output(): string;
  /** SIGKILL: no graceful shutdown, in-flight activities are simply lost */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code and what the worker printed */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/**
 * Runs a long-lived command of the compiled CLI (`worker`, `simulator`, ...) in a child process and resolves once
 * its stderr shows `ready` (a line it logs when it serves).
 */
export async function spawnCliService(
  command: string,
  env: Record<string, string>,
  ready: string,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${stderr}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${stderr}`));
    });
  });
  return {
    child,
    output: () => stderr,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return { code: await exited, stderr };
    },
  };
}

/** Runs `heygen-pipelines worker` (the compiled CLI) in a child process and resolves once it polls. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  // METRICS_PORT 0: several workers share the host without fighting over the default port.
  return spawnCliService('worker', { METRICS_PORT: '0', ...env }, 'worker: task queue');
}

/**
 * Runs a one-shot command of the compiled CLI with no TEMPORAL_* / HEYGEN_* variable of this process (only `env`),
 * and resolves with its exit code, stdout, stderr lines and duration.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; lines: string[]; ms: number }> {
  const started = Date.now();
  const inherited = { ...process.env };
  for (const k of Object.keys(inherited)) if (/^(TEMPORAL_|HEYGEN_)/.test(k)) delete inherited[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, lines: stderr.split('\n').filter((l) => l !== ''), ms: Date.now() - started };
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

import path from 'node:path';
import { startTemporalDevServer, type DevServer } from '../../cli/temporalDevServer';
import { freeLoopbackPort } from '../../lib/net';
import { descendants } from '../support/proc';

/**
 * The Temporal dev server as `dev` runs it (startTemporalDevServer: SQLite database file, the product's dynamic
 * config and search attributes), on free loopback ports, restartable on the same ports and the same file so that
 * every run survives the restart.
 */
export class RestartableTemporal {
  private server: DevServer | undefined;
  readonly restarts: Array<{ stoppedAt: number; upAt: number; downMs: number }> = [];

  private constructor(
    private readonly cliPath: string,
    readonly dbFile: string,
    readonly port: number,
    readonly uiPort: number,
  ) {}

  static async start(cliPath: string, dir: string): Promise<RestartableTemporal> {
    const t = new RestartableTemporal(
      cliPath,
      path.join(dir, 'temporal.db'),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    );
    await t.up();
    return t;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The dev server's process id (a child of this process), if it runs. */
  pid(): number | undefined {
    return descendants(process.pid, /^temporal$/)[0]?.pid;
  }

  private async up(): Promise<void> {
    this.server = await startTemporalDevServer({
      cliPath: this.cliPath,
      dbFile: this.dbFile,
      ip: '127.0.0.1',
      port: this.port,
      uiPort: this.uiPort,
    });
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s), then starts it again on the same ports and database file. */
  async restart(pauseMs: number): Promise<void> {
    const stoppedAt = Date.now();
    await this.server?.stop();
    this.server = undefined;
    await new Promise((r) => setTimeout(r, pauseMs));
    await this.up();
    const upAt = Date.now();
    this.restarts.push({ stoppedAt, upAt, downMs: upAt - stoppedAt });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}

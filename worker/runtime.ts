import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import { parseEnv } from '../lib/env';

const schema = z.object({ LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).optional() });

/**
 * Installs the Temporal runtime's logger once, before any worker or connection exists. LOG_LEVEL overrides the
 * default (the interactive `dev`/`demo` commands default to WARN so stage lines stay readable).
 */
export function installRuntime(defaultLevel: LogLevel, env: NodeJS.ProcessEnv = process.env): void {
  const level = parseEnv(schema, env).LOG_LEVEL ?? defaultLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}

import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import { parseEnv } from '../lib/env';
import { createLogger, type LogLevel as JsonLevel } from '../telemetry/log';

const schema = z.object({
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
  LOG_FORMAT: z.enum(['json', 'text']).optional(),
});

const temporalLog = createLogger('temporal');

/** Temporal's log entries (workflow and activity logs carry workflowId, runId, activityType...) as JSON lines. */
function jsonLine(entry: LogEntry): void {
  temporalLog.log(entry.level.toLowerCase() as JsonLevel, entry.message, entry.meta);
}

export interface RuntimeOptions {
  /** `host:port` for the Temporal core's Prometheus exporter (worker metrics, workflow metric meter) */
  metricsBindAddress?: string;
  /** Default log format: json for services (worker), text for the interactive commands */
  defaultFormat?: 'json' | 'text';
}

/**
 * Installs the Temporal runtime once, before any worker or connection exists: its logger (LOG_LEVEL, LOG_FORMAT
 * override the defaults; the interactive `dev`/`demo` commands default to WARN text so stage lines stay readable)
 * and, for workers, its Prometheus exporter.
 */
export function installRuntime(
  defaultLevel: LogLevel,
  env: NodeJS.ProcessEnv = process.env,
  options: RuntimeOptions = {},
): void {
  const v = parseEnv(schema, env);
  const level = v.LOG_LEVEL ?? defaultLevel;
  const format = v.LOG_FORMAT ?? options.defaultFormat ?? 'text';
  Runtime.install({
    logger: format === 'json' ? new DefaultLogger(level, jsonLine) : new DefaultLogger(level),
    ...(options.metricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } }
      : {}),
  });
}

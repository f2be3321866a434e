/**
 * Structured logs: one JSON object per line on stderr, `{ time, level, component, msg, ...fields }`, with the ids
 * that find a run (workflowId, runId, HeyGen ids) as fields. Every line passes through `redact()`: the values
 * registered with `registerSecret()` (the HeyGen API key, webhook secrets, API tokens, the Temporal API key) are
 * replaced wherever they appear, so a secret that slips into an error message never reaches the log.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

const secrets = new Set<string>();

/** Registers a value that must never be written (ignored when shorter than 6 characters: too common to redact). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);
let minLevel: LogLevel = 'info';

/** Where lines go (tests capture them) and the lowest level written. */
export function configureLogging(opts: { sink?: (line: string) => void; level?: LogLevel }): void {
  if (opts.sink) sink = opts.sink;
  if (opts.level) minLevel = opts.level;
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createLogger(component: string, base: LogFields = {}): Logger {
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    const entry: LogFields = { time: new Date().toISOString(), level, component, msg, ...base };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) entry[k] = serialize(v);
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ time: entry.time, level, component, msg, note: 'fields not serializable' });
    }
    sink(redact(line));
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    debug: (msg, fields) => log('debug', msg, fields),
    child: (fields) => createLogger(component, { ...base, ...fields }),
  };
}

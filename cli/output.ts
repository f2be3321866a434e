import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InputValidationError } from '../contracts/validation';

/** Progress and messages go to stderr, so stdout can carry only the JSON result with --json. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * An input file the contract refuses, before anything is started (or any connection made): names the file, where
 * in it (a batch file's line or row), and the field, as the contract names it.
 */
export class InputFileError extends Error {
  override readonly name = 'InvalidInput';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
    /** Where in the file, when it holds several inputs: `line 3`, `row 5` */
    readonly where?: string,
  ) {
    super(`${file}${where ? ` ${where}` : ''}: ${field}: ${detail}`);
  }
}

export interface CliFailure {
  type: string;
  message: string;
  /** The input field at fault (invalid input) */
  field?: string;
  code?: string | number;
  stage?: string;
}

/** Extracts the failure type, HeyGen code and message from whatever a run or a command threw. */
export function describeCliError(err: unknown): CliFailure {
  if (err instanceof InputFileError) return { type: err.name, message: err.message, field: err.field };
  if (err instanceof InputValidationError)
    return { type: 'InvalidInput', message: err.message, field: err.field };
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure) {
      const details = (cause.details?.[0] ?? {}) as { code?: string | number; stage?: string };
      return {
        type: cause.type ?? 'Error',
        message: cause.message,
        ...(details.code !== undefined && details.code !== null ? { code: details.code } : {}),
        ...(details.stage ? { stage: details.stage } : {}),
      };
    }
    return { type: 'WorkflowFailed', message: err.cause?.message ?? err.message };
  }
  return {
    type: err instanceof Error ? err.name : 'Error',
    message: err instanceof Error ? err.message : String(err),
  };
}

/**
 * The one line a failure prints: `error: <message>`. A run's failure also names its type (what HeyGen or the
 * workflow reported) and its HeyGen code (`error: HeyGenJobFailed (HeyGen code 40119): …`, as docs/contract.md
 * shows it; the message names the stage); other errors say what they are in their message, so a class name
 * (`Error:`) would only repeat it.
 */
export function failureLine(err: unknown): string {
  const f = describeCliError(err);
  if (!(err instanceof WorkflowFailedError)) return `error: ${f.message}`;
  const code = f.code !== undefined ? ` (HeyGen code ${f.code})` : '';
  return `error: ${f.type}${code}: ${f.message}`;
}

/** Reports a failure once on stderr (with --json also as JSON on stdout) and sets a non-zero exit code. */
export function reportFailure(err: unknown, json: boolean): void {
  info(failureLine(err));
  if (json) process.stdout.write(`${JSON.stringify({ error: describeCliError(err) }, null, 2)}\n`);
  process.exitCode = 1;
}

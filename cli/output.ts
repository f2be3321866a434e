import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InputValidationError } from '../contracts/validation';

/** Progress and messages go to stderr, so stdout can carry only the JSON result with --json. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export interface CliFailure {
  type: string;
  message: string;
  code?: string | number;
  stage?: string;
}

/** Extracts the failure type, HeyGen code and message from whatever a run or a command threw. */
export function describeCliError(err: unknown): CliFailure {
  if (err instanceof InputValidationError) return { type: 'InvalidInput', message: err.message };
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

/** Reports a failure (with --json also as JSON on stdout) and sets a non-zero exit code. */
export function reportFailure(err: unknown, json: boolean): void {
  const failure = describeCliError(err);
  const code = failure.code !== undefined ? ` (HeyGen code ${failure.code})` : '';
  info(`error: ${failure.type}${code}: ${failure.message}`);
  if (json) process.stdout.write(`${JSON.stringify({ error: failure }, null, 2)}\n`);
  process.exitCode = 1;
}

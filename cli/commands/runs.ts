import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { PipelinesClient, type RunRef } from '../../client/pipelinesClient';
import { lifecycleInputSchema } from '../../contracts/lifecycle';
import { renderVideoInputSchema } from '../../contracts/render';
import { PROGRESS_QUERY } from '../../contracts/definitions';
import { InputValidationError, parseInput } from '../../contracts/validation';
import { InputFileError, info, reportFailure } from '../output';
import { followStages, historyStages } from '../watch';

export interface StartFlags {
  input: string;
  workflowId?: string;
  reference?: string;
  wait?: boolean;
  json?: boolean;
}

/**
 * Reads a JSON input file and checks it against the workflow's contract (the schema PipelinesClient validates
 * with), so a bad field is reported before any connection is made.
 */
export async function readInputFile(file: string, schema: z.ZodType): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  let input: unknown;
  try {
    input = JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    parseInput(schema, input);
  } catch (err) {
    if (err instanceof InputValidationError) throw new InputFileError(file, err.field, err.detail);
    throw err;
  }
  return input;
}

/** Shared by `lifecycle start` and `video render`: validate, connect, start, and optionally follow to the result. */
async function startAndMaybeWait(
  flags: StartFlags,
  schema: z.ZodType,
  start: (client: PipelinesClient, input: unknown) => Promise<RunRef>,
  result: (client: PipelinesClient, workflowId: string) => Promise<unknown>,
  label: string,
): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    const input = await readInputFile(flags.input, schema);
    client = await PipelinesClient.connect();
    const ref = await start(client, input);
    info(`${ref.existing ? 'already started:' : 'started'} ${label} ${ref.workflowId} (run ${ref.runId})`);
    if (!flags.wait) {
      if (flags.json) process.stdout.write(`${JSON.stringify(ref, null, 2)}\n`);
      return;
    }
    const value = await followStages(
      historyStages(client.client, ref.workflowId, ref.runId),
      result(client, ref.workflowId),
      label,
    );
    process.stdout.write(
      `${JSON.stringify(flags.json ? value : { workflowId: ref.workflowId, ...(value as object) }, null, 2)}\n`,
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  } finally {
    await client?.close();
  }
}

export function lifecycleStart(flags: StartFlags): Promise<void> {
  return startAndMaybeWait(
    flags,
    lifecycleInputSchema,
    (client, input) =>
      client.startLifecycle(input, { workflowId: flags.workflowId, reference: flags.reference }),
    (client, id) => client.waitForLifecycle(id),
    'lifecycle',
  );
}

export function videoRender(flags: StartFlags): Promise<void> {
  return startAndMaybeWait(
    flags,
    renderVideoInputSchema,
    (client, input) =>
      client.startRender(input, { workflowId: flags.workflowId, reference: flags.reference }),
    (client, id) => client.waitForRender(id),
    'render',
  );
}

/** Prints a run's status and progress (the `progress` query answers for running and recently closed runs). */
export async function status(workflowId: string, flags: { json?: boolean }): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    client = await PipelinesClient.connect();
    const description = await client.describe(workflowId);
    const progress = await client.client.workflow
      .getHandle(workflowId)
      .query<unknown>(PROGRESS_QUERY)
      .catch((err: unknown) => ({ unavailable: err instanceof Error ? err.message : String(err) }));
    const out = { workflowId, ...description, progress };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    const version = description.apiVersion ? ` (HeyGen API ${description.apiVersion})` : '';
    if (!flags.json) info(`${workflowId}: ${description.type} ${description.status}${version}`);
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  } finally {
    await client?.close();
  }
}

export async function cancel(workflowId: string): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    client = await PipelinesClient.connect();
    await client.cancel(workflowId);
    info(`cancellation requested for ${workflowId}`);
  } catch (err) {
    reportFailure(err, false);
  } finally {
    await client?.close();
  }
}

import { readFile } from 'node:fs/promises';
import { PipelinesClient, type RunRef } from '../../client/pipelinesClient';
import { info, reportFailure } from '../output';
import { watchStages } from '../watch';

export interface StartFlags {
  input: string;
  workflowId?: string;
  reference?: string;
  wait?: boolean;
  json?: boolean;
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Shared by `lifecycle start` and `video render`: validate, start, and optionally follow to the result. */
async function startAndMaybeWait(
  flags: StartFlags,
  start: (client: PipelinesClient, input: unknown) => Promise<RunRef>,
  follow: (
    client: PipelinesClient,
    workflowId: string,
  ) => { query: () => Promise<never>; result: Promise<unknown> },
  label: string,
): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    const input = await readJsonFile(flags.input);
    client = await PipelinesClient.connect();
    const ref = await start(client, input);
    info(`${ref.existing ? 'already started:' : 'started'} ${label} ${ref.workflowId} (run ${ref.runId})`);
    if (!flags.wait) {
      if (flags.json) process.stdout.write(`${JSON.stringify(ref, null, 2)}\n`);
      return;
    }
    const { query, result } = follow(client, ref.workflowId);
    const value = await watchStages(query, result, label);
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
    (client, input) =>
      client.startLifecycle(input, { workflowId: flags.workflowId, reference: flags.reference }),
    (client, id) => ({
      query: () => client.lifecycleProgress(id) as Promise<never>,
      result: client.waitForLifecycle(id),
    }),
    'lifecycle',
  );
}

export function videoRender(flags: StartFlags): Promise<void> {
  return startAndMaybeWait(
    flags,
    (client, input) =>
      client.startRender(input, { workflowId: flags.workflowId, reference: flags.reference }),
    (client, id) => ({
      query: () => client.renderProgress(id) as Promise<never>,
      result: client.waitForRender(id),
    }),
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
      .query<unknown>('progress')
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

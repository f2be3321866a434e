import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelinesClient } from '../../client/pipelinesClient';
import type { LifecycleResult } from '../../contracts/results';
import { installRuntime } from '../../worker/runtime';
import { REPO_ROOT, startDevStack } from '../devStack';
import { info, reportFailure } from '../output';
import { followStages, historyStages } from '../watch';
import { devStackOptions, untilSignal, type DevFlags } from './services';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads the first box of the file: an MP4 starts with an `ftyp` box. */
async function isMp4(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    return head.subarray(4, 8).toString('latin1') === 'ftyp';
  } finally {
    await handle.close();
  }
}

/**
 * `demo`: the dev stack plus one full photo-avatar lifecycle against the simulator, ending with a checked video
 * file on disk and the Temporal UI address. Stays up (so the UI can be browsed) until Ctrl-C, unless --exit.
 */
export async function demo(flags: DevFlags & { input?: string; exit?: boolean }): Promise<void> {
  installRuntime('WARN');
  const stack = await startDevStack(devStackOptions(flags));
  let client: PipelinesClient | undefined;
  try {
    const inputFile = path.resolve(flags.input ?? path.join(REPO_ROOT, 'examples', 'demo-lifecycle.json'));
    const input = JSON.parse(await readFile(inputFile, 'utf8')) as unknown;
    // No wait mode from here: the stack's worker decides (webhook, since its receiver gets the simulator's events).
    client = await PipelinesClient.connect({
      address: stack.temporal.address,
      namespace: stack.namespace,
      taskQueue: stack.taskQueue,
    });
    const started = Date.now();
    const ref = await client.startLifecycle(input);
    info(
      `\nStarted photoAvatarLifecycle ${ref.workflowId} from ${path.relative(process.cwd(), inputFile)} ` +
        `(HeyGen API ${stack.apiVersion}; waits end on ${stack.waitMode === 'webhook' ? 'webhook events, polling as a fallback' : 'polling'})`,
    );
    const c = client;
    // The stages come from the run's history (a long poll on the server), not from queries the worker answers.
    const result: LifecycleResult = await followStages(
      historyStages(c.client, ref.workflowId, ref.runId),
      c.waitForLifecycle(ref.workflowId),
      'lifecycle',
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    // The demo's stack stores under its output directory (local storage).
    const videoPath = result.videoPath ?? fileURLToPath(result.media.video.uri);
    const digest = await sha256Of(videoPath);
    const mp4 = await isMp4(videoPath);
    const calls = stack.simulator?.log().length;
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    info(
      `\nLifecycle completed in ${seconds} s${calls !== undefined ? ` with ${calls} calls` : ''} to HeyGen API ${result.apiVersion}.`,
    );
    info(
      `Video file: ${videoPath} (${mp4 ? 'MP4' : 'NOT an MP4'}, sha256 ${digest === result.sha256 ? 'matches the result' : 'DOES NOT MATCH'})`,
    );
    info(
      `Temporal Web UI: ${stack.temporal.uiUrl}/namespaces/${stack.namespace}/workflows/${encodeURIComponent(ref.workflowId)}`,
    );
    if (digest !== result.sha256 || !mp4) process.exitCode = 1;
    if (!flags.exit) {
      info(
        '\nThe stack keeps running so you can browse the UI. Press Ctrl-C to stop (runs are kept in .data/).',
      );
      await Promise.race([untilSignal(), stack.workerDone]);
    }
  } catch (err) {
    reportFailure(err, false);
  } finally {
    await client?.close();
    await stack.stop();
  }
}

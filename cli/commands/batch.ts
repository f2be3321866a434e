import { PipelinesClient } from '../../client/pipelinesClient';
import type { BatchProgress } from '../../contracts/batch';
import { readBatchFile } from '../batchInput';
import { info, reportFailure } from '../output';

function bar(p: BatchProgress, width = 30): string {
  const done = p.completed + p.failed;
  const filled = p.total === 0 ? width : Math.round((done / p.total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${p.total} done (${p.completed} ok, ${p.failed} failed), ${p.running} running, ${p.pending} pending`;
}

/** `batch render --input items.jsonl|items.csv [--wait] [--json]`: one renderBatch, with a progress bar. */
export async function batchRender(flags: {
  input: string;
  workflowId?: string;
  reference?: string;
  maxParallel?: string;
  wait?: boolean;
  json?: boolean;
}): Promise<void> {
  let client: PipelinesClient | undefined;
  try {
    const items = await readBatchFile(flags.input);
    client = await PipelinesClient.connect();
    const ref = await client.startBatch(
      { items, ...(flags.maxParallel ? { maxParallel: Number(flags.maxParallel) } : {}) },
      { workflowId: flags.workflowId, reference: flags.reference },
    );
    info(`started batch ${ref.workflowId} with ${items.length} renders`);
    if (!flags.wait) {
      if (flags.json) process.stdout.write(`${JSON.stringify(ref, null, 2)}\n`);
      return;
    }
    const c = client;
    const tty = process.stderr.isTTY;
    let last = '';
    let finished = false;
    const ticker = (async () => {
      while (!finished) {
        const p = await c.batchProgress(ref.workflowId).catch(() => undefined);
        const line = p ? bar(p) : '';
        if (line && line !== last) {
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
          last = line;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const result = await client.waitForBatch(ref.workflowId).finally(() => {
      finished = true;
    });
    await ticker;
    if (tty) process.stderr.write('\n');
    // Every item names the HeyGen API it spoke (all the same unless workers of both versions share the queue).
    const versions = [...new Set(result.items.flatMap((i) => (i.result ? [i.result.apiVersion] : [])))];
    const spoke = versions.length > 0 ? ` (HeyGen API ${versions.join(', ')})` : '';
    info(
      `batch ${ref.workflowId}: ${result.completed} completed, ${result.failed} failed of ${result.total}${spoke}`,
    );
    process.stdout.write(
      `${JSON.stringify(flags.json ? result : { workflowId: ref.workflowId, ...result }, null, 2)}\n`,
    );
    if (result.failed > 0) process.exitCode = 2;
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  } finally {
    await client?.close();
  }
}

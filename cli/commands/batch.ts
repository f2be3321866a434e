import { PipelinesClient } from '../../client/pipelinesClient';
import { readBatchSource, validateBatch } from '../batchInput';
import { info, reportFailure } from '../output';
import { batchCounts, followHistory, type BatchCounts } from '../watch';

function bar(p: BatchCounts, width = 30): string {
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
    const maxParallel = flags.maxParallel === undefined ? undefined : Number(flags.maxParallel);
    if (maxParallel !== undefined && !Number.isInteger(maxParallel)) {
      throw new Error(`--max-parallel: must be a whole number, got ${flags.maxParallel}`);
    }
    // Checked before connecting: a bad item is reported with the server down too.
    const input = validateBatch(
      flags.input,
      await readBatchSource(flags.input),
      maxParallel === undefined ? {} : { maxParallel },
    );
    client = await PipelinesClient.connect();
    const ref = await client.startBatch(input, { workflowId: flags.workflowId, reference: flags.reference });
    info(`started batch ${ref.workflowId} with ${input.items.length} renders`);
    if (!flags.wait) {
      if (flags.json) process.stdout.write(`${JSON.stringify(ref, null, 2)}\n`);
      return;
    }
    const tty = process.stderr.isTTY;
    const abort = new AbortController();
    // The bar follows the batch's history (a long poll the server answers): no query, nothing on a worker. One
    // response can hold many events: the bar is drawn at most twice a second, and once more with the last counts.
    const progressBar = (async () => {
      let drawn = '';
      let pending = '';
      let drawnAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const draw = () => {
        clearTimeout(timer);
        timer = undefined;
        if (pending === drawn) return;
        process.stderr.write(tty ? `\r${pending}` : `${pending}\n`);
        drawn = pending;
        drawnAt = Date.now();
      };
      const events = followHistory(client.client, ref.workflowId, { runId: ref.runId, signal: abort.signal });
      try {
        for await (const counts of batchCounts(events)) {
          pending = bar(counts);
          const wait = drawnAt + 500 - Date.now();
          if (wait <= 0) draw();
          else timer ??= setTimeout(draw, wait);
        }
      } finally {
        draw();
      }
    })().catch(() => undefined);
    const result = await client.waitForBatch(ref.workflowId).finally(() => {
      // The closed batch's history ends by itself; bounded in case it cannot be read.
      const timer = setTimeout(() => abort.abort(), 5000);
      return progressBar.finally(() => clearTimeout(timer));
    });
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

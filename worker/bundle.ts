import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './createWorker';

/**
 * Bundles the workflow code once (at image build time) so workers start without running webpack: a worker given
 * WORKFLOW_BUNDLE_PATH loads this file instead of bundling ./workflows at start-up.
 */
export async function writeWorkflowBundle(outFile: string): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const target = path.resolve(outFile);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, code);
  return { path: target, bytes: Buffer.byteLength(code) };
}

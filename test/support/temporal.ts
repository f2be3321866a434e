import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DEV_SERVER_ARGS } from '../../cli/temporalDevServer';
import { WORKFLOWS_PATH } from '../../worker/createWorker';

/** The Temporal CLI resolved by globalSetup (built from its Go module; never downloaded). */
export function temporalCliPath(): string {
  const path = process.env.TEMPORAL_CLI_PATH;
  if (!path) throw new Error('TEMPORAL_CLI_PATH is not set: run the tests with `npm test`');
  return path;
}

let runtimeInstalled = false;
/** Keeps worker logs to errors so test output stays readable (must precede any worker or server). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** A real Temporal dev server for one test file. */
export function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCliPath() }, extraArgs: DEV_SERVER_ARGS },
  });
}

/** Bundles the workflows once per test file (bundling takes seconds; every worker of the file reuses it). */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

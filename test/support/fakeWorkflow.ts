/**
 * A stand-in for `@temporalio/workflow` under jest's fake clock, for tests of what workflow code does when time
 * passes: stage deadlines, the mailbox TTLs, the render-slot lease. Temporal's time-skipping test server cannot be
 * used here (TestWorkflowEnvironment.createTimeSkipping downloads it from temporal.download, which this machine
 * cannot reach; docs/testing.md), so the few workflow APIs these functions call are faked:
 * - `condition(fn, timeout?)` resolves true once `fn()` holds (checked at once and after every signal), or false
 *   when `timeout` passes on the fake clock;
 * - `setHandler` records handlers, which `signal()` calls (the way an activation applies a signal);
 * - `getExternalWorkflowHandle(id).signal()` records what was sent, and fails for ids in `gone`;
 * - `Date.now()` is jest's fake clock, as the workflow clock is Temporal's; `workflowInfo()` returns `info`.
 * Everything else is the real module. Use with `jest.useFakeTimers()` and a mock whose factory requires this
 * module itself (jest runs the factory before the test file's imports are set):
 * `jest.mock('@temporalio/workflow', () => jest.requireActual<typeof FakeWorkflow>('../support/fakeWorkflow')
 * .fakeWorkflowModule())` (test/workflows/deadlines.test.ts); move time with `jest.advanceTimersByTimeAsync(ms)`.
 */

interface Definition {
  name: string;
}
type Handler = (...args: never[]) => unknown;

interface Waiter {
  ready: () => boolean;
  resolve: (value: boolean) => void;
  timer?: ReturnType<typeof setTimeout>;
}

export interface SentSignal {
  to: string;
  signal: string;
  args: unknown[];
}

export const fake = {
  handlers: new Map<string, Handler>(),
  /** Signals sent before their handler was set (signal-with-start): applied when it is, as the SDK does */
  buffered: [] as Array<{ name: string; args: unknown[] }>,
  sent: [] as SentSignal[],
  /** Workflow ids whose handle's `signal()` fails (closed or terminated runs) */
  gone: new Set<string>(),
  info: { workflowId: 'wf-under-test', historyLength: 10, continueAsNewSuggested: false },
  waiters: new Set<Waiter>(),
  reset(): void {
    this.handlers.clear();
    this.buffered.length = 0;
    this.sent.length = 0;
    this.gone.clear();
    for (const w of this.waiters) if (w.timer) clearTimeout(w.timer);
    this.waiters.clear();
    this.info = { workflowId: 'wf-under-test', historyLength: 10, continueAsNewSuggested: false };
  },
  /** Re-checks every pending condition (after a signal, like an activation does). */
  wake(): void {
    for (const w of [...this.waiters]) {
      if (!w.ready()) continue;
      this.waiters.delete(w);
      if (w.timer) clearTimeout(w.timer);
      w.resolve(true);
    }
  },
};

/** Delivers a signal to the code under test, as an activation would (buffered until its handler is set). */
export function signal(definition: Definition, ...args: unknown[]): void {
  const handler = fake.handlers.get(definition.name);
  if (!handler) {
    fake.buffered.push({ name: definition.name, args });
    return;
  }
  (handler as (...a: unknown[]) => unknown)(...args);
  fake.wake();
}

/** Lets pending promise callbacks run (the code under test moves on to its next await). */
export const settle = () => jest.advanceTimersByTimeAsync(0);

export class ContinuedAsNew extends Error {
  constructor(readonly args: unknown[]) {
    super('continued as new');
  }
}

const noActivities = () =>
  new Proxy(
    {},
    {
      get: (_target, name) => () =>
        Promise.reject(new Error(`activity ${String(name)} called in a fake-clock test`)),
    },
  );

export function fakeWorkflowModule(): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>('@temporalio/workflow');
  return {
    ...actual,
    setHandler: (definition: Definition, handler: Handler | undefined) => {
      if (!handler) {
        fake.handlers.delete(definition.name);
        return;
      }
      fake.handlers.set(definition.name, handler);
      const waiting = fake.buffered.filter((b) => b.name === definition.name);
      fake.buffered = fake.buffered.filter((b) => b.name !== definition.name);
      for (const b of waiting) (handler as (...a: unknown[]) => unknown)(...b.args);
    },
    condition: (ready: () => boolean, timeout?: number) =>
      new Promise<boolean>((resolve) => {
        if (ready()) {
          resolve(true);
          return;
        }
        const waiter: Waiter = { ready, resolve };
        if (timeout !== undefined) {
          waiter.timer = setTimeout(() => {
            fake.waiters.delete(waiter);
            resolve(false);
          }, timeout);
        }
        fake.waiters.add(waiter);
      }),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    getExternalWorkflowHandle: (workflowId: string) => ({
      signal: (definition: Definition, ...args: unknown[]) => {
        if (fake.gone.has(workflowId)) return Promise.reject(new Error(`workflow ${workflowId} not found`));
        fake.sent.push({ to: workflowId, signal: definition.name, args });
        return Promise.resolve();
      },
    }),
    workflowInfo: () => fake.info,
    // Workflow modules make their activity proxies at load; these tests call no activity through them.
    proxyActivities: noActivities,
    proxyLocalActivities: noActivities,
    allHandlersFinished: () => true,
    continueAsNew: (...args: unknown[]) => Promise.reject(new ContinuedAsNew(args)),
  };
}

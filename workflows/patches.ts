/**
 * Workflow versioning: every `patched()` marker the workflow code uses, in one place, with the day it was added and
 * the condition for deprecating it (`deprecatePatch`) and then deleting it with its legacy branch.
 *
 * History: before the first release (2026-12-02) the six markers of the v1/v2 product (search-attributes,
 * overlap-waits, local-reads-and-routes, validate-in-activity, render-slots, unclaimed-event-ttl) and their legacy
 * branches were retired together, and the replay histories in test/histories/ were recorded anew, once per workflow
 * type. No run of this product had been deployed, so no history needed the legacy branches.
 *
 * From now on, any change to workflow code that alters the commands a run issues (activities, timers, child
 * workflows, signals sent, search attribute upserts, their order) must:
 * 1. keep the old behaviour behind `patched(PATCHES.<name>.id)` (add an entry below),
 * 2. keep replaying every history in test/histories/ (test/workflows/replay.test.ts fails otherwise),
 * 3. record a new history of the new behaviour beside the old ones: rename the current files to `<file>@<tag>.json`,
 *    then RECORD_HISTORIES=1 (test/histories/README.md).
 * Deprecate a marker once no open run can predate it: the longest run (a lifecycle: its stage deadlines add up to
 * about 4 h; a batch continues as new, each run bounded by its items) plus the retention of closed runs that may
 * still be replayed for queries (the namespace's retention period).
 */
export interface PatchEntry {
  /** The id passed to patched() / deprecatePatch() */
  id: string;
  /** When it was introduced (YYYY-MM-DD) */
  added: string;
  /** What it changes */
  change: string;
  /** When it may be deprecated, then removed */
  deprecateWhen: string;
}

export const PATCHES = {
  renderSlotRefresh: {
    id: 'render-slot-refresh',
    added: '2026-12-02',
    change:
      'A render waiting for a render slot asks again (acquireRenderSlot) when no grant came within the refresh ' +
      'interval the worker recorded: a semaphore that vanished (terminated, reset) is started again and queues it, ' +
      'instead of the render waiting forever.',
    deprecateWhen: 'No open render started before 2026-12-02 (its longest life plus the retention period).',
  },
} as const satisfies Readonly<Record<string, PatchEntry>>;

import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Page } from 'playwright-core';
import { DEV_SERVER_ARGS } from '../../cli/temporalDevServer';
import { API_VERSIONS, type ApiVersion } from '../../contracts/apiVersion';
import { freeLoopbackPort } from '../../lib/net';
import type { LifecycleResult } from '../../contracts/results';
import { launchBrowser, type BrowserSession } from '../support/browser';
import { findRuns } from '../support/inputs';
import { createStack, testedApiVersions, type Stack } from '../support/stack';
import { bundleWorkflows, temporalCliPath } from '../support/temporal';
import { lifecycleInputFor } from '../support/versions';

/**
 * The Temporal Web UI, in a real browser (Debian's Chromium, headless, driven by playwright-core): a person finds a
 * finished lifecycle by the product's custom search attributes, opens it, and sees its summary, its current
 * details and every HeyGen step it ran, in each API version. Screenshots land in test-output/ui/ (`<name>-<version>.png`).
 */

const OUT_DIR = path.join(__dirname, '..', '..', 'test-output', 'ui');
const NAMESPACE = 'default';
/** Every wait on the page: the UI is a single-page app on a loaded two-core machine */
const UI_TIMEOUT_MS = 60_000;
const MAX_SCREENSHOT_HEIGHT = 5_000;
/** What this file writes to OUT_DIR for each API version (removed first, so a stale picture is never mistaken for this run's) */
const SCREENSHOTS = ['lifecycle-list', 'lifecycle-run', 'lifecycle-summary', 'failure'];
const screenshot = (name: string, version: ApiVersion) => path.join(OUT_DIR, `${name}-${version}.png`);

/**
 * The activities each stage runs (workflows/photoAvatarLifecycle.ts), for a run with AI photos from attributes and
 * one new look; the render is the child workflow `renderVideo`. v2 generates the photos, makes the group from the
 * first, adds the others and trains it; v3 makes the avatar from the prompt in one create, has no train step (the
 * stage waits for its look) and returns the generated look at once.
 */
const STAGE_ACTIVITIES: Record<ApiVersion, Record<string, string[]>> = {
  v2: {
    photos: ['generatePhotos', 'checkGeneration'],
    group: ['createAvatar'],
    adding_looks: ['addLooks', 'checkLooksReady'],
    training: ['startTraining', 'checkTraining'],
    generating_looks: ['generateLook', 'checkGeneration', 'findGeneratedLooks'],
  },
  v3: {
    photos: [],
    group: ['createAvatar'],
    adding_looks: [],
    training: ['checkLooksReady'],
    generating_looks: ['generateLook', 'checkLooksReady'],
  },
};

let env: TestWorkflowEnvironment | undefined;
const stacks: Partial<Record<ApiVersion, Stack>> = {};
let session: BrowserSession | undefined;
let uiUrl = '';

/** Resolves once the UI server answers its own API (it starts with the dev server, but not necessarily first). */
async function waitForUi(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/v1/settings`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal Web UI did not answer at ${url} within ${timeoutMs} ms (${last})`);
}

/** How much taller the page would need to be to show everything: the document's or a page-high scroller's overflow. */
const HIDDEN_HEIGHT = `(() => {
  const scrollers = Array.from(document.querySelectorAll('body *')).filter((el) => {
    const style = getComputedStyle(el);
    return /auto|scroll/.test(style.overflowY) && style.visibility !== 'hidden' && el.clientHeight >= innerHeight / 2;
  });
  return Math.max(
    0,
    document.documentElement.scrollHeight - innerHeight,
    ...scrollers.map((el) => el.scrollHeight - el.clientHeight),
  );
})()`;

/**
 * A screenshot of the whole page. The UI lays pages out in a viewport-high shell, so Playwright's `fullPage` alone
 * can stop at the viewport: grow the viewport until nothing is hidden in a scroller (capped), shoot, restore it.
 */
async function fullPageScreenshot(page: Page, file: string): Promise<void> {
  const original = page.viewportSize() ?? { width: 1440, height: 900 };
  let height = original.height;
  for (let i = 0; i < 5; i++) {
    const hidden = Math.ceil(await page.evaluate<number>(HIDDEN_HEIGHT));
    if (hidden <= 1 || height >= MAX_SCREENSHOT_HEIGHT) break;
    height = Math.min(height + hidden, MAX_SCREENSHOT_HEIGHT);
    await page.setViewportSize({ width: original.width, height });
  }
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  if (height !== original.height) await page.setViewportSize(original);
}

/** The rendered text of a markdown block (summary, details, current details): the UI renders each in an iframe. */
async function markdownBlockText(page: Page, heading: string, expected: RegExp): Promise<string> {
  const frame = page
    .locator(`xpath=(//h3[normalize-space()="${heading}"]/following::iframe[@title="output"])[1]`)
    .contentFrame();
  const body = frame.locator('body');
  try {
    await body.getByText(expected).first().waitFor({ timeout: UI_TIMEOUT_MS });
  } catch (err) {
    const shown = await body.innerText({ timeout: 1_000 }).catch(() => '(no such block)');
    const message = `the UI's "${heading}" shows ${JSON.stringify(shown.trim())}, expected ${String(expected)}`;
    throw new Error(message, { cause: err });
  }
  return (await body.innerText()).trim();
}

/** Markdown typography turns "..." into “...”: accept either. */
function quotesLoose(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/"/g, '["“”]'));
}

beforeAll(async () => {
  // Worker and core logs only on errors, like the other workflow suites (must precede any worker or server).
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const uiPort = await freeLoopbackPort();
  const [createdEnv, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        extraArgs: DEV_SERVER_ARGS,
        ip: '127.0.0.1',
        ui: true,
        uiPort,
      },
    }),
    bundleWorkflows(),
  ]);
  env = createdEnv;
  uiUrl = `http://127.0.0.1:${uiPort}`;
  for (const version of testedApiVersions()) {
    const stack = await createStack(env, bundle, {}, version);
    stacks[version] = stack;
    await stack.startWorker();
  }
  await mkdir(OUT_DIR, { recursive: true });
  await Promise.all(
    API_VERSIONS.flatMap((version) =>
      SCREENSHOTS.map((name) => rm(screenshot(name, version), { force: true })),
    ),
  );
  await waitForUi(uiUrl);
  session = await launchBrowser({ timeoutMs: UI_TIMEOUT_MS, navigationTimeoutMs: UI_TIMEOUT_MS });
}, 300_000);

afterAll(async () => {
  await session?.close();
  for (const stack of Object.values(stacks)) await stack.close();
  await env?.teardown();
}, 120_000);

describe.each(testedApiVersions())('Temporal Web UI in a real browser (HeyGen API %s)', (version) => {
  test('a finished lifecycle is found by its search attributes and shows its summary and every stage', async () => {
    const stack = stacks[version];
    if (!env || !stack || !session) throw new Error('beforeAll did not finish');
    const stageActivities = STAGE_ACTIVITIES[version];
    const { page } = session;
    const suffix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    // No spaces: the UI's filter chips split a quoted value at spaces (the query itself is sent intact).
    const name = `UiCheck-${suffix}`;
    const reference = `ui-check-${suffix}`;

    // 1. A whole lifecycle on the simulator, to completion.
    const { workflowId } = await stack.client.startLifecycle(lifecycleInputFor(version, { name }), {
      reference,
    });
    const result: LifecycleResult = await stack.client.waitForLifecycle(workflowId);
    const progress = await stack.client.lifecycleProgress(workflowId);
    expect(progress.stages.map((s) => s.stage)).toEqual([
      'validating',
      ...Object.keys(stageActivities),
      'rendering',
      'completed',
    ]);
    const summary = `Photo-avatar lifecycle "${name}": AI photos from attributes, 1 new look(s), wait mode of the workers`;

    // What really ran, from the event history: the UI must show each of these activities.
    const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
    // Normal activities (scheduled events) and local ones (status reads, route registrations, input validation:
    // a marker whose data names the activity), in history order.
    const ranActivities = (events ?? []).flatMap((e) => {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) return [type];
      const marker = e.markerRecordedEventAttributes;
      const data =
        marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : null;
      if (!data) return [];
      const local = (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string })
        .activity_type;
      return local ? [local] : [];
    });
    for (const [stage, activities] of Object.entries(stageActivities)) {
      const missing = activities.filter((a) => !ranActivities.includes(a));
      expect({ stage, missing }).toEqual({ stage, missing: [] });
    }

    // Visibility is eventually consistent: wait until the server lists the finished run, then ask the UI.
    const query =
      `HeyGenAvatarName = '${name}' AND HeyGenIds = '${result.groupId}' ` +
      `AND ExecutionStatus = 'Completed'`;
    expect(await findRuns(env.client, query)).toEqual([workflowId]);

    try {
      // 2. The workflow list, filtered by the visibility query given in the URL (`?query=`, as the UI writes it).
      await page.goto(`${uiUrl}/namespaces/${NAMESPACE}/workflows?query=${encodeURIComponent(query)}`);
      const rows = page.getByTestId('workflows-summary-configurable-table-row');
      const row = rows.filter({ hasText: workflowId });
      await row.waitFor();
      await page
        .getByTestId('workflow-count')
        .filter({ hasText: /^\s*1\s*$/ })
        .waitFor();
      expect(await rows.count()).toBe(1);
      await row.getByText('Completed', { exact: true }).waitFor();
      await row.getByText('photoAvatarLifecycle', { exact: true }).waitFor();
      await fullPageScreenshot(page, screenshot('lifecycle-list', version));

      // 3. Open it: the run's page, finished, with its history.
      await row.getByRole('link', { name: workflowId, exact: true }).click();
      await page.waitForURL(
        (url) =>
          url.pathname.startsWith(`/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}/`) &&
          url.pathname.endsWith('/history'),
      );
      const heading = page.getByTestId('workflow-id-heading');
      await heading.filter({ hasText: workflowId }).waitFor();
      // The run's header: its status badge and its workflow type.
      const header = page.locator('header', { has: heading });
      await header.getByText('Completed', { exact: true }).waitFor();
      await header.getByRole('link', { name: 'photoAvatarLifecycle', exact: true }).waitFor();

      // The compact history: one row per activity (scheduled, started, completed) and one for the child render.
      await page.getByTestId('compact').click();
      const eventRows = page.getByTestId('event-summary-table').getByTestId('event-summary-row');
      const renderRow = eventRows.filter({ hasText: 'renderVideo' });
      await renderRow.filter({ hasText: quotesLoose(`Render of "${name}"`) }).waitFor();
      const activityRows = eventRows.filter({ has: page.getByText('Activity Type', { exact: true }) });
      await activityRows.nth(ranActivities.length - 1).waitFor();
      const shownActivities = await activityRows
        .locator('xpath=.//p[normalize-space()="Activity Type"]/following-sibling::*[1]')
        .allInnerTexts();
      // Newest first, as the UI lists them by default.
      expect(shownActivities.map((t) => t.trim())).toEqual([...ranActivities].reverse());
      // The timeline above the table names every step and the render too (its own scroller may hide the oldest).
      const timeline = page.locator('#event-history-timeline-graph');
      for (const label of [...new Set(ranActivities), `Render of "${name}"`]) {
        await timeline.getByText(quotesLoose(label)).first().waitFor({ state: 'attached' });
      }
      await fullPageScreenshot(page, screenshot('lifecycle-run', version));

      // 4. User metadata: the static summary and details set at start, and the run's current details.
      await page.getByTestId('user-metadata-tab').click();
      await page.waitForURL((url) => url.pathname.endsWith('/user-metadata'));
      expect(await markdownBlockText(page, 'Summary', quotesLoose(summary))).toMatch(quotesLoose(summary));
      expect(await markdownBlockText(page, 'Details', /Caller reference/)).toBe(
        `Caller reference: ${reference}`,
      );
      expect(await markdownBlockText(page, 'Current Details', /completed/)).toBe('completed');
      await page
        .getByText(quotesLoose(`Render of "${name}" with look`))
        .first()
        .waitFor();
      await fullPageScreenshot(page, screenshot('lifecycle-summary', version));
    } catch (err) {
      await page.screenshot({ path: screenshot('failure', version), fullPage: true }).catch(() => undefined);
      throw err;
    }
  }, 300_000);
});

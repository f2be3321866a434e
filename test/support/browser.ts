import { accessSync, constants } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser (`bash scripts/chromium.sh` installs it). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The Chromium the browser tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium. Never a browser
 * downloaded by Playwright (playwright-core has no download step; `executablePath` is always given).
 */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH?.trim();
  const candidate = fromEnv || DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new Error(
      fromEnv
        ? `CHROMIUM_PATH=${fromEnv} is not an executable file`
        : `Chromium is not installed at ${DEFAULT_CHROMIUM_PATH}: run \`bash scripts/chromium.sh\` ` +
            '(installs Debian\'s "chromium" package with apt-get) or set CHROMIUM_PATH to a Chromium binary',
    );
  }
  return candidate;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Closes the page, the context and the browser; safe to call twice, never throws */
  close(): Promise<void>;
}

export interface BrowserSessionOptions {
  viewport?: { width: number; height: number };
  /** Default timeout of every locator wait and action (ms) */
  timeoutMs?: number;
  /** Default timeout of navigations (ms) */
  navigationTimeoutMs?: number;
}

/**
 * Launches headless Chromium (new headless mode, no sandbox: tests often run as root in containers; /dev/shm is
 * small in containers) and opens one page in a fresh context.
 */
export async function launchBrowser(opts: BrowserSessionOptions = {}): Promise<BrowserSession> {
  const viewport = opts.viewport ?? { width: 1440, height: 900 };
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    // playwright-core passes a bare `--headless`; the explicit `--headless=new` comes later and wins (Chromium keeps
    // the last value of a repeated switch), so the real browser's new headless mode is used on any version.
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      `--window-size=${viewport.width},${viewport.height}`,
    ],
    timeout: 60_000,
  });
  try {
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(opts.timeoutMs ?? 30_000);
    context.setDefaultNavigationTimeout(opts.navigationTimeoutMs ?? 60_000);
    const page = await context.newPage();
    let closed: Promise<void> | undefined;
    return {
      browser,
      context,
      page,
      close() {
        closed ??= (async () => {
          await context.close().catch(() => undefined);
          await browser.close().catch(() => undefined);
        })();
        return closed;
      },
    };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

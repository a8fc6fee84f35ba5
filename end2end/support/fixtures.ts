import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import type { HarnessState } from './harness-state';

/** A username and its password. */
export interface Account {
  username: string;
  password: string;
}

export interface Env {
  /** The app, connected to a real registry and the private dockerd. */
  appUrl: string;
  /** A second app instance whose registry URL points at a port nothing listens on. */
  deadRegistryAppUrl: string;
  /** A third app instance, started with no account. */
  freshAppUrl: string;
  /** The one-time first-run link the fresh app logged (`…/setup?token=…`). */
  setupUrl: string;
  /** A fourth app, in `REGISTRY_MODE=embedded`: it runs its own registry (same admin). */
  embeddedAppUrl: string;
  /** The registry the embedded app runs, for pushing test images straight to it. */
  embeddedRegistryUrl: string;
  /** The admin of the main and dead-registry apps (the default browser state is signed in as it). */
  admin: Account;
  registryUrl: string;
  registryHost: string;
  /** host:port of a source registry that accepts connections and never answers. */
  stalledSourceHost: string;
  /** What the harness pushed into the registry before the suite started. */
  fixtures: HarnessState['fixtures'];
}

/**
 * A browser or HTTP client state with no session. Playwright gives contexts a test makes itself
 * the config's `storageState` (the shared admin session) unless told otherwise: this is the
 * "otherwise".
 */
export const signedOut = { cookies: [], origins: [] };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup did not run`);
  return value;
}

/**
 * A Content-Security-Policy violation: Chromium's own report in the page's log ("Refused to …
 * because it violates the following Content Security Policy directive …"), or the console line
 * of the `securitypolicyviolation` listener that {@link watchCsp} adds to every page.
 */
const CSP_VIOLATION = /Content Security Policy|csp-violation:/i;

/**
 * Chromium's log of `page` (CDP `Log` domain), which has the browser's own CSP reports, also for
 * pages without JavaScript. `Log.enable` replays what was logged before it.
 */
const watchedLogs = new WeakSet<Page>();
async function watchLog(context: BrowserContext, page: Page, seen: string[]): Promise<void> {
  if (watchedLogs.has(page)) return;
  watchedLogs.add(page);
  try {
    const session = await context.newCDPSession(page);
    session.on('Log.entryAdded', ({ entry }) => {
      if (CSP_VIOLATION.test(entry.text)) seen.push(`${entry.url ?? ''}: ${entry.text}`);
    });
    await session.send('Log.enable');
  } catch {
    // The page closed before its log could be opened: it had no time to load anything.
  }
}

/** Records every CSP violation any page of `context` reports into `seen`. */
async function watchCsp(context: BrowserContext, seen: string[]): Promise<void> {
  context.on('console', (message) => {
    if (CSP_VIOLATION.test(message.text())) seen.push(`${message.location().url}: ${message.text()}`);
  });
  for (const page of context.pages()) await watchLog(context, page, seen);
  context.on('page', (page) => void watchLog(context, page, seen));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `csp-violation: ${event.violatedDirective} refused ${event.blockedURI || 'inline'} on ${event.documentURI}`,
      );
    });
  });
}

export const test = base.extend<{
  env: Env;
  /** Opens a page in a new browser context with no session (closed after the test). */
  newSignedOutPage: () => Promise<Page>;
  /** A plain HTTP client with no cookies and no credentials (disposed after the test). */
  newApiClient: () => Promise<APIRequestContext>;
  /**
   * Fails the test if any page it opened reported a Content-Security-Policy violation: the
   * default context's, and those of every context the test makes (`browser.newContext`, which
   * `newSignedOutPage` uses too). Automatic: every spec runs with it.
   */
  cspViolations: string[];
}>({
  cspViolations: [
    async ({ context, browser }, use) => {
      const seen: string[] = [];
      await watchCsp(context, seen);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const made = await newContext(options);
        await watchCsp(made, seen);
        return made;
      };
      try {
        await use(seen);
      } finally {
        browser.newContext = newContext;
      }
      expect(seen, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern
  env: async ({}, use) => {
    await use({
      appUrl: required('RM_APP_URL'),
      deadRegistryAppUrl: required('RM_DEAD_REGISTRY_APP_URL'),
      freshAppUrl: required('RM_FRESH_APP_URL'),
      setupUrl: required('RM_SETUP_URL'),
      embeddedAppUrl: required('RM_EMBEDDED_APP_URL'),
      embeddedRegistryUrl: required('RM_EMBEDDED_REGISTRY_URL'),
      admin: { username: required('RM_ADMIN_USERNAME'), password: required('RM_ADMIN_PASSWORD') },
      registryUrl: required('RM_REGISTRY_URL'),
      registryHost: required('RM_REGISTRY_HOST'),
      stalledSourceHost: required('RM_STALLED_SOURCE_HOST'),
      fixtures: JSON.parse(required('RM_FIXTURES')),
    });
  },
  newSignedOutPage: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext({ storageState: signedOut });
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
  },
  newApiClient: async ({ playwright }, use) => {
    const clients: APIRequestContext[] = [];
    await use(async () => {
      const client = await playwright.request.newContext({ storageState: signedOut });
      clients.push(client);
      return client;
    });
    for (const client of clients) await client.dispose();
  },
});

/** Opens a page and waits until the WASM has hydrated it, so clicks reach live handlers. */
export async function openHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export { expect };

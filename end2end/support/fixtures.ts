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

export const test = base.extend<{
  env: Env;
  /** Opens a page in a new browser context with no session (closed after the test). */
  newSignedOutPage: () => Promise<Page>;
  /** A plain HTTP client with no cookies and no credentials (disposed after the test). */
  newApiClient: () => Promise<APIRequestContext>;
}>({
  // eslint-disable-next-line no-empty-pattern
  env: async ({}, use) => {
    await use({
      appUrl: required('RM_APP_URL'),
      deadRegistryAppUrl: required('RM_DEAD_REGISTRY_APP_URL'),
      freshAppUrl: required('RM_FRESH_APP_URL'),
      setupUrl: required('RM_SETUP_URL'),
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

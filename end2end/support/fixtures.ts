import { test as base, expect, type Page } from '@playwright/test';
import type { HarnessState } from './harness-state';

export interface Env {
  /** The app, connected to a real registry and the private dockerd. */
  appUrl: string;
  /** A second app instance whose registry URL points at a port nothing listens on. */
  deadRegistryAppUrl: string;
  registryUrl: string;
  registryHost: string;
  /** host:port of a source registry that accepts connections and never answers. */
  stalledSourceHost: string;
  /** What the harness pushed into the registry before the suite started. */
  fixtures: HarnessState['fixtures'];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup did not run`);
  return value;
}

export const test = base.extend<{ env: Env }>({
  // eslint-disable-next-line no-empty-pattern
  env: async ({}, use) => {
    await use({
      appUrl: required('RM_APP_URL'),
      deadRegistryAppUrl: required('RM_DEAD_REGISTRY_APP_URL'),
      registryUrl: required('RM_REGISTRY_URL'),
      registryHost: required('RM_REGISTRY_HOST'),
      stalledSourceHost: required('RM_STALLED_SOURCE_HOST'),
      fixtures: JSON.parse(required('RM_FIXTURES')),
    });
  },
});

/** Opens a page and waits until the WASM has hydrated it, so clicks reach live handlers. */
export async function openHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export { expect };

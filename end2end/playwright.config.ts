import { defineConfig } from '@playwright/test';
import { adminStorageState } from './support/paths';

// The global setup starts the test environment (registry, dockerd, app instances) through the
// Rust harness binary and tears it down afterwards; see support/global-setup.ts. It also signs the
// admin in on the main app: every test starts with that session (`storageState` below). A context
// for someone else must start signed out (`newSignedOutPage`, `newApiClient` in support/fixtures.ts):
// Playwright gives `browser.newContext()` and `playwright.request.newContext()` these `use` options
// too unless they are overridden.
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  globalSetup: './support/global-setup.ts',
  use: {
    storageState: adminStorageState,
    // The specs are written against the English UI, which the app picks for `Accept-Language:
    // en-US` (and for no header). Said here rather than left to the machine's LANG, which
    // Chromium would otherwise turn into the header; i18n.spec.ts asks for zh-CN itself.
    locale: 'en-US',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without these, Chromium keeps calling out to the network, which this machine refuses.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});

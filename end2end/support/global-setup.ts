import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from '@playwright/test';
import type { HarnessState } from './harness-state';
import { adminStorageState, harnessDir } from './paths';

const root = resolve(__dirname, '..', '..');
const stateFile = resolve(harnessDir, 'state.json');

/**
 * Starts `rm-harness env`: a real registry, a private dockerd and the app (three times: the main
 * instance, one pointed at a dead registry port, and a fresh one with no account that logged a
 * setup link). Its URLs reach the tests through RM_* environment variables. Then signs the admin
 * in on the main app and saves that browser state: it is every test's default `storageState`
 * (playwright.config.ts), so the specs start signed in.
 * The returned function is Playwright's teardown: closing the harness's stdin stops everything.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const harnessBin = process.env.RM_HARNESS_BIN ?? resolve(root, 'target/debug/rm-harness');
  const appBin = process.env.RM_APP_BIN ?? resolve(root, 'target/debug/registry-manager');
  // A build in another target dir (CARGO_TARGET_DIR + LEPTOS_SITE_ROOT) points here with RM_SITE_ROOT.
  const siteRoot = process.env.RM_SITE_ROOT ?? resolve(root, 'target/site');
  for (const bin of [harnessBin, appBin]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`make test\` (it builds it first)`);
  }
  mkdirSync(harnessDir, { recursive: true });
  rmSync(stateFile, { force: true });
  rmSync(adminStorageState, { force: true });

  const child = spawn(
    harnessBin,
    ['env', '--app-bin', appBin, '--site-root', siteRoot, '--state-file', stateFile],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  );
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));

  const deadline = Date.now() + 120_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null) throw new Error(`rm-harness env exited early with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('rm-harness env did not become ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const state: HarnessState = JSON.parse(readFileSync(stateFile, 'utf8'));
  // A harness binary older than this suite lacks fields: stop here rather than hand the tests
  // "undefined" (a source named "undefined/…" would be normalised to a public registry).
  const field = (name: keyof HarnessState): string => {
    const value = state[name];
    if (typeof value !== 'string' || value === '') {
      child.kill('SIGTERM');
      throw new Error(`${harnessBin} wrote no ${name}: rebuild it (\`cargo build -p rm-harness\`, or \`make test\`)`);
    }
    return value;
  };
  process.env.RM_APP_URL = field('app_url');
  process.env.RM_DEAD_REGISTRY_APP_URL = field('dead_registry_app_url');
  process.env.RM_FRESH_APP_URL = field('fresh_app_url');
  process.env.RM_EMBEDDED_APP_URL = field('embedded_app_url');
  process.env.RM_EMBEDDED_REGISTRY_URL = field('embedded_registry_url');
  process.env.RM_SETUP_URL = field('setup_url');
  process.env.RM_ADMIN_USERNAME = field('admin_username');
  process.env.RM_ADMIN_PASSWORD = field('admin_password');
  process.env.RM_REGISTRY_URL = field('registry_url');
  process.env.RM_REGISTRY_HOST = field('registry_host');
  process.env.RM_DOCKER_HOST = field('docker_host');
  process.env.RM_STALLED_SOURCE_HOST = field('stalled_source_host');
  process.env.RM_FIXTURES = JSON.stringify(state.fixtures);

  try {
    await signInAdmin(state);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }

  return async () => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * `POST /login` (the JSON form) as the harness's admin on the main app; the session cookie it
 * sets is saved as a Playwright storage state. Every test shares this one session, so no test may
 * sign out of it or sign in again in a context holding it (a login ends the browser's old session):
 * tests that sign someone in use a signed-out context (`newSignedOutPage`, `newApiClient` in
 * support/fixtures.ts; `signIn` in support/session.ts clears the context's cookies first).
 */
async function signInAdmin(state: HarnessState): Promise<void> {
  const api = await request.newContext();
  try {
    const response = await api.post(`${state.app_url}/login`, {
      data: { username: state.admin_username, password: state.admin_password },
      // As the sign-in page would: the server refuses a login that may come from another site.
      headers: { origin: new URL(state.app_url).origin },
    });
    if (response.status() !== 200) {
      throw new Error(`signing in as ${state.admin_username} on ${state.app_url} answered ${response.status()}: ${await response.text()}`);
    }
    await api.storageState({ path: adminStorageState });
  } finally {
    await api.dispose();
  }
}

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HarnessState } from './harness-state';

const root = resolve(__dirname, '..', '..');
const stateFile = resolve(__dirname, '..', '.harness', 'state.json');

/**
 * Starts `rm-harness env`: a real registry, a private dockerd and the app (twice: one instance
 * pointed at a dead registry port). Its URLs reach the tests through RM_* environment variables.
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
  mkdirSync(resolve(stateFile, '..'), { recursive: true });
  rmSync(stateFile, { force: true });

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
  process.env.RM_APP_URL = state.app_url;
  process.env.RM_DEAD_REGISTRY_APP_URL = state.dead_registry_app_url;
  process.env.RM_REGISTRY_URL = state.registry_url;
  process.env.RM_REGISTRY_HOST = state.registry_host;
  process.env.RM_DOCKER_HOST = state.docker_host;
  process.env.RM_FIXTURES = JSON.stringify(state.fixtures);

  return async () => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
}

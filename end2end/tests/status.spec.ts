import { test, expect, openHydrated } from '../support/fixtures';
import { signIn } from '../support/session';

test('the status view shows the registry and the Docker daemon reachable', async ({ page, env }) => {
  await openHydrated(page, env.appUrl + '/status');
  const registry = page.getByRole('region', { name: 'Registry' });
  await expect(registry.getByText('Reachable', { exact: true })).toBeVisible();
  await expect(registry.getByText(env.registryUrl, { exact: true })).toBeVisible();
  await expect(registry.getByText(env.registryHost, { exact: true })).toBeVisible();
  const docker = page.getByRole('region', { name: 'Docker daemon' });
  await expect(docker.getByText('Reachable', { exact: true })).toBeVisible();
  // The server runs on this machine, so its detected arch is Node's, in the tool's naming.
  const expectedArch = ({ x64: 'x86', arm64: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  const host = page.getByRole('region', { name: 'Host' });
  await expect(host.getByText(expectedArch, { exact: true })).toBeVisible();
});

test('the status view shows an unreachable registry with the reason', async ({ page, env }) => {
  // Another app: the shared session is the main app's, so sign in on this one (same admin).
  await signIn(page, env.deadRegistryAppUrl, env.admin, '/status');
  const registry = page.getByRole('region', { name: 'Registry' });
  await expect(registry.getByText('Unreachable', { exact: true })).toBeVisible();
  await expect(registry.locator('.reason')).toContainText('cannot reach the registry');
  await expect(registry.locator('.reason')).toContainText(/connection refused/i);
  const docker = page.getByRole('region', { name: 'Docker daemon' });
  await expect(docker.getByText('Unreachable', { exact: true })).toBeVisible();
  await expect(docker.locator('.reason')).toContainText('cannot reach the Docker daemon');
});

test('"Check again" asks the server again (a client-side interaction: needs hydration)', async ({ page, env }) => {
  await openHydrated(page, env.appUrl + '/status');
  const checkedAt = page.locator('.checked-at');
  const before = await checkedAt.textContent();
  const rpc = page.waitForResponse((r) => r.url().endsWith('/rpc/status') && r.ok());
  await page.getByRole('button', { name: 'Check again' }).click();
  await rpc;
  await expect(checkedAt).not.toHaveText(before ?? '');
  await expect(page.getByRole('region', { name: 'Registry' }).getByText('Reachable', { exact: true })).toBeVisible();
});

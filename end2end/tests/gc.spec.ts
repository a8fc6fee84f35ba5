// Garbage collection from the UI, for the registry the harness runs beside the app (external to
// it, as most deployments are): the Storage page tells an admin what to run on the registry's
// host and why, and offers no button that could not work; the Status page says so too. The
// embedded flow (dry run, dialog, sweep) is gc-embedded.spec.ts, on the harness's embedded app.
import { test, expect, openHydrated } from '../support/fixtures';

test('the Storage page tells an admin of an external registry what to run on its host', async ({ page, env }) => {
  await openHydrated(page, env.appUrl + '/storage');
  const panel = page.getByRole('region', { name: 'Reclaim space' });
  await expect(panel.getByRole('heading', { name: "Garbage collection runs on the registry's host" })).toBeVisible();
  await expect(panel.locator('pre')).toContainText('registry garbage-collect /etc/docker/registry/config.yml');
  await expect(panel).toContainText('storage.maintenance.readonly.enabled: true');
  await expect(panel).toContainText('storage.delete.enabled: true');
  await expect(panel.getByRole('button', { name: 'Reclaim space…' })).toHaveCount(0);
});

test('the Status page names the registry mode and why garbage collection is not available', async ({ page, env }) => {
  await openHydrated(page, env.appUrl + '/status');
  const registry = page.getByRole('region', { name: 'Registry' });
  await expect(registry.getByTestId('registry-mode')).toHaveText('external (run elsewhere)');
  await expect(registry.getByTestId('gc-availability')).toContainText('not available');
});

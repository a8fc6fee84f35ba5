// Storage usage from the UI: the figures come from a scan job, "Rescan" starts one and its
// progress shows live until the table has the new repository; the repository page shows its own
// figures and each tag's "Only this tag" bytes; a repository whose every tag was deleted is
// listed under "Empty repositories" (the harness registry is external to the app, so it cannot be
// removed here, and the repository list hides it by default). Removal itself is covered by
// server/tests/storage.rs against an embedded registry.
import { test, expect, openHydrated } from '../support/fixtures';
import { pushImage, retag, uniqueName } from '../support/registry';

test('Rescan picks up a new repository, and the repository page shows its figures per tag', async ({ page, env }) => {
  const repo = `e2e/storage-${uniqueName()}/app`;
  await pushImage(page.request, env.registryUrl, repo, 'v1', [40_000]);
  await retag(page.request, env.registryUrl, repo, 'v1', 'same');
  await pushImage(page.request, env.registryUrl, repo, 'v2', [10_000]);

  await openHydrated(page, env.appUrl + '/storage');
  await page.getByRole('button', { name: 'Rescan' }).click();
  // The scan's progress while it runs, then the table with the new repository.
  const table = page.getByRole('table', { name: 'Storage per repository' });
  await expect(table.getByRole('link', { name: repo, exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('storage-scan')).toHaveCount(0);

  await table.getByRole('link', { name: repo, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: repo })).toBeVisible();
  await expect(page.getByTestId('repository-storage')).toContainText('Only this repository');
  await expect(page.getByRole('columnheader', { name: 'Only this tag' })).toBeVisible();
  const only = (tag: string) =>
    page
      .locator('table.tags tbody tr', { has: page.getByRole('link', { name: tag, exact: true }) })
      .locator('[data-column="only-tag"]');
  // Two tags on one digest hold nothing alone; v2 holds its own layer.
  await expect(only('v1')).toHaveText('0 B');
  await expect(only('same')).toHaveText('0 B');
  await expect(only('v2')).toHaveText(/KiB/);
});

test('an emptied repository is listed on the Storage page and hidden from the list by default', async ({ page, env }) => {
  const repo = `e2e/storage-${uniqueName()}/emptied`;
  const digest = await pushImage(page.request, env.registryUrl, repo, 'v1');
  const deleted = await page.request.delete(`${env.registryUrl}/v2/${repo}/manifests/${digest}`);
  expect(deleted.status()).toBe(202);

  await openHydrated(page, env.appUrl + '/storage');
  await page.getByRole('button', { name: 'Rescan' }).click();
  const empties = page.getByRole('region', { name: 'Empty repositories' });
  await expect(empties.getByText(repo, { exact: true })).toBeVisible({ timeout: 60_000 });
  // This server does not run the registry: no Remove button, and the reason.
  await expect(empties.getByRole('button', { name: `Remove ${repo}` })).toHaveCount(0);
  await expect(empties).toContainText('cannot remove them');

  const filter = encodeURIComponent(repo);
  await openHydrated(page, `${env.appUrl}/?q=${filter}`);
  await expect(page.getByTestId('empty-hidden')).toBeVisible();
  await expect(page.getByRole('link', { name: repo, exact: true })).toHaveCount(0);
  await page.getByTestId('empty-hidden').getByRole('link', { name: 'Show all' }).click();
  await expect(page).toHaveURL(/non_empty=0/);
  await expect(page.getByRole('link', { name: repo, exact: true })).toBeVisible();
});

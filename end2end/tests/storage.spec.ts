// Storage usage from the UI: the figures come from a scan job, "Rescan" starts one and its
// progress shows live until the table has the new repository; the repository page shows its own
// figures and each tag's "Only this tag" bytes; a repository whose every tag was deleted is
// listed under "Empty repositories". On the main app (its registry is external) it cannot be
// removed and the repository list hides it by default; on the harness's embedded app an admin
// removes it for good, and the list shows empty repositories by default.
import { test, expect, openHydrated } from '../support/fixtures';
import { pushImage, retag, uniqueName } from '../support/registry';
import { signIn } from '../support/session';

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

test('on the app that runs its registry, an admin removes an empty repository for good', async ({
  newSignedOutPage,
  env,
  request,
}) => {
  test.setTimeout(120_000);
  const registry = env.embeddedRegistryUrl;
  const repo = `storage-e2e/${uniqueName()}/emptied`;
  const digest = await pushImage(request, registry, repo, 'v1');
  expect((await request.delete(`${registry}/v2/${repo}/manifests/${digest}`)).status()).toBe(202);

  // Its own sign-in: the embedded app has its own accounts (the same admin, another database).
  const page = await newSignedOutPage();
  await signIn(page, env.embeddedAppUrl, env.admin, '/storage');
  const empties = page.getByRole('region', { name: 'Empty repositories' });
  // A garbage collection elsewhere in the suite may restart the registry under a scan: scan again.
  await expect(async () => {
    await page.getByRole('button', { name: 'Rescan' }).click();
    await expect(empties.getByText(repo, { exact: true })).toBeVisible({ timeout: 15_000 });
  }).toPass({ timeout: 90_000 });
  // Where the app can remove them, the repository list shows empty repositories by default.
  const list = await newSignedOutPage();
  await signIn(list, env.embeddedAppUrl, env.admin, `/?q=${repo}`);
  await expect(list.getByRole('link', { name: repo, exact: true })).toBeVisible();
  await expect(list.getByTestId('empty-hidden')).toHaveCount(0);

  await empties.getByRole('button', { name: `Remove ${repo}` }).click();
  await expect(page.getByText(repo, { exact: true })).toHaveCount(0);
  const catalog = await request.get(`${registry}/v2/_catalog?n=1000`);
  expect(catalog.status()).toBe(200);
  const names: string[] = (await catalog.json()).repositories;
  expect(names.length).toBeGreaterThan(0);
  expect(names).not.toContain(repo);
});

import { test, expect, openHydrated } from '../support/fixtures';

// One flow, in order: it deletes what it browses.
test.describe.configure({ mode: 'serial' });

test('browse → filter → open repository → sort by created → tag detail → delete only this tag → delete the image', async ({ page, env }) => {
  const fx = env.fixtures.browse;
  await openHydrated(page, env.appUrl + '/');

  // Grouped by namespace, with tag counts.
  await expect(page.getByRole('region', { name: 'prod/' }).getByRole('link', { name: 'prod/api' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'x86/' })).toBeVisible();

  // Filter narrows the list as one types.
  await page.getByLabel('Filter').fill('browse/web');
  await expect(page).toHaveURL(/[?]q=browse\/web$/);
  await expect(page.getByRole('link', { name: 'prod/api' })).toHaveCount(0);
  const repoLink = page.getByRole('link', { name: fx.repository, exact: true });
  await expect(repoLink).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(fx.repository) }).getByRole('cell').last()).toHaveText('4');
  await repoLink.click();

  await expect(page.getByRole('heading', { level: 1, name: fx.repository })).toBeVisible();
  const table = page.locator('table.tags');
  const firstColumn = () => table.locator('tbody tr td:first-child a').allTextContents();
  await expect.poll(firstColumn).toEqual(['multi', 'stable', 'v1', 'v2']);

  // Sort by created: newest first over the whole repository; again for oldest first.
  await page.getByRole('button', { name: 'Created' }).click();
  await expect.poll(firstColumn).toEqual(['stable', 'v2', 'multi', 'v1']);
  await page.getByRole('button', { name: /Created/ }).click();
  await expect.poll(firstColumn).toEqual(['v1', 'multi', 'stable', 'v2']);

  // The multi-arch tag lists both platforms.
  const multiRow = table.locator('tbody tr', { has: page.getByRole('link', { name: 'multi', exact: true }) });
  await expect(multiRow.getByText('linux/amd64')).toBeVisible();
  await expect(multiRow.getByText(/linux\/arm64/)).toBeVisible();
  // An index shows its total size and each platform's own.
  const perPlatform = multiRow.getByRole('list', { name: 'Size per platform' }).getByRole('listitem');
  await expect(perPlatform).toHaveText([/^amd64 \d/, /^arm64\/v8 \d/]);

  // Tag detail: digest, layers, labels shown as text (never as markup).
  await table.getByRole('link', { name: 'v2', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${fx.repository}:v2` })).toBeVisible();
  await expect(page.getByText(fx.v2_digest).first()).toBeVisible();
  const labels = page.getByRole('table', { name: 'Labels' });
  await expect(labels.getByRole('cell', { name: fx.html_label })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
  await expect(page.getByText('stable').first()).toBeVisible();

  // Back to the repository: delete only v2; its sibling `stable` survives.
  await page.getByRole('link', { name: fx.repository }).click();
  await page.getByRole('button', { name: 'Delete v2' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('list', { name: 'Other tags on this digest' })).toContainText('stable');
  await dialog.getByRole('button', { name: 'Delete only this tag' }).click();
  await expect(page.getByRole('status')).toContainText('v2');
  await expect.poll(firstColumn).toEqual(['multi', 'stable', 'v1']);
  const registryTags = async (tag: string) =>
    (await page.request.head(`${env.registryUrl}/v2/${fx.repository}/manifests/${tag}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })).status();
  expect(await registryTags('v2')).toBe(404);
  expect(await registryTags('stable')).toBe(200);

  // Delete the image behind `v1`: no siblings, the whole image goes.
  await page.getByRole('button', { name: 'Delete v1' }).click();
  await expect(page.getByRole('dialog')).toContainText('No other tag points to this image.');
  await page.getByRole('dialog').getByRole('button', { name: /Delete the image/ }).click();
  await expect.poll(firstColumn).toEqual(['multi', 'stable']);
  expect(await registryTags('v1')).toBe(404);
});

test('a repository is deleted only after its name is typed', async ({ page, env }) => {
  const repo = env.fixtures.browse.delete_repository;
  await openHydrated(page, `${env.appUrl}/repositories/${repo}`);
  await expect.poll(() => page.locator('table.tags tbody tr').count()).toBe(2);
  await page.getByRole('button', { name: 'Delete repository' }).click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: 'Delete repository' });
  await expect(confirm).toBeDisabled();
  await dialog.getByRole('textbox').fill('e2e/browse');
  await expect(confirm).toBeDisabled();
  await dialog.getByRole('textbox').fill(repo);
  await confirm.click();
  await expect(page).toHaveURL(env.appUrl + '/');
  const tags = await page.request.get(`${env.registryUrl}/v2/${repo}/tags/list`);
  const body = await tags.json();
  expect(body.tags ?? []).toEqual([]);
});

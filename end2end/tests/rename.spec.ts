import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { listTags, manifestDigest, pushImage, uniqueName } from '../support/registry';

test('rename two repositories by prefix: preview old → new, start, new repositories appear', async ({ page, env }) => {
  const run = uniqueName();
  const alpha = `e2e/rename-${run}/alpha`;
  const beta = `e2e/rename-${run}/beta`;
  await pushImage(page.request, env.registryUrl, alpha, 'v1');
  await pushImage(page.request, env.registryUrl, alpha, 'v2');
  await pushImage(page.request, env.registryUrl, beta, 'v1');

  await openHydrated(page, `${env.appUrl}/?q=rename-${run}`);
  const rename = page.getByRole('button', { name: 'Rename by prefix…' });
  await expect(rename).toBeDisabled();
  await page.getByRole('checkbox', { name: `Select ${alpha}` }).check();
  await page.getByRole('checkbox', { name: `Select ${beta}` }).check();
  await expect(page.getByTestId('selected-count')).toHaveText('2 / 2 selected');
  await rename.click();

  const dialog = page.getByRole('dialog', { name: 'Rename by prefix' });
  const start = dialog.getByRole('button', { name: 'Start rename' });
  await expect(dialog.getByRole('radio', { name: 'Add a prefix' })).toBeChecked();

  // A prefix the names lack: as in the original, they stay as they are (nothing to copy).
  await dialog.getByRole('radio', { name: 'Remove a prefix' }).check();
  await dialog.getByLabel('Prefix', { exact: true }).fill('absent');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const kept = dialog.getByTestId('rename-preview-repository');
  await expect(kept).toHaveCount(2);
  await expect(kept.nth(0)).toContainText(`${alpha} unchanged`);
  // A prefix that cannot be used: the server's reason, and no way to start.
  await dialog.getByLabel('Prefix', { exact: true }).fill('a//b');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.getByRole('alert')).toContainText('empty path component');
  await expect(start).toBeDisabled();

  await dialog.getByRole('radio', { name: 'Add a prefix' }).check();
  await dialog.getByLabel('Prefix', { exact: true }).fill('renamed');
  await expect(start).toBeDisabled();
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByRole('list', { name: 'Old → new names' });
  const rows = preview.getByTestId('rename-preview-repository');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText(`${alpha} → ${env.registryHost}/renamed/${alpha}`);
  await expect(rows.nth(0).locator('.tag-list li')).toHaveText(['v1', 'v2']);
  await expect(rows.nth(1)).toContainText(`${beta} → ${env.registryHost}/renamed/${beta}`);
  await expect(start).toBeEnabled();
  // Changing the request after the preview asks for a new one.
  await dialog.getByLabel('Prefix', { exact: true }).fill('renamed2');
  await expect(start).toBeDisabled();
  await dialog.getByLabel('Prefix', { exact: true }).fill('renamed');
  await expect(start).toBeEnabled();
  await start.click();

  const job = new JobPage(page);
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: 'Rename by prefix' })).toBeVisible();
  // ---- needs the copy engine (copy_image) from here on ----
  await job.expectFinished('succeeded');
  await expect(job.items).toHaveCount(3);
  await expect(job.progress).toHaveAttribute('aria-valuenow', '100');

  await openHydrated(page, `${env.appUrl}/?q=renamed/e2e/rename-${run}`);
  await expect(page.getByRole('link', { name: `renamed/${alpha}`, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: `renamed/${beta}`, exact: true })).toBeVisible();
  expect(await listTags(page.request, env.registryUrl, `renamed/${alpha}`)).toEqual(['v1', 'v2']);
  // Without "delete the old tags", the old names stay.
  expect(await listTags(page.request, env.registryUrl, beta)).toEqual(['v1']);
});

test('a target tag with another image is marked as a conflict before the start, then skipped, not overwritten', async ({ page, env }) => {
  const run = uniqueName();
  const app = `e2e/rename-${run}/app`;
  await pushImage(page.request, env.registryUrl, app, 'v1');
  await pushImage(page.request, env.registryUrl, app, 'v2');
  // Someone already wrote another image under one of the new names.
  const theirs = await pushImage(page.request, env.registryUrl, `moved/${app}`, 'v1', [4096]);

  await openHydrated(page, `${env.appUrl}/?q=rename-${run}`);
  await page.getByRole('checkbox', { name: `Select ${app}` }).check();
  await page.getByRole('button', { name: 'Rename by prefix…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename by prefix' });
  await dialog.getByLabel('Prefix', { exact: true }).fill('moved');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const tags = dialog.getByTestId('rename-preview-repository').locator('.tag-list li');
  await expect(tags).toHaveText(['v1 conflict: the target tag exists with another image', 'v2']);
  await expect(dialog.getByRole('checkbox', { name: 'Overwrite target tags that point to another image' })).not.toBeChecked();
  await dialog.getByRole('button', { name: 'Start rename' }).click();

  const job = new JobPage(page);
  await job.id();
  await job.expectFinished('partial');
  const [v1, v2] = [job.items.filter({ hasText: `${app}:v1` }), job.items.filter({ hasText: `${app}:v2` })];
  await expect(v1).toHaveAttribute('data-item-status', 'skipped');
  await expect(v1).toContainText('not overwritten');
  await expect(v2).toHaveAttribute('data-item-status', 'succeeded');
  expect(await manifestDigest(page.request, env.registryUrl, `moved/${app}`, 'v1')).toBe(theirs);
  expect(await listTags(page.request, env.registryUrl, `moved/${app}`)).toEqual(['v1', 'v2']);
});

import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { listTags, pushImage, uniqueName } from '../support/registry';

test('delete selected repositories after typing the phrase; they leave the list', async ({ page, env }) => {
  const run = uniqueName();
  const one = `e2e/batch-${run}/one`;
  const two = `e2e/batch-${run}/two`;
  const kept = `e2e/batch-${run}/kept`;
  await pushImage(page.request, env.registryUrl, one, 'v1');
  await pushImage(page.request, env.registryUrl, two, 'v1');
  await pushImage(page.request, env.registryUrl, two, 'v2');
  await pushImage(page.request, env.registryUrl, kept, 'v1');

  await openHydrated(page, `${env.appUrl}/?q=batch-${run}`);
  await page.getByRole('checkbox', { name: `Select ${one}` }).check();
  await page.getByRole('checkbox', { name: `Select ${two}` }).check();
  await page.getByRole('button', { name: 'Delete repositories…' }).click();

  const dialog = page.getByRole('dialog', { name: 'Delete repositories' });
  await expect(dialog.getByRole('list', { name: 'Repositories to delete' }).getByRole('listitem')).toHaveText([one, two]);
  const confirm = dialog.getByRole('button', { name: 'Delete repositories' });
  await expect(confirm).toBeDisabled();
  await dialog.getByRole('textbox').fill('delete 3 repositories');
  await expect(confirm).toBeDisabled();
  await dialog.getByRole('textbox').fill('delete 2 repositories');
  await confirm.click();

  const job = new JobPage(page);
  await job.id();
  await job.expectFinished('succeeded');
  await expect(job.progress).toHaveAttribute('aria-valuenow', '100');
  await expect(job.items).toHaveCount(2);
  for (const row of await job.items.all()) {
    await expect(row).toHaveAttribute('data-item-status', 'succeeded');
  }
  await expect(job.log.getByText(`${two}: deleted 2 tags`)).toBeVisible();

  // A deleted repository stays in the registry's catalog without tags: "Non-empty only" hides it.
  await openHydrated(page, `${env.appUrl}/?q=batch-${run}&non_empty=1`);
  await expect(page.getByRole('link', { name: kept, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: one, exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: two, exact: true })).toHaveCount(0);
  expect(await listTags(page.request, env.registryUrl, one)).toEqual([]);
  expect(await listTags(page.request, env.registryUrl, two)).toEqual([]);
  expect(await listTags(page.request, env.registryUrl, kept)).toEqual(['v1']);
});

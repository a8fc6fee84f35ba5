import { test, expect } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { LocalImagesPage } from '../support/local-images-page';
import { listTags } from '../support/registry';

test('push two local images with a prefix and the arch suffix: preview, job, new repositories', async ({ page, env }) => {
  const [web, api] = env.fixtures.local.push; // e2e/local/web:1.0, e2e/local/api:2.0 (amd64)
  // A fresh prefix per run, so the registry's repositories are this run's own.
  const prefix = `p${Date.now()}`;
  const local = new LocalImagesPage(page);
  await local.open(env.appUrl);
  await expect(page.getByTestId('detected-arch')).not.toBeEmpty();
  await expect(local.row(web)).toContainText('linux/amd64');

  // The filter works in the browser, over references, and lands in the URL.
  await local.filter.fill('e2e/local/');
  await expect(page).toHaveURL(/\/local-images\?q=e2e\/local\/$/);
  await expect(local.row(web)).toBeVisible();
  await expect(local.row(api)).toBeVisible();
  await local.filter.fill('e2e/local/web');
  await expect(local.row(web)).toBeVisible();
  await expect(local.row(api)).toHaveCount(0);
  await local.filter.fill('e2e/local/');

  await expect(local.push).toBeDisabled();
  await local.select(web);
  await local.select(api);
  await expect(local.selectedCount).toHaveText(/^2 \/ \d+ selected$/);
  await local.push.click();

  const dialog = page.getByRole('dialog', { name: 'Push to registry' });
  const start = dialog.getByRole('button', { name: 'Start push' });
  await dialog.getByRole('radio', { name: 'Add a prefix' }).check();
  await dialog.getByLabel('Prefix', { exact: true }).fill(prefix);
  await expect(dialog.getByRole('radio', { name: /^Automatic/ })).toBeChecked();
  await expect(start).toBeDisabled();
  await dialog.getByRole('button', { name: 'Preview' }).click();

  const rows = dialog.getByRole('list', { name: 'Old → new names' }).getByTestId('push-preview-item');
  const newWeb = `${env.registryHost}/${prefix}/e2e/local/web:1.0-x86`;
  const newApi = `${env.registryHost}/${prefix}/e2e/local/api:2.0-x86`;
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: web })).toContainText(`${web} → ${newWeb}`);
  await expect(rows.filter({ hasText: api })).toContainText(`${api} → ${newApi}`);
  await expect(start).toBeEnabled();
  // Changing the request after the preview asks for a new one.
  await dialog.getByRole('radio', { name: 'No suffix' }).check();
  await expect(start).toBeDisabled();
  await dialog.getByRole('radio', { name: /^Automatic/ }).check();
  await expect(start).toBeEnabled();
  await start.click();

  const job = new JobPage(page);
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: 'Push local images' })).toBeVisible();
  await job.expectFinished('succeeded', 60_000);
  await expect(job.items).toHaveCount(2);
  await expect(job.progress).toHaveAttribute('aria-valuenow', '100');

  await page.goto(`${env.appUrl}/?q=${prefix}`);
  await expect(page.getByRole('link', { name: `${prefix}/e2e/local/web`, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: `${prefix}/e2e/local/api`, exact: true })).toBeVisible();
  expect(await listTags(page.request, env.registryUrl, `${prefix}/e2e/local/web`)).toEqual(['1.0-x86']);
  expect(await listTags(page.request, env.registryUrl, `${prefix}/e2e/local/api`)).toEqual(['2.0-x86']);
});

import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { listTags, manifestDigest, pushImage, uniqueName } from '../support/registry';
import { fromOwnPage } from '../support/session';

// Each test pushes and names its own repositories (fresh per run), so the tests run in parallel
// with the other specs and can be re-run against the same registry.

test('sync an image from the UI: live preview, progress and log, then found in the jobs list', async ({ page, env }) => {
  const run = uniqueName();
  const source = `e2e/jobs/${run}/source`;
  const target = `e2e/jobs/${run}/copy`;
  await pushImage(page.request, env.registryUrl, source, 'v1', [64 * 1024, 256 * 1024]);

  await openHydrated(page, env.appUrl + '/jobs');
  let loads = 0;
  page.on('load', () => loads++);
  const form = page.getByRole('region', { name: 'Sync an image' });
  await form.getByLabel('Source image').fill(`${env.registryHost}/${source}:v1`);
  await form.getByLabel('Target repository (optional)').fill(target);
  // Registry to registry is the default engine; the daemon is the opt-in alternative.
  await expect(form.getByRole('radio', { name: /^Registry/ })).toBeChecked();
  await expect(form.getByRole('radio', { name: /^Docker/ })).not.toBeChecked();
  // The preview is the server's rule for the target, and its validation message when wrong.
  await expect(form.getByTestId('sync-preview-target')).toHaveText(`${env.registryHost}/${target}:v1`);
  await form.getByLabel(/^Platforms/).fill('linux');
  await expect(form.getByRole('alert')).toContainText('os/arch');
  await form.getByLabel(/^Platforms/).fill('');
  await expect(form.getByTestId('sync-preview-target')).toBeVisible();
  await form.getByRole('button', { name: 'Start sync' }).click();

  const job = new JobPage(page);
  const id = await job.id();
  await expect(page.getByTestId('job-source')).toContainText(source);
  // Lines arrive over the job's event stream: the page is never reloaded.
  await expect(job.log.getByText(/copying .* → /)).toBeVisible();
  // ---- needs the copy engine (copy_image) from here on ----
  await job.expectFinished('succeeded');
  await expect(job.progress).toHaveAttribute('aria-valuenow', '100');
  await expect(job.log.getByText(/verified/)).toBeVisible();
  await expect(job.items).toHaveCount(1);
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'succeeded');
  await expect(job.items.first().getByText(/^sha256:/)).toBeVisible();
  expect(loads).toBe(0);
  expect(await listTags(page.request, env.registryUrl, target)).toEqual(['v1']);

  await page.goto(env.appUrl + '/jobs');
  const row = page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
  await expect(row).toContainText(target);
  await expect(row.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded');
  await row.getByRole('link', { name: 'Sync' }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${id}$`));
});

test('a sync onto a tag that holds another image shows both digests and needs Overwrite ticked', async ({ page, env }) => {
  const run = uniqueName();
  const source = `e2e/jobs/${run}/source`;
  const target = `e2e/jobs/${run}/held`;
  const incoming = await pushImage(page.request, env.registryUrl, source, 'v1');
  const held = await pushImage(page.request, env.registryUrl, target, 'v1');

  await openHydrated(page, env.appUrl + '/jobs');
  const form = page.getByRole('region', { name: 'Sync an image' });
  const fill = async () => {
    await form.getByLabel('Source image').fill(`${env.registryHost}/${source}:v1`);
    await form.getByLabel('Target repository (optional)').fill(target);
    await expect(form.getByTestId('sync-preview-source-digest')).toHaveText(incoming);
    await expect(form.getByTestId('sync-preview-target-digest')).toHaveText(held);
    await expect(form.getByTestId('sync-conflict')).toBeVisible();
  };
  await fill();
  // Not ticked: the job refuses to replace the tag and names both digests.
  await expect(form.getByTestId('sync-overwrite')).not.toBeChecked();
  await form.getByRole('button', { name: 'Start sync' }).click();
  const job = new JobPage(page);
  await job.id();
  await job.expectFinished('failed');
  await expect(job.items.first()).toContainText(held);
  await expect(job.items.first()).toContainText(incoming);
  expect(await manifestDigest(page.request, env.registryUrl, target, 'v1')).toBe(held);

  // Ticked: replaced, and the log keeps the digest it held.
  await openHydrated(page, env.appUrl + '/jobs');
  await fill();
  await form.getByTestId('sync-overwrite').check();
  await form.getByRole('button', { name: 'Start sync' }).click();
  await job.id();
  await job.expectFinished('succeeded');
  await expect(job.log.getByText(`it held ${held}`)).toBeVisible();
  expect(await manifestDigest(page.request, env.registryUrl, target, 'v1')).toBe(incoming);
});

test('the jobs list shows a job started elsewhere, and its outcome, without reloading', async ({ page, env }) => {
  const run = uniqueName();
  const repo = `e2e/jobs/${run}/listed`;
  await pushImage(page.request, env.registryUrl, repo, 'v1');

  // The live list subscribes after hydration; wait until the stream is open before starting.
  const streamOpen = page.waitForResponse((r) => r.url().endsWith('/api/sync-jobs/events'));
  await openHydrated(page, env.appUrl + '/jobs');
  await streamOpen;
  let loads = 0;
  page.on('load', () => loads++);

  const started = await page.request.post(`${env.appUrl}/api/repository-delete-jobs`, {
    data: { repositories: [repo] },
    headers: fromOwnPage(env.appUrl),
  });
  expect(started.status()).toBe(200);
  const { id } = await started.json();
  const row = page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
  await expect(row).toContainText(repo);
  await expect(row.getByRole('link', { name: 'Delete repositories' })).toBeVisible();
  await expect(row.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded');
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(row).toContainText('1/1 items');
  // (New rows go on top; other specs start jobs in parallel, so that order is unit-tested instead.)
  expect(loads).toBe(0);
});

test('a failed sync shows why, and "Retry failed items" starts a new job that links back', async ({ page, env }) => {
  const run = uniqueName();
  const missing = `${env.registryHost}/e2e/jobs/${run}/missing:v1`;
  await openHydrated(page, env.appUrl + '/jobs');
  const form = page.getByRole('region', { name: 'Sync an image' });
  await form.getByLabel('Source image').fill(missing);
  await form.getByLabel('Target repository (optional)').fill(`e2e/jobs/${run}/never`);
  await expect(form.getByTestId('sync-preview-target')).toContainText(`e2e/jobs/${run}/never:v1`);
  await form.getByRole('button', { name: 'Start sync' }).click();

  const job = new JobPage(page);
  const first = await job.id();
  await job.expectFinished('failed');
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'failed');
  await expect(job.log.locator('.log-error').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Retry failed items' }).click();
  await expect(page).not.toHaveURL(new RegExp(`/jobs/${first}$`));
  const second = await job.id();
  expect(second).not.toBe(first);
  await expect(page.getByTestId('retry-of')).toHaveText(first);
  await job.expectFinished('failed');
  await page.getByTestId('retry-of').click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${first}$`));
  await expect(job.status).toHaveAttribute('data-status', 'failed');

  // Loaded directly (a full page load: server-rendered, then hydrated), a finished job shows whole.
  await openHydrated(page, `${env.appUrl}/jobs/${second}`);
  await expect(job.status).toHaveAttribute('data-status', 'failed');
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'failed');
  await expect(job.log.locator('.log-line').first()).toBeVisible();
  await expect(page.getByTestId('retry-of')).toHaveText(first);
});

test('Cancel stops a running sync within seconds, and its item says the tag was not written', async ({ page, env }) => {
  const run = uniqueName();
  const target = `e2e/jobs/${run}/stalled`;
  await openHydrated(page, env.appUrl + '/jobs');
  const form = page.getByRole('region', { name: 'Sync an image' });
  // The source accepts the connection and never answers: the job runs until it is cancelled.
  expect(env.stalledSourceHost).toMatch(/^127\.0\.0\.1:\d+$/);
  await form.getByLabel('Source image').fill(`${env.stalledSourceHost}/e2e/stalled:v1`);
  await form.getByLabel('Target repository (optional)').fill(target);
  await expect(form.getByTestId('sync-preview-target')).toHaveText(`${env.registryHost}/${target}:v1`);
  await form.getByRole('button', { name: 'Start sync' }).click();

  const job = new JobPage(page);
  await job.id();
  await expect(job.status).toHaveAttribute('data-status', 'running');
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'running');
  const cancelled = Date.now();
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await expect(job.log.getByText('cancel requested: stopping at the next step')).toBeVisible();
  await job.expectFinished('cancelled', 10_000);
  expect(Date.now() - cancelled).toBeLessThan(10_000);
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'cancelled');
  await expect(job.items.first()).toContainText('not written');
  await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry failed items' })).toBeVisible();
  expect(await listTags(page.request, env.registryUrl, target)).toEqual([]);
});

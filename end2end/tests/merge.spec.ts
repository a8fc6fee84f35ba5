import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { listTags, pushImage, uniqueName } from '../support/registry';

test('combine architectures from the repository page: preview the groups, start, the tag shows both platforms', async ({ page, env }) => {
  const repo = `e2e/merge-${uniqueName()}/app`;
  const x86 = await pushImage(page.request, env.registryUrl, repo, '1.0-x86');
  const arm = await pushImage(page.request, env.registryUrl, repo, '1.0-arm', [2048], 'arm64');
  await pushImage(page.request, env.registryUrl, repo, '2.0-x86');

  await openHydrated(page, `${env.appUrl}/repositories/${repo}`);
  await page.getByRole('button', { name: 'Combine architectures…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Combine architectures into multi-arch tags' });
  const start = dialog.getByRole('button', { name: 'Start combining' });
  await expect(dialog.getByLabel('Arch suffixes (comma-separated)')).toHaveValue('-x86, -arm');
  await expect(start).toBeDisabled();
  await dialog.getByRole('button', { name: 'Preview' }).click();

  const groups = dialog.getByRole('list', { name: 'Multi-arch tags to write' }).getByTestId('merge-preview-group');
  await expect(groups).toHaveCount(1);
  await expect(groups.first().locator('code.new-name')).toHaveText(`${repo}:1.0`);
  const rows = groups.first().locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText(`${repo}:1.0-x86`);
  await expect(rows.nth(0)).toContainText('linux/amd64');
  await expect(rows.nth(0).locator('code[title]')).toHaveAttribute('title', x86);
  await expect(rows.nth(1)).toContainText('linux/arm64');
  await expect(rows.nth(1).locator('code[title]')).toHaveAttribute('title', arm);
  await expect(dialog).toContainText(`Left alone (only one architecture): ${repo}:2.0-x86`);
  // Another suffix list asks for a new preview before Start.
  await dialog.getByLabel('Arch suffixes (comma-separated)').fill('-x86');
  await expect(start).toBeDisabled();
  await dialog.getByLabel('Arch suffixes (comma-separated)').fill('-x86, -arm');
  await expect(start).toBeEnabled();
  await start.click();

  const job = new JobPage(page);
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: 'Combine architectures' })).toBeVisible();
  await job.expectFinished('succeeded');
  await expect(job.items).toHaveCount(1);
  expect((await listTags(page.request, env.registryUrl, repo)).sort()).toEqual(['1.0', '1.0-arm', '1.0-x86', '2.0-x86']);

  await openHydrated(page, `${env.appUrl}/repositories/${repo}`);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: '1.0', exact: true }) });
  await expect(row.locator('.badge')).toHaveText(['linux/amd64', 'linux/arm64']);
});

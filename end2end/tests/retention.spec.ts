import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { listTags, pushImage, uniqueName } from '../support/registry';
import { addUser, fromOwnPage, newAccount, signIn } from '../support/session';

test('an admin creates a retention policy, previews it, runs it and sees the job', async ({ page, env }) => {
  const repo = `e2e/retention-${uniqueName()}/app`;
  // Pushed one after another: `three` is the newest by created time.
  for (const tag of ['one', 'two', 'three']) {
    await pushImage(page.request, env.registryUrl, repo, tag);
    await page.waitForTimeout(20);
  }
  const name = `keep newest ${uniqueName()}`;

  await openHydrated(page, `${env.appUrl}/retention`);
  await expect(page.getByRole('heading', { level: 1, name: 'Retention policies' })).toBeVisible();
  await page.getByRole('button', { name: 'New policy' }).click();
  const form = page.getByRole('dialog', { name: 'New retention policy' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Repositories (glob)').fill(repo);
  // A bad regex is refused with why, and nothing is saved.
  await form.getByLabel('Keep the newest N tags').fill('1');
  await form.getByLabel('Keep tags matching (regex)').fill('(unclosed');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toContainText('keep_regex `(unclosed` is not a valid regular expression');
  await form.getByLabel('Keep tags matching (regex)').fill('');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form).toBeHidden();

  const row = page.getByTestId('retention-policy').filter({ hasText: name });
  await expect(row).toContainText('keep the newest 1');
  await row.getByRole('button', { name: 'Preview' }).click();
  const job = new JobPage(page);
  await job.id();
  await job.expectFinished('succeeded');
  await expect(job.items).toHaveCount(2);
  await expect(job.items.filter({ hasText: `${repo}:one` })).toContainText('would delete: not one of the newest 1');
  await expect(job.items.filter({ hasText: `${repo}:two` })).toBeVisible();
  expect((await listTags(page.request, env.registryUrl, repo)).sort()).toEqual(['one', 'three', 'two']);

  await openHydrated(page, `${env.appUrl}/retention`);
  await page.getByTestId('retention-policy').filter({ hasText: name }).getByRole('button', { name: 'Run now' }).click();
  const confirm = page.getByRole('dialog', { name: `Run ${name} now?` });
  await confirm.getByRole('button', { name: 'Run now' }).click();
  const run = new JobPage(page);
  await run.id();
  await expect(page.getByRole('heading', { level: 1, name: 'Retention' })).toBeVisible();
  await run.expectFinished('succeeded');
  await expect(run.items).toHaveCount(2);
  expect(await listTags(page.request, env.registryUrl, repo)).toEqual(['three']);
});

test('a viewer sees the policies read-only', async ({ page, env, newSignedOutPage }) => {
  const viewer = newAccount('retention-viewer');
  await addUser(page.request, env.appUrl, viewer, 'viewer');
  const name = `read only ${uniqueName()}`;
  const created = await page.request.post(`${env.appUrl}/api/retention-policies`, {
    data: { name, repositories: 'e2e/nothing-*', older_than_days: 90, schedule: '0 3 * * *' },
    headers: fromOwnPage(env.appUrl),
  });
  expect(created.status(), await created.text()).toBe(201);
  const browser = await newSignedOutPage();
  await signIn(browser, env.appUrl, viewer, '/retention');
  await expect(browser.getByRole('heading', { level: 1, name: 'Retention policies' })).toBeVisible();
  await expect(browser.getByRole('link', { name: 'Retention' })).toBeVisible();
  const row = browser.getByTestId('retention-policy').filter({ hasText: name });
  await expect(row).toContainText('delete after 90 days');
  await expect(row).toContainText('0 3 * * *');
  await expect(browser.getByRole('button', { name: 'New policy' })).toHaveCount(0);
  await expect(browser.getByRole('button', { name: 'Run now' })).toHaveCount(0);
  await expect(browser.getByRole('button', { name: 'Preview' })).toHaveCount(0);
});

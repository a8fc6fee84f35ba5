import type { Locator, Page } from '@playwright/test';
import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { LocalImagesPage } from '../support/local-images-page';
import { listTags, pushImage, uniqueName } from '../support/registry';
import { callRpc, fromOwnPage, newAccount, signIn, type Role } from '../support/session';

// One flow, in order: the admin creates the accounts the later steps sign in with.
test.describe.configure({ mode: 'serial' });

const run = uniqueName();
const viewer = newAccount('viewer');
const operator = newAccount('operator');
/** A repository of this spec's own, which the viewer must not be able to change. */
const guarded = `e2e/roles-${run}/app`;

/** `/users`: the accounts table and the "Add a user" form. */
class UsersPage {
  readonly accounts: Locator;
  readonly addForm: Locator;

  constructor(readonly page: Page) {
    this.accounts = page.getByRole('table', { name: 'Accounts' });
    this.addForm = page.getByRole('region', { name: 'Add a user' });
  }

  row(username: string): Locator {
    return this.accounts.locator(`[data-testid="user-row"][data-username="${username}"]`);
  }

  async add(account: { username: string; password: string }, role: Role): Promise<void> {
    await this.addForm.getByLabel('Username').fill(account.username);
    await this.addForm.getByLabel('Password').fill(account.password);
    await this.addForm.getByLabel('Role').selectOption(role);
    await this.addForm.getByRole('button', { name: 'Add user' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: `Added user ${account.username}` })).toBeVisible();
    await expect(this.row(account.username)).toBeVisible();
  }
}

test('an admin adds a viewer and an operator on the Users page', async ({ page, env }) => {
  await openHydrated(page, `${env.appUrl}/users`);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  const users = new UsersPage(page);
  await expect(users.row(env.admin.username)).toBeVisible();

  await users.add(viewer, 'viewer');
  await users.add(operator, 'operator');
  await expect(page.getByRole('combobox', { name: `Role of ${viewer.username}` })).toHaveValue('viewer');
  await expect(page.getByRole('combobox', { name: `Role of ${operator.username}` })).toHaveValue('operator');
  // Still there after a reload: the accounts are the server's, not the page's.
  await openHydrated(page, `${env.appUrl}/users`);
  await expect(users.row(viewer.username)).toBeVisible();
  await expect(users.row(operator.username)).toBeVisible();
});

test('a viewer browses every page but is offered no control that changes anything', async ({ page, env, newSignedOutPage }) => {
  await pushImage(page.request, env.registryUrl, guarded, 'v1');
  // A job the viewer watches while it runs (it never ends by itself: the source never answers).
  const started = await page.request.post(`${env.appUrl}/api/sync-jobs`, {
    data: { source_image: `${env.stalledSourceHost}/e2e/stalled:v1`, target_repository: `e2e/roles-${run}/never` },
    headers: fromOwnPage(env.appUrl),
  });
  expect(started.status()).toBe(200);
  const { id: jobId } = await started.json();

  const browser = await newSignedOutPage();
  try {
    await signIn(browser, env.appUrl, viewer, `/?q=roles-${run}`);
    await expect(browser.getByTestId('whoami')).toHaveText(`${viewer.username} (viewer)`);
    // Nor are the admin's pages offered.
    const nav = browser.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Tokens' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);

    // Repositories: listed, but nothing to select, rename or delete.
    await expect(browser.getByRole('link', { name: guarded, exact: true })).toBeVisible();
    await expect(browser.getByRole('checkbox', { name: /^Select / })).toHaveCount(0);
    await expect(browser.getByRole('button', { name: 'Rename by prefix…' })).toHaveCount(0);
    await expect(browser.getByRole('button', { name: 'Delete repositories…' })).toHaveCount(0);

    // A repository: its tags, and no Delete (of a tag, an image or the repository).
    await browser.getByRole('link', { name: guarded, exact: true }).click();
    await expect(browser.getByRole('heading', { level: 1, name: guarded })).toBeVisible();
    await expect(browser.locator('table.tags tbody tr')).toHaveCount(1);
    await expect(browser.getByRole('link', { name: 'v1', exact: true })).toBeVisible();
    await expect(browser.getByRole('button', { name: /^Delete/ })).toHaveCount(0);

    // Local images: listed, but no selection, push or delete.
    const local = new LocalImagesPage(browser);
    await local.open(env.appUrl, '?q=e2e/local/');
    await expect(local.row(env.fixtures.local.other)).toBeVisible();
    await expect(browser.getByRole('checkbox', { name: /^Select / })).toHaveCount(0);
    await expect(local.push).toHaveCount(0);
    await expect(local.delete).toHaveCount(0);

    // Jobs: the list, but no sync form.
    await openHydrated(browser, `${env.appUrl}/jobs`);
    await expect(browser.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
    await expect(browser.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`)).toBeVisible();
    await expect(browser.getByRole('region', { name: 'Sync an image' })).toHaveCount(0);
    await expect(browser.getByRole('button', { name: 'Start sync' })).toHaveCount(0);

    // A running job: no Cancel; once it has ended (cancelled by the admin), no Retry.
    const job = new JobPage(browser);
    await openHydrated(browser, `${env.appUrl}/jobs/${jobId}`);
    // (Other specs' jobs may hold both job workers for a moment: it can be queued first.)
    await expect(job.status).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
    await expect(browser.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);
    const cancelled = await page.request.post(`${env.appUrl}/api/sync-jobs/${jobId}/cancel`, { headers: fromOwnPage(env.appUrl) });
    expect(cancelled.status()).toBe(200);
    await job.expectFinished('cancelled');
    await expect(browser.getByRole('button', { name: 'Retry failed items' })).toHaveCount(0);
  } finally {
    // Never leave the stalled job holding a job worker.
    await page.request.post(`${env.appUrl}/api/sync-jobs/${jobId}/cancel`, { headers: fromOwnPage(env.appUrl) });
  }
});

test('a viewer calling the delete server function by hand gets 403 naming the operator role; the tag stays', async ({ env, newSignedOutPage }) => {
  const browser = await newSignedOutPage();
  await signIn(browser, env.appUrl, viewer, `/repositories/${guarded}`);
  const refused = await callRpc(browser.request, env.appUrl, 'delete-tag', { repository: guarded, tag: 'v1', scope: 'tag' });
  expect(refused.status()).toBe(403);
  const body = await refused.json();
  expect(body.error).toBe('forbidden');
  expect(body.detail).toContain('operator');
  expect(await listTags(browser.request, env.registryUrl, guarded)).toEqual(['v1']);
  await browser.reload();
  await expect(browser.getByRole('link', { name: 'v1', exact: true })).toBeVisible();
});

test('an operator syncs an image from the Jobs page', async ({ page, env, newSignedOutPage }) => {
  const source = `e2e/roles-${run}/source`;
  const target = `e2e/roles-${run}/synced`;
  await pushImage(page.request, env.registryUrl, source, 'v1');

  const browser = await newSignedOutPage();
  await signIn(browser, env.appUrl, operator, '/jobs');
  await expect(browser.getByTestId('whoami')).toHaveText(`${operator.username} (operator)`);
  const form = browser.getByRole('region', { name: 'Sync an image' });
  await form.getByLabel('Source image').fill(`${env.registryHost}/${source}:v1`);
  await form.getByLabel('Target repository (optional)').fill(target);
  await expect(form.getByTestId('sync-preview-target')).toHaveText(`${env.registryHost}/${target}:v1`);
  await form.getByRole('button', { name: 'Start sync' }).click();

  const job = new JobPage(browser);
  await job.id();
  await job.expectFinished('succeeded');
  await expect(job.items.first()).toHaveAttribute('data-item-status', 'succeeded');
  expect(await listTags(browser.request, env.registryUrl, target)).toEqual(['v1']);
});

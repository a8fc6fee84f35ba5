import { test, expect, openHydrated } from '../support/fixtures';
import { listTags, pushImage, uniqueName } from '../support/registry';
import { addUser, apiSignIn, callRpc, newAccount } from '../support/session';

test('the Audit page lists sign-ins, account and token changes and a refused delete; filters narrow it', async ({
  page,
  env,
  newApiClient,
}) => {
  const run = uniqueName();
  const repository = `e2e/audit-${run}/app`;
  const tokenName = `audit-token-${run}`;
  await pushImage(page.request, env.registryUrl, repository, 'v1');

  // What the log must show, done by an admin (this page's session) and a new viewer (a script).
  const viewer = newAccount('audited');
  await addUser(page.request, env.appUrl, viewer, 'viewer');
  const script = await newApiClient();
  await apiSignIn(script, env.appUrl, viewer);
  const created = await callRpc(script, env.appUrl, 'create-token', { name: tokenName });
  expect(created.status()).toBe(200);
  const { token } = await created.json();
  expect((await callRpc(script, env.appUrl, 'revoke-token', { id: token.id })).status()).toBe(200);
  const refused = await callRpc(script, env.appUrl, 'delete-tag', { repository, tag: 'v1', scope: 'tag' });
  expect(refused.status()).toBe(403);
  expect(await listTags(page.request, env.registryUrl, repository)).toEqual(['v1']);

  await openHydrated(page, `${env.appUrl}/audit`);
  await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
  const rows = page.getByTestId('audit').getByTestId('audit-row');
  const operations = () => rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-operation')));

  // By actor: everything the viewer did, newest first.
  await page.getByLabel('Actor').fill(viewer.username);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]actor=${viewer.username}(&|$)`));
  await expect.poll(operations).toEqual(['delete-tag', 'manage-own-tokens', 'manage-own-tokens', 'login']);
  await expect(rows.nth(1)).toContainText(tokenName);
  await expect(rows.nth(2)).toContainText(tokenName);
  await expect(rows.nth(3).locator('[data-outcome]')).toHaveAttribute('data-outcome', 'ok');
  const denied = rows.nth(0);
  await expect(denied).toContainText(repository);
  await expect(denied.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'denied');
  await expect(denied.locator('.reason')).toContainText('operator');

  // And by operation: only the refused delete is left.
  await page.getByLabel('Operation').selectOption('delete-tag');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/[?&]operation=delete-tag(&|$)/);
  await expect.poll(operations).toEqual(['delete-tag']);

  // The account itself was created by the admin.
  await page.getByLabel('Actor').fill('');
  await page.getByLabel('Operation').selectOption('manage-users');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/[?&]operation=manage-users(&|$)/);
  await expect.poll(async () => new Set(await operations())).toEqual(new Set(['manage-users']));
  const added = rows.filter({ hasText: viewer.username });
  await expect(added).toHaveCount(1);
  await expect(added.getByRole('cell').nth(1)).toHaveText(env.admin.username);
  await expect(added.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'ok');
});

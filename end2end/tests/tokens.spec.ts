import { test, expect, openHydrated } from '../support/fixtures';
import { uniqueName } from '../support/registry';

test('a token made on the Tokens page opens the REST API to a script until it is revoked there; the audit log has both', async ({
  page,
  env,
  newApiClient,
}) => {
  const name = `e2e-token-${uniqueName()}`;
  await openHydrated(page, `${env.appUrl}/tokens`);
  await expect(page.getByRole('heading', { level: 1, name: 'Tokens' })).toBeVisible();

  await page.getByRole('button', { name: 'New token' }).click();
  const dialog = page.getByRole('dialog', { name: 'New API token' });
  await dialog.getByLabel('Name').fill(name);
  // An admin may choose any role up to their own; a script that only reads needs viewer.
  await dialog.getByLabel('Role').selectOption('viewer');
  await expect(dialog.getByLabel('Expires after (days; empty: never)')).toHaveValue('');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  await expect(dialog).toHaveCount(0);

  const secret = (await page.getByTestId('token-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^rmt_/);
  const row = page.getByTestId('token-row').filter({ hasText: name });
  await expect(row).toHaveAttribute('data-status', 'active');
  // The list shows only the token's prefix, never the secret.
  await expect(page.getByTestId('tokens')).not.toContainText(secret);

  // A script: a plain HTTP client with no cookies, only the token.
  const script = await newApiClient();
  const bearer = { authorization: `Bearer ${secret}` };
  const repository = env.fixtures.browse.repository;
  const url = `${env.appUrl}/api/repositories?filter=${encodeURIComponent(repository)}`;
  expect((await script.get(url)).status()).toBe(401);
  const allowed = await script.get(url, { headers: bearer });
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).repositories).toEqual(expect.arrayContaining([repository]));

  await row.getByRole('button', { name: 'Revoke' }).click();
  const confirm = page.getByRole('dialog', { name: `Revoke token ${name}` });
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'revoked');
  await expect(row.getByRole('button', { name: 'Revoke' })).toHaveCount(0);

  const refused = await script.get(url, { headers: bearer });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).detail).toContain('not valid');

  // The audit log has the creation and the revocation, by the admin, under the token's name.
  await openHydrated(page, `${env.appUrl}/audit`);
  await page.getByLabel('Operation').selectOption('manage-own-tokens');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/[?&]operation=manage-own-tokens/);
  const entries = page.getByTestId('audit-row').filter({ hasText: name });
  await expect(entries).toHaveCount(2);
  for (const entry of await entries.all()) {
    await expect(entry).toHaveAttribute('data-operation', 'manage-own-tokens');
    await expect(entry.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'ok');
    await expect(entry.getByRole('cell').nth(1)).toHaveText(env.admin.username);
  }
});

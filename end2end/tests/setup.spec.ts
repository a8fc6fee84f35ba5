import type { Page } from '@playwright/test';
import { test, expect, openHydrated, type Account } from '../support/fixtures';
import { newAccount } from '../support/session';

/** `/setup?token=…`: the first-admin form. */
function setupForm(page: Page) {
  return {
    heading: page.getByRole('heading', { level: 1, name: 'Create the first admin' }),
    async submit(account: Account): Promise<void> {
      await page.getByLabel('Username').fill(account.username);
      await page.getByLabel('Password', { exact: true }).fill(account.password);
      await page.getByLabel('Confirm password').fill(account.password);
      await page.getByRole('button', { name: 'Create admin' }).click();
    },
  };
}

// The fresh app has one setup link and this flow spends it: one test, both steps in order.
test('the setup link creates the first admin and signs them in; a second use is refused', async ({ newSignedOutPage, env }) => {
  const first = newAccount('root');
  const page = await newSignedOutPage();
  await openHydrated(page, env.setupUrl);
  const form = setupForm(page);
  await expect(form.heading).toBeVisible();
  await expect(page.getByLabel('Username')).toHaveValue('admin');
  await form.submit(first);

  // Signed in as the new admin, in the app itself.
  await expect(page).toHaveURL(`${env.freshAppUrl}/`);
  await expect(page.getByTestId('whoami')).toHaveText(`${first.username} (admin)`);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toBeVisible();

  // Someone else opens the same link afterwards: it works once only.
  const second = await newSignedOutPage();
  await openHydrated(second, env.setupUrl);
  const again = setupForm(second);
  await again.submit(newAccount('late'));
  await expect(second).toHaveURL(/\/setup\?/);
  await expect(second.getByRole('alert')).toContainText('this setup link is not valid any more');
  await expect(again.heading).toBeVisible();
  await expect(second.getByTestId('whoami')).toHaveCount(0);
  // Nor did it leave a session behind: the app still sends this browser to the sign-in form.
  await second.goto(`${env.freshAppUrl}/`);
  await expect(second).toHaveURL(`${env.freshAppUrl}/login`);
});

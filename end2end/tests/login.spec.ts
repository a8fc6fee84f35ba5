import { test, expect } from '../support/fixtures';
import { LoginPage, addUser, newAccount } from '../support/session';

// The login throttle allows 5 failed logins a minute per client address, and every test comes from
// 127.0.0.1: this is the only wrong password the suite sends to the main app (i18n.spec.ts sends
// its one to the dead-registry app, a process with a throttle of its own).
test('a wrong password stays on the sign-in form; the right one opens the page asked for; Sign out ends the session', async ({
  page,
  env,
  newSignedOutPage,
  newApiClient,
}) => {
  const ana = newAccount('login');
  await addUser(page.request, env.appUrl, ana, 'viewer');

  const browser = await newSignedOutPage();
  await browser.goto(`${env.appUrl}/jobs`);
  await expect(browser).toHaveURL(`${env.appUrl}/login?next=%2Fjobs`);
  await expect(browser.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const login = new LoginPage(browser);

  await login.signIn({ username: ana.username, password: `${ana.password}-wrong` });
  await expect(login.error).toContainText('wrong username or password');
  await expect(browser).toHaveURL(/\/login\?/);
  await expect(login.heading).toBeVisible();

  await login.signIn(ana);
  await expect(browser).toHaveURL(`${env.appUrl}/jobs`);
  await expect(browser.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(browser.getByTestId('whoami')).toHaveText(`${ana.username} (viewer)`);
  await expect(browser.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const session = await browser.context().cookies(env.appUrl);
  expect(session.map((c) => c.name)).toContain('rm_session');

  await browser.getByRole('button', { name: 'Sign out' }).click();
  await expect(browser).toHaveURL(`${env.appUrl}/login`);
  await browser.goto(`${env.appUrl}/status`);
  await expect(browser).toHaveURL(`${env.appUrl}/login?next=%2Fstatus`);

  // The server ended the session, not just the browser's cookie: the old cookie opens nothing.
  const replay = await newApiClient();
  const stale = await replay.get(`${env.appUrl}/api/repositories`, {
    headers: { cookie: session.map((c) => `${c.name}=${c.value}`).join('; ') },
  });
  expect(stale.status()).toBe(401);
});

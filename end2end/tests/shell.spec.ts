import { test, expect, openHydrated } from '../support/fixtures';

const sections = ['Repositories', 'Local images', 'Jobs', 'Status'];

test('the server renders the layout and navigation without JavaScript', async ({ browser, env }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(env.appUrl + '/status');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of sections) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }
  await expect(page.getByRole('heading', { level: 1, name: 'Status' })).toBeVisible();
  // No WASM ran, so the hydration marker must be absent.
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});

test('after hydration the navigation routes in the browser without reloading', async ({ page, env }) => {
  await openHydrated(page, env.appUrl + '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Repositories' })).toBeVisible();
  // A full page load would drop this marker; client-side routing keeps it.
  await page.evaluate(() => ((window as unknown as { spaMarker: number }).spaMarker = 42));
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Local images', 'Jobs', 'Status', 'Repositories']) {
    await nav.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
  }
  expect(await page.evaluate(() => (window as unknown as { spaMarker?: number }).spaMarker)).toBe(42);
});

test('an unknown path shows the not-found page with status 404', async ({ page, env }) => {
  const response = await page.goto(env.appUrl + '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

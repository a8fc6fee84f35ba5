import type { ConsoleMessage, Page } from '@playwright/test';
import { test, expect, openHydrated, signedOut } from '../support/fixtures';
import { pushImage, uniqueName } from '../support/registry';

/**
 * Everything the page logs as an error or warning, and every uncaught exception: a structural
 * hydration mismatch shows up here (leptos reports it on the console, or panics). Leptos does not
 * compare text while hydrating, though: a browser that picked another language would keep the
 * server's text until it renders something itself, so the tests below also check pages the
 * browser renders after hydration (tried: forcing English in the browser fails them there).
 */
function watchConsole(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' || message.type() === 'warning') seen.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
  return seen;
}

test.describe('a browser that asks for Chinese (Accept-Language: zh-CN)', () => {
  test.use({ locale: 'zh-CN' });

  test('the first visit is in Chinese and hydrates without a warning', async ({ page, env }) => {
    const logged = watchConsole(page);
    await openHydrated(page, env.appUrl + '/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    const nav = page.getByRole('navigation', { name: '主导航' });
    for (const name of ['仓库', '本地镜像', '任务', '状态', '令牌']) {
      await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
    }
    await expect(page.getByRole('heading', { level: 1, name: '仓库' })).toBeVisible();
    await expect(page.getByRole('list', { name: '语言' }).getByRole('link', { name: 'English' })).toBeVisible();
    // A page the browser renders itself (after hydration) is in Chinese too.
    await nav.getByRole('link', { name: '任务', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: '任务' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '远程同步镜像' })).toBeVisible();
    expect(logged, 'console errors or warnings (a hydration mismatch shows here)').toEqual([]);
  });

  test('browse repositories and open a repository and a tag in Chinese', async ({ page, env }) => {
    const logged = watchConsole(page);
    const run = uniqueName();
    const repo = `e2e/i18n-${run}/app`;
    await pushImage(page.request, env.registryUrl, repo, 'v1');
    await pushImage(page.request, env.registryUrl, repo, 'v2');

    await openHydrated(page, `${env.appUrl}/?q=i18n-${run}`);
    await expect(page.getByLabel('筛选')).toHaveValue(`i18n-${run}`);
    await page.getByRole('checkbox', { name: `选择 ${repo}` }).check();
    await expect(page.getByTestId('selected-count')).toHaveText('已选 1 / 1');
    await page.getByRole('link', { name: repo, exact: true }).click();

    await expect(page.getByRole('heading', { level: 1, name: repo })).toBeVisible();
    await expect(page.getByText('共 2 个标签')).toBeVisible();
    await expect(page.getByRole('button', { name: '创建时间' })).toBeVisible();
    const table = page.locator('table.tags');
    await expect.poll(() => table.locator('tbody tr td:first-child a').allTextContents()).toEqual(['v1', 'v2']);
    await expect(page.getByRole('button', { name: '删除 v1' })).toBeVisible();

    await table.getByRole('link', { name: 'v1', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: `${repo}:v1` })).toBeVisible();
    await expect(page.getByRole('button', { name: '复制摘要' }).first()).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    expect(logged, 'console errors or warnings').toEqual([]);
  });

  test('the sign-in page and its failures are in Chinese, and it offers the switch', async ({ browser, env }) => {
    // Said again here: a context made in the test is given the config's options, not always this file's.
    const context = await browser.newContext({ storageState: signedOut, locale: 'zh-CN' });
    const page = await context.newPage();
    await openHydrated(page, env.appUrl + '/jobs');
    await expect(page).toHaveURL(/\/login\?next=%2Fjobs$/);
    await expect(page.getByRole('heading', { level: 1, name: '登录' })).toBeVisible();
    // A failed sign-in is explained in Chinese too (the server words it from the same table).
    // On the dead-registry app: the login throttle is per process and per client address, and
    // login.spec.ts owns the main app's few free failures.
    await openHydrated(page, env.deadRegistryAppUrl + '/login');
    await page.getByLabel('用户名').fill(env.admin.username);
    await page.getByLabel('密码').fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert')).toHaveText('用户名或密码错误（或账号已停用）：请检查后重试');

    await openHydrated(page, env.appUrl + '/jobs');
    await page.getByRole('list', { name: '语言' }).getByRole('link', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page).toHaveURL(/\/login\?next=%2Fjobs$/);
    await context.close();
  });
});

test.describe('a browser that asks for English (Accept-Language: en-US)', () => {
  test.use({ locale: 'en-US' });

  test('the page is in English', async ({ page, env }) => {
    await openHydrated(page, env.appUrl + '/status');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Repositories' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: 'Status' })).toBeVisible();
  });

  test('the header switch changes the language, and the choice persists across reloads', async ({ page, env, context }) => {
    await openHydrated(page, env.appUrl + '/jobs');
    await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
    const switcher = page.getByRole('list', { name: 'Language' });
    await expect(switcher.getByText('English')).toHaveAttribute('aria-current', 'true');
    await switcher.getByRole('link', { name: '简体中文' }).click();

    await expect(page).toHaveURL(env.appUrl + '/jobs');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 1, name: '任务' })).toBeVisible();
    const cookie = (await context.cookies(env.appUrl)).find((c) => c.name === 'lang');
    expect(cookie).toMatchObject({ value: 'zh-CN', path: '/', sameSite: 'Strict', httpOnly: true });
    // Kept for a year (give or take the test's own duration).
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(364 * 24 * 3600 * 1000);

    // The cookie wins over the browser's English Accept-Language.
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByRole('heading', { level: 1, name: '任务' })).toBeVisible();
    await openHydrated(page, env.appUrl + '/status');
    await expect(page.getByRole('heading', { level: 1, name: '状态' })).toBeVisible();

    await page.getByRole('list', { name: '语言' }).getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(env.appUrl + '/status');
    await expect(page.getByRole('heading', { level: 1, name: 'Status' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('the switch works before hydration (without JavaScript)', async ({ browser, env }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(env.appUrl + '/status');
      await page.getByRole('list', { name: 'Language' }).getByRole('link', { name: '简体中文' }).click();
      await expect(page).toHaveURL(env.appUrl + '/status');
      await expect(page.getByRole('heading', { level: 1, name: '状态' })).toBeVisible();
    } finally {
      await context.close();
    }
  });
});

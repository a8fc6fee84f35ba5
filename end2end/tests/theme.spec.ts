import type { Page } from '@playwright/test';
import { test, expect, openHydrated } from '../support/fixtures';
import { contrast } from '../support/colour';

/**
 * Light and dark themes: the system's (`prefers-color-scheme`) until the visitor picks one in the
 * header; the choice is a cookie the server reads, so the page arrives with `<html data-theme>`
 * already set and is drawn in its colours from the first paint, with or without JavaScript.
 */

/** style/main.css's page background (`--bg`) in each theme, as the browser computes it. */
const BACKGROUND = { light: 'rgb(246, 247, 249)', dark: 'rgb(15, 20, 27)' };

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

/** The switch's words in each language (app/src/ui/strings). */
const WORDS = {
  en: { locale: 'en-US', label: 'Theme', light: 'Light', dark: 'Dark', system: 'System', jobs: 'Jobs' },
  'zh-CN': { locale: 'zh-CN', label: '主题', light: '浅色', dark: '深色', system: '跟随系统', jobs: '任务' },
} as const;

test('with no choice made, the page follows the system colour scheme', async ({ page, env }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await openHydrated(page, env.appUrl + '/status');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    expect(await background(page)).toBe(BACKGROUND[scheme]);
  }
});

for (const [lang, words] of Object.entries(WORDS)) {
  test.describe(`in ${lang}`, () => {
    test.use({ locale: words.locale });

    test('the header switch picks dark, which persists across reloads and is in the server-rendered page', async ({ page, context, env }) => {
      // The system asks for light: dark is the visitor's own choice.
      await page.emulateMedia({ colorScheme: 'light' });
      await openHydrated(page, env.appUrl + '/jobs');
      expect(await background(page)).toBe(BACKGROUND.light);
      const switcher = page.getByRole('list', { name: words.label });
      await expect(switcher.getByText(words.system, { exact: true })).toHaveAttribute('aria-current', 'true');
      await switcher.getByRole('link', { name: words.dark, exact: true }).click();

      await expect(page).toHaveURL(env.appUrl + '/jobs');
      await expect(page.getByRole('heading', { level: 1, name: words.jobs })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
      expect(await background(page)).toBe(BACKGROUND.dark);
      await expect(switcher.getByText(words.dark, { exact: true })).toHaveAttribute('aria-current', 'true');
      const cookie = (await context.cookies(env.appUrl)).find((c) => c.name === 'theme');
      expect(cookie).toMatchObject({ value: 'dark', path: '/', sameSite: 'Strict', httpOnly: true });
      expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(364 * 24 * 3600 * 1000);

      // Reloaded, the HTML the server sends is already dark (no script decides it: no flash),
      // and hydration leaves it so.
      const response = await page.reload();
      expect(await response!.text()).toMatch(/<html [^>]*data-theme="dark"/);
      await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
      expect(await background(page)).toBe(BACKGROUND.dark);

      // Back to the system's: light again, as the system asks.
      await switcher.getByRole('link', { name: words.system, exact: true }).click();
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
      expect(await background(page)).toBe(BACKGROUND.light);
      // And light while the system asks for dark.
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background(page)).toBe(BACKGROUND.dark);
      await switcher.getByRole('link', { name: words.light, exact: true }).click();
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
      expect(await background(page)).toBe(BACKGROUND.light);
    });
  });
}

test('the switch and the theme work without JavaScript', async ({ browser, env }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, colorScheme: 'light' });
  try {
    const page = await context.newPage();
    await page.goto(env.appUrl + '/status');
    await page.getByRole('list', { name: 'Theme' }).getByRole('link', { name: 'Dark', exact: true }).click();
    await expect(page).toHaveURL(env.appUrl + '/status');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await background(page)).toBe(BACKGROUND.dark);
  } finally {
    await context.close();
  }
});

test('in both themes, the edges of inputs and the focus ring stand out 3:1 from what is behind them', async ({ page, env }) => {
  for (const theme of ['light', 'dark'] as const) {
    await page.context().addCookies([{ name: 'theme', value: theme, url: env.appUrl }]);
    await openHydrated(page, env.appUrl + '/jobs');
    const input = page.locator('.card .field input').first();
    await input.focus();
    const colours = await input.evaluate((element) => {
      const card = element.closest('.card')!;
      const style = getComputedStyle(element);
      return {
        border: style.borderTopColor,
        outline: style.outlineColor,
        outlineStyle: style.outlineStyle,
        input: style.backgroundColor,
        card: getComputedStyle(card).backgroundColor,
      };
    });
    expect(contrast(colours.border, colours.card), `${theme}: input border on its card`).toBeGreaterThanOrEqual(3);
    expect(colours.outlineStyle, `${theme}: a focused input has a visible ring`).not.toBe('none');
    expect(contrast(colours.outline, colours.card), `${theme}: focus ring on the card`).toBeGreaterThanOrEqual(3);
    expect(contrast(colours.outline, colours.input), `${theme}: focus ring on the input`).toBeGreaterThanOrEqual(3);
  }
});

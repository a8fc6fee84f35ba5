import type { Locator, Page } from '@playwright/test';
import { test, expect, openHydrated, signedOut } from '../support/fixtures';
import { LANGS, THEMES, choose, expectNoSeriousViolations } from '../support/a11y';
import { pushImage, uniqueName } from '../support/registry';
import { fromOwnPage } from '../support/session';

/**
 * axe-core on every page, in both languages and both themes: no serious or critical violation
 * (missing names and labels, contrast below WCAG AA, broken ARIA, …). Each page is checked once
 * its data has loaded and the WASM has hydrated it, as a visitor meets it.
 */

/** The words of the controls that open the dialogs checked here (app/src/ui/strings). */
const WORDS = {
  en: { select: 'Select', rename: 'Rename by prefix…', push: 'Push to registry…' },
  'zh-CN': { select: '选择', rename: '远程前缀重命名…', push: '批量上传到仓库…' },
} as const;

/** "Loading…" in either language: a page is checked once none is left. */
const LOADING = /^(Loading…|加载中…)$/;

async function settle(page: Page, url: string, ready?: (page: Page) => Locator): Promise<void> {
  await openHydrated(page, url);
  await expect(page.locator('h1').first()).toBeVisible();
  await expect(page.getByText(LOADING)).toHaveCount(0);
  if (ready) await expect(ready(page).first()).toBeVisible();
}

for (const lang of LANGS) {
  for (const theme of THEMES) {
    test(`every page in ${lang}, ${theme} theme: no serious or critical axe violation`, async ({ page, context, browser, env }) => {
      test.setTimeout(180_000);
      const run = uniqueName();
      const repo = `e2e/a11y-${run}/app`;
      await pushImage(page.request, env.registryUrl, repo, 'v1');
      await pushImage(page.request, env.registryUrl, repo, 'v2');
      // A finished job to look at: deleting a repository that does not exist.
      const started = await page.request.post(`${env.appUrl}/api/repository-delete-jobs`, {
        data: { repositories: [`e2e/a11y-${run}/absent`] },
        headers: fromOwnPage(env.appUrl),
      });
      expect(started.status()).toBe(200);
      const { id: job } = await started.json();

      await choose(context, env.appUrl, lang, theme);
      const where = (name: string) => `${name} (${lang}, ${theme})`;
      const check = async (name: string, url: string, ready?: (page: Page) => Locator) => {
        await test.step(name, async () => {
          await settle(page, url, ready);
          await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
          await expect(page.locator('html')).toHaveAttribute('lang', lang);
          await expectNoSeriousViolations(page, where(name));
        });
      };

      const words = WORDS[lang];
      await check('repositories', `${env.appUrl}/?q=a11y-${run}`, (p) => p.getByRole('link', { name: repo, exact: true }));
      await test.step('repositories: the rename dialog', async () => {
        await page.getByRole('checkbox', { name: `${words.select} ${repo}`, exact: true }).check();
        await page.getByRole('button', { name: words.rename }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectNoSeriousViolations(page, where('the rename dialog'));
      });
      await check('a repository', `${env.appUrl}/repositories/${repo}`, (p) => p.locator('table.tags tbody tr'));
      await test.step('a repository: the delete-tag dialog', async () => {
        await page.getByRole('button', { name: /^(Delete|删除) v1$/ }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectNoSeriousViolations(page, where('the delete-tag dialog'));
      });
      await test.step('a repository: the combine-architectures dialog', async () => {
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: /^(Combine architectures…|合并多架构…)$/ }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectNoSeriousViolations(page, where('the combine-architectures dialog'));
      });
      await check('a tag', `${env.appUrl}/repositories/${repo}/tags/v1`, (p) => p.locator('code', { hasText: /^sha256:/ }));
      await check('jobs', `${env.appUrl}/jobs`, (p) => p.getByTestId('job-row'));
      await check('a job', `${env.appUrl}/jobs/${job}`, (p) => p.getByTestId('job-status'));
      await check('local images', `${env.appUrl}/local-images?q=e2e/local/`, (p) => p.getByTestId('local-image'));
      await test.step('local images: the push dialog', async () => {
        const [web] = env.fixtures.local.push;
        await page.getByRole('checkbox', { name: `${words.select} ${web}`, exact: true }).check();
        await page.getByRole('button', { name: words.push }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectNoSeriousViolations(page, where('the local push dialog'));
      });
      await check('storage', `${env.appUrl}/storage`, (p) => p.getByTestId('storage-total'));
      await check('retention', `${env.appUrl}/retention`, (p) =>
        p.locator('[data-testid="retention-policies"], [data-testid="retention-empty"]'),
      );
      await test.step('retention: the policy dialog', async () => {
        await page.getByRole('button', { name: /^(New policy|新建策略)$/ }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectNoSeriousViolations(page, where('the retention policy dialog'));
        await page.keyboard.press('Escape');
      });
      await check('status', `${env.appUrl}/status`, (p) => p.locator('.card'));
      await check('tokens and change password', `${env.appUrl}/tokens`, (p) => p.locator('input[type="password"]'));
      await check('users', `${env.appUrl}/users`, (p) => p.getByTestId('users'));
      await check('audit', `${env.appUrl}/audit`, (p) => p.getByTestId('audit'));
      await test.step('page not found', async () => {
        await page.goto(`${env.appUrl}/no/such/page`);
        await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
        await expectNoSeriousViolations(page, where('page not found'));
      });

      // Signed out: the sign-in page, and the first-run page of the app started without an account.
      const signedOutContext = await browser.newContext({ storageState: signedOut });
      try {
        await choose(signedOutContext, env.appUrl, lang, theme);
        const visitor = await signedOutContext.newPage();
        await test.step('sign in', async () => {
          await settle(visitor, `${env.appUrl}/login`, (p) => p.getByRole('button').last());
          await expectNoSeriousViolations(visitor, where('sign in'));
        });
        await test.step('first-run setup', async () => {
          // Whatever it shows: the form, or (once setup.spec.ts has used the link) the refusal.
          await openHydrated(visitor, env.setupUrl);
          await expect(visitor.locator('h1').first()).toBeVisible();
          await expectNoSeriousViolations(visitor, where('first-run setup'));
        });
      } finally {
        await signedOutContext.close();
      }
    });
  }
}

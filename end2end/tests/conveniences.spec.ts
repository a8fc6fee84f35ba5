import type { Page } from '@playwright/test';
import { test, expect, openHydrated } from '../support/fixtures';
import { LocalImagesPage } from '../support/local-images-page';
import { pushImage, uniqueName } from '../support/registry';
import { fromOwnPage, signIn } from '../support/session';

// The conveniences the original's users had (issue 13 point 5), and the keyboard and dialog
// behaviour beyond it, each against the real server, registry and dockerd.

/** Console errors and warnings of `page` (a hydration mismatch is logged as one). */
function watchConsole(page: Page): string[] {
  const logged: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logged.push(m.text());
  });
  return logged;
}

/** Counts full page loads, to tell an in-page update from a reload. */
function countLoads(page: Page): () => number {
  let loads = 0;
  page.on('load', () => loads++);
  return () => loads;
}

test.describe('times in the browser time zone', () => {
  /** `YYYY-MM-DD HH:MM` of `iso` shifted by `offsetHours` (what a browser in that fixed zone shows). */
  function shifted(iso: string, offsetHours: number, clock = false): string {
    const d = new Date(Date.parse(iso) + offsetHours * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    if (clock) return `${hm}:${pad(d.getUTCSeconds())}`;
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}`;
  }

  test('the server renders UTC, the browser shows its own zone, with no hydration warning', async ({ browser, page, env }) => {
    // A finished job to look at.
    const run = uniqueName();
    const repo = `e2e/time-${run}/app`;
    await pushImage(page.request, env.registryUrl, repo, 'v1');
    const started = await page.request.post(`${env.appUrl}/api/repository-delete-jobs`, {
      data: { repositories: [repo] },
      headers: fromOwnPage(env.appUrl),
    });
    expect(started.status()).toBe(200);
    const { id } = await started.json();

    const shanghai = await browser.newContext({ timezoneId: 'Asia/Shanghai' });
    const local = await shanghai.newPage();
    const logged = watchConsole(local);
    await openHydrated(local, `${env.appUrl}/jobs/${id}`);
    await expect(local.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded');
    const created = local.locator('.job-summary dd time').first();
    const at = (await created.getAttribute('datetime')) ?? '';
    expect(at).toMatch(/Z$/);
    await expect(created).toHaveText(shifted(at, 8));
    await expect(created).toHaveAttribute('title', at);
    const logTime = local.getByRole('log', { name: 'Log' }).locator('time').first();
    const logAt = (await logTime.getAttribute('datetime')) ?? '';
    await expect(logTime).toHaveText(shifted(logAt, 8, true));
    // In the list too.
    await openHydrated(local, `${env.appUrl}/jobs`);
    const row = local.locator(`[data-testid="job-row"][data-job-id="${id}"] time`);
    await expect(row).toHaveText(shifted((await row.getAttribute('datetime')) ?? '', 8));
    expect(logged, 'console errors or warnings (a hydration mismatch shows here)').toEqual([]);
    await shanghai.close();

    // What the server sends (and a page without JavaScript keeps) says which zone it shows.
    const html = await (await page.request.get(`${env.appUrl}/jobs/${id}`)).text();
    const rendered = new RegExp(`<time datetime="${at}" title="${at}">([^<]*)<`).exec(html);
    expect(rendered?.[1]).toBe(`${shifted(at, 0)} UTC`);
  });
});

import type { Page } from '@playwright/test';
import { test, expect, openHydrated } from '../support/fixtures';
import { importImage, tagImage } from '../support/docker';
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

test.describe('health indicator in the header', () => {
  test('says healthy, gives the reason on hover and on click, and closes on Escape', async ({ page, env }) => {
    await openHydrated(page, env.appUrl + '/jobs');
    const light = page.getByTestId('health-indicator');
    await expect(light).toHaveAttribute('data-health', 'ok');
    await expect(light).toHaveText('Healthy');
    await expect(light).toHaveAttribute('title', 'The registry and the Docker daemon answer.');
    // A button: reached and opened by keyboard.
    await light.focus();
    await page.keyboard.press('Enter');
    const details = page.getByTestId('health-details');
    await expect(details).toContainText('The registry and the Docker daemon answer.');
    await expect(light).toHaveAttribute('aria-expanded', 'true');
    await expect(details.getByRole('link', { name: 'Status details' })).toHaveAttribute('href', '/status');
    await page.keyboard.press('Escape');
    await expect(details).toHaveCount(0);
    await expect(light).toHaveAttribute('aria-expanded', 'false');
  });

  test('names the unreachable registry and why', async ({ page, env }) => {
    await signIn(page, env.deadRegistryAppUrl, env.admin, '/');
    const light = page.getByTestId('health-indicator');
    await expect(light).toHaveAttribute('data-health', 'down');
    await expect(light).toHaveText('Registry and Docker unreachable');
    await expect(light).toHaveAttribute('title', /^Registry: cannot reach the registry/);
    await light.click();
    await expect(page.getByTestId('health-details')).toContainText(/connection refused/i);
  });

  test('asks every 10 s while the tab is visible, never while it is hidden', async ({ page, env }) => {
    await page.clock.install();
    const asked: number[] = [];
    let answered = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/rpc/status')) asked.push(Date.now());
    });
    page.on('requestfinished', (r) => {
      if (r.url().endsWith('/rpc/status')) answered++;
    });
    await openHydrated(page, env.appUrl + '/jobs');
    await expect.poll(() => answered).toBe(1);
    await expect(page.getByTestId('health-indicator')).toHaveAttribute('data-health', 'ok');
    await page.clock.fastForward(10_000);
    await expect.poll(() => answered).toBe(2);
    await page.clock.fastForward(10_000);
    await expect.poll(() => answered).toBe(3);
    expect(asked.length).toBe(3);

    // Hidden: the interval keeps ticking, but asks nothing.
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    });
    await page.clock.fastForward(60_000);
    await page.waitForTimeout(500);
    expect(asked.length).toBe(3);
    // Shown again: asks at once.
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { value: false, configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    });
    await expect.poll(() => asked.length).toBe(4);
  });
});

test.describe('Refresh buttons', () => {
  test('repositories and tags are read again without reloading the page', async ({ page, env }) => {
    const run = uniqueName();
    const repo = `e2e/refresh-${run}/app`;
    await pushImage(page.request, env.registryUrl, repo, 'v1');
    await openHydrated(page, `${env.appUrl}/?q=refresh-${run}`);
    const loads = countLoads(page);
    await expect(page.getByRole('link', { name: repo, exact: true })).toBeVisible();

    const later = `e2e/refresh-${run}/later`;
    await pushImage(page.request, env.registryUrl, later, 'v1');
    await expect(page.getByRole('link', { name: later, exact: true })).toHaveCount(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByRole('link', { name: later, exact: true })).toBeVisible();

    await page.getByRole('link', { name: repo, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: repo })).toBeVisible();
    const tags = page.locator('table.tags tbody tr td:first-child a');
    await expect(tags).toHaveText(['v1']);
    await pushImage(page.request, env.registryUrl, repo, 'v2');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(tags).toHaveText(['v1', 'v2']);
    expect(loads()).toBe(0);
  });

  test('local images are read again from the daemon', async ({ page, env }) => {
    const run = uniqueName();
    const local = new LocalImagesPage(page);
    await local.open(env.appUrl, `?q=refresh-${run}`);
    const loads = countLoads(page);
    const reference = `e2e/refresh-${run}/img:1.0`;
    await tagImage(env.fixtures.local.other, `e2e/refresh-${run}/img`, '1.0');
    await expect(local.row(reference)).toHaveCount(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(local.row(reference)).toBeVisible();
    expect(loads()).toBe(0);
  });

  test('the jobs list is read again', async ({ page, env }) => {
    await openHydrated(page, env.appUrl + '/jobs');
    const asked = page.waitForResponse((r) => r.url().endsWith('/rpc/list-jobs') && r.ok());
    await page.getByRole('button', { name: 'Refresh' }).click();
    await asked;
    await expect(page.getByRole('heading', { name: 'Recent jobs' })).toBeVisible();
  });
});

test.describe('"Select all visible", "Clear" and "selected / total"', () => {
  test('on the repositories', async ({ page, env }) => {
    const run = uniqueName();
    const repos = ['a', 'b', 'c'].map((n) => `e2e/select-${run}/${n}`);
    for (const repo of repos) await pushImage(page.request, env.registryUrl, repo, 'v1');
    await openHydrated(page, `${env.appUrl}/?q=select-${run}`);
    const count = page.getByTestId('selected-count');
    const selectAll = page.getByRole('button', { name: 'Select all visible' });
    const clear = page.getByRole('button', { name: 'Clear', exact: true });
    const rename = page.getByRole('button', { name: 'Rename by prefix…' });
    await expect(count).toHaveText('0 / 3 selected');
    await expect(clear).toBeDisabled();
    await page.getByRole('checkbox', { name: `Select ${repos[1]}` }).check();
    await expect(count).toHaveText('1 / 3 selected');
    await selectAll.click();
    await expect(count).toHaveText('3 / 3 selected');
    for (const repo of repos) await expect(page.getByRole('checkbox', { name: `Select ${repo}` })).toBeChecked();
    await expect(selectAll).toBeDisabled();
    await expect(rename).toBeEnabled();
    await clear.click();
    await expect(count).toHaveText('0 / 3 selected');
    for (const repo of repos) await expect(page.getByRole('checkbox', { name: `Select ${repo}` })).not.toBeChecked();
    await expect(rename).toBeDisabled();
  });

  test('on the local images: only the rows the filter shows', async ({ page, env }) => {
    const run = uniqueName();
    await tagImage(env.fixtures.local.other, `e2e/select-${run}/one`, '1');
    await tagImage(env.fixtures.local.other, `e2e/select-${run}/two`, '1');
    const local = new LocalImagesPage(page);
    await local.open(env.appUrl, `?q=select-${run}/`);
    const rows = local.table.getByTestId('local-image');
    await expect(rows).toHaveCount(2);
    const total = Number(/^0 \/ (\d+) selected$/.exec((await local.selectedCount.textContent()) ?? '')?.[1]);
    expect(total).toBeGreaterThan(2);
    await page.getByRole('button', { name: 'Select all visible' }).click();
    await expect(local.selectedCount).toHaveText(`2 / ${total} selected`);
    await expect(page.getByRole('checkbox', { name: `Select e2e/select-${run}/one:1` })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: `Select e2e/select-${run}/two:1` })).toBeChecked();
    // Hidden rows were not selected: clearing the filter shows them unchecked.
    await local.filter.fill('');
    await expect(local.table.getByRole('checkbox', { checked: true })).toHaveCount(2);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect(local.selectedCount).toHaveText(`0 / ${total} selected`);
    await expect(local.table.getByRole('checkbox', { checked: true })).toHaveCount(0);
  });
});

test.describe('views refresh when a job that changed them finishes', () => {
  test('repositories: after a rename and after a delete started elsewhere', async ({ page, env }) => {
    const run = uniqueName();
    const source = `e2e/auto-${run}/app`;
    const renamed = `moved-${run}/${source}`;
    await pushImage(page.request, env.registryUrl, source, 'v1');
    const streamOpen = page.waitForResponse((r) => r.url().endsWith('/api/sync-jobs/events'));
    await openHydrated(page, `${env.appUrl}/?q=auto-${run}&non_empty=1`);
    await streamOpen;
    const loads = countLoads(page);
    await expect(page.getByRole('link', { name: source, exact: true })).toBeVisible();

    // As a script or another tab would: through the REST API.
    const rename = await page.request.post(`${env.appUrl}/api/remote-prefix-jobs`, {
      data: { repositories: [source], prefix_mode: 'add', prefix_value: `moved-${run}` },
      headers: fromOwnPage(env.appUrl),
    });
    expect(rename.status()).toBe(200);
    await expect(page.getByRole('link', { name: renamed, exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('refreshed-by-job')).toHaveText('Updated: a job that changed this list has finished.');

    const remove = await page.request.post(`${env.appUrl}/api/repository-delete-jobs`, {
      data: { repositories: [source] },
      headers: fromOwnPage(env.appUrl),
    });
    expect(remove.status()).toBe(200);
    await expect(page.getByRole('link', { name: source, exact: true })).toHaveCount(0, { timeout: 30_000 });
    await expect(page.getByRole('link', { name: renamed, exact: true })).toBeVisible();
    expect(loads()).toBe(0);
  });

  test('local images: after a push and after a delete', async ({ page, env }) => {
    const run = uniqueName();
    const repository = `e2e/auto-${run}/img`;
    const reference = `${repository}:1.0`;
    // An image of its own: a delete removes the image, with every tag it has.
    await importImage(repository, '1.0');
    const local = new LocalImagesPage(page);
    const streamOpen = page.waitForResponse((r) => r.url().endsWith('/api/sync-jobs/events'));
    await local.open(env.appUrl, `?q=auto-${run}/`);
    await streamOpen;
    const loads = countLoads(page);
    await expect(local.row(reference)).toBeVisible();

    const pushed = `${env.registryHost}/pushed-${run}/${reference}`;
    const push = await page.request.post(`${env.appUrl}/api/local-push-jobs`, {
      data: { image_refs: [reference], prefix_mode: 'add', prefix_value: `pushed-${run}`, arch_mode: 'none' },
      headers: fromOwnPage(env.appUrl),
    });
    expect(push.status()).toBe(200);
    // The push tags the image under its new name: the list shows that tag once the job is done.
    await expect(local.row(pushed)).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('refreshed-by-job')).toBeVisible();

    const remove = await page.request.post(`${env.appUrl}/api/local-delete-jobs`, {
      data: { image_refs: [reference, pushed] },
      headers: fromOwnPage(env.appUrl),
    });
    expect(remove.status()).toBe(200);
    await expect(local.row(reference)).toHaveCount(0, { timeout: 30_000 });
    await expect(local.row(pushed)).toHaveCount(0);
    expect(loads()).toBe(0);
  });
});

test('the custom arch field starts with the detected arch', async ({ page, env }) => {
  const run = uniqueName();
  await tagImage(env.fixtures.local.other, `e2e/arch-${run}/img`, '1');
  const local = new LocalImagesPage(page);
  await local.open(env.appUrl, `?q=arch-${run}/`);
  const detected = (await page.getByTestId('detected-arch').textContent()) ?? '';
  expect(detected).not.toBe('');
  await local.select(`e2e/arch-${run}/img:1`);
  await local.push.click();
  const dialog = page.getByRole('dialog', { name: 'Push to registry' });
  const arch = dialog.getByRole('textbox', { name: 'Custom suffix' });
  await expect(arch).toHaveValue(detected);
  await expect(arch).toBeDisabled();
  await dialog.getByRole('radio', { name: 'Custom' }).check();
  await expect(arch).toBeEnabled();
  await expect(arch).toHaveValue(detected);
});

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

test.describe('dialogs are native modal <dialog>s', () => {
  test('focus stays inside, Escape closes, focus returns to the opener, and it opens again', async ({ page, env }) => {
    const run = uniqueName();
    const repo = `e2e/dialog-${run}/app`;
    await pushImage(page.request, env.registryUrl, repo, 'v1');
    await openHydrated(page, `${env.appUrl}/?q=dialog-${run}`);
    await page.getByRole('checkbox', { name: `Select ${repo}` }).check();
    const opener = page.getByRole('button', { name: 'Rename by prefix…' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Rename by prefix' });
    await expect(dialog).toBeVisible();
    expect(await dialog.evaluate((el) => el.tagName === 'DIALOG' && el.matches(':modal'))).toBe(true);
    // The browser moved focus into the dialog; Tab never leaves it.
    expect(await dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      const outside = await dialog.evaluate(
        (el) => document.activeElement !== document.body && !el.contains(document.activeElement),
      );
      expect(outside, `focus left the dialog after ${i + 1} Tab presses`).toBe(false);
    }

    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();
    await opener.click();
    await expect(page.getByRole('dialog', { name: 'Rename by prefix' })).toBeVisible();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(opener).toBeFocused();
  });
});

test.describe('"/" focuses the search field', () => {
  test('on the repositories and local images pages, but not while typing', async ({ page, env }) => {
    await openHydrated(page, env.appUrl + '/');
    const search = page.getByRole('searchbox', { name: 'Filter' });
    await expect(search).toHaveAttribute('aria-keyshortcuts', '/');
    await expect(search).not.toBeFocused();
    await page.keyboard.press('/');
    await expect(search).toBeFocused();
    // The "/" that moved focus is not typed; one typed in the field is.
    await expect(search).toHaveValue('');
    await page.keyboard.type('team/a');
    await expect(search).toHaveValue('team/a');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Local images' }).click();
    const localSearch = page.getByRole('searchbox', { name: 'Filter' });
    await expect(page.getByRole('heading', { level: 1, name: 'Local images' })).toBeVisible();
    await page.getByRole('heading', { level: 1, name: 'Local images' }).click();
    await page.keyboard.press('/');
    await expect(localSearch).toBeFocused();
  });

  test('does nothing on a page without a search field', async ({ page, env }) => {
    await openHydrated(page, env.appUrl + '/status');
    await page.keyboard.press('/');
    await expect(page.locator('body')).toBeFocused();
  });
});

test.describe('every control is reachable by keyboard', () => {
  const pages = ['/', '/local-images', '/jobs', '/status', '/tokens', '/users', '/audit'];
  for (const path of pages) {
    test(`nothing on ${path} is clickable without being focusable`, async ({ page, env }) => {
      await openHydrated(page, env.appUrl + path);
      await expect(page.getByTestId('health-indicator')).toHaveAttribute('data-health', /ok|degraded|down/);
      // Anything that looks clickable (a pointer cursor) must be a control, or inside one.
      const clickOnly = await page.evaluate(() => {
        const focusable = 'a[href], button, input, select, textarea, summary, label, [tabindex]:not([tabindex="-1"])';
        return Array.from(document.querySelectorAll<HTMLElement>('body *'))
          .filter((el) => getComputedStyle(el).cursor === 'pointer' && !el.closest(focusable))
          .map((el) => el.outerHTML.slice(0, 120));
      });
      expect(clickOnly).toEqual([]);
    });
  }

  test('Tab reaches the header, the toolbar, the selection and the rows on the repositories page', async ({ page, env }) => {
    const run = uniqueName();
    const repo = `e2e/keys-${run}/app`;
    await pushImage(page.request, env.registryUrl, repo, 'v1');
    await openHydrated(page, `${env.appUrl}/?q=keys-${run}`);
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el) return '';
          return el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName;
        }),
      );
    }
    for (const name of [
      'Health of the registry and the Docker daemon: Healthy',
      'Refresh',
      'Select all visible',
      `Select ${repo}`,
      repo,
    ]) {
      expect(reached, `Tab never reached "${name}"`).toContain(name);
    }
    // Activated from the keyboard too.
    await page.getByRole('button', { name: 'Select all visible' }).focus();
    await page.keyboard.press('Space');
    await expect(page.getByTestId('selected-count')).toHaveText('1 / 1 selected');
  });
});

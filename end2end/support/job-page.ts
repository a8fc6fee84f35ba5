import { expect, type Locator, type Page } from '@playwright/test';

/** The names of the job page's parts, in each language (app/src/ui/strings). */
export const JOB_PAGE_WORDS = {
  en: { progress: 'Progress', log: 'Log', items: 'Items' },
  'zh-CN': { progress: '进度', log: '日志', items: '条目' },
} as const;

/** `/jobs/{id}`: one job, updated live. */
export class JobPage {
  readonly status: Locator;
  readonly progress: Locator;
  readonly log: Locator;
  readonly items: Locator;

  constructor(
    readonly page: Page,
    lang: keyof typeof JOB_PAGE_WORDS = 'en',
  ) {
    const words = JOB_PAGE_WORDS[lang];
    this.status = page.getByTestId('job-status');
    this.progress = page.getByRole('progressbar', { name: words.progress });
    this.log = page.getByRole('log', { name: words.log });
    this.items = page.getByRole('table', { name: words.items }).locator('tbody tr');
  }

  /**
   * Waits for the browser to be on a job's page and returns its id. The job view, not only the
   * URL: pages are lazy routes, so after a client-side navigation the URL changes first and the
   * previous page (e.g. the jobs list, whose rows have `job-status` too) stays until the job
   * page's WASM chunk has loaded.
   */
  async id(): Promise<string> {
    await expect(this.page).toHaveURL(/\/jobs\/[0-9a-f]+$/);
    await expect(this.page.getByTestId('job-source')).toBeAttached();
    return new URL(this.page.url()).pathname.split('/').pop()!;
  }

  /** Waits until the job has ended with `status` (the machine value, e.g. `succeeded`). */
  async expectFinished(status: string, timeout = 30_000): Promise<void> {
    await expect(this.status).toHaveAttribute('data-status', status, { timeout });
  }
}

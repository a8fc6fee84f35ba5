import { expect, type Locator, type Page } from '@playwright/test';

/** `/jobs/{id}`: one job, updated live. */
export class JobPage {
  readonly status: Locator;
  readonly progress: Locator;
  readonly log: Locator;
  readonly items: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId('job-status');
    this.progress = page.getByRole('progressbar', { name: 'Progress' });
    this.log = page.getByRole('log', { name: 'Log' });
    this.items = page.getByRole('table', { name: 'Items' }).locator('tbody tr');
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

import { expect, type Locator, type Page } from '@playwright/test';
import { openHydrated } from './fixtures';

/** `/local-images`: the Docker daemon's images, filtered, selected, pushed or deleted. */
export class LocalImagesPage {
  readonly filter: Locator;
  readonly table: Locator;
  readonly selectedCount: Locator;
  readonly push: Locator;
  readonly delete: Locator;

  constructor(readonly page: Page) {
    this.filter = page.getByRole('searchbox', { name: 'Filter' });
    this.table = page.getByRole('table', { name: 'Local images' });
    this.selectedCount = page.getByTestId('selected-count');
    this.push = page.getByRole('button', { name: 'Push to registry…' });
    this.delete = page.getByRole('button', { name: 'Delete…' });
  }

  async open(appUrl: string, query = ''): Promise<void> {
    await openHydrated(this.page, `${appUrl}/local-images${query}`);
    await expect(this.table).toBeVisible();
  }

  /** The row of one image, by its reference. */
  row(reference: string): Locator {
    return this.table.locator(`tr[data-reference="${reference}"]`);
  }

  async select(reference: string): Promise<void> {
    await this.page.getByRole('checkbox', { name: `Select ${reference}`, exact: true }).check();
  }
}

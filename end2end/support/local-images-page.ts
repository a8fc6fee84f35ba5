import { expect, type Locator, type Page } from '@playwright/test';
import { openHydrated } from './fixtures';

/** The names of the page's controls, in each language (app/src/ui/strings). */
export const LOCAL_IMAGES_WORDS = {
  en: { filter: 'Filter', table: 'Local images', push: 'Push to registry…', delete: 'Delete…', select: 'Select' },
  'zh-CN': { filter: '筛选', table: '本地镜像', push: '批量上传到仓库…', delete: '删除…', select: '选择' },
} as const;

/** `/local-images`: the Docker daemon's images, filtered, selected, pushed or deleted. */
export class LocalImagesPage {
  readonly filter: Locator;
  readonly table: Locator;
  readonly selectedCount: Locator;
  readonly push: Locator;
  readonly delete: Locator;
  private readonly words: (typeof LOCAL_IMAGES_WORDS)[keyof typeof LOCAL_IMAGES_WORDS];

  constructor(
    readonly page: Page,
    lang: keyof typeof LOCAL_IMAGES_WORDS = 'en',
  ) {
    this.words = LOCAL_IMAGES_WORDS[lang];
    this.filter = page.getByRole('searchbox', { name: this.words.filter });
    this.table = page.getByRole('table', { name: this.words.table });
    this.selectedCount = page.getByTestId('selected-count');
    this.push = page.getByRole('button', { name: this.words.push });
    this.delete = page.getByRole('button', { name: this.words.delete });
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
    await this.page.getByRole('checkbox', { name: `${this.words.select} ${reference}`, exact: true }).check();
  }
}

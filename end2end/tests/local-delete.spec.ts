import { test, expect } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { LocalImagesPage } from '../support/local-images-page';

test('delete one tag of a shared local image: the dialog warns that its other tag goes too', async ({ page, env }) => {
  const [sharedA, sharedB] = env.fixtures.local.shared; // one image ID under two tags
  const other = env.fixtures.local.other;
  const local = new LocalImagesPage(page);
  await local.open(env.appUrl, '?q=e2e/local/');
  await expect(local.row(sharedA)).toBeVisible();
  await expect(local.row(sharedB)).toBeVisible();
  await expect(local.row(other)).toBeVisible();

  await expect(local.delete).toBeDisabled();
  await local.select(sharedA);
  await expect(local.selectedCount).toHaveText(/^1 \/ \d+ selected$/);
  await local.delete.click();

  const dialog = page.getByRole('dialog', { name: 'Delete local images' });
  const image = dialog.getByTestId('delete-preview-image');
  await expect(image).toHaveCount(1);
  await expect(image).toContainText(env.fixtures.local.shared_id.replace(/^sha256:/, '').slice(0, 12));
  await expect(image.locator('.selected-tag')).toHaveText([sharedA]);
  await expect(dialog.getByRole('list', { name: 'Also removed' }).getByRole('listitem')).toHaveText([sharedB]);
  await expect(dialog.getByText(other)).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Delete images' }).click();

  const job = new JobPage(page);
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: 'Delete local images' })).toBeVisible();
  await job.expectFinished('succeeded');

  await local.open(env.appUrl, '?q=e2e/local/');
  await expect(local.row(other)).toBeVisible();
  await expect(local.row(sharedA)).toHaveCount(0);
  await expect(local.row(sharedB)).toHaveCount(0);
});

import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { LocalImagesPage } from '../support/local-images-page';
import { listTags, pushImage, retag, uniqueName } from '../support/registry';
import { fromOwnPage } from '../support/session';

/**
 * The main flows as the original's users meet them: in Chinese (the browser asks for zh-CN),
 * found and driven by their Chinese labels. The English specs cover the same flows' details;
 * these check that a Chinese-speaking team can do each one end to end.
 */
test.use({ locale: 'zh-CN' });

test('浏览仓库和标签，删除一个标签（仅删除此标签）', async ({ page, env }) => {
  const run = uniqueName();
  const repo = `e2e/zh-${run}/web`;
  await pushImage(page.request, env.registryUrl, repo, 'v1');
  await pushImage(page.request, env.registryUrl, repo, 'v2');
  await retag(page.request, env.registryUrl, repo, 'v2', 'stable');

  await openHydrated(page, `${env.appUrl}/?q=zh-${run}`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '仓库' })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(repo) }).getByRole('cell').last()).toHaveText('3');
  await page.getByRole('link', { name: repo, exact: true }).click();

  await expect(page.getByRole('heading', { level: 1, name: repo })).toBeVisible();
  await expect(page.getByText('共 3 个标签')).toBeVisible();
  const table = page.locator('table.tags');
  const firstColumn = () => table.locator('tbody tr td:first-child a').allTextContents();
  await expect.poll(firstColumn).toEqual(['stable', 'v1', 'v2']);

  // The tag's detail, then back to its repository by the breadcrumb.
  await table.getByRole('link', { name: 'v2', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${repo}:v2` })).toBeVisible();
  await expect(page.getByRole('button', { name: '复制摘要' }).first()).toBeVisible();
  await page.getByRole('link', { name: repo, exact: true }).click();

  // v2 shares its image with `stable`: the dialog names it, and deleting only v2 keeps it.
  await page.getByRole('button', { name: '删除 v2' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('list', { name: '同一摘要上的其他标签' })).toContainText('stable');
  await expect(dialog.getByRole('button', { name: '删除整个镜像（2 个标签）' })).toBeVisible();
  await dialog.getByRole('button', { name: '仅删除此标签' }).click();
  await expect(page.getByRole('status')).toContainText('已删除：');
  await expect(page.getByRole('status')).toContainText('v2');
  await expect.poll(firstColumn).toEqual(['stable', 'v1']);
  expect((await listTags(page.request, env.registryUrl, repo)).sort()).toEqual(['stable', 'v1']);
});

test('远程同步镜像：开始任务，实时查看直到成功', async ({ page, env }) => {
  const run = uniqueName();
  const source = `e2e/zh-${run}/source`;
  const target = `e2e/zh-${run}/copy`;
  await pushImage(page.request, env.registryUrl, source, 'v1', [64 * 1024]);

  await openHydrated(page, env.appUrl + '/jobs');
  await expect(page.getByRole('heading', { level: 1, name: '任务' })).toBeVisible();
  const form = page.getByRole('region', { name: '远程同步镜像' });
  await form.getByLabel('源镜像').fill(`${env.registryHost}/${source}:v1`);
  await form.getByLabel('目标仓库（可选）').fill(target);
  await expect(form.getByTestId('sync-preview-target')).toHaveText(`${env.registryHost}/${target}:v1`);
  // The server's validation message, rendered in Chinese on the server (no English left in it
  // but the value and the accepted form).
  await form.getByLabel(/^平台/).fill('linux');
  await expect(form.getByRole('alert')).toContainText('平台 "linux" 不是 os/arch[/variant] 格式');
  await form.getByLabel(/^平台/).fill('');
  await expect(form.getByTestId('sync-preview-target')).toBeVisible();
  await form.getByRole('button', { name: '开始同步' }).click();

  const job = new JobPage(page, 'zh-CN');
  const id = await job.id();
  await expect(page.getByRole('heading', { level: 1, name: '远程同步' })).toBeVisible();
  await job.expectFinished('succeeded');
  await expect(job.status).toHaveText('成功');
  await expect(job.progress).toHaveAttribute('aria-valuenow', '100');
  await expect(job.items).toHaveCount(1);
  expect(await listTags(page.request, env.registryUrl, target)).toEqual(['v1']);
  // The job's log lines and its item's detail are in Chinese too (the server renders them for
  // the viewer); only names, digests and sizes stay as they are.
  await expect(job.log).toContainText('已排队：');
  await expect(job.log).toContainText('已开始');
  await expect(job.log).toContainText('已结束：succeeded');
  await expect(job.items.first()).toContainText(/挂载 \d+ 个 blob，传输 \d+ 个/);
  await expect(job.log).not.toContainText('queued:');

  // In the list, under its Chinese kind.
  await openHydrated(page, env.appUrl + '/jobs');
  const row = page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
  await expect(row.getByRole('link', { name: '远程同步' })).toBeVisible();
  await expect(row.getByTestId('job-status')).toHaveText('成功');
});

test('远程前缀重命名：预览新旧名称，开始任务，等待完成', async ({ page, env }) => {
  const run = uniqueName();
  const repo = `e2e/zh-rename-${run}/app`;
  await pushImage(page.request, env.registryUrl, repo, 'v1');

  await openHydrated(page, `${env.appUrl}/?q=zh-rename-${run}`);
  await page.getByRole('checkbox', { name: `选择 ${repo}` }).check();
  await expect(page.getByTestId('selected-count')).toHaveText(/^已选 1 \/ \d+$/);
  await page.getByRole('button', { name: '远程前缀重命名…' }).click();

  const dialog = page.getByRole('dialog', { name: '远程前缀重命名' });
  await expect(dialog.getByRole('radio', { name: '添加前缀' })).toBeChecked();
  await dialog.getByLabel('前缀', { exact: true }).fill('zh');
  await dialog.getByRole('button', { name: '预览' }).click();
  const rows = dialog.getByRole('list', { name: '旧名称 → 新名称' }).getByTestId('rename-preview-repository');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${repo} → ${env.registryHost}/zh/${repo}`);
  await dialog.getByRole('button', { name: '开始重命名' }).click();

  const job = new JobPage(page, 'zh-CN');
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: '远程前缀重命名' })).toBeVisible();
  await job.expectFinished('succeeded');
  await expect(job.status).toHaveText('成功');
  expect(await listTags(page.request, env.registryUrl, `zh/${repo}`)).toEqual(['v1']);
});

test('本地镜像批量上传：加前缀和架构后缀，预览，上传完成', async ({ page, env }) => {
  const [web] = env.fixtures.local.push; // e2e/local/web:1.0 (amd64)
  const prefix = `zh${Date.now()}`;
  const local = new LocalImagesPage(page, 'zh-CN');
  await local.open(env.appUrl, '?q=e2e/local/web');
  await expect(page.getByRole('heading', { level: 1, name: '本地镜像' })).toBeVisible();
  await expect(local.push).toBeDisabled();
  await local.select(web);
  await expect(local.selectedCount).toHaveText(/^已选 1 \/ \d+$/);
  await local.push.click();

  const dialog = page.getByRole('dialog', { name: '本地镜像批量上传' });
  await dialog.getByRole('radio', { name: '添加前缀' }).check();
  await dialog.getByLabel('前缀', { exact: true }).fill(prefix);
  await expect(dialog.getByRole('radio', { name: /^自动/ })).toBeChecked();
  await dialog.getByRole('button', { name: '预览' }).click();
  const rows = dialog.getByRole('list', { name: '旧名称 → 新名称' }).getByTestId('push-preview-item');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${web} → ${env.registryHost}/${prefix}/e2e/local/web:1.0-x86`);
  await dialog.getByRole('button', { name: '开始上传' }).click();

  const job = new JobPage(page, 'zh-CN');
  await job.id();
  await expect(page.getByRole('heading', { level: 1, name: '本地镜像批量上传' })).toBeVisible();
  await job.expectFinished('succeeded', 60_000);
  await expect(job.status).toHaveText('成功');
  expect(await listTags(page.request, env.registryUrl, `${prefix}/e2e/local/web`)).toEqual(['1.0-x86']);
});

test('失败的任务：任务页面用中文说明失败原因', async ({ page, env }) => {
  const run = uniqueName();
  // A sync of a tag that does not exist: its one item fails, and so does the job.
  const source = `${env.registryHost}/e2e/zh-failed-${run}/absent:v1`;
  const started = await page.request.post(`${env.appUrl}/api/sync-jobs`, {
    data: { source_image: source, target_repository: `e2e/zh-failed-${run}/copy` },
    headers: fromOwnPage(env.appUrl),
  });
  expect(started.status()).toBe(200);
  const { id } = await started.json();

  await openHydrated(page, `${env.appUrl}/jobs/${id}`);
  const job = new JobPage(page, 'zh-CN');
  await job.expectFinished('failed');
  await expect(job.status).toHaveText('失败');
  // The summary is the server's keyed message rendered for this viewer: Chinese words around
  // the name, which stays as it is.
  const error = page.getByTestId('job-error');
  await expect(error).toContainText('在源镜像仓库中不存在');
  await expect(error).toContainText(`e2e/zh-failed-${run}/absent:v1`);
  await expect(error).not.toContainText('does not exist');
  // The original contract's `error` stays English for its scripts; `error_detail` follows the reader.
  const answer = await page.request.get(`${env.appUrl}/api/sync-jobs/${id}`, {
    headers: { 'accept-language': 'zh-CN' },
  });
  const body = await answer.json();
  expect(body.error).toContain('does not exist in the source registry');
  expect(body.error_detail).toContain('在源镜像仓库中不存在');
  expect(body.error_code).toBe('copy_not_found');
});

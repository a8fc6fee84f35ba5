// Garbage collection from the UI, on the app that runs its own registry (REGISTRY_MODE=embedded,
// the harness's `embedded` instance): an admin previews with a dry run, confirms in the dialog,
// and the job sweeps the registry read-only, reports what it freed, and keeps every tagged blob.
import { test, expect, openHydrated } from '../support/fixtures';
import { JobPage } from '../support/job-page';
import { pushImage, uniqueName } from '../support/registry';
import { signIn } from '../support/session';

test('an admin previews, confirms and runs a garbage collection of the embedded registry', async ({
  newSignedOutPage,
  env,
  request,
}) => {
  test.setTimeout(120_000);
  const registry = env.embeddedRegistryUrl;
  const repository = `gc-e2e/${uniqueName()}`;
  // Two images with layers of their own; the second loses its only tag, so its blobs go.
  await pushImage(request, registry, repository, 'keep', [4096, 8192]);
  const dropped = await pushImage(request, registry, repository, 'drop', [16384, 32768]);
  const manifest = await request.get(`${registry}/v2/${repository}/manifests/drop`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const layers: string[] = (await manifest.json()).layers.map((l: { digest: string }) => l.digest);
  expect(
    (await request.delete(`${registry}/v2/${repository}/manifests/${dropped}`)).status(),
    'deleting the dropped manifest',
  ).toBe(202);
  const kept = await request.get(`${registry}/v2/${repository}/manifests/keep`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const keptLayers: string[] = (await kept.json()).layers.map((l: { digest: string }) => l.digest);

  // Its own sign-in: the embedded app has its own accounts (the same admin, another database).
  const page = await newSignedOutPage();
  await signIn(page, env.embeddedAppUrl, env.admin, '/storage');
  const panel = page.getByRole('region', { name: 'Reclaim space' });
  await panel.getByRole('button', { name: 'Reclaim space…' }).click();
  const preview = panel.getByTestId('gc-preview');
  await expect(preview).toContainText('A garbage collection would free', { timeout: 30_000 });
  // The dropped image's two layers and its config at least (other specs may leave more).
  const blobs = Number((await preview.textContent())!.match(/\((\d+) blobs/)![1]);
  expect(blobs).toBeGreaterThanOrEqual(3);

  await panel.getByRole('button', { name: 'Run garbage collection…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run garbage collection?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Run garbage collection', exact: true }).click();

  const job = new JobPage(page);
  await job.id();
  await job.expectFinished('succeeded', 60_000);
  await expect(job.log).toContainText('the registry was read-only for');
  await expect(job.log).toContainText('freed');

  // The sweep took the untagged image's layers and left the tagged one's.
  for (const digest of layers) {
    const blob = await request.head(`${registry}/v2/${repository}/blobs/${digest}`);
    expect(blob.status(), `dropped layer ${digest}`).toBe(404);
  }
  for (const digest of keptLayers) {
    const blob = await request.head(`${registry}/v2/${repository}/blobs/${digest}`);
    expect(blob.status(), `kept layer ${digest}`).toBe(200);
  }
  // And the registry takes pushes again.
  await pushImage(request, registry, repository, 'after', [1024]);
});

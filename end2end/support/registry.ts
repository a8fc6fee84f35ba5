import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { expect, type APIRequestContext } from '@playwright/test';

/** A name part no other run or spec uses, so specs own their repositories. */
export function uniqueName(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function pushBlob(request: APIRequestContext, registryUrl: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const started = await request.post(`${registryUrl}/v2/${repo}/blobs/uploads/`);
  expect(started.status(), `starting a blob upload to ${repo}`).toBe(202);
  const location = new URL(started.headers()['location'], registryUrl);
  location.searchParams.set('digest', digest);
  const put = await request.put(location.toString(), {
    headers: { 'content-type': 'application/octet-stream' },
    data,
  });
  expect(put.status(), `finishing a blob upload to ${repo}`).toBe(201);
  return digest;
}

/**
 * Pushes a small single-platform OCI image with random layers of the given sizes (so no two
 * pushes share a digest) straight through the registry's HTTP API; returns its manifest digest.
 * `architecture` is what its config says (no daemon needed for an arm64 image).
 */
export async function pushImage(
  request: APIRequestContext,
  registryUrl: string,
  repo: string,
  tag: string,
  layerSizes: number[] = [2048],
  architecture = 'amd64',
): Promise<string> {
  const layers = [];
  const diffIds = [];
  for (const size of layerSizes) {
    const raw = randomBytes(size);
    const gz = gzipSync(raw);
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: await pushBlob(request, registryUrl, repo, gz),
      size: gz.length,
    });
    diffIds.push(sha256(raw));
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      created: new Date().toISOString(),
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await pushBlob(request, registryUrl, repo, config),
        size: config.length,
      },
      layers,
    }),
  );
  const put = await request.put(`${registryUrl}/v2/${repo}/manifests/${tag}`, {
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    data: manifest,
  });
  expect(put.status(), `pushing ${repo}:${tag}`).toBe(201);
  return sha256(manifest);
}

/** The tags the registry lists for `repo` (none once every tag was deleted). */
export async function listTags(request: APIRequestContext, registryUrl: string, repo: string): Promise<string[]> {
  const response = await request.get(`${registryUrl}/v2/${repo}/tags/list`);
  if (response.status() === 404) return [];
  const body = await response.json();
  return body.tags ?? [];
}

/** The digest the registry serves for `repo:reference` (`Docker-Content-Digest` of a HEAD). */
export async function manifestDigest(request: APIRequestContext, registryUrl: string, repo: string, reference: string): Promise<string> {
  const response = await request.head(`${registryUrl}/v2/${repo}/manifests/${reference}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  expect(response.status(), `HEAD ${repo}:${reference}`).toBe(200);
  return response.headers()['docker-content-digest'];
}

/** Puts the manifest of `repo:from` under the tag `to` as well: two tags, one digest. */
export async function retag(request: APIRequestContext, registryUrl: string, repo: string, from: string, to: string): Promise<void> {
  const accept = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = await request.get(`${registryUrl}/v2/${repo}/manifests/${from}`, { headers: { accept } });
  expect(manifest.status(), `GET ${repo}:${from}`).toBe(200);
  const put = await request.put(`${registryUrl}/v2/${repo}/manifests/${to}`, {
    headers: { 'content-type': accept },
    data: await manifest.body(),
  });
  expect(put.status(), `tagging ${repo}:${from} as ${to}`).toBe(201);
}

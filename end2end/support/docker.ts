import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { expect } from '@playwright/test';

/**
 * The private test dockerd (`RM_DOCKER_HOST`, a unix socket the harness started), called over its
 * HTTP API directly: specs change the daemon behind the app's back, as another user of the host
 * would, to see what the UI does about it.
 */
function dockerCall(method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  const host = process.env.RM_DOCKER_HOST;
  if (!host?.startsWith('unix://')) throw new Error(`RM_DOCKER_HOST is ${host}: the global setup did not run`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath: host.slice('unix://'.length),
        path,
        method,
        headers: body ? { 'content-type': 'application/x-tar', 'content-length': body.length } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A one-file tar archive (ustar), so each import makes an image of its own, with its own ID. */
function tarOfOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  const put = (text: string, offset: number, length: number) => header.write(text, offset, length, 'ascii');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(content.length.toString(8).padStart(11, '0') + '\0', 124, 12);
  put(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024, 0)]);
}

/** `docker import` of a tiny random file system as `repository:tag`: a new image, unique to the caller. */
export async function importImage(repository: string, tag: string): Promise<void> {
  const tar = tarOfOneFile('hello.txt', randomBytes(64));
  const query = new URLSearchParams({ fromSrc: '-', repo: repository, tag });
  const response = await dockerCall('POST', `/images/create?${query}`, tar);
  expect(response.status, `importing ${repository}:${tag}: ${response.body}`).toBe(200);
  expect(response.body).not.toContain('"error"');
}

/** `docker tag source repository:tag`. */
export async function tagImage(source: string, repository: string, tag: string): Promise<void> {
  const query = new URLSearchParams({ repo: repository, tag });
  const response = await dockerCall('POST', `/images/${source}/tag?${query}`);
  expect(response.status, `tagging ${source} as ${repository}:${tag}: ${response.body}`).toBe(201);
}

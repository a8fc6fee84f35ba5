import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, signedOut } from '../support/fixtures';
import { listTags, manifestDigest, pushImage, uniqueName } from '../support/registry';
import { addUser, callRpc, newAccount, signIn } from '../support/session';

/**
 * Another site's pages, served from 127.0.0.1 on a port of their own: another origin than the
 * app's but the same site, since cookies ignore ports, so the browser sends the app's
 * `SameSite=Strict` session cookie along. Only the server's own check stands in the way.
 */
class AttackerSite {
  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {}

  /** Serves `pages` (path → HTML) until {@link close}. */
  static async start(pages: Record<string, string>): Promise<AttackerSite> {
    const server = http.createServer((request, response) => {
      const page = pages[new URL(request.url ?? '/', 'http://x').pathname];
      response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new AttackerSite(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An HTML page that auto-submits a form of `fields` to `action` as it loads. */
function autoSubmit(action: string, fields: Record<string, string>, enctype = 'application/x-www-form-urlencoded'): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name='${name}' value='${value}'>`)
    .join('');
  return `<!doctype html><title>Win a prize</title>
    <form method="POST" action="${action}" enctype="${enctype}">${inputs}</form>
    <script>document.forms[0].submit()</script>`;
}

test('another origin\'s page cannot act with a signed-in operator\'s session: forms and no-cors fetches get 403 and change nothing', async ({
  page,
  env,
  newSignedOutPage,
}) => {
  const run = uniqueName();
  const repository = `e2e/csrf-${run}/app`;
  const stolen = `e2e/csrf-${run}/stolen`;
  const digest = await pushImage(page.request, env.registryUrl, repository, 'v1');
  const operator = newAccount('csrf');
  await addUser(page.request, env.appUrl, operator, 'operator');
  const victim = await newSignedOutPage();
  await signIn(victim, env.appUrl, operator, '/jobs');

  const source = `${env.registryHost}/${repository}:v1`;
  const syncBody = JSON.stringify({ source_image: source, target_repository: stolen });
  const attacker = await AttackerSite.start({
    // A server function, as an HTML form posts it.
    '/delete-tag': autoSubmit(`${env.appUrl}/rpc/delete-tag`, { repository, tag: 'v1', scope: 'tag' }),
    '/start-sync': autoSubmit(`${env.appUrl}/rpc/start-sync`, {
      'request[source_image]': source,
      'request[target_repository]': stolen,
    }),
    // A REST route, with a JSON body smuggled through enctype=text/plain (`{…,"x":"=…"}`).
    '/rest-form': autoSubmit(
      `${env.appUrl}/api/sync-jobs`,
      { [`${syncBody.slice(0, -1)},"x":"`]: '"}' },
      'text/plain',
    ),
    // Requests whose answer the page cannot read, sent anyway ("simple" requests: no preflight).
    // The GET of /api/me shows that such a fetch carries the session (it is answered 200).
    '/no-cors': `<!doctype html><script>
      fetch(${JSON.stringify(`${env.appUrl}/api/me`)}, {mode: 'no-cors', credentials: 'include'});
      fetch(${JSON.stringify(`${env.appUrl}/api/sync-jobs`)}, {method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: {'content-type': 'text/plain'}, body: ${JSON.stringify(syncBody)}});
      fetch(${JSON.stringify(`${env.appUrl}/rpc/delete-tag`)}, {method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: {'content-type': 'application/x-www-form-urlencoded'},
        body: ${JSON.stringify(`repository=${encodeURIComponent(repository)}&tag=v1&scope=tag`)}});
    </script>`,
  });
  try {
    /** Attacker page → the requests it makes to the app: method, path, the status they must get. */
    const attempts: [string, [string, string, number][]][] = [
      ['/delete-tag', [['POST', '/rpc/delete-tag', 403]]],
      ['/start-sync', [['POST', '/rpc/start-sync', 403]]],
      ['/rest-form', [['POST', '/api/sync-jobs', 403]]],
      [
        '/no-cors',
        [
          ['GET', '/api/me', 200],
          ['POST', '/api/sync-jobs', 403],
          ['POST', '/rpc/delete-tag', 403],
        ],
      ],
    ];
    for (const [attackPage, targets] of attempts) {
      const answers = targets.map(([method, path, status]) => ({
        status,
        response: victim.waitForResponse((r) => r.url() === `${env.appUrl}${path}` && r.request().method() === method),
      }));
      await victim.goto(`${attacker.origin}${attackPage}`);
      for (const { status, response: answer } of answers) {
        const response = await answer;
        const what = `${attackPage} → ${response.request().method()} ${response.url()}`;
        if (response.request().isNavigationRequest()) {
          // The browser did send the session: only the server's check refused it. (Chromium
          // reports the headers it sent for navigations; for fetches, /api/me's 200 shows it.)
          const sent = await response.request().allHeaders();
          expect(sent['cookie'] ?? '', what).toContain('rm_session=');
          expect(sent['origin'], what).toBe(attacker.origin);
        }
        expect(response.status(), what).toBe(status);
      }
    }

    // The same, from a client that sets any header it likes but holds only the cookie.
    const forged = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: attacker.origin, 'sec-fetch-site': 'same-site' },
      {},
    ];
    for (const headers of forged) {
      const rpc = await victim.request.post(`${env.appUrl}/rpc/delete-tag`, {
        form: { repository, tag: 'v1', scope: 'tag' },
        headers: { accept: 'application/json', ...headers },
      });
      expect(rpc.status(), JSON.stringify(headers)).toBe(403);
      expect((await rpc.json()).detail).toContain('refused');
      const rest = await victim.request.post(`${env.appUrl}/api/sync-jobs`, {
        data: { source_image: source, target_repository: stolen },
        headers,
      });
      expect(rest.status(), JSON.stringify(headers)).toBe(403);
    }

    // Nothing changed: the tag still serves its image, nothing was copied, no job was made.
    expect(await listTags(page.request, env.registryUrl, repository)).toEqual(['v1']);
    expect(await manifestDigest(page.request, env.registryUrl, repository, 'v1')).toBe(digest);
    expect(await listTags(page.request, env.registryUrl, stolen)).toEqual([]);
    const jobs = await (await page.request.get(`${env.appUrl}/api/sync-jobs?limit=500`)).json();
    expect(jobs.jobs.filter((job: { target_image: string | null }) => job.target_image?.includes(stolen))).toEqual([]);

    // And the operator's own page may do it: the refusals above were not about the role.
    const own = await callRpc(victim.request, env.appUrl, 'delete-tag', { repository, tag: 'v1', scope: 'tag' });
    expect(own.status(), await own.text()).toBe(200);
    expect(await listTags(page.request, env.registryUrl, repository)).toEqual([]);
  } finally {
    await attacker.close();
  }
});

test('a request naming a host the server is not reached by is answered 421 (DNS rebinding)', async ({ env, newApiClient }) => {
  const client = await newApiClient();
  const rebound = await client.get(`${env.appUrl}/api/health`, { headers: { host: 'evil.example' } });
  expect(rebound.status()).toBe(421);
  const body = await rebound.json();
  expect(body.error).toBe('misdirected_request');
  expect(body.detail).toContain('PUBLIC_URL');
  expect(body.detail).toContain('ALLOWED_HOSTS');
  expect((await client.get(`${env.appUrl}/api/health`)).status()).toBe(200);
});

test('the sign-in form works without the script too: a plain form post comes from our own page', async ({ page, browser, env }) => {
  const account = newAccount('no-script');
  await addUser(page.request, env.appUrl, account, 'viewer');
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: signedOut });
  try {
    const form = await context.newPage();
    await form.goto(`${env.appUrl}/login`);
    await form.getByLabel('Username').fill(account.username);
    await form.getByLabel('Password').fill(account.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(form).toHaveURL(`${env.appUrl}/`);
    await expect(form.getByRole('heading', { level: 1, name: 'Repositories' })).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).toContain('rm_session');
  } finally {
    await context.close();
  }
});

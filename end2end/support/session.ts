import { expect, type APIRequestContext, type APIResponse, type Locator, type Page } from '@playwright/test';
import { openHydrated, type Account } from './fixtures';
import { uniqueName } from './registry';

/** `/login`: the plain sign-in form (it posts to the server's `POST /login`). */
export class LoginPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  /** The server's reason for sending the visitor back here. */
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Sign in' });
    this.username = page.getByLabel('Username');
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in' });
    this.error = page.getByRole('alert');
  }

  async signIn(account: Account): Promise<void> {
    await expect(this.heading).toBeVisible();
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await this.username.fill(account.username);
    await this.password.fill(account.password);
    await this.submit.click();
  }
}

/**
 * Opens `path` on `appUrl`, is sent to the sign-in form, signs `account` in there and lands back on
 * `path`, hydrated. The context's cookies are cleared first: cookies ignore ports, so every app on
 * 127.0.0.1 shares the one `rm_session` cookie, and a login ends the session the browser sent; a
 * context loaded with the shared admin session must never send it to a login.
 */
export async function signIn(page: Page, appUrl: string, account: Account, path = '/'): Promise<void> {
  await page.context().clearCookies();
  await openHydrated(page, appUrl + path);
  await expect(page).toHaveURL(/\/login(\?next=.*)?$/);
  await new LoginPage(page).signIn(account);
  await expect(page).toHaveURL(appUrl + path);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('whoami')).toContainText(`${account.username} (`);
}

/**
 * The `Origin` header a page of the app at `appUrl` sends with a change. Playwright's HTTP client
 * sends none, and the server refuses a cookie-signed change that does not say it comes from the
 * app's own page (a cross-site request).
 */
export function fromOwnPage(appUrl: string): Record<string, string> {
  return { origin: new URL(appUrl).origin };
}

/**
 * Calls a server function as the UI does (`POST /rpc/<endpoint>`, form-encoded arguments, from
 * the app's own page), with the cookies `request` holds (`page.request` shares its page's).
 */
export function callRpc(
  request: APIRequestContext,
  appUrl: string,
  endpoint: string,
  args: Record<string, string>,
): Promise<APIResponse> {
  return request.post(`${appUrl}/rpc/${endpoint}`, {
    form: args,
    headers: { accept: 'application/json', ...fromOwnPage(appUrl) },
  });
}

export type Role = 'viewer' | 'operator' | 'admin';

/** A new account's name and password, unique to this run. */
export function newAccount(prefix: string): Account {
  return { username: `${prefix}-${uniqueName()}`, password: `pw-${uniqueName()}-long-enough` };
}

/** Adds an account through the server function the Users page uses; `request` must be an admin's. */
export async function addUser(request: APIRequestContext, appUrl: string, account: Account, role: Role): Promise<void> {
  const response = await callRpc(request, appUrl, 'add-user', { ...account, role });
  expect(response.status(), `adding ${account.username}: ${await response.text()}`).toBe(200);
}

/** Signs `account` in on a plain HTTP client (`POST /login` with JSON); the client keeps the cookie. */
export async function apiSignIn(request: APIRequestContext, appUrl: string, account: Account): Promise<void> {
  const response = await request.post(`${appUrl}/login`, { data: account, headers: fromOwnPage(appUrl) });
  expect(response.status(), `signing in as ${account.username}: ${await response.text()}`).toBe(200);
}

// OAuth login through a real local OpenID Connect provider
// (tools/oidc-mock: oauth2-mock-server, which enforces PKCE). Acme's admin
// configures Acme's provider; Ann, who already has a password, signs in with
// "Continue with Acme SSO" (her verified address links to her user), and a
// newcomer's first login joins Acme with the provider's default role. A
// tampered callback (state not ours) is refused on the page before any request.
// Ann's user lists the linked login (Users → Linked logins).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approve, startOidcMock } from '../../sdk-tests/lib/oidc.mjs';
import { apiClient, launchBrowser, PASSWORD, screenshot, startServer } from './lib/harness.mjs';

describe('OAuth login', () => {
  let server;
  let mock;
  let provider;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ env: { SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS: 'true' } });
    mock = await startOidcMock();
    provider = await mock.provider({ sub: 'ann-at-idp', email: 'ann@acme.example.com', email_verified: true });
    const api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/admin/configuration', {
      display_name: 'Acme SSO',
      category: 'auth_providers',
      provider_name: 'oidc',
      account_id: acme.id,
      config: {
        issuer_url: provider.issuer,
        client_id: 'acme-console',
        client_secret: 'acme-secret',
        link_existing: true,
        default_role: 'admin',
      },
    });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await mock?.stop();
    await server?.stop();
  });

  async function continueWithSso() {
    await page.goto(`${server.base}/admin/login`);
    await page.locator('#account').fill('acme');
    const button = page.getByRole('button', { name: 'Continue with Acme SSO' });
    await button.waitFor();
    await button.click();
    // The provider approves at once and sends the browser back to the console.
    await page.waitForURL((u) => u.pathname === '/admin/oauth/callback' || !u.pathname.endsWith('/login'));
    await page.waitForURL((u) => !u.pathname.endsWith('/login') && !u.pathname.endsWith('/oauth/callback'));
  }

  test('Ann signs in through the provider as herself', async () => {
    await continueWithSso();
    await page.getByText('ann@acme.example.com').first().waitFor();
    await screenshot(page, 'oauth-signed-in');
    const session = await page.evaluate(() => JSON.stringify(window.localStorage));
    assert.match(session, /ann@acme\.example\.com/);
    assert.equal((await mock.stats(provider)).token_requests, 1, 'one code exchange');
    // Her user lists the linked login.
    await page.goto(`${server.base}/admin/users`);
    await page.getByRole('button', { name: 'Actions for ann@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Linked logins' }).click();
    const list = page.getByTestId('identities-list');
    await list.waitFor();
    assert.equal(await list.locator('li[data-provider="oidc"]').count(), 1);
    assert.match(await list.innerText(), new RegExp(provider.issuer.replace(/[.:/]/g, '\\$&')));
    await screenshot(page, 'oauth-linked-logins');
    await page.keyboard.press('Escape');
  });

  test('a newcomer joins Acme on first login', async () => {
    await page.evaluate(() => window.localStorage.clear());
    await mock.setUser(provider, { sub: 'newcomer', email: 'neo@acme.example.com', email_verified: true });
    await continueWithSso();
    await page.getByText('neo@acme.example.com').first().waitFor();
  });

  test('a callback whose state the page did not start is refused without a request', async () => {
    await page.evaluate(() => window.localStorage.clear());
    const before = (await mock.stats(provider)).token_requests;
    // A real code from the provider, but for a login this browser never started.
    const started = await fetch(`${server.base}/api/v1/auth/oauth/oidc/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uri: `${server.base}/admin/oauth/callback?provider=oidc`, account: 'acme' }),
    }).then((r) => r.json());
    const { url } = await approve(started.authorization_url);
    await page.goto(url.toString());
    await page.getByRole('alert').first().waitFor();
    assert.ok(page.url().includes('/oauth/callback'));
    assert.equal((await mock.stats(provider)).token_requests, before, 'the code was not exchanged');
    await screenshot(page, 'oauth-bad-state');
  });
});

// Auth providers settings: the superadmin adds a system-wide OpenID Connect
// provider from the catalogue (a form made from its schema), tests the
// connection against a local discovery document, sees the secret only
// masked when editing (and keeps it by saving the mask back), disables and
// deletes it. Ann (admin of Acme) manages Acme's own providers only. At 390 px
// nothing scrolls sideways, and the pages log no errors.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

const SECRET = 'journey-client-secret-9f8e7d';

describe('Auth providers', () => {
  let server;
  let api;
  let acme;
  let browser;
  let page;
  let issuer;
  let discovery;

  before(async () => {
    discovery = http.createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise((r) => discovery.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${discovery.address().port}`;
    server = await startServer({ env: { SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS: 'true' } });
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    discovery?.close();
  });

  const row = (name) => page.locator(`[data-testid=providers-table] tbody tr[data-name="${name}"]`);

  test('the superadmin adds, tests, edits, disables and deletes a system provider', async () => {
    await navTo(page, 'Auth providers');
    await page.waitForURL((u) => u.pathname === '/admin/settings/auth-providers');
    await page.getByText('No auth providers yet').waitFor();
    assert.equal(await page.getByTestId('providers-scope').inputValue(), 'SY0000');

    await page.getByRole('button', { name: 'Add provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add auth provider' });
    await dialog.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#provider-kind option').length > 1);
    await dialog.locator('#provider-kind').selectOption('oidc');
    await dialog.locator('#provider-field-issuer_url').waitFor();
    assert.equal(await dialog.locator('#provider-display-name').inputValue(), 'OpenID Connect');
    assert.equal(await dialog.locator('#provider-field-client_secret').getAttribute('type'), 'password');
    assert.equal(await dialog.locator('#provider-field-allow_signup').isChecked(), true, 'the schema default');
    await dialog.locator('#provider-display-name').fill('Company SSO');

    // Required values missing: the server names the fields.
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    await dialog.locator('#provider-field-issuer_url-error').waitFor();
    await dialog.locator('#provider-field-client_secret-error').waitFor();

    await dialog.locator('#provider-field-issuer_url').fill(issuer);
    await dialog.locator('#provider-field-client_id').fill('console-client');
    await dialog.locator('#provider-field-client_secret').fill(SECRET);
    await dialog.locator('#provider-field-allowed_domains').fill('acme.example.com, example.org');
    await dialog.getByTestId('provider-test').click();
    const result = dialog.getByTestId('provider-test-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-success'), 'true', await result.innerText());
    await screenshot(page, 'auth-providers-create');
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    await toast(page, 'Provider added');
    await dialog.waitFor({ state: 'detached' });
    await row('Company SSO').waitFor();
    assert.equal(await row('Company SSO').getAttribute('data-enabled'), 'true');

    // Editing: the secret is only ever the mask; saving the mask keeps it.
    await page.getByRole('button', { name: 'Edit Company SSO' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Company SSO' });
    await edit.waitFor();
    await edit.locator('#provider-field-client_id').waitFor();
    assert.equal(await edit.locator('#provider-field-client_id').inputValue(), 'console-client');
    assert.equal(await edit.locator('#provider-field-client_secret').inputValue(), '********');
    assert.equal(await edit.locator('#provider-field-allowed_domains').inputValue(), 'acme.example.com, example.org');
    assert.ok(!(await page.content()).includes(SECRET), 'the secret is nowhere in the page');
    await edit.locator('#provider-field-client_id').fill('console-client-2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Provider saved');
    const [stored] = await api.get('/admin/configuration/system');
    const values = await api.get(`/admin/configuration/${stored.id}/values`);
    assert.equal(values.client_id, 'console-client-2');
    assert.equal(values.client_secret, '********', 'still a secret stored');

    await page.getByRole('button', { name: 'Disable Company SSO' }).click();
    await toast(page, 'Company SSO disabled');
    await page.locator('[data-testid=providers-table] tbody tr[data-name="Company SSO"][data-enabled="false"]').waitFor();
    assert.equal((await api.get('/admin/configuration/system'))[0].enabled, false);
    await screenshot(page, 'auth-providers-list');

    await page.getByRole('button', { name: 'Delete Company SSO' }).click();
    await page.getByRole('button', { name: 'Delete provider' }).click();
    await toast(page, 'Provider deleted');
    await page.getByText('No auth providers yet').waitFor();
    assert.deepEqual(await api.get('/admin/configuration/system'), []);
  });

  test("an account admin manages her account's providers only", async () => {
    await api.post('/admin/configuration', {
      display_name: 'System Google',
      category: 'auth_providers',
      provider_name: 'google',
      config: { client_id: 'g', client_secret: 'gs' },
    });
    await page.context().clearCookies();
    await page.evaluate(() => localStorage.clear());
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
    await navTo(page, 'Auth providers');
    await page.getByText('No auth providers yet').waitFor();
    assert.equal(await page.getByTestId('providers-scope').count(), 0, 'no scope choice for her');
    assert.equal(await page.getByText('System Google').count(), 0, 'system providers are not hers');

    await page.getByRole('button', { name: 'Add provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add auth provider' });
    await page.waitForFunction(() => document.querySelectorAll('#provider-kind option').length > 1);
    await dialog.locator('#provider-kind').selectOption('github');
    await dialog.locator('#provider-field-client_id').fill('acme-gh');
    await dialog.locator('#provider-field-client_secret').fill('acme-gh-secret');
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    await toast(page, 'Provider added');
    await row('GitHub').waitFor();
    const mine = await api.get(`/admin/configuration/account?account_id=${acme.id}`);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].provider_name, 'github');

    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await row('GitHub').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'no sideways scroll');
    await page.getByRole('button', { name: 'Edit GitHub' }).click();
    await page.getByRole('dialog', { name: 'Edit GitHub' }).locator('#provider-field-client_secret').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'no sideways scroll in the dialog');
    await screenshot(page, 'auth-providers-390-account-admin');
    await page.keyboard.press('Escape');
  });

  test('the pages logged no errors', () => {
    assert.deepEqual(browser.problems, []);
  });
});

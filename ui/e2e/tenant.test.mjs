// An account admin signs in, works with their own account's records, and
// cannot see another account's records or the superadmin pages.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

describe('account admin', () => {
  let server;
  let browser;
  let page;
  let acme;
  let globex;

  before(async () => {
    server = await startServer();
    const api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    globex = await api.post('/accounts', { name: 'Globex', slug: 'globex' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/users', { email: 'bob@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'user' });
    await api.post('/users', { email: 'gil@globex.example.com', password: PASSWORD, account_id: globex.id, role: 'user' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'views', type: 'number' },
      ],
    });
    await api.post('/records/posts', { title: 'Acme news', views: 3 }, { 'X-Account-ID': acme.id });
    await api.post('/records/posts', { title: 'Globex secret', views: 9 }, { 'X-Account-ID': globex.id });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('signs in with the account slug and lands on records, without superadmin pages', async () => {
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
    await page.waitForURL(/\/admin\/records$/);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Records' }).waitFor();
    for (const hidden of ['Dashboard', 'Accounts', 'Collections', 'Roles', 'Logs']) {
      assert.equal(await nav.getByRole('link', { name: hidden, exact: true }).count(), 0, `${hidden} is hidden`);
    }
    for (const shown of ['Users', 'Groups', 'Invitations', 'Webhooks']) {
      assert.equal(await nav.getByRole('link', { name: shown, exact: true }).count(), 1, `${shown} is shown`);
    }
    await page.goto(`${server.base}/admin/accounts`);
    await page.getByTestId('forbidden').waitFor();
    await screenshot(page, 'tenant-forbidden');
  });

  test('sees and edits only its own records', async () => {
    await page.goto(`${server.base}/admin/records`);
    // Account admins may read the schemas: the collections are listed, and forms are typed.
    await page.getByRole('link', { name: /posts/ }).click();
    await page.waitForURL(/\/admin\/collections\/posts\/records$/);
    const table = page.getByTestId('records-table');
    await table.getByText('Acme news').waitFor();
    assert.equal(await table.getByText('Globex secret').count(), 0);

    await page.getByRole('button', { name: 'New record' }).click();
    await page.locator('#record-title').fill('Written by Ann');
    await page.locator('#record-views').fill('1');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'created');
    await table.getByText('Written by Ann').waitFor();
    await screenshot(page, 'tenant-records');
  });

  test('manages its own account’s users only', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
    await page.waitForURL(/\/admin\/users$/);
    const table = page.getByTestId('users-table');
    await table.locator('tr[data-email="bob@acme.example.com"]').waitFor();
    assert.equal(await table.getByText('gil@globex.example.com').count(), 0, "another account's users are not listed");
    assert.equal(await page.getByLabel('Filter by account').count(), 0, 'no account filter');
    assert.equal(await table.getByRole('columnheader', { name: 'Account' }).count(), 0);
    // A different account in the URL changes nothing.
    await page.goto(`${server.base}/admin/users?account=${globex.id}`);
    await table.locator('tr[data-email="ann@acme.example.com"]').waitFor();
    assert.equal(await table.getByText('gil@globex.example.com').count(), 0);

    await page.getByRole('button', { name: 'New user' }).click();
    assert.equal(await page.locator('#user-account').inputValue(), `Acme (${acme.id})`);
    await page.locator('#user-email').fill('cat@acme.example.com');
    await page.locator('#user-password').fill(PASSWORD);
    await page.locator('#user-confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await toast(page, 'User cat@acme.example.com created');
    await table.locator('tr[data-email="cat@acme.example.com"]').waitFor();

    await table.locator('tr[data-email="cat@acme.example.com"]').getByRole('button', { name: 'Actions for cat@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'cat@acme.example.com deactivated');
    await table.locator('tr[data-email="cat@acme.example.com"]').getByText('Inactive').waitFor();
    await screenshot(page, 'tenant-users');

    const root = apiClient(server.base);
    await root.login();
    const created = await root.get(`/users?search=cat@`);
    assert.equal(created.total, 1);
    assert.equal(created.items[0].account_id, acme.id);
    assert.equal(created.items[0].is_active, false);
  });

  test('groups, invitations and webhooks are its own account’s', async () => {
    for (const [name, empty] of [
      ['Groups', 'No groups yet'],
      ['Invitations', 'No invitations yet'],
      ['Webhooks', 'No webhooks yet'],
    ]) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await page.getByText(empty).first().waitFor();
      assert.equal(await page.getByTestId('account-picker').count(), 0, `${name}: no account picker`);
      assert.equal(await page.getByTestId('error-state').count(), 0, `${name}: no error`);
    }
  });

  test('the server refuses another account, and the UI shows why', async () => {
    const status = await page.evaluate(async (other) => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      const res = await fetch('/api/v1/records/posts', { headers: { Authorization: `Bearer ${s.token}`, 'X-Account-ID': other } });
      return res.status;
    }, globex.id);
    assert.equal(status, 403);
    await page.goto(`${server.base}/admin/collections/posts/records?account=${globex.id}`);
    await page.getByTestId('records-table').getByText('Acme news').waitFor();
    assert.equal(await page.getByText('Globex secret').count(), 0, 'the account in the URL is ignored for non-superadmins');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

// J2 (accounts) and J3 (users) of seed-ui.md §3.2.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, PASSWORD, screenshot, startServer, toast, uiLogin, navTo } from './lib/harness.mjs';

describe('J2 accounts, J3 users', () => {
  let server;
  let browser;
  let page;
  let api;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    api = apiClient(server.base);
    await api.login();
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const row = (text) => page.locator('tbody tr').filter({ hasText: text });

  test('J2: create an account with a generated slug, find it, rename it, open its detail', async () => {
    // Made outside the console before the list is first read: a list read in the
    // last 5 s (the query's staleTime) is not read again on navigation.
    await api.post('/accounts', { name: 'Globex' });
    await navTo(page, 'Accounts');
    await page.getByRole('button', { name: 'New account' }).click();
    await page.locator('#account-name').fill('Acme');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/admin\/accounts\/[A-Z]{2}\d{4}$/);
    await page.getByRole('heading', { name: 'Acme' }).waitFor();
    await page.getByText(/· acme$/).waitFor();

    await navTo(page, 'Accounts');
    await page.getByLabel('Search accounts').fill('acme');
    await page.getByRole('button', { name: 'Search' }).click();
    await row('Acme').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);

    await page.getByLabel('Search accounts').fill('');
    await page.getByRole('button', { name: 'Clear' }).click();
    await row('Globex').waitFor();
    await page.getByRole('button', { name: 'Name' }).click();
    await page.waitForFunction(() => document.querySelector('tbody tr td:nth-child(2)')?.textContent === 'Acme');
    await page.getByRole('button', { name: 'Name' }).click();
    await page.waitForFunction(() => document.querySelector('tbody tr td:nth-child(2)')?.textContent === 'SnackBase System');

    await page.getByRole('button', { name: 'Edit Acme' }).click();
    await page.locator('#account-name').fill('Acme Corp');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Account renamed to “Acme Corp”');
    await row('Acme Corp').getByRole('link', { name: 'Acme Corp' }).click();
    await page.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    await screenshot(page, 'j2-account-detail');
  });

  test('J2: deleting an account needs its name typed', async () => {
    await api.post('/accounts', { name: 'Doomed Ltd' });
    await page.goto(`${server.base}/admin/accounts?q=doomed`);
    await page.getByRole('button', { name: 'Delete Doomed Ltd' }).click();
    const ok = page.getByTestId('confirm-ok');
    assert.equal(await ok.isDisabled(), true);
    await page.locator('#confirm-typed').fill('Doomed');
    assert.equal(await ok.isDisabled(), true);
    await page.locator('#confirm-typed').fill('Doomed Ltd');
    await screenshot(page, 'j2-delete-confirm');
    await ok.click();
    await toast(page, 'Account Doomed Ltd deleted');
    await page.getByText('No account matches “doomed”').waitFor();
  });

  test('J3: create a user (the policy error first), filter, edit, reset password', async () => {
    const acme = (await api.get('/accounts?search=acme')).items[0];
    await navTo(page, 'Users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.locator('#user-email').fill('bob@acme.example.com');
    await page.locator('#user-password').fill('password');
    await page.locator('#user-confirm').fill('password');
    await page.locator('#user-account').selectOption(acme.id);
    await page.locator('#user-role').selectOption('user');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Password must be at least 12 characters').waitFor();
    await page.locator('#user-password').fill(PASSWORD);
    await page.locator('#user-confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await toast(page, 'User bob@acme.example.com created');

    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await page.getByLabel('Filter by account').selectOption(acme.id);
    await page.getByLabel('Filter by role').selectOption({ label: 'user' });
    await row('bob@acme.example.com').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await page.getByLabel('Filter by role').selectOption({ label: 'admin' });
    await row('ann@acme.example.com').waitFor();
    await page.getByLabel('Filter by role').selectOption('');
    await page.getByLabel('Search users').fill('bob');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);

    await page.getByRole('button', { name: 'Actions for bob@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.locator('#user-email').fill('robert@acme.example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'User robert@acme.example.com saved');

    await page.getByLabel('Search users').fill('robert');
    await page.getByRole('button', { name: 'Actions for robert@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Reset password' }).click();
    await page.locator('#reset-password').fill('lowercase-only-123');
    await page.locator('#reset-confirm').fill('lowercase-only-123');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.getByText('Password must contain at least one uppercase letter').first().waitFor();
    await page.locator('#reset-password').fill('New-Password-123!');
    await page.locator('#reset-confirm').fill('New-Password-123!');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await toast(page, 'Password of robert@acme.example.com reset');
    const login = await apiClient(server.base).login(acme.slug, 'robert@acme.example.com', 'New-Password-123!');
    assert.equal(login.user.email, 'robert@acme.example.com');
  });

  test('J3: deactivate (row shows Inactive), then reactivate', async () => {
    await page.getByRole('button', { name: 'Actions for robert@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'robert@acme.example.com deactivated');
    await row('robert@acme.example.com').getByText('Inactive').waitFor();
    await screenshot(page, 'j3-users-inactive');
    await page.getByRole('button', { name: 'Actions for robert@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Reactivate' }).click();
    await toast(page, 'robert@acme.example.com reactivated');
    await row('robert@acme.example.com').getByText('Active').waitFor();
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

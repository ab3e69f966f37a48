// J1 (first run and auth) and J8 (token refresh) of seed-ui.md §3.2.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, PASSWORD, ROOT_EMAIL, screenshot, startServer, uiLogin } from './lib/harness.mjs';

describe('J1 first run and auth, J8 token refresh', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ superadmin: false });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('J1: the printed setup link creates the superadmin', async () => {
    assert.ok(server.setupUrl, 'the server printed a setup link');
    await page.goto(`${server.base}/admin/setup?token=${server.token}`);
    await page.getByRole('heading', { name: 'Create the superadmin' }).waitFor();
    assert.equal(await page.locator('#token').inputValue(), server.token, 'token prefilled from the link');
    await page.locator('#email').fill(ROOT_EMAIL);
    await page.locator('#password').fill('weakpass');
    await page.locator('#confirm').fill('weakpass');
    await page.getByRole('button', { name: 'Create superadmin' }).click();
    await page.getByText('Password must be at least 12 characters').waitFor();
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#confirm').fill(PASSWORD);
    await screenshot(page, 'j1-setup');
    await page.getByRole('button', { name: 'Create superadmin' }).click();
    await page.waitForURL(/\/admin\/login$/);
    assert.equal(await page.locator('#email').inputValue(), ROOT_EMAIL);
  });

  test('J1: login errors stay on the login page', async () => {
    await page.goto(`${server.base}/admin/login`);
    await page.locator('#email').fill('');
    await page.locator('#password').fill('whatever');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Email is required').waitFor();
    await page.locator('#email').fill(ROOT_EMAIL);
    await page.locator('#password').fill('Wrong-Password-1!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid credentials' }).waitFor();
    assert.match(page.url(), /\/admin\/login$/);
    await screenshot(page, 'j1-login-error');
  });

  test('J1: a good login lands on the dashboard and survives a reload', async () => {
    await uiLogin(page, server.base);
    await page.waitForURL(/\/admin\/dashboard$/);
    await page.getByTestId('stat-accounts-value').waitFor();
    await page.reload();
    await page.getByTestId('stat-accounts-value').waitFor();
    assert.match(page.url(), /\/admin\/dashboard$/);
    assert.equal(await page.getByTestId('current-user').innerText(), ROOT_EMAIL);
    await screenshot(page, 'j1-dashboard');
  });

  test('J1: logout clears storage and a deep link goes through login', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/admin\/login/);
    const stored = await page.evaluate(() => localStorage.getItem('snackbase.session'));
    assert.equal(stored, null);
    await page.goto(`${server.base}/admin/users`);
    await page.waitForURL(/\/admin\/login\?next=%2Fusers/);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#email').fill(ROOT_EMAIL);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/users$/);
    await page.getByTestId('users-table').waitFor();
  });

  test('J8: concurrent 401s trigger exactly one refresh, and every request then succeeds', async () => {
    // Make the access token unusable, as an expired one would be.
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      s.token = `${s.token.slice(0, -4)}AAAA`;
      localStorage.setItem('snackbase.session', JSON.stringify(s));
    });
    const refreshes = [];
    const failures = [];
    const onResponse = (res) => {
      const url = res.url();
      if (url.endsWith('/api/v1/auth/refresh')) refreshes.push(res.status());
      else if (url.includes('/api/v1/') && res.status() === 401) failures.push(url);
    };
    page.on('response', onResponse);
    // The records index and the users page each fire several queries at once.
    await page.goto(`${server.base}/admin/users`);
    await page.getByTestId('users-table').waitFor();
    page.off('response', onResponse);
    assert.ok(failures.length >= 2, `several requests failed with 401 first (${failures.length})`);
    assert.deepEqual(refreshes, [200], 'exactly one refresh');
    assert.ok(await page.getByText(ROOT_EMAIL).first().isVisible());
  });

  test('J8: with the refresh token revoked, the next action goes to login', async () => {
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      s.token = `${s.token.slice(0, -4)}AAAA`;
      s.refreshToken = `${s.refreshToken.slice(0, -4)}AAAA`;
      localStorage.setItem('snackbase.session', JSON.stringify(s));
    });
    await page.goto(`${server.base}/admin/accounts`);
    await page.waitForURL(/\/admin\/login/);
    assert.equal(await page.evaluate(() => localStorage.getItem('snackbase.session')), null);
    await screenshot(page, 'j8-logged-out');
  });
});

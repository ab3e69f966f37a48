// Invitations without SMTP: the superadmin invites with a role and a group,
// sees the accept link, filters by status, resends and cancels; the invitee
// accepts on the public page and signs in. Then the invitation email template.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

describe('invitations', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;
  let editors;
  let acceptPath;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    editors = await api.post('/groups', { name: 'editors', account_id: acme.id });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const row = (email) => page.locator(`[data-testid=invitations-table] tbody tr[data-email="${email}"]`);

  test('send with a role and a group; the accept link is shown', async () => {
    await navTo(page, 'Invitations');
    await page.getByTestId('account-picker').selectOption(acme.id);
    await page.getByText('No invitations yet').waitFor();
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.locator('#invite-email').fill('nia@acme.example.com');
    await page.locator('#invite-role').selectOption({ label: 'admin' });
    await page.getByRole('checkbox', { name: 'editors' }).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await toast(page, 'Invitation created for nia@acme.example.com');
    const url = await page.getByTestId('accept-url').innerText();
    assert.match(url, /\/admin\/invitations\/accept\?token=[0-9a-f]+$/);
    await row('nia@acme.example.com').getByText('pending').waitFor();
    await screenshot(page, 'invitations-sent');

    // Resend: a fresh link replaces the old one.
    await row('nia@acme.example.com').getByRole('button', { name: 'Resend to nia@acme.example.com' }).click();
    await toast(page, 'Invitation renewed');
    await page.waitForFunction((old) => document.querySelector('[data-testid=accept-url]')?.textContent !== old, url);
    const fresh = new URL(await page.getByTestId('accept-url').innerText());
    acceptPath = fresh.pathname + fresh.search;
  });

  test('cancel one; filter by status', async () => {
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.locator('#invite-email').fill('gone@acme.example.com');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await toast(page, 'gone@acme.example.com');
    await row('gone@acme.example.com').getByRole('button', { name: 'Cancel invitation of gone@acme.example.com' }).click();
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'Invitation cancelled');
    await row('gone@acme.example.com').getByText('cancelled').waitFor();
    await page.getByLabel('Filter by status').selectOption('pending');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=invitations-table] tbody tr').length === 1);
    await row('nia@acme.example.com').waitFor();
    await page.getByLabel('Filter by status').selectOption('cancelled');
    await row('gone@acme.example.com').waitFor();
    assert.equal(await row('nia@acme.example.com').count(), 0);
    await page.getByLabel('Filter by status').selectOption('');
    await page.setViewportSize({ width: 390, height: 800 });
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'invitations-mobile');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('the invitee accepts on the public page and signs in', async () => {
    const nia = await launchBrowser({ width: 390, height: 800 });
    try {
      const p = nia.page;
      await p.goto(`${server.base}${acceptPath}`);
      await p.getByText('Join Acme as nia@acme.example.com.').waitFor();
      await p.locator('#accept-password').fill('short');
      await p.locator('#accept-confirm').fill('short');
      await p.getByRole('button', { name: 'Accept and create my account' }).click();
      await p.locator('#accept-password-error').waitFor();
      await p.locator('#accept-password').fill(PASSWORD);
      await p.locator('#accept-confirm').fill(PASSWORD);
      await p.getByRole('button', { name: 'Accept and create my account' }).click();
      await p.getByTestId('invitation-accepted').waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0);
      await screenshot(p, 'invitation-accepted');
      await p.getByRole('link', { name: 'Go to sign in' }).click();
      await p.waitForURL(/\/admin\/login/);
      assert.equal(await p.locator('#account').inputValue(), 'acme');
      assert.equal(await p.locator('#email').inputValue(), 'nia@acme.example.com');
      await p.locator('#password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(/\/admin\/records$/);
      assert.equal(await p.getByTestId('current-user').first().textContent(), 'nia@acme.example.com');
      assert.deepEqual(nia.problems, []);
    } finally {
      await nia.close();
    }
    const members = await api.get(`/groups/${editors.id}/users`);
    assert.deepEqual(members.map((m) => m.email), ['nia@acme.example.com']);
    await page.reload();
    await row('nia@acme.example.com').getByText('accepted').waitFor();
  });

  test('the invitation email template is edited', async () => {
    await navTo(page, 'Email templates');
    const card = page.getByTestId('template-invitation');
    await card.getByText('default').waitFor();
    await page.locator('#tpl-invitation-subject').fill('Join {{account_name}} on SnackBase');
    await card.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Template invitation saved');
    await card.getByText('customized').waitFor();
    const t = await api.get('/admin/email/templates/invitation');
    assert.equal(t.subject, 'Join {{account_name}} on SnackBase');
    await screenshot(page, 'email-template');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

// Email verification and password reset through a local SMTP sink:
// a forgotten password reset from the login page with the mailed link (which
// then works no more); an account that requires a verified email, where a new
// user cannot sign in until the link the superadmin sends verifies them; the
// users page's "Mark verified" and "Email a reset link"; the three public pages
// at 390 px. Without an SMTP server, the links are shown to copy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const NEW_PASSWORD = 'Brand-New-Secret-77!';
const DANA = 'dana@acme.example.com';
const ERIN = 'erin@strict.example.com';
const FAY = 'fay@strict.example.com';

/** The link of kind `page` in a mail, moved onto the test server's origin (the server names it localhost). */
function linkIn(text, page, base) {
  const m = new RegExp(`https?://\\S+/admin/${page}\\?token=[0-9a-f]{64}`).exec(text);
  assert.ok(m, `a ${page} link in the mail:\n${text}`);
  const url = new URL(m[0]);
  return `${base}${url.pathname}${url.search}`;
}

describe('auth flows: password reset and email verification by mail', () => {
  let smtp;
  let server;
  let browser;
  let page;
  let api;
  let strict;
  /** Problems seen by the other people's browsers (closed as they finish). */
  const visitorProblems = [];
  /** Dana's reset link, once used. */
  let usedResetLink;
  /** Fay's reset link, not used. */
  let freshResetLink;

  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({ env: smtp.env() });
    api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: DANA, password: PASSWORD, account_id: acme.id, role: 'user' });
    strict = await api.post('/accounts', { name: 'Strict', slug: 'strict' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  /** Runs `fn` in a browser of its own (a person without the superadmin's session). */
  async function asVisitor(options, fn) {
    const visitor = await launchBrowser(options);
    try {
      await fn(visitor.page);
    } finally {
      visitorProblems.push(...visitor.problems);
      await visitor.close();
    }
  }

  const userRow = (email) => page.locator(`[data-testid=users-table] tbody tr[data-email="${email}"]`);

  async function userAction(email, action) {
    await userRow(email).getByRole('button', { name: `Actions for ${email}` }).click();
    await page.getByRole('menuitem', { name: action }).click();
  }

  test('forgot password from the login page: the mailed link sets a new password, once', async () => {
    await asVisitor({}, async (p) => {
      await p.goto(`${server.base}/admin/login`);
      await p.locator('#account').fill('acme');
      await p.getByRole('link', { name: 'Forgot password?' }).click();
      await p.waitForURL(/\/admin\/forgot-password\?account=acme$/);
      assert.equal(await p.locator('#forgot-account').inputValue(), 'acme');
      await p.locator('#forgot-email').fill(DANA);
      const since = smtp.messages.length;
      await p.getByRole('button', { name: 'Send reset link' }).click();
      await p.getByTestId('forgot-password-sent').getByText('If that address belongs to a user of the account').waitFor();
      await screenshot(p, 'auth-forgot-password-sent');

      const mail = await smtp.waitFor((t) => t.includes(DANA) && t.includes('/admin/reset-password?token='), { since });
      usedResetLink = linkIn(mail, 'reset-password', server.base);
      await p.goto(usedResetLink);
      await p.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await p.getByText(DANA).waitFor();
      // The users forms' policy, before the server is asked.
      await p.locator('#new-password').fill('lowercase-only-123');
      await p.locator('#new-confirm').fill('lowercase-only-123');
      await p.getByRole('button', { name: 'Set new password' }).click();
      await p.locator('#new-password-error').getByText('uppercase').waitFor();
      await p.locator('#new-password').fill(NEW_PASSWORD);
      await p.locator('#new-confirm').fill(NEW_PASSWORD);
      await screenshot(p, 'auth-reset-password-form');
      await p.getByRole('button', { name: 'Set new password' }).click();
      await p.getByTestId('password-reset-done').waitFor();
      await screenshot(p, 'auth-reset-password-done');

      await p.getByRole('link', { name: 'Go to sign in' }).click();
      await p.waitForURL(/\/admin\/login/);
      assert.equal(await p.locator('#email').inputValue(), DANA);
      await p.locator('#account').fill('acme');
      // The old password no longer works...
      await p.locator('#password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').getByText('Invalid credentials').waitFor();
      // ...the new one does.
      await p.locator('#password').fill(NEW_PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(/\/admin\/records$/);
      assert.equal(await p.getByTestId('current-user').first().textContent(), DANA);

      // The link works once.
      await p.goto(usedResetLink);
      await p.getByTestId('reset-link-invalid').getByText(/invalid or (has )?expired/).waitFor();
      await p.getByRole('link', { name: 'Ask for a new link' }).waitFor();
      await screenshot(p, 'auth-reset-link-used');
    });
  });

  test('the superadmin requires a verified email on the account page', async () => {
    await page.goto(`${server.base}/admin/accounts/${strict.id}`);
    const card = page.getByTestId('account-email-verification');
    await card.getByText('server default').waitFor();
    assert.equal(await card.getAttribute('data-required'), 'false');
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const select = page.locator('#account-verification');
    assert.equal(await select.inputValue(), 'default');
    await select.locator('option[value=default]').filter({ hasText: 'Server default (currently off)' }).waitFor({ state: 'attached' });
    await select.selectOption({ label: 'Required' });
    await screenshot(page, 'auth-account-verification-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Account Strict saved');
    await page.locator('[data-testid=account-email-verification][data-required=true]').getByText('set for this account').waitFor();
    const stored = await api.get(`/accounts/${strict.id}`);
    assert.equal(stored.require_email_verification, true);
    assert.equal(stored.email_verification_required, true);
    await screenshot(page, 'auth-account-verification-detail');
  });

  test('a user there cannot sign in until the mailed verification link is opened', async () => {
    await api.post('/users', { email: ERIN, password: PASSWORD, account_id: strict.id, role: 'user' });
    await asVisitor({ width: 390, height: 800 }, async (p) => {
      await p.goto(`${server.base}/admin/login?account=strict`);
      await p.locator('#email').fill(ERIN);
      await p.locator('#password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').getByText('Email not verified. Please check your email inbox.').waitFor();
      // Asking for a link from the login page: the server's generic answer.
      let since = smtp.messages.length;
      await p.getByRole('button', { name: 'Send the verification email again' }).click();
      await p.getByTestId('login-unverified').getByText('If that address belongs to an unverified user').waitFor();
      const first = linkIn(await smtp.waitFor((t) => t.includes(ERIN) && t.includes('/admin/verify-email?token='), { since }), 'verify-email', server.base);
      assert.ok((await horizontalOverflow(p)) <= 0);
      await screenshot(p, 'auth-login-unverified');

      // The superadmin sends one from the users page: it replaces the first.
      await page.goto(`${server.base}/admin/users?account=${strict.id}`);
      const badge = userRow(ERIN).getByText('Unverified', { exact: true });
      await badge.waitFor();
      assert.equal(await badge.getAttribute('title'), 'The email address is not confirmed yet');
      since = smtp.messages.length;
      await userAction(ERIN, 'Send verification email');
      await toast(page, `A verification link was sent to ${ERIN}`);
      const mail = await smtp.waitFor((t) => t.includes(ERIN) && t.includes('/admin/verify-email?token='), { since });
      const link = linkIn(mail, 'verify-email', server.base);
      assert.notEqual(link, first);

      await p.goto(first);
      await p.getByTestId('verify-email-failed').getByText(/invalid or (has )?expired/).waitFor();

      await p.goto(link);
      await p.getByRole('heading', { name: 'Email verified' }).waitFor();
      await p.getByTestId('verify-email-done').getByText(ERIN).waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0);
      await screenshot(p, 'auth-verify-email-done');
      await p.getByRole('link', { name: 'Go to sign in' }).click();
      await p.waitForURL(/\/admin\/login/);
      assert.equal(await p.locator('#email').inputValue(), ERIN);
      await p.locator('#account').fill('strict');
      await p.locator('#password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(/\/admin\/records$/);
      assert.equal(await p.getByTestId('current-user').first().textContent(), ERIN);
    });

    await page.reload();
    const verified = userRow(ERIN).getByText('Verified', { exact: true });
    await verified.waitFor();
    assert.match((await verified.getAttribute('title')) ?? '', /^Email verified /);
    await screenshot(page, 'auth-users-verified');
  });

  test('the users page marks an address verified and emails a reset link', async () => {
    await api.post('/users', { email: FAY, password: PASSWORD, account_id: strict.id, role: 'user' });
    await page.reload();
    await userRow(FAY).getByText('Unverified', { exact: true }).waitFor();
    await userAction(FAY, 'Mark verified');
    await toast(page, `${FAY} marked as verified`);
    await userRow(FAY).getByText('Verified', { exact: true }).waitFor();
    // Verified users get neither action.
    await userRow(FAY).getByRole('button', { name: `Actions for ${FAY}` }).click();
    await page.getByRole('menuitem', { name: 'Reset password' }).waitFor();
    assert.equal(await page.getByRole('menuitem', { name: 'Mark verified' }).count(), 0);
    assert.equal(await page.getByRole('menuitem', { name: 'Send verification email' }).count(), 0);
    await page.keyboard.press('Escape');
    const login = await apiClient(server.base).login('strict', FAY, PASSWORD);
    assert.equal(login.user.email_verified, true);

    await userAction(FAY, 'Reset password');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email a reset link').check();
    assert.equal(await dialog.locator('#reset-password').count(), 0, 'no password to type');
    await screenshot(page, 'auth-users-reset-link');
    const since = smtp.messages.length;
    await dialog.getByRole('button', { name: 'Send reset link' }).click();
    await toast(page, `A reset link was sent to ${FAY}`);
    await dialog.waitFor({ state: 'detached' });
    freshResetLink = linkIn(await smtp.waitFor((t) => t.includes(FAY) && t.includes('/admin/reset-password?token='), { since }), 'reset-password', server.base);
  });

  test('390 px: the three public pages do not scroll sideways', async () => {
    await asVisitor({ width: 390, height: 800 }, async (p) => {
      await p.goto(`${server.base}/admin/forgot-password?account=acme`);
      await p.getByRole('button', { name: 'Send reset link' }).waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0, 'forgot-password');
      await screenshot(p, 'auth-forgot-password-mobile');

      await p.goto(freshResetLink);
      await p.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await p.getByText(FAY).waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0, 'reset-password');
      await screenshot(p, 'auth-reset-password-mobile');

      await p.goto(usedResetLink);
      await p.getByTestId('reset-link-invalid').waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0, 'reset-password, used link');

      await p.goto(`${server.base}/admin/verify-email?token=${'0'.repeat(64)}`);
      await p.getByTestId('verify-email-failed').getByText(/invalid or (has )?expired/).waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0, 'verify-email');
      await screenshot(p, 'auth-verify-email-failed-mobile');
    });
  });

  test('the email templates page names the new templates', async () => {
    await page.goto(`${server.base}/admin/email-templates`);
    await page.getByTestId('template-verification').getByRole('heading', { name: /Email verification/ }).waitFor();
    await page.getByTestId('template-reset_password').getByRole('heading', { name: /Password reset/ }).waitFor();
  });

  test('no errors in the pages', () => {
    assert.deepEqual(browser.problems, []);
    assert.deepEqual(visitorProblems, []);
  });
});

describe('auth flows without an SMTP server: the links to copy', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer();
    const api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: DANA, password: PASSWORD, account_id: acme.id, role: 'user' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the verification and reset links are shown to copy; the first verifies', async () => {
    await page.goto(`${server.base}/admin/users`);
    const row = page.locator(`[data-testid=users-table] tbody tr[data-email="${DANA}"]`);
    await row.getByRole('button', { name: `Actions for ${DANA}` }).click();
    await page.getByRole('menuitem', { name: 'Send verification email' }).click();
    const dialog = page.getByRole('dialog', { name: `Verification link for ${DANA}` });
    const verifyUrl = await dialog.getByTestId('email-link-url').innerText();
    assert.match(verifyUrl, /\/admin\/verify-email\?token=[0-9a-f]{64}$/);
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await toast(page, 'Link copied');
    await screenshot(page, 'auth-link-dialog');
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
    await dialog.waitFor({ state: 'detached' });

    await row.getByRole('button', { name: `Actions for ${DANA}` }).click();
    await page.getByRole('menuitem', { name: 'Reset password' }).click();
    await page.getByRole('dialog').getByLabel('Email a reset link').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Send reset link' }).click();
    const resetDialog = page.getByRole('dialog', { name: `Password reset link for ${DANA}` });
    assert.match(await resetDialog.getByTestId('email-link-url').innerText(), /\/admin\/reset-password\?token=[0-9a-f]{64}$/);
    await page.keyboard.press('Escape');
    await resetDialog.waitFor({ state: 'detached' });

    // The public page works with the superadmin's session too.
    const url = new URL(verifyUrl);
    await page.goto(`${server.base}${url.pathname}${url.search}`);
    await page.getByTestId('verify-email-done').getByText(DANA).waitFor();
    await page.goto(`${server.base}/admin/users`);
    await row.getByText('Verified', { exact: true }).waitFor();
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

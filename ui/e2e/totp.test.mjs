// TOTP: a user enrols from the Security page (QR and key, a code to confirm,
// recovery codes shown once), signs out, and signs in again with the password
// and then a code computed here (RFC 6238, HMAC-SHA1 in node:crypto); the
// admin's Users page shows it and resets it. An admin of an account that
// requires a second factor enrols on the login page itself.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238: HOTP (RFC 4226) of the 30-second step, 6 digits. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** An authenticator that never shows a code twice (the server refuses a replay). */
function authenticator(secret) {
  let last = -1;
  return async () => {
    for (;;) {
      const now = Math.floor(Date.now() / 30_000);
      const step = Math.max(last + 1, now - 1);
      if (step <= now + 1) {
        last = step;
        return totp(secret, step);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
}

describe('TOTP second factor', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'ada@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/users', { email: 'una@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'user' });
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = async (email) => {
    await page.goto(`${server.base}/admin/login`);
    await page.locator('#account').fill('acme');
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  test('a user enrols, signs out, and signs in with the password and a code', async () => {
    await uiLogin(page, server.base, { account: 'acme', email: 'una@acme.example.com' });
    await page.getByRole('link', { name: 'Security' }).click();
    assert.equal(await page.getByTestId('totp-state').getAttribute('data-enabled'), 'false');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const code = authenticator(secret);
    await page.locator('#totp-confirm-code').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid code' }).waitFor();
    await page.locator('#totp-confirm-code').fill(await code());
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const list = page.getByTestId('totp-recovery-codes');
    await list.waitFor();
    const codes = await list.locator('li').allTextContents();
    assert.equal(codes.length, 10);
    await screenshot(page, 'totp-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.locator('[data-testid="totp-state"][data-enabled="true"]').waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/login'));
    await signIn('una@acme.example.com');
    await page.locator('#mfa-code').waitFor();
    await screenshot(page, 'totp-login-code');
    await page.locator('#mfa-code').fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid code' }).waitFor();
    await page.locator('#mfa-code').fill(await code());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith('/login'));
    assert.equal(await page.getByTestId('current-user').textContent(), 'una@acme.example.com');

    // A recovery code works once.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/login'));
    await signIn('una@acme.example.com');
    await page.locator('#mfa-code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith('/login'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/login'));
  });

  test('the account admin sees it on the Users page and resets it', async () => {
    await uiLogin(page, server.base, { account: 'acme', email: 'ada@acme.example.com' });
    await page.goto(`${server.base}/admin/users`);
    const row = page.locator('tr[data-email="una@acme.example.com"]');
    await row.getByTestId('user-totp').waitFor();
    await page.getByRole('button', { name: 'Actions for una@acme.example.com' }).click();
    await page.getByRole('menuitem', { name: 'Reset two-factor' }).click();
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await toast(page, 'Two-factor authentication of una@acme.example.com reset');
    await row.getByTestId('user-totp').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/login'));
  });

  test('an admin of an account that requires it enrols on the login page', async () => {
    await api.put(`/accounts/${acme.id}`, { require_admin_mfa: true });
    await signIn('ada@acme.example.com');
    await page.getByTestId('totp-enrolment').waitFor();
    await page.getByTestId('totp-qr').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent()).trim();
    const code = authenticator(secret);
    await page.locator('#totp-confirm-code').fill(await code());
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await page.getByTestId('totp-recovery-codes').waitFor();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith('/login'));
    assert.equal(await page.getByTestId('current-user').textContent(), 'ada@acme.example.com');
    const users = await api.get(`/users?account_id=${acme.id}`);
    assert.equal(users.items.find((u) => u.email === 'ada@acme.example.com').totp_enabled, true);
  });
});

// Impersonation: the superadmin acts as a user from the Users page. A banner
// on every page says so; the console behaves as the user (no superadmin pages);
// "Stop impersonating" ends that session on the server and brings the
// superadmin's own session back on the Users page; the request log names the
// impersonator; a refused (revoked or expired) impersonation token also
// brings the superadmin back. An account admin gets the same action, on the
// non-admin users of their account only, when the server allows it
// (SNACKBASE_AUTH_ADMIN_IMPERSONATION=true, told by /auth/me), and none otherwise.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, ROOT_EMAIL, screenshot, startServer, uiLogin } from './lib/harness.mjs';

const USER = 'una@acme.example.com';

describe('impersonation', () => {
  let server;
  let browser;
  let page;
  let api;
  let root;
  let una;

  before(async () => {
    server = await startServer({ env: { SNACKBASE_REQUEST_LOGS_FLUSH_MS: '100' } });
    api = apiClient(server.base);
    root = (await api.login()).user;
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    una = await api.post('/users', { email: USER, password: 'Correct-Horse-42!', account_id: acme.id, role: 'user' });
    const gone = await api.post('/users', { email: 'gone@acme.example.com', password: 'Correct-Horse-42!', account_id: acme.id, role: 'user' });
    await api.del(`/users/${gone.id}`);
    await api.post('/collections', { name: 'notes', schema: [{ name: 'title', type: 'text', required: true }] });
    await api.put('/collections/notes/rules', { list_rule: '', view_rule: '' });
    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/notes', { title: 'Acme note one' }, h);
    await api.post('/records/notes', { title: 'Acme note two' }, h);
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const banner = () => page.getByTestId('impersonation-banner');
  const nav = () => page.getByRole('navigation', { name: 'Main' });
  const storedSession = (key = 'snackbase.session') => page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), key);

  async function openActions(email) {
    await page.getByRole('button', { name: `Actions for ${email}` }).click();
    await page.getByRole('menuitem').first().waitFor();
  }

  async function startImpersonation(minutes) {
    await navTo(page, 'Users');
    await page.getByTestId('users-table').waitFor();
    await openActions(USER);
    await page.getByRole('menuitem', { name: 'Impersonate' }).click();
    const select = page.locator('#impersonate-duration');
    assert.equal(await select.inputValue(), '900', '15 minutes by default');
    if (minutes) await select.selectOption(String(minutes * 60));
    await page.getByTestId('impersonate-start').click();
    await banner().waitFor();
  }

  test('no Impersonate for the superadmin (yourself) nor for an inactive user', async () => {
    await navTo(page, 'Users');
    await page.getByTestId('users-table').waitFor();
    await openActions(ROOT_EMAIL);
    assert.equal(await page.getByRole('menuitem', { name: 'Impersonate' }).count(), 0);
    await page.keyboard.press('Escape');
    await openActions('gone@acme.example.com');
    assert.equal(await page.getByRole('menuitem', { name: 'Impersonate' }).count(), 0);
    await page.keyboard.press('Escape');
    await openActions(USER);
    await page.getByRole('menuitem', { name: 'Impersonate' }).waitFor();
    await page.keyboard.press('Escape');
  });

  test('the superadmin impersonates the user from the Users page', async () => {
    await startImpersonation();
    await page.waitForURL(/\/admin\/records$/);
    const text = await banner().innerText();
    assert.match(text, new RegExp(`You are acting as ${USER.replace(/\./g, '\\.')}`));
    assert.match(text, /\(account Acme\)/);
    assert.ok(text.includes(`started by ${ROOT_EMAIL}`), text);
    assert.match(text, /ends at/);
    await banner().getByRole('button', { name: 'Stop impersonating' }).waitFor();
    assert.equal(await page.getByTestId('current-user').innerText(), USER);
    const session = await storedSession();
    assert.equal(session.user.id, una.id);
    assert.equal(session.impersonation.by.id, root.id);
    const saved = await storedSession('snackbase.session.saved');
    assert.equal(saved.user.email, ROOT_EMAIL, 'the superadmin session is kept aside');
    await screenshot(page, 'impersonation-started');
  });

  test('the console behaves as the user', async () => {
    await nav().getByRole('link', { name: 'Records', exact: true }).waitFor();
    for (const name of ['Dashboard', 'Accounts', 'Users', 'Collections', 'Logs']) {
      assert.equal(await nav().getByRole('link', { name, exact: true }).count(), 0, `no ${name} in the nav`);
    }
    const me = await page.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      return (await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${s.token}` } })).json();
    });
    assert.equal(me.impersonated_by, root.id);
    assert.equal(me.email ?? me.user?.email, USER);

    await page.goto(`${server.base}/admin/accounts`);
    await page.getByTestId('forbidden').waitFor();
    await banner().waitFor(); // on every page, and after a reload
    await page.goto(`${server.base}/admin/collections/notes/records`);
    await page.getByText('Acme note one').waitFor();
    await banner().waitFor();
    await screenshot(page, 'impersonation-records');
  });

  test('390 px: the banner wraps, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await banner().getByRole('button', { name: 'Stop impersonating' }).waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    const box = await banner().boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await screenshot(page, 'impersonation-mobile');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  let revokedToken;
  /** Tokens revoked behind the page's back: the browser logs the refused realtime socket. */
  const revoked = [];
  test('stop impersonating: back as the superadmin on the Users page', async () => {
    revokedToken = (await storedSession()).token;
    await banner().getByRole('button', { name: 'Stop impersonating' }).click();
    await page.waitForURL(/\/admin\/users/);
    await page.getByTestId('users-table').waitFor();
    await banner().waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('current-user').innerText(), ROOT_EMAIL);
    await nav().getByRole('link', { name: 'Accounts', exact: true }).waitFor();
    assert.equal((await storedSession()).user.email, ROOT_EMAIL);
    assert.equal(await storedSession('snackbase.session.saved'), null);
    const res = await fetch(`${server.base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${revokedToken}` } });
    assert.equal(res.status, 401, 'the impersonation session ended on the server');
    await screenshot(page, 'impersonation-stopped');
  });

  test('the request log shows the impersonator', async () => {
    await navTo(page, 'Logs');
    const row = page.locator('[data-testid=logs-table] tbody tr[data-impersonator]');
    const deadline = Date.now() + 15_000;
    while ((await row.count()) === 0) {
      if (Date.now() > deadline) {
        await screenshot(page, 'failed-impersonation-log');
        throw new Error('no log entry with an impersonator');
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
    }
    assert.equal(await row.first().getAttribute('data-impersonator'), root.id);
    await row.first().getByText('impersonated').waitFor();
    await row.first().click();
    assert.equal(await page.getByTestId('log-detail-impersonator').innerText(), root.id);
    await screenshot(page, 'impersonation-log');
    await page.keyboard.press('Escape');
  });

  test('a refused impersonation token brings the superadmin back', async () => {
    await startImpersonation(5);
    assert.match(await banner().innerText(), new RegExp(USER.replace(/\./g, '\\.')));
    // The session ends elsewhere (like an expiry): the next request gets a 401.
    const token = (await storedSession()).token;
    revoked.push(token);
    const out = await fetch(`${server.base}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(out.status, 204);
    await page.waitForURL(/\/admin\/records$/);
    // Working on (a request gets the 401) brings the superadmin back.
    await page.goto(`${server.base}/admin/collections/notes/records`);
    await page.waitForURL(/\/admin\/users/);
    await banner().waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('current-user').innerText(), ROOT_EMAIL);
    await page.getByTestId('users-table').waitFor();

    // A reload on a revoked impersonation checks the token at once.
    await startImpersonation(5);
    const again = (await storedSession()).token;
    revoked.push(again);
    await fetch(`${server.base}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${again}` } });
    await page.reload();
    await page.waitForURL(/\/admin\/users/);
    await banner().waitFor({ state: 'detached' });
    assert.equal((await storedSession()).user.email, ROOT_EMAIL);
  });

  test('at its end time the impersonation stops by itself', async () => {
    await startImpersonation(5);
    const token = (await storedSession()).token;
    // As if the 5 minutes had passed: the banner's timer fires at once.
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      s.impersonation.expiresAt = new Date(Date.now() - 1000).toISOString();
      localStorage.setItem('snackbase.session', JSON.stringify(s));
    });
    await page.reload();
    await page.waitForURL(/\/admin\/users/);
    await banner().waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('current-user').innerText(), ROOT_EMAIL);
    const res = await fetch(`${server.base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, 'its session was ended on the server too');
  });

  test('Log out while impersonating ends both sessions', async () => {
    await startImpersonation(5);
    const acting = (await storedSession()).token;
    const own = (await storedSession('snackbase.session.saved')).token;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/admin\/login/);
    assert.equal(await storedSession(), null);
    assert.equal(await storedSession('snackbase.session.saved'), null);
    for (const t of [acting, own]) {
      const res = await fetch(`${server.base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${t}` } });
      assert.equal(res.status, 401);
    }
  });

  test('no errors in the page', () => {
    const expected = (p) => /WebSocket connection .*failed/.test(p) && revoked.some((t) => p.includes(t));
    assert.deepEqual(browser.problems.filter((p) => !expected(p)), []);
  });
});

describe('impersonation by an account admin', () => {
  const ADMIN = 'ada@acme.example.com';
  const OTHER_ADMIN = 'adam@acme.example.com';
  let allowed;
  let refused;
  let browser;
  let page;

  /** Acme with two admins and a user, on a server started with `env`. */
  async function world(env) {
    const server = await startServer({ env });
    const api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    const user = (email, role) => api.post('/users', { email, password: PASSWORD, account_id: acme.id, role });
    const ada = await user(ADMIN, 'admin');
    await user(OTHER_ADMIN, 'admin');
    const una = await user(USER, 'user');
    return { server, ada, una };
  }

  before(async () => {
    allowed = await world({ SNACKBASE_AUTH_ADMIN_IMPERSONATION: 'true' });
    refused = await world({});
    browser = await launchBrowser();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await allowed?.server.stop();
    await refused?.server.stop();
  });

  const banner = () => page.getByTestId('impersonation-banner');

  async function actionsOf(email) {
    await page.getByRole('button', { name: `Actions for ${email}` }).click();
    await page.getByRole('menuitem').first().waitFor();
    const offered = (await page.getByRole('menuitem', { name: 'Impersonate' }).count()) > 0;
    return offered;
  }

  async function usersPage(base) {
    await uiLogin(page, base, { account: 'acme', email: ADMIN });
    // The Users page asks /auth/me whether the server allows impersonation.
    const me = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/me');
    await navTo(page, 'Users');
    await me;
    await page.getByTestId('users-table').waitFor();
  }

  test('not offered when the server does not allow it', async () => {
    await usersPage(refused.server.base);
    await page.waitForTimeout(300);
    assert.equal(await actionsOf(USER), false);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/admin\/login/);
  });

  test('offered for the non-admin users of the account only', async () => {
    await usersPage(allowed.server.base);
    await page.getByRole('button', { name: `Actions for ${USER}` }).click();
    await page.getByRole('menuitem', { name: 'Impersonate' }).waitFor();
    await page.keyboard.press('Escape');
    for (const email of [OTHER_ADMIN, ADMIN]) {
      assert.equal(await actionsOf(email), false, `no Impersonate for ${email}`);
      await page.keyboard.press('Escape');
    }
    await screenshot(page, 'impersonation-account-admin-users');
  });

  test('the account admin acts as the user and comes back', async () => {
    await page.getByRole('button', { name: `Actions for ${USER}` }).click();
    await page.getByRole('menuitem', { name: 'Impersonate' }).click();
    await page.getByTestId('impersonate-start').click();
    await banner().waitFor();
    const text = await banner().innerText();
    assert.ok(text.includes(`started by ${ADMIN}`), text);
    assert.equal(await page.getByTestId('current-user').innerText(), USER);
    const me = await page.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('snackbase.session'));
      return (await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${s.token}` } })).json();
    });
    assert.equal(me.impersonated_by, allowed.ada.id);
    assert.equal(me.user_id, allowed.una.id);
    assert.equal(me.can_impersonate, false);
    await screenshot(page, 'impersonation-account-admin');
    await banner().getByRole('button', { name: 'Stop impersonating' }).click();
    await page.waitForURL(/\/admin\/users/);
    await banner().waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('current-user').innerText(), ADMIN);
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

// API keys: Ann (admin of Acme) creates a key in the UI and sees its
// plaintext once, then only its masked form; the key lists Acme's records
// (X-API-Key, no token) but reaches nothing of Globex; she revokes it in the
// UI and the same request is 401. A key limited to the orders collection
// (ticked at creation, shown in the list) reads orders and gets 403 on
// notes. The superadmin sees the keys of every
// account, filters by account, and must choose an account to create one.
// Both at 390 px without sideways scroll, and no errors in the pages.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

const PLAINTEXT = /^sb_ak\.[^.\s]{16}\.[^.\s]{43}$/;

describe('API keys', () => {
  let server;
  let api;
  let acme;
  let globex;
  let globexOrder;
  let browser;
  let page;
  let plaintext;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    globex = await api.post('/accounts', { name: 'Globex', slug: 'globex' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/collections', { name: 'orders', schema: [{ name: 'title', type: 'text', required: true }] });
    await api.post('/collections', { name: 'notes', schema: [{ name: 'body', type: 'text' }] });
    await api.post('/records/orders', { title: 'acme order' }, { 'X-Account-ID': acme.id });
    globexOrder = await api.post('/records/orders', { title: 'globex order' }, { 'X-Account-ID': globex.id });
    await api.post('/admin/api-keys', { name: 'globex-sync', account_id: globex.id, role: 'user' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const row = (p, name) => p.locator(`[data-testid=api-keys-table] tbody tr[data-name="${name}"]`);
  const withKey = async (path, key, headers = {}) => {
    const res = await fetch(`${server.base}/api/v1${path}`, { headers: { 'X-API-Key': key, ...headers } });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  };

  test('an account admin creates a key and sees it once, then masked', async () => {
    await navTo(page, 'API keys');
    await page.waitForURL((u) => u.pathname === '/admin/api-keys');
    await page.getByText('No API keys yet').waitFor();
    assert.equal(await page.getByTestId('api-keys-account-filter').count(), 0, 'no account filter for her');
    assert.equal(await page.getByText('globex-sync').count(), 0, "Globex's key is not listed");

    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.waitFor();
    assert.equal(await dialog.locator('#api-key-account').count(), 0, 'no account choice for her');
    await page.waitForFunction(() => document.querySelectorAll('#api-key-role option').length > 1);
    assert.equal(await dialog.locator('#api-key-role').inputValue(), 'admin', 'admin by default');
    const roles = await dialog.locator('#api-key-role option').allTextContents();
    assert.ok(roles.includes('user') && !roles.includes('public'), roles.join(','));

    // Nothing named: the form says so and sends nothing.
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByText('A name is required').waitFor();
    await dialog.locator('#api-key-name').fill('ci-deploy');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await toast(page, 'API key created');

    const created = page.getByRole('dialog', { name: 'Copy your new API key' });
    await created.waitFor();
    plaintext = (await created.getByTestId('api-key-plaintext').innerText()).trim();
    assert.match(plaintext, PLAINTEXT);
    await created.getByText('it will not be shown again').waitFor();
    await created.getByRole('button', { name: 'Copy key' }).click();
    await toast(page, 'Key copied');
    await screenshot(page, 'api-keys-created-once');
    await created.getByRole('button', { name: 'Done' }).click();
    await created.waitFor({ state: 'detached' });

    const r = row(page, 'ci-deploy');
    await r.waitFor();
    assert.equal(await r.getAttribute('data-status'), 'Active');
    const masked = (await r.getByTestId('api-key-masked').innerText()).trim();
    const prefix = plaintext.split('.').slice(0, 2).join('.');
    assert.ok(masked.startsWith(prefix), `${masked} shows the prefix ${prefix}`);
    assert.notEqual(masked, plaintext);
    assert.ok(!masked.includes(plaintext.split('.')[2]), 'the secret part is not shown');
    await r.getByText('ann@acme.example.com').waitFor();
    await r.getByText('admin', { exact: true }).waitFor();
    assert.equal(await page.locator('[data-testid=api-keys-table] thead th', { hasText: 'Account' }).count(), 0, 'no account column for her');
    assert.ok(!(await page.locator('body').innerText()).includes(plaintext), 'the plaintext is gone from the page');

    // Opening the dialog again starts afresh: the plaintext is forgotten.
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Create API key' }).waitFor();
    assert.equal(await page.locator('#api-key-name').inputValue(), '');
    assert.equal(await page.getByTestId('api-key-plaintext').count(), 0);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // And after a reload only the masked form is there.
    await page.reload();
    await row(page, 'ci-deploy').waitFor();
    assert.ok(!(await page.content()).includes(plaintext));
    await screenshot(page, 'api-keys-account-admin');
  });

  test("the key lists her account's records and reaches nothing of Globex", async () => {
    const mine = await withKey('/records/orders', plaintext);
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body.items.map((o) => o.title), ['acme order']);

    const byId = await withKey(`/records/orders/${globexOrder.id}`, plaintext);
    assert.ok([403, 404].includes(byId.status), `a Globex record by id: ${byId.status} ${JSON.stringify(byId.body)}`);
    const named = await withKey('/records/orders', plaintext, { 'X-Account-ID': globex.id });
    assert.ok([403, 404].includes(named.status), `Globex named in X-Account-ID: ${named.status} ${JSON.stringify(named.body)}`);
    const query = await withKey(`/records/orders?account_id=${globex.id}`, plaintext);
    assert.ok([403, 404].includes(query.status), `Globex named in ?account_id: ${query.status} ${JSON.stringify(query.body)}`);

    // An admin key may list keys: its own account's only, all masked.
    const keys = await withKey('/admin/api-keys', plaintext);
    assert.equal(keys.status, 200, JSON.stringify(keys.body));
    assert.deepEqual(keys.body.items.map((k) => k.name), ['ci-deploy']);
    assert.notEqual(keys.body.items[0].key, plaintext);
  });

  test('revoking it in the UI makes the same request 401', async () => {
    const r = row(page, 'ci-deploy');
    await r.getByRole('button', { name: 'Revoke ci-deploy' }).click();
    const confirmDialog = page.getByRole('dialog', { name: /Revoke the key/ });
    await confirmDialog.waitFor();
    await confirmDialog.getByRole('button', { name: 'Revoke key' }).click();
    await toast(page, 'API key revoked');
    await page.locator('[data-testid=api-keys-table] tbody tr[data-name="ci-deploy"][data-status="Revoked"]').waitFor();
    await r.getByText('Revoked').waitFor();
    assert.equal(await r.getByRole('button', { name: 'Revoke ci-deploy' }).count(), 0, 'no second revoke');

    const res = await withKey('/records/orders', plaintext);
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Invalid API key');
  });

  test('a key limited to some collections: chosen at creation, listed, enforced', async () => {
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.waitFor();
    await dialog.locator('#api-key-name').fill('orders-only');
    assert.equal(await dialog.locator('#api-key-scope').inputValue(), 'all', 'every collection by default');
    await dialog.locator('#api-key-scope').selectOption('some');
    const choices = dialog.getByTestId('api-key-collections');
    await choices.getByText('orders', { exact: true }).waitFor();
    await choices.getByText('notes', { exact: true }).waitFor();
    // Limited to nothing: the form says so.
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByText('Choose at least one collection').waitFor();
    await choices.getByRole('checkbox', { name: 'orders' }).check();
    await screenshot(page, 'api-keys-scope');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await toast(page, 'API key created');
    const created = page.getByRole('dialog', { name: 'Copy your new API key' });
    await created.getByText('on the records of orders only').waitFor();
    const key = (await created.getByTestId('api-key-plaintext').innerText()).trim();
    await created.getByRole('button', { name: 'Done' }).click();
    await created.waitFor({ state: 'detached' });

    assert.equal((await row(page, 'orders-only').getByTestId('api-key-scope').innerText()).trim(), 'orders');
    assert.equal((await row(page, 'ci-deploy').getByTestId('api-key-scope').innerText()).trim(), 'All collections');

    const orders = await withKey('/records/orders', key);
    assert.equal(orders.status, 200, JSON.stringify(orders.body));
    assert.deepEqual(orders.body.items.map((o) => o.title), ['acme order']);
    const notes = await withKey('/records/notes', key);
    assert.equal(notes.status, 403, JSON.stringify(notes.body));
    assert.equal(notes.body.message, 'API key is not scoped to this collection');
  });

  test('390 px: the list and the dialog do not scroll sideways (account admin)', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await row(page, 'ci-deploy').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'the list fits');
    await screenshot(page, 'api-keys-390-account-admin');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Create API key' }).waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0, 'the dialog fits');
    await screenshot(page, 'api-keys-390-create');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('the superadmin sees every account, filters, and must choose an account to create one', async () => {
    const root = await launchBrowser();
    try {
      const p = root.page;
      await uiLogin(p, server.base);
      await navTo(p, 'API keys');
      await row(p, 'ci-deploy').waitFor();
      await row(p, 'globex-sync').waitFor();
      await row(p, 'ci-deploy').getByText(`Acme (${acme.id})`).waitFor();
      await row(p, 'globex-sync').getByText(`Globex (${globex.id})`).waitFor();
      assert.equal(await row(p, 'globex-sync').getAttribute('data-status'), 'Active');
      assert.equal(await row(p, 'ci-deploy').getAttribute('data-status'), 'Revoked');
      // Newest first.
      const names = await p.locator('[data-testid=api-keys-table] tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.name));
      assert.deepEqual(names, ['orders-only', 'ci-deploy', 'globex-sync']);

      const filter = p.getByTestId('api-keys-account-filter');
      await filter.selectOption(globex.id);
      await p.waitForURL((u) => u.searchParams.get('account') === globex.id);
      await row(p, 'ci-deploy').waitFor({ state: 'detached' });
      await row(p, 'globex-sync').waitFor();
      await filter.selectOption('');
      await row(p, 'ci-deploy').waitFor();

      // Without an account the form refuses; so does the server.
      await p.getByRole('button', { name: 'Create key' }).click();
      const dialog = p.getByRole('dialog', { name: 'Create API key' });
      await dialog.waitFor();
      await dialog.locator('#api-key-name').fill('root-made');
      assert.equal(await dialog.locator('#api-key-account').inputValue(), '');
      const offered = await dialog.locator('#api-key-account option').evaluateAll((os) => os.map((o) => o.value));
      assert.ok(offered.includes(acme.id) && offered.includes(globex.id), offered.join(','));
      assert.ok(!offered.includes('SY0000'), 'keys cannot act as the superadmin: the system account is not offered');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByText('Choose the account the key belongs to').waitFor();
      const bare = await fetch(`${server.base}/api/v1/admin/api-keys`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${(await api.login()).token}` },
        body: JSON.stringify({ name: 'no-account' }),
      });
      assert.equal(bare.status, 422, 'the server refuses a key without an account');
      assert.equal((await bare.json()).details?.[0]?.field, 'account_id');

      await dialog.locator('#api-key-account').selectOption(acme.id);
      await dialog.locator('#api-key-role').selectOption('user');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await toast(p, 'API key created');
      const created = p.getByRole('dialog', { name: 'Copy your new API key' });
      const key = (await created.getByTestId('api-key-plaintext').innerText()).trim();
      assert.match(key, PLAINTEXT);
      await created.getByRole('button', { name: 'Close' }).click();
      await created.waitFor({ state: 'detached' });
      const made = row(p, 'root-made');
      await made.getByText(`Acme (${acme.id})`).waitFor();
      await made.getByText('user', { exact: true }).waitFor();
      assert.ok(!(await p.locator('body').innerText()).includes(key), 'closing forgets the plaintext');
      // The key acts with its role: user has no permission on orders, so it is known (not 401) but refused.
      const asUser = await withKey('/records/orders', key);
      assert.equal(asUser.status, 403, JSON.stringify(asUser.body));
      assert.notEqual(asUser.body.message, 'Invalid API key');
      await screenshot(p, 'api-keys-superadmin');

      await p.setViewportSize({ width: 390, height: 800 });
      await p.reload();
      await row(p, 'root-made').waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0, 'the superadmin list fits at 390 px');
      await screenshot(p, 'api-keys-390-superadmin');
      assert.deepEqual(root.problems, []);
    } finally {
      await root.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

// Webhooks, as an account admin: Ann (admin of Acme) creates a webhook in her
// own account, sees its one-time secret, makes a record change and sees it in
// the delivery log (signed with that secret); Globex's webhook, made by the
// superadmin, is neither listed for her nor reachable through the API.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

async function startReceiver() {
  const received = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${srv.address().port}`;
  return { base, received, close: () => new Promise((resolve) => srv.close(resolve)) };
}

describe('webhooks of an account admin', () => {
  let server;
  let receiver;
  let browser;
  let page;
  let globexHook;
  let ann;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ env: { SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', SNACKBASE_WEBHOOK_RETRY_BASE_MS: '100' } });
    const api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    const globex = await api.post('/accounts', { name: 'Globex', slug: 'globex' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/collections', { name: 'orders', schema: [{ name: 'title', type: 'text', required: true }] });
    globexHook = await api.post('/webhooks', {
      account_id: globex.id,
      url: `${receiver.base}/globex`,
      collection: 'orders',
      events: ['create'],
    });
    ann = apiClient(server.base);
    await ann.login('acme', 'ann@acme.example.com');
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  const acmeUrl = () => `${receiver.base}/acme`;
  const row = (url) => page.locator(`[data-testid=webhooks-table] tbody tr[data-url="${url}"]`);

  let secret;

  test('creates a webhook in her account and sees the secret once', async () => {
    await navTo(page, 'Webhooks');
    await page.getByText('No webhooks yet').waitFor();
    assert.equal(await page.getByTestId('account-picker').count(), 0, 'no account picker');
    assert.equal(await page.getByText(`${receiver.base}/globex`).count(), 0, "Globex's webhook is not listed");
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.locator('#webhook-url').fill(acmeUrl());
    await page.locator('#webhook-collection').selectOption('orders');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await toast(page, 'Webhook created');
    secret = (await page.getByTestId('webhook-secret').innerText()).trim();
    assert.ok(secret.length >= 16, secret);
    await page.getByText('it will not be shown again').waitFor();
    await row(acmeUrl()).waitFor();
    await screenshot(page, 'webhook-account-admin-secret');

    const { items: mine, total } = await ann.get('/webhooks');
    assert.equal(total, 1);
    assert.deepEqual(mine.map((w) => w.url), [acmeUrl()]);
    assert.equal(mine[0].secret, undefined);
    await page.reload();
    await row(acmeUrl()).waitFor();
    assert.equal(await page.getByTestId('webhook-secret').count(), 0, 'the secret is gone after a reload');
  });

  test('a record change shows in the delivery log, signed with that secret', async () => {
    await ann.post('/records/orders', { title: 'first order' });
    await row(acmeUrl()).getByRole('button', { name: `Deliveries of ${acmeUrl()}` }).click();
    const first = page.locator('[data-testid=deliveries-table] tbody tr').first();
    const deadline = Date.now() + 15_000;
    while ((await first.count()) === 0 || (await first.getAttribute('data-status')) !== 'delivered') {
      if (Date.now() > deadline) {
        await screenshot(page, 'failed-account-admin-delivery');
        throw new Error('the delivery never showed as delivered');
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(300);
    }
    await first.getByText('HTTP 200').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'webhook-account-admin-deliveries');
    const got = receiver.received.filter((r) => r.url === '/acme');
    assert.equal(got.length, 1);
    const mac = `sha256=${crypto.createHmac('sha256', secret).update(got[0].body).digest('hex')}`;
    assert.equal(got[0].headers['x-snackbase-signature'], mac);
    assert.equal(receiver.received.filter((r) => r.url === '/globex').length, 0, "Acme's change does not reach Globex's hook");
    await page.getByRole('button', { name: 'Close' }).click();
  });

  test("another account's webhook is out of reach", async () => {
    const asAnn = (method, path) =>
      page.evaluate(
        async ([m, p]) => {
          const s = JSON.parse(localStorage.getItem('snackbase.session'));
          const res = await fetch(`/api/v1${p}`, { method: m, headers: { Authorization: `Bearer ${s.token}` } });
          return { status: res.status, body: await res.json().catch(() => null) };
        },
        [method, path],
      );
    // Asking for Globex's list is refused (as for users); her own list is Acme's only.
    const other = await asAnn('GET', `/webhooks?account_id=${globexHook.account_id}`);
    assert.equal(other.status, 403);
    assert.equal(other.body.error, 'forbidden');
    const list = await asAnn('GET', '/webhooks');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((w) => w.url), [acmeUrl()]);
    for (const [method, path] of [
      ['GET', `/webhooks/${globexHook.id}`],
      ['GET', `/webhooks/${globexHook.id}/deliveries`],
      ['DELETE', `/webhooks/${globexHook.id}`],
    ]) {
      const res = await asAnn(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error, 'not_found');
    }
    await page.goto(`${server.base}/admin/webhooks?account=${globexHook.account_id}`);
    await row(acmeUrl()).waitFor();
    assert.equal(await page.getByText(`${receiver.base}/globex`).count(), 0, 'the account in the URL is ignored');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems.filter((p) => !/40[34]/.test(p)), []);
  });
});

// Webhooks: the superadmin creates one for an account against a local
// receiver (127.0.0.1, allowed by SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS)
// that answers 500 once and then 200; the secret is shown once; a record
// change is delivered on the second attempt; redeliver and a test event; the
// enabled toggle, editing, the phone layout and deleting.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

/** Answers 500 to the first request and 200 to the others; keeps them all. */
async function startReceiver() {
  const received = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(received.length === 1 ? 500 : 200, { 'Content-Type': 'text/plain' });
      res.end(received.length === 1 ? 'try again' : 'ok');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${srv.address().port}/hook`,
    received,
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

describe('webhooks', () => {
  let server;
  let receiver;
  let browser;
  let page;
  let api;
  let acme;
  let secret;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({
      env: { SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', SNACKBASE_WEBHOOK_RETRY_BASE_MS: '100' },
    });
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/collections', {
      name: 'orders',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'total', type: 'number' },
      ],
    });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  const row = (url) => page.locator(`[data-testid=webhooks-table] tbody tr[data-url="${url}"]`);
  const deliveries = () => page.locator('[data-testid=deliveries-table] tbody tr');

  /** Clicks Refresh until the newest delivery has the status (the log also polls while pending). */
  async function newestIs(status) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const first = deliveries().first();
      if ((await first.count()) && (await first.getAttribute('data-status')) === status) return first;
      if (Date.now() > deadline) {
        await screenshot(page, `failed-delivery-${status}`);
        throw new Error(`the newest delivery never became ${status}`);
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(300);
    }
  }

  test('create one: a filter error at its position, then the secret shown once', async () => {
    await navTo(page, 'Webhooks');
    await page.getByTestId('account-picker').selectOption(acme.id);
    await page.getByText('No webhooks yet').waitFor();
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.locator('#webhook-url').fill(receiver.url);
    await page.locator('#webhook-collection').selectOption('orders');
    await page.getByRole('checkbox', { name: 'delete' }).uncheck();
    await page.locator('#webhook-filter').fill('total > ');
    await page.getByLabel('Header 1 name').fill('X-Team');
    await page.getByLabel('Header 1 value').fill('billing');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const err = page.getByTestId('webhook-filter-error');
    await err.waitFor();
    assert.ok(Number(await err.getAttribute('data-position')) >= 0);
    await screenshot(page, 'webhook-filter-error');

    // A header the server reserves is refused before sending.
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 2 name').fill('X-SnackBase-Event');
    await page.getByLabel('Header 2 value').fill('x');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.locator('#webhook-headers-error').getByText("Header 'X-SnackBase-Event' cannot be set").waitFor();
    await page.getByRole('button', { name: 'Remove header 2' }).click();

    await page.locator('#webhook-filter').fill('total > 10');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await toast(page, 'Webhook created');
    secret = (await page.getByTestId('webhook-secret').innerText()).trim();
    assert.ok(secret.length >= 16, secret);
    await page.getByText('it will not be shown again').waitFor();
    await row(receiver.url).getByText('total > 10').waitFor();
    await screenshot(page, 'webhook-secret');

    const { items: [w], total } = await api.get(`/webhooks?account_id=${acme.id}`);
    assert.equal(total, 1);
    assert.equal(w.secret, undefined);
    assert.deepEqual(w.events, ['create', 'update']);
    assert.deepEqual(w.headers, { 'X-Team': 'billing' });
    await page.reload();
    await row(receiver.url).waitFor();
    assert.equal(await page.getByTestId('webhook-secret').count(), 0);
  });

  test('a record change is delivered on the second attempt; redeliver; send a test', async () => {
    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/orders', { title: 'small', total: 5 }, h);
    await api.post('/records/orders', { title: 'big', total: 50 }, h);
    await row(receiver.url).getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
    const first = await newestIs('delivered');
    assert.equal(await deliveries().count(), 1, 'the filtered-out record has no delivery');
    assert.equal(await first.getByTestId('attempts').innerText(), '2');
    await first.getByText('HTTP 200').waitFor();
    await screenshot(page, 'webhook-deliveries');

    assert.equal(receiver.received.length, 2);
    const got = receiver.received[1];
    assert.equal(got.headers['x-team'], 'billing');
    const mac = `sha256=${crypto.createHmac('sha256', secret).update(got.body).digest('hex')}`;
    assert.equal(got.headers['x-snackbase-signature'], mac);
    assert.equal(JSON.parse(got.body).record.title, 'big');

    await first.getByRole('button', { name: /^Redeliver/ }).click();
    await toast(page, 'Delivery queued again');
    const deadline = Date.now() + 10_000;
    while (receiver.received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(receiver.received.length, 3);
    const again = await newestIs('delivered');
    assert.equal(await again.getByTestId('attempts').innerText(), '1');

    // A test is delivered at once: the toast tells how it went, the log shows it.
    await page.getByRole('button', { name: 'Send test' }).click();
    await toast(page, 'Test event delivered (HTTP 200)');
    assert.equal(receiver.received.length, 4);
    const tested = await newestIs('delivered');
    assert.equal(await tested.getAttribute('data-event'), 'test');
    assert.equal(await tested.getByTestId('attempts').innerText(), '1');
    assert.equal(await deliveries().count(), 2);
    assert.equal(JSON.parse(receiver.received[3].body).event, 'test');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  test('disable, edit, the phone layout, delete', async () => {
    await row(receiver.url).getByRole('checkbox', { name: `Enabled ${receiver.url}` }).uncheck();
    await toast(page, 'Webhook disabled');
    let [w] = (await api.get(`/webhooks?account_id=${acme.id}`)).items;
    assert.equal(w.enabled, false);

    await row(receiver.url).getByRole('button', { name: `Edit ${receiver.url}` }).click();
    assert.equal(await page.locator('#webhook-filter').inputValue(), 'total > 10');
    assert.equal(await page.getByLabel('Header 1 value').inputValue(), 'billing');
    await page.getByRole('checkbox', { name: 'delete' }).check();
    await page.locator('#webhook-filter').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Webhook saved');
    [w] = (await api.get(`/webhooks?account_id=${acme.id}`)).items;
    assert.deepEqual(w.events, ['create', 'update', 'delete']);
    assert.equal(w.filter ?? '', '');
    assert.equal(w.enabled, false);

    await page.setViewportSize({ width: 390, height: 800 });
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'webhooks-mobile');
    await row(receiver.url).getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
    await deliveries().first().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'webhook-deliveries-mobile');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });

    await row(receiver.url).getByRole('button', { name: `Delete ${receiver.url}` }).click();
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'Webhook deleted');
    await page.getByText('No webhooks yet').waitFor();
    assert.deepEqual(await api.get(`/webhooks?account_id=${acme.id}`), { items: [], total: 0 });
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

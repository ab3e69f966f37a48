// webhooks: create, get, list, delete, test, listDeliveries, with a real
// receiver on 127.0.0.1 that checks the signatures of what arrives.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

/** An HTTP server that records every request and answers `status`. */
async function startReceiver() {
  const received = [];
  let status = 200;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${srv.address().port}${path}`,
    received,
    setStatus: (s) => (status = s),
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

async function eventually(check, { timeout = 10_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks', () => {
  let server;
  let receiver;
  let orders;
  let tenant;
  before(async () => {
    receiver = await startReceiver();
    server = await startServer({
      env: { SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', SNACKBASE_WEBHOOK_RETRY_BASE_MS: '100' },
    });
    const root = await rootClient(server);
    orders = uniq('orders_');
    await root.collections.create({
      name: orders,
      fields: [
        { name: 'title', type: 'text', required: true },
        { name: 'total', type: 'number' },
      ],
    });
    tenant = await registerAccount(server, 'hook');
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const arrivals = (path) => receiver.received.filter((r) => r.path === path);

  test('create, get, list and delete', async () => {
    const url = receiver.url(`/${uniq('crud')}`);
    const hook = await tenant.client.webhooks.create({
      url,
      collection: orders,
      events: ['create', 'update'],
      headers: { 'X-Team': 'billing' },
    });
    assert.equal(hook.url, url);
    assert.equal(hook.collection, orders);
    assert.deepEqual(hook.events, ['create', 'update']);
    assert.equal(hook.enabled, true);
    assert.equal(hook.account_id, tenant.account.id);
    assert.deepEqual(hook.headers, { 'X-Team': 'billing' });
    assert.ok(hook.secret.length >= 16, 'the secret is shown once, on create');

    const got = await tenant.client.webhooks.get(hook.id);
    assert.equal(got.url, url);
    assert.equal(got.secret, undefined);

    const list = await tenant.client.webhooks.list();
    assert.deepEqual(Object.keys(list).sort(), ['items', 'total']);
    assert.equal(list.total, list.items.length);
    const listed = list.items.find((w) => w.id === hook.id);
    assert.equal(listed.url, url);
    assert.equal(listed.secret, undefined, 'never listed');

    assert.deepEqual(await tenant.client.webhooks.delete(hook.id), { success: true });
    await rejectsWith(tenant.client.webhooks.get(hook.id), NotFoundError, { status: 404 });
    await rejectsWith(tenant.client.webhooks.delete(hook.id), NotFoundError);
  });

  test('invalid definitions are ValidationErrors', async () => {
    const url = receiver.url('/invalid');
    for (const body of [
      { url, collection: orders, events: [] },
      { url, collection: orders, events: ['explode'] },
      { url, collection: 'no_such_collection', events: ['create'] },
      { url: 'ftp://example.com/x', collection: orders, events: ['create'] },
      { url, collection: orders, events: ['create'], secret: 'short' },
      { url, collection: orders, events: ['create'], filter: 'nope >' },
      { url, collection: orders, events: ['create'], headers: { 'Content-Type': 'text/plain' } },
    ]) {
      await rejectsWith(tenant.client.webhooks.create(body), ValidationError, { status: 422 });
    }
  });

  test('a record change is delivered, signed, and logged in listDeliveries', async () => {
    const path = `/${uniq('deliver')}`;
    const secret = 'a-secret-of-sufficient-length';
    const hook = await tenant.client.webhooks.create({
      url: receiver.url(path),
      collection: orders,
      events: ['create'],
      secret,
      filter: 'total > 100',
    });
    await tenant.client.records.create(orders, { title: 'small', total: 5 });
    const big = await tenant.client.records.create(orders, { title: 'big', total: 500 });

    const [arrival] = await eventually(() => (arrivals(path).length ? arrivals(path) : null));
    const payload = JSON.parse(arrival.body);
    assert.equal(payload.event, 'records.create');
    assert.equal(payload.collection, orders);
    assert.equal(payload.account_id, tenant.account.id);
    assert.equal(payload.record.id, big.id);
    assert.equal(arrival.headers['x-snackbase-event'], 'records.create');
    const expected = createHmac('sha256', secret).update(arrival.body).digest('hex');
    assert.equal(arrival.headers['x-snackbase-signature'], `sha256=${expected}`);

    const deliveries = await eventually(async () => {
      const list = await tenant.client.webhooks.listDeliveries(hook.id, { limit: 10, offset: 0 });
      return list.items.length && list.items.every((d) => d.status === 'delivered') ? list : null;
    });
    assert.equal(deliveries.total, 1, 'the filter kept the small order out');
    const [delivery] = deliveries.items;
    assert.equal(delivery.webhook_id, hook.id);
    assert.equal(delivery.event, 'records.create');
    assert.deepEqual(delivery.payload, payload, 'the payload is the body that was posted');
    assert.equal(delivery.response_status, 200);
    assert.equal(delivery.response_body, null);
    assert.equal(delivery.attempt_number, 1);
    assert.equal(delivery.next_retry_at, null);
    assert.ok(Date.parse(delivery.delivered_at) >= Date.parse(delivery.created_at));
    assert.equal(arrival.headers['x-snackbase-delivery'], delivery.id);
    // Updates are not subscribed.
    await tenant.client.records.patch(orders, big.id, { total: 600 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(arrivals(path).length, 1);
  });

  test('test delivers at once and says how it went', async () => {
    const path = `/${uniq('test')}`;
    const hook = await tenant.client.webhooks.create({ url: receiver.url(path), collection: orders, events: ['delete'] });
    const ok = await tenant.client.webhooks.test(hook.id);
    assert.equal(ok.success, true);
    assert.equal(ok.status_code, 200);
    assert.equal(ok.error, null);
    // Already there when the call returns.
    assert.equal(arrivals(path).length, 1);
    const [arrival] = arrivals(path);
    assert.equal(JSON.parse(arrival.body).event, 'test');
    assert.equal(arrival.headers['x-snackbase-event'], 'test');

    // A receiver that answers 500: a failure with its status, logged, not retried.
    receiver.setStatus(500);
    try {
      const failed = await tenant.client.webhooks.test(hook.id);
      assert.equal(failed.success, false);
      assert.equal(failed.status_code, 500);
      assert.match(failed.error, /500/);
    } finally {
      receiver.setStatus(200);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(arrivals(path).length, 2, 'a failed test is not retried');
    const log = await tenant.client.webhooks.listDeliveries(hook.id);
    assert.equal(log.total, 2);
    assert.deepEqual(
      log.items.map((d) => [d.event, d.status, d.response_status, d.attempt_number]),
      [
        ['test', 'failed', 500, 1],
        ['test', 'delivered', 200, 1],
      ],
    );

    // Nothing listens there: not reached, no status.
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await tenant.client.webhooks.create({ url: `http://127.0.0.1:${port}/x`, collection: orders, events: ['delete'] });
    const unreachable = await tenant.client.webhooks.test(down.id);
    assert.equal(unreachable.success, false);
    assert.equal(unreachable.status_code, null);
    assert.ok(unreachable.error.length > 0);

    await rejectsWith(tenant.client.webhooks.test('00000000-0000-4000-8000-000000000000'), NotFoundError);
  });

  test('listDeliveries pages newest first with limit and offset', async () => {
    const path = `/${uniq('pages')}`;
    const hook = await tenant.client.webhooks.create({ url: receiver.url(path), collection: orders, events: ['delete'] });
    for (let i = 0; i < 3; i++) {
      await tenant.client.webhooks.test(hook.id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = await tenant.client.webhooks.listDeliveries(hook.id);
    assert.equal(all.total, 3);
    const ids = all.items.map((d) => d.id);
    const created = all.items.map((d) => Date.parse(d.created_at));
    assert.deepEqual(created, [...created].sort((a, b) => b - a), 'newest first');
    const first = await tenant.client.webhooks.listDeliveries(hook.id, { limit: 2, offset: 0 });
    assert.deepEqual(first.items.map((d) => d.id), ids.slice(0, 2));
    assert.equal(first.total, 3);
    const rest = await tenant.client.webhooks.listDeliveries(hook.id, { limit: 2, offset: 2 });
    assert.deepEqual(rest.items.map((d) => d.id), ids.slice(2));
    assert.equal(rest.total, 3);
    await rejectsWith(tenant.client.webhooks.listDeliveries(hook.id, { limit: 0 }), ValidationError);
  });

  test("webhooks are per account; plain users cannot manage them", async () => {
    const hook = await tenant.client.webhooks.create({ url: receiver.url('/private'), collection: orders, events: ['create'] });
    const other = await registerAccount(server, 'hook2');
    await rejectsWith(other.client.webhooks.get(hook.id), NotFoundError);
    await rejectsWith(other.client.webhooks.delete(hook.id), NotFoundError);
    await rejectsWith(other.client.webhooks.listDeliveries(hook.id), NotFoundError);
    assert.deepEqual(await other.client.webhooks.list(), { items: [], total: 0 });

    const email = `p@${uniq('p')}.example.com`;
    await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: 2 });
    const plain = newClient(server);
    await plain.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    await rejectsWith(
      plain.webhooks.create({ url: receiver.url('/x'), collection: orders, events: ['create'] }),
      AuthorizationError,
      { status: 403 },
    );
    await rejectsWith(plain.webhooks.list(), AuthorizationError);
  });

  test('update (PUT) changes the fields sent and keeps the rest', async () => {
    const url = receiver.url(`/${uniq('upd')}`);
    const hook = await tenant.client.webhooks.create({ url, collection: orders, events: ['create'] });
    const updated = await tenant.client.webhooks.update(hook.id, { enabled: false });
    assert.equal(updated.enabled, false);
    assert.equal(updated.url, url);
    assert.deepEqual(updated.events, ['create']);
    assert.equal((await tenant.client.webhooks.get(hook.id)).enabled, false);
    await rejectsWith(tenant.client.webhooks.update(hook.id, { events: ['explode'] }), ValidationError);
    const other = await registerAccount(server, 'hook3');
    await rejectsWith(other.client.webhooks.update(hook.id, { enabled: true }), NotFoundError);
  });
});

// jobs: list (filters, paging), stats, retry and cancel, on real background
// work: webhook deliveries to a receiver where nothing listens, and backups.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, SnackBaseError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

/** A local URL where nothing listens (the port is opened, noted, closed). */
async function deadUrl() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}

async function eventually(check, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('jobs', () => {
  let server;
  let root;
  let tenant;
  let orders;
  before(async () => {
    server = await startServer({
      env: {
        SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
        SNACKBASE_WEBHOOK_MAX_ATTEMPTS: '2',
        SNACKBASE_WEBHOOK_RETRY_BASE_MS: '100',
      },
    });
    root = await rootClient(server);
    orders = uniq('orders_');
    await root.collections.create({ name: orders, fields: [{ name: 'title', type: 'text' }] });
    tenant = await registerAccount(server, 'jobs');
    await tenant.client.webhooks.create({ url: await deadUrl(), collection: orders, events: ['create'] });
  });
  after(async () => {
    await server?.stop();
  });

  test('a failing delivery becomes a dead job with its attempts and error; retry runs it again', async () => {
    await tenant.client.records.create(orders, { title: 'a' });
    const dead = await eventually(async () => {
      const page = await root.jobs.list({ status: 'dead', queue: 'webhooks' });
      return page.items[0];
    });
    assert.equal(dead.handler, 'webhook.deliver');
    assert.equal(dead.attempt_number, 2);
    assert.equal(dead.max_retries, 2);
    assert.ok(dead.error_message, 'the last error is shown');
    assert.equal(dead.account_id, tenant.account.id);

    const stats = await root.jobs.stats();
    assert.ok(stats.dead >= 1);
    for (const key of ['pending', 'running', 'completed', 'failed', 'retrying', 'dead']) {
      assert.equal(typeof stats[key], 'number', key);
    }

    const retried = await root.jobs.retry(dead.id);
    assert.equal(retried.id, dead.id);
    assert.ok(['pending', 'retrying', 'dead'].includes(retried.status));
    await eventually(async () => {
      const page = await root.jobs.list({ status: 'dead' });
      const again = page.items.find((j) => j.id === dead.id);
      return again && again.attempt_number === 2 && again;
    });

    // Dead is not pending: cancel refuses (400).
    await rejectsWith(root.jobs.cancel(dead.id), SnackBaseError, { status: 400 });
    await rejectsWith(root.jobs.retry('webhook-nope'), NotFoundError, { status: 404 });
  });

  test('paging, a backup as a job, and nobody but the superadmin', async () => {
    // The SDK has no backups service: start one with fetch and the root's token.
    const token = new URL(root.files.getDownloadUrl('x')).searchParams.get('token');
    const res = await fetch(`${server.base}/api/v1/admin/backups`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 202);
    const backup = await eventually(async () => {
      const page = await root.jobs.list({ queue: 'backups', status: 'completed' });
      return page.items[0];
    });
    assert.equal(backup.handler, 'backup.create');
    const all = await root.jobs.list({ limit: 1 });
    assert.equal(all.items.length, 1);
    assert.ok(all.total >= 2);
    const second = await root.jobs.list({ limit: 1, offset: 1 });
    assert.notEqual(second.items[0].id, all.items[0].id);

    await rejectsWith(tenant.client.jobs.list(), AuthorizationError, { status: 403 });
    await rejectsWith(tenant.client.jobs.stats(), AuthorizationError, { status: 403 });
  });
});

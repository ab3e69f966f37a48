// dashboard.getStats: the superadmin's counts follow what happens on the
// server; other users are refused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('dashboard', () => {
  let server;
  let root;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('getStats counts accounts, users, collections, records and sessions', async () => {
    const before = await root.dashboard.getStats();
    assert.equal(before.system_health.database_status, 'connected');
    assert.equal(typeof before.system_health.storage_usage_mb, 'number');
    assert.ok(before.active_sessions >= 1, 'the superadmin is signed in');
    assert.equal(before.range, '7d');

    const name = uniq('dash_');
    await root.collections.create({ name, fields: [{ name: 'n', type: 'number' }] });
    const tenant = await registerAccount(server, 'dash');
    await tenant.client.records.batchCreate(name, [{ n: 1 }, { n: 2 }, { n: 3 }]);

    const after = await root.dashboard.getStats();
    assert.equal(after.total_accounts, before.total_accounts + 1);
    assert.equal(after.total_users, before.total_users + 1);
    assert.equal(after.total_collections, before.total_collections + 1);
    assert.equal(after.total_records, before.total_records + 3);
    assert.equal(after.new_accounts_7d, before.new_accounts_7d + 1);
    assert.equal(after.new_users_7d, before.new_users_7d + 1);
    assert.ok(after.active_sessions >= before.active_sessions + 1);
    const recent = after.recent_registrations[0];
    assert.equal(recent.email, tenant.email);
    assert.equal(recent.account_id, tenant.account.id);
    assert.equal(recent.account_code, tenant.account.id);
    assert.equal(recent.account_name, tenant.account.name);
    assert.deepEqual(
      after.records_by_collection.find((r) => r.name === name),
      { name, count: 3 },
    );
    assert.ok(Array.isArray(after.recent_audit_logs));

    // The daily series: every day of the range, today last; today's audit
    // counts the three creates of the batch once each.
    const today = new Date().toISOString().slice(0, 10);
    for (const name of ['accounts_created', 'users_created', 'audit_by_operation']) {
      const days = after.time_series[name];
      assert.equal(days.length, 7, name);
      assert.equal(days.at(-1).date, today, name);
    }
    const created = (s) => s.time_series.accounts_created.at(-1).count;
    assert.equal(created(after), created(before) + 1);
    const audited = (s) => s.time_series.audit_by_operation.at(-1);
    assert.ok(audited(after).create >= audited(before).create + 3 + 1, 'three records and the collection');
    assert.equal(typeof audited(after).update, 'number');
    assert.equal(typeof audited(after).delete, 'number');
  });

  test('getStats with a range', async () => {
    for (const range of ['7d', '30d', '90d']) {
      const stats = await root.dashboard.getStats({ range });
      assert.equal(stats.range, range);
      assert.ok(stats.new_accounts_7d >= 1, 'the accounts made by this test file are new in every range');
      assert.equal(typeof stats.previous_period.new_accounts, 'number');
      assert.equal(typeof stats.previous_period.new_users, 'number');
    }
    await rejectsWith(root.dashboard.getStats({ range: '1y' }), ValidationError, { status: 422 });
  });

  test('only the superadmin may read the stats', async () => {
    const { client } = await registerAccount(server, 'nodash');
    await rejectsWith(client.dashboard.getStats(), AuthorizationError, { status: 403 });
  });
});

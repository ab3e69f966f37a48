// macros: create, list, get, update, delete, test; the SQL is checked when
// saved, and a macro called from a rule filters records.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('macros', () => {
  let server;
  let root;
  let tickets;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    tickets = uniq('tickets_');
    await root.collections.create({
      name: tickets,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'status', type: 'text' },
        { name: 'points', type: 'number' },
      ],
    });
    // The superadmin's own account (SY0000) holds the rows that macros.test sees.
    await root.records.batchCreate(tickets, [
      { title: 'a', status: 'open', points: 1 },
      { title: 'b', status: 'open', points: 2 },
      { title: 'c', status: 'closed', points: 4 },
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  test('create, get, list, update, delete', async () => {
    const name = uniq('count_status_');
    const sql = `SELECT COUNT(*) FROM {${tickets}} WHERE status = :status`;
    const created = await root.macros.create({ name, sql_query: sql, parameters: ['status'], description: 'Counts' });
    assert.equal(typeof created.id, 'number');
    assert.equal(created.name, name);
    assert.equal(created.sql_query, sql);
    assert.deepEqual(created.parameters, ['status']);
    assert.equal(created.description, 'Counts');

    assert.deepEqual(await root.macros.get(created.id), created);
    const list = await root.macros.list({ skip: 0, limit: 50 });
    assert.ok(Array.isArray(list.items));
    assert.equal(list.total, list.items.length);
    assert.equal(list.items.find((m) => m.id === created.id).sql_query, sql);

    const sql2 = `SELECT SUM(points) FROM {${tickets}} WHERE status = :status`;
    const updated = await root.macros.update(created.id, { sql_query: sql2, description: 'Sums' });
    assert.equal(updated.sql_query, sql2);
    assert.equal(updated.description, 'Sums');
    assert.equal(updated.name, name);
    assert.equal((await root.macros.get(created.id)).sql_query, sql2);

    await rejectsWith(root.macros.create({ name, sql_query: 'SELECT 1' }), ConflictError, { status: 409 });
    assert.deepEqual(await root.macros.delete(created.id), { success: true });
    await rejectsWith(root.macros.get(created.id), NotFoundError, { status: 404 });
  });

  test('list pages with skip and limit; without them it lists every macro', async () => {
    const prefix = uniq('page_');
    for (const n of ['c', 'a', 'b']) {
      await root.macros.create({ name: `${prefix}_${n}`, sql_query: 'SELECT 1' });
    }
    const all = await root.macros.list();
    const names = all.items.map((m) => m.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith(prefix)),
      [`${prefix}_a`, `${prefix}_b`, `${prefix}_c`],
    );
    const start = names.indexOf(`${prefix}_a`);
    const page = await root.macros.list({ skip: start + 1, limit: 2 });
    assert.deepEqual(
      page.items.map((m) => m.name),
      [`${prefix}_b`, `${prefix}_c`],
    );
    assert.equal(page.total, names.length);
    assert.equal(page.skip, start + 1);
    assert.equal(page.limit, 2);
    assert.deepEqual((await root.macros.list({ skip: names.length, limit: 5 })).items, []);
    for (const bad of [{ skip: -1, limit: 5 }, { limit: 0 }, { limit: 1000 }, { skip: 'x' }]) {
      await rejectsWith(root.macros.list(bad), ValidationError, { status: 422 });
    }
  });

  test('test runs the macro with positional parameters', async () => {
    const m = await root.macros.create({
      name: uniq('points_'),
      sql_query: `SELECT SUM(points) FROM {${tickets}} WHERE status = :status`,
      parameters: ['status'],
    });
    const open = await root.macros.test(m.id, ['open']);
    assert.equal(open.result, 3);
    assert.equal(typeof open.execution_time, 'number');
    assert.equal(open.rows_affected, 0);
    assert.equal((await root.macros.test(m.id, ['closed'])).result, 4);
    assert.equal((await root.macros.test(m.id, ['none'])).result, null);
    await rejectsWith(root.macros.test(987654, []), NotFoundError);
  });

  test('unsafe or invalid SQL is refused with ValidationError', async () => {
    for (const sql_query of [
      'SELECT * FROM users',
      `DELETE FROM {${tickets}}`,
      'SELECT 1; SELECT 2',
      `SELECT title, status FROM {${tickets}}`,
      'SELECT FROM WHERE',
      'SELECT COUNT(*) FROM {no_such_collection}',
    ]) {
      await rejectsWith(root.macros.create({ name: uniq('bad_'), sql_query }), ValidationError, { status: 422 });
    }
    await rejectsWith(root.macros.create({ name: 'has_role', sql_query: 'SELECT 1' }), ValidationError);
    await rejectsWith(root.macros.create({ name: '1bad', sql_query: 'SELECT 1' }), ValidationError);
  });

  test('a rule can call a macro; other users see names but not SQL', async () => {
    const name = uniq('closed_count_');
    const m = await root.macros.create({
      name,
      sql_query: `SELECT COUNT(*) FROM {${tickets}} WHERE status = 'closed'`,
    });
    const tenant = await registerAccount(server, 'mac');
    const listed = await tenant.client.macros.list();
    const seen = listed.items.find((x) => x.id === m.id);
    assert.equal(seen.name, name);
    assert.equal(seen.sql_query, undefined);
    await rejectsWith(tenant.client.macros.create({ name: uniq('x'), sql_query: 'SELECT 1' }), AuthorizationError);
    await rejectsWith(tenant.client.macros.test(m.id, []), AuthorizationError);

    // A role that may read tickets only while the account has no closed ticket.
    const role = await root.roles.create({ name: uniq('macro_reader') });
    await root.roles.updatePermissionsBulk(role.id, {
      updates: [{ collection: tickets, operation: 'read', rule: `@${name}() == 0` }],
    });
    await tenant.client.records.create(tickets, { title: 'x', status: 'open' });
    const email = `r@${uniq('r')}.example.com`;
    await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: role.id });
    const reader = newClient(server);
    await reader.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    assert.equal((await reader.records.list(tickets)).total, 1);
    await tenant.client.records.create(tickets, { title: 'y', status: 'closed' });
    assert.equal((await reader.records.list(tickets)).total, 0);
  });
});

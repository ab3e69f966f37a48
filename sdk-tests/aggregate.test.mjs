// records.aggregate: functions, group_by, filter (in the SDK's dialect) and
// having, with values computed here from the records created; other
// accounts' records are never counted; bad parameters are ValidationErrors.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('records.aggregate', () => {
  let server;
  let client;
  let other;
  let orders;
  const rows = [
    { status: 'open', total: 10, price: 1.5 },
    { status: 'open', total: 2.5, price: 2 },
    { status: 'open', total: 4, price: 3 },
    { status: 'done', total: 7, price: 4 },
    { status: 'done', total: 1, price: 5 },
    { status: 'late', total: 30, price: 6 },
  ];
  before(async () => {
    server = await startServer();
    const root = await rootClient(server);
    orders = uniq('orders_');
    await root.collections.create({
      name: orders,
      fields: [
        { name: 'status', type: 'text' },
        { name: 'total', type: 'number' },
        { name: 'price', type: 'number' },
      ],
    });
    ({ client } = await registerAccount(server, 'agg'));
    ({ client: other } = await registerAccount(server, 'aggo'));
    await client.records.batchCreate(orders, rows);
    await other.records.batchCreate(orders, [{ status: 'open', total: 1000, price: 1 }]);
  });
  after(async () => {
    await server?.stop();
  });

  function expected(filter = () => true) {
    const groups = new Map();
    for (const r of rows.filter(filter)) {
      const g = groups.get(r.status) ?? { status: r.status, count: 0, sum_total: 0 };
      g.count += 1;
      g.sum_total += r.total;
      groups.set(r.status, g);
    }
    return [...groups.values()].sort((a, b) => (a.status < b.status ? -1 : 1));
  }

  test('count and sum by group, ordered by the group field', async () => {
    const reply = await client.records.aggregate(orders, { functions: 'count(),sum(total)', group_by: 'status' });
    assert.deepEqual(reply.results, expected());
    assert.equal(reply.total_groups, 3);
  });

  test('filter in the SDK dialect and having', async () => {
    const reply = await client.records.aggregate(orders, {
      functions: 'count(),sum(total)',
      group_by: 'status',
      filter: "status != 'late' && total >= 2",
      having: 'count() > 1',
    });
    const want = expected((r) => r.status !== 'late' && r.total >= 2).filter((g) => g.count > 1);
    assert.deepEqual(reply.results, want);
    assert.equal(reply.total_groups, want.length);
    assert.deepEqual(reply.results, [{ status: 'open', count: 3, sum_total: 16.5 }]);
  });

  test('avg, min and max over everything the caller may list', async () => {
    const reply = await client.records.aggregate(orders, { functions: 'count(),avg(price),min(total),max(total)' });
    const prices = rows.map((r) => r.price);
    assert.equal(reply.total_groups, 1);
    assert.equal(reply.results[0].count, rows.length, "another account's records are not counted");
    assert.ok(Math.abs(reply.results[0].avg_price - prices.reduce((a, b) => a + b) / prices.length) < 1e-9);
    assert.equal(reply.results[0].min_total, 1);
    assert.equal(reply.results[0].max_total, 30);
  });

  test('bad parameters are ValidationErrors', async () => {
    await rejectsWith(client.records.aggregate(orders, { functions: 'median(total)' }), ValidationError, {
      status: 422,
    });
    await rejectsWith(client.records.aggregate(orders, { functions: 'sum(status)' }), ValidationError);
    await rejectsWith(
      client.records.aggregate(orders, { functions: 'count()', group_by: 'status', having: 'count() > 1; DROP TABLE users' }),
      ValidationError,
    );
    await rejectsWith(client.records.aggregate(orders, {}), ValidationError);
  });
});

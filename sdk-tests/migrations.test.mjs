// migrations.list/getCurrent/getHistory: the embedded migrations (static) and
// the collection schema changes (dynamic), for the superadmin only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('migrations', () => {
  let server;
  let root;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('list, current and history follow schema changes', async () => {
    const before = await root.migrations.list();
    assert.equal(before.total, before.revisions.length);
    assert.deepEqual(before.revisions[0], {
      revision: '0001_foundation', description: 'foundation', isApplied: true, isDynamic: false,
    });

    const name = uniq('mig_');
    await root.collections.create({ name, fields: [{ name: 'title', type: 'text' }] });
    const list = await root.migrations.list();
    assert.equal(list.total, before.total + 1);
    const created = list.revisions.at(-1);
    assert.equal(created.isDynamic, true);
    assert.equal(created.isApplied, true);
    assert.equal(created.description, `create collection '${name}' (version 1)`);
    assert.equal(list.currentRevision, created.revision);

    const current = await root.migrations.getCurrent();
    assert.equal(current.revision, created.revision);
    assert.equal(current.isDynamic, true);
    assert.ok(!Number.isNaN(Date.parse(current.appliedAt)));

    const history = await root.migrations.getHistory();
    assert.equal(history.total, history.history.length);
    assert.equal(history.history[0].revision, '0001_foundation');
    assert.equal(history.history.at(-1).revision, created.revision);
    assert.ok(history.history.every((h) => typeof h.createdAt === 'string' && typeof h.isDynamic === 'boolean'));
  });

  test('an account admin is refused', async () => {
    const { client } = await registerAccount(server, 'mig');
    await rejectsWith(client.migrations.list(), AuthorizationError, { status: 403 });
    await rejectsWith(client.migrations.getHistory(), AuthorizationError, { status: 403 });
  });
});

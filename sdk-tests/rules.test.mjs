// collectionRules.get/update and the rule keys of collections.create/update:
// the SDK's rules as permissions of the `user` and `public` roles, and their
// effect on what a plain user and an anonymous caller may list.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('collection rules', () => {
  let server;
  let root;
  let tenant;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    tenant = await registerAccount(server, 'rules');
  });
  after(async () => {
    await server?.stop();
  });

  /** A plain user (role `user`) of the tenant, signed in, with its id. */
  async function member() {
    const email = `m@${uniq('m')}.example.com`;
    const user = await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: 2 });
    const client = newClient(server);
    await client.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    return { client, id: user.id };
  }

  /** What an anonymous caller of the tenant gets for a list: status and total. */
  async function anonymousList(name) {
    const res = await fetch(`${server.base}/api/v1/records/${name}?account=${tenant.account.slug}`);
    const body = await res.json();
    return { status: res.status, total: body.total };
  }

  test('get and update, enforced on records', async () => {
    const name = uniq('notes_');
    await root.collections.create({
      name,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'text' },
      ],
    });
    const locked = await root.collectionRules.get(name);
    assert.deepEqual(locked, {
      list_rule: null, view_rule: null, create_rule: null, update_rule: null, delete_rule: null,
      list_fields: '*', view_fields: '*', create_fields: '*', update_fields: '*',
    });

    const rules = await root.collectionRules.update(name, { list_rule: 'record.owner == user.id', create_rule: '' });
    assert.equal(rules.list_rule, 'record.owner == user.id');
    assert.equal(rules.view_rule, 'record.owner == user.id');
    assert.equal(rules.create_rule, '');
    assert.equal(rules.delete_rule, null);

    const a = await member();
    const b = await member();
    await a.client.records.create(name, { title: 'a', owner: a.id });
    await b.client.records.create(name, { title: 'b', owner: b.id });
    const mine = await a.client.records.list(name);
    assert.equal(mine.total, 1);
    assert.equal(mine.items[0].owner, a.id);
    assert.equal((await anonymousList(name)).status, 401);

    await root.collectionRules.update(name, { list_rule: '' });
    assert.equal((await a.client.records.list(name)).total, 2);
    assert.deepEqual(await anonymousList(name), { status: 200, total: 2 });

    await root.collectionRules.update(name, { list_rule: null });
    await rejectsWith(a.client.records.list(name), AuthorizationError, { status: 403 });
    assert.equal((await root.collectionRules.get(name)).create_rule, '', 'keys left out are kept');
  });

  test('rules in collections.create and collections.update', async () => {
    const name = uniq('tasks_');
    const created = await root.collections.create({
      name,
      fields: [{ name: 'title', type: 'text' }],
      list_rule: '',
      create_rule: 'true',
    });
    let rules = await root.collectionRules.get(name);
    assert.equal(rules.list_rule, '');
    assert.equal(rules.create_rule, 'true');
    await root.collections.update(created.id, { create_rule: null });
    rules = await root.collectionRules.get(name);
    assert.equal(rules.create_rule, null);
    assert.equal(rules.list_rule, '');
  });

  test('bad rules and foreign callers are refused', async () => {
    const name = uniq('guard_');
    await root.collections.create({ name, fields: [{ name: 'title', type: 'text' }] });
    await rejectsWith(root.collectionRules.update(name, { list_rule: 'record.nope == 1' }), ValidationError, { status: 422 });
    await rejectsWith(root.collectionRules.update(name, { list_rule: 'true', view_rule: 'false' }), ValidationError);
    await rejectsWith(root.collectionRules.get(uniq('missing_')), NotFoundError);
    const user = await member();
    await rejectsWith(user.client.collectionRules.get(name), AuthorizationError, { status: 403 });
    // Rules are shared by every account: an account admin reads them but cannot change them.
    assert.equal((await tenant.client.collectionRules.get(name)).list_rule, null);
    await rejectsWith(tenant.client.collectionRules.update(name, { list_rule: '' }), AuthorizationError, { status: 403 });
    assert.equal((await root.collectionRules.get(name)).list_rule, null);
  });
});

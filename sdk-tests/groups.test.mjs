// groups: create, get, list (search, paging), update, delete, addMember,
// removeMember, and a rule that follows membership (@has_group).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('groups', () => {
  let server;
  let root;
  let tenant;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    tenant = await registerAccount(server, 'grp');
  });
  after(async () => {
    await server?.stop();
  });

  async function member(roleId = 2) {
    const email = `m@${uniq('m')}.example.com`;
    const user = await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: roleId });
    const client = newClient(server);
    await client.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    return { user, client };
  }

  test('create, get, update, delete', async () => {
    const name = uniq('editors');
    const group = await tenant.client.groups.create({ name, description: 'People who edit' });
    assert.equal(group.name, name);
    assert.equal(group.description, 'People who edit');
    assert.equal(group.account_id, tenant.account.id);
    assert.equal(group.member_count, 0);
    assert.deepEqual(await tenant.client.groups.get(group.id), group);

    const renamed = await tenant.client.groups.update(group.id, { name: `${name}x` });
    assert.equal(renamed.name, `${name}x`);
    assert.equal(renamed.description, 'People who edit', 'PATCH keeps what is not sent');
    const described = await tenant.client.groups.update(group.id, { description: 'Changed' });
    assert.equal(described.description, 'Changed');

    await rejectsWith(tenant.client.groups.create({ name: `${name}x` }), ConflictError, { status: 409 });
    await rejectsWith(tenant.client.groups.create({ name: '' }), ValidationError);

    assert.deepEqual(await tenant.client.groups.delete(group.id), { success: true });
    await rejectsWith(tenant.client.groups.get(group.id), NotFoundError, { status: 404 });
    await rejectsWith(tenant.client.groups.update(group.id, { name: 'again' }), NotFoundError);
  });

  test('list returns the envelope, searches and pages', async () => {
    const tag = uniq('lg');
    for (const n of ['c', 'a', 'b']) await tenant.client.groups.create({ name: `${tag}-${n}` });
    const all = await tenant.client.groups.list({ search: tag });
    assert.deepEqual(
      all.items.map((g) => g.name),
      [`${tag}-a`, `${tag}-b`, `${tag}-c`],
    );
    assert.equal(all.total, 3);
    const page2 = await tenant.client.groups.list({ search: tag, page: 2, page_size: 2 });
    assert.deepEqual(
      page2.items.map((g) => g.name),
      [`${tag}-c`],
    );
    await rejectsWith(tenant.client.groups.list({ page: 0 }), ValidationError);
    // The superadmin sees every account's groups.
    const everyone = await root.groups.list({ search: tag });
    assert.equal(everyone.items.length, 3);
  });

  test('addMember and removeMember; membership drives @has_group rules', async () => {
    const gname = uniq('club');
    const group = await tenant.client.groups.create({ name: gname });
    const clubhouse = uniq('clubhouse_');
    await root.collections.create({ name: clubhouse, fields: [{ name: 'note', type: 'text' }] });
    await tenant.client.records.create(clubhouse, { note: 'members only' });
    const role = await root.roles.create({ name: uniq('clubber') });
    await root.roles.updatePermissionsBulk(role.id, {
      updates: [{ collection: clubhouse, operation: 'read', rule: `@has_group('${gname}')` }],
    });
    const { user, client } = await member(role.id);
    assert.equal((await client.records.list(clubhouse)).total, 0);

    assert.deepEqual(await tenant.client.groups.addMember(group.id, user.id), { success: true });
    assert.equal((await tenant.client.groups.get(group.id)).member_count, 1);
    const seen = await client.records.list(clubhouse);
    assert.deepEqual(
      seen.items.map((r) => r.note),
      ['members only'],
    );
    await rejectsWith(tenant.client.groups.addMember(group.id, user.id), ConflictError);

    assert.deepEqual(await tenant.client.groups.removeMember(group.id, user.id), { success: true });
    assert.equal((await client.records.list(clubhouse)).total, 0);
    await rejectsWith(tenant.client.groups.removeMember(group.id, user.id), NotFoundError);
    await rejectsWith(tenant.client.groups.addMember(group.id, '00000000-0000-4000-8000-000000000000'), NotFoundError);
  });

  test('members may read groups but only admins manage them', async () => {
    const group = await tenant.client.groups.create({ name: uniq('ro') });
    const { user, client } = await member();
    assert.equal((await client.groups.get(group.id)).id, group.id);
    await rejectsWith(client.groups.create({ name: uniq('no') }), AuthorizationError, { status: 403 });
    await rejectsWith(client.groups.update(group.id, { name: 'nope' }), AuthorizationError);
    await rejectsWith(client.groups.addMember(group.id, user.id), AuthorizationError);
    await rejectsWith(client.groups.delete(group.id), AuthorizationError);
    assert.equal((await tenant.client.groups.get(group.id)).name, group.name);
  });
});

// roles and permissions: roles CRUD, getPermissions, getPermissionsMatrix,
// updatePermissionsBulk, deletePermission, and the rule tools (roles.validateRule/
// testRule, collectionRules.validateRule/testRule), with the effect of the
// permissions on what a plain user may do with records.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('roles and permissions', () => {
  let server;
  let root;
  let docs;
  let tenant;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    docs = uniq('docs_');
    await root.collections.create({
      name: docs,
      fields: [
        { name: 'title', type: 'text', required: true },
        { name: 'status', type: 'select', options: { values: ['public', 'private'] } },
        { name: 'secret', type: 'text' },
      ],
    });
    tenant = await registerAccount(server, 'perm');
    await tenant.client.records.batchCreate(docs, [
      { title: 'open', status: 'public', secret: 's1' },
      { title: 'closed', status: 'private', secret: 's2' },
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  /** A user with `role_id` in the tenant account, signed in. */
  async function member(roleId) {
    const email = `m@${uniq('m')}.example.com`;
    await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: roleId });
    const client = newClient(server);
    await client.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    return client;
  }

  test('roles: list, create, get, update, delete', async () => {
    const list = await root.roles.list();
    assert.deepEqual(
      list.items.slice(0, 3).map((r) => r.name),
      ['admin', 'user', 'public'],
    );
    assert.equal(list.total, list.items.length);

    const name = uniq('editor');
    const role = await root.roles.create({ name, description: 'Edits' });
    assert.equal(role.name, name);
    assert.equal(role.description, 'Edits');
    assert.equal(typeof role.id, 'number');
    assert.deepEqual(await root.roles.get(role.id), role);
    assert.ok((await root.roles.list()).items.some((r) => r.id === role.id));

    const renamed = await root.roles.update(role.id, { name: `${name}2`, description: 'Edits more' });
    assert.equal(renamed.name, `${name}2`);
    assert.equal((await root.roles.get(role.id)).description, 'Edits more');

    await rejectsWith(root.roles.create({ name: `${name}2` }), ConflictError, { status: 409 });
    await rejectsWith(root.roles.create({ name: '9 bad name' }), ValidationError);
    await rejectsWith(root.roles.delete(1), ValidationError, { message: /admin/ });

    assert.deepEqual(await root.roles.delete(role.id), { success: true });
    await rejectsWith(root.roles.get(role.id), NotFoundError, { status: 404 });
    await rejectsWith(tenant.client.roles.create({ name: uniq('nope') }), AuthorizationError, { status: 403 });
  });

  test('a role held by a user cannot be deleted (ConflictError)', async () => {
    const role = await root.roles.create({ name: uniq('held') });
    await member(role.id);
    await rejectsWith(root.roles.delete(role.id), ConflictError);
  });

  test('updatePermissionsBulk grants rules and fields; deletePermission takes them away', async () => {
    const role = await root.roles.create({ name: uniq('reader') });
    const user = await member(role.id);
    await rejectsWith(user.records.list(docs), AuthorizationError, { status: 403 });
    assert.deepEqual((await root.roles.getPermissions(role.id)).permissions, []);

    const bulk = await root.roles.updatePermissionsBulk(role.id, {
      updates: [
        { collection: docs, operation: 'read', rule: "record.status == 'public'", fields: ['title', 'status'] },
        { collection: docs, operation: 'create', rule: 'true', fields: ['title', 'status'] },
      ],
    });
    assert.deepEqual(bulk, { success_count: 2, failure_count: 0, errors: [] });

    // Only public records, and only the granted fields.
    const visible = await user.records.list(docs);
    assert.deepEqual(
      visible.items.map((r) => r.title),
      ['open'],
    );
    assert.equal(visible.items[0].secret, undefined);
    assert.equal(visible.total, 1);
    const closed = (await tenant.client.records.list(docs, { sort: 'title' })).items[0];
    assert.equal(closed.title, 'closed');
    await rejectsWith(user.records.get(docs, closed.id), NotFoundError);
    // Writing a field outside the create set is refused; inside it works.
    await rejectsWith(user.records.create(docs, { title: 'x', secret: 'no' }), ValidationError, { message: /secret/ });
    const made = await user.records.create(docs, { title: 'mine', status: 'public' });
    assert.equal(made.title, 'mine');
    await rejectsWith(user.records.delete(docs, made.id), AuthorizationError);

    const perms = await root.roles.getPermissions(role.id);
    assert.equal(perms.role_id, role.id);
    assert.equal(perms.permissions.length, 1);
    const entry = perms.permissions[0];
    assert.equal(entry.collection, docs);
    assert.equal(entry.read.rule, "record.status == 'public'");
    assert.deepEqual(entry.read.fields, ['title', 'status']);
    assert.equal(entry.create.rule, 'true');
    assert.equal(entry.update, null);

    const matrix = await root.roles.getPermissionsMatrix(role.id);
    assert.equal(matrix.permissions[0].collection, '*');
    assert.equal(matrix.permissions[0].permission_id, null);
    const row = matrix.permissions.find((p) => p.collection === docs);
    assert.equal(row.permission_id, entry.permission_id);
    assert.equal(row.read.rule, "record.status == 'public'");

    // An invalid rule fails the whole bulk request and changes nothing.
    await rejectsWith(
      root.roles.updatePermissionsBulk(role.id, {
        updates: [
          { collection: docs, operation: 'update', rule: 'true' },
          { collection: docs, operation: 'delete', rule: 'record.nope ==' },
        ],
      }),
      ValidationError,
    );
    assert.equal((await root.roles.getPermissions(role.id)).permissions[0].update, null);
    await rejectsWith(
      root.roles.updatePermissionsBulk(role.id, { updates: [{ collection: 'no_such', operation: 'read', rule: 'true' }] }),
      ValidationError,
    );
    await rejectsWith(root.roles.getPermissions(987654), NotFoundError);

    assert.deepEqual(await root.roles.deletePermission(entry.permission_id), { success: true });
    await rejectsWith(user.records.list(docs), AuthorizationError);
    await rejectsWith(root.roles.deletePermission(entry.permission_id), NotFoundError);
  });

  test('roles.validateRule reports syntax and name errors', async () => {
    // Without a collection, as for a `*` permission, only user/account names and macros exist.
    assert.equal((await root.roles.validateRule("user.role == 'admin' and @has_group('editors')")).valid, true);
    const unknownField = await root.roles.validateRule("record.status == 'public'");
    assert.equal(unknownField.valid, false);
    assert.match(unknownField.error, /status/);
    const bad = await root.roles.validateRule('record.status ==');
    assert.equal(bad.valid, false);
    assert.equal(typeof bad.error, 'string');
    assert.ok(bad.error.length > 0);
    const unknownMacro = await root.roles.validateRule('@no_such_macro()');
    assert.equal(unknownMacro.valid, false);
    await rejectsWith(tenant.client.roles.validateRule('true'), AuthorizationError);
  });

  test('roles.testRule evaluates a rule against a context', async () => {
    const yes = await root.roles.testRule("user.role == 'admin' or record.owner == user.id", {
      user: { id: 'u1', role: 'user' },
      record: { owner: 'u1' },
    });
    assert.equal(yes.allowed, true);
    assert.equal(yes.error, null);
    assert.equal(typeof yes.evaluation_details, 'string');
    const no = await root.roles.testRule("user.role == 'admin'", { user: { role: 'user' } });
    assert.equal(no.allowed, false);
    const broken = await root.roles.testRule('user.role ==', {});
    assert.equal(broken.allowed, false);
    assert.ok(broken.error);
  });

  test('collectionRules.validateRule and testRule (the /rules/* paths)', async () => {
    for (const op of ['list', 'view', 'create', 'update', 'delete']) {
      const ok = await root.collectionRules.validateRule("record.status == 'public'", op, ['status']);
      assert.equal(ok.valid, true, `${op}: ${JSON.stringify(ok)}`);
    }
    const bad = await root.collectionRules.validateRule('record.status ==', 'list', ['status']);
    assert.equal(bad.valid, false);
    assert.ok(bad.errors.length > 0);
    const tested = await root.collectionRules.testRule('@has_group(\'editors\')', { user: { groups: ['editors'] } });
    assert.equal(tested.result, true);
  });
});

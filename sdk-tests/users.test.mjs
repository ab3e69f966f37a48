// users: the superadmin and account admins create, list, get, update,
// deactivate users and set their passwords.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError, AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

const ADMIN = 1;
const USER = 2;

describe('users', () => {
  let server;
  let root;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
  });

  async function login(account, email, password = PASSWORD) {
    const client = newClient(server);
    await client.auth.login({ account, email, password });
    return client;
  }

  test('the superadmin creates a user who can sign in', async () => {
    const account = await root.accounts.create({ name: uniq('Users ') });
    const email = `u@${uniq('u')}.example.com`;
    const user = await root.users.create({ email, password: PASSWORD, account_id: account.id, role_id: USER });
    assert.equal(user.email, email);
    assert.equal(user.account_id, account.id);
    assert.equal(user.role_id, USER);
    assert.equal(user.role_name, 'user');
    assert.equal(user.is_active, true);
    assert.equal(user.last_login, null);

    const client = await login(account.slug, email);
    assert.equal(client.user.role, 'user');
    assert.equal((await root.users.get(user.id)).last_login !== null, true, 'the login is recorded');

    await rejectsWith(
      root.users.create({ email, password: PASSWORD, account_id: account.id, role_id: USER }),
      ConflictError,
      { status: 409 },
    );
    await rejectsWith(
      root.users.create({ email: `weak@${uniq('w')}.example.com`, password: 'weak', account_id: account.id, role_id: USER }),
      ValidationError,
    );
    await rejectsWith(
      root.users.create({ email: `x@${uniq('x')}.example.com`, password: PASSWORD, account_id: 'ZZ9999', role_id: USER }),
      NotFoundError,
    );
  });

  test('list filters by account, role and search, with paging', async () => {
    const account = await root.accounts.create({ name: uniq('List ') });
    const tag = uniq('l');
    for (const [n, role] of [
      ['a', ADMIN],
      ['b', USER],
      ['c', USER],
    ]) {
      await root.users.create({ email: `${n}@${tag}.example.com`, password: PASSWORD, account_id: account.id, role_id: role });
    }
    const all = await root.users.list({ account_id: account.id, sort: '+email' });
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.items.map((u) => u.email),
      [`a@${tag}.example.com`, `b@${tag}.example.com`, `c@${tag}.example.com`],
    );
    const users = await root.users.list({ account_id: account.id, role_id: USER, sort_by: 'email', sort_order: 'desc' });
    assert.deepEqual(
      users.items.map((u) => u.email),
      [`c@${tag}.example.com`, `b@${tag}.example.com`],
    );
    const page = await root.users.list({ account_id: account.id, page: 2, page_size: 2, sort: 'email' });
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.items.map((u) => u.email),
      [`c@${tag}.example.com`],
    );
    const skipped = await root.users.list({ account_id: account.id, skip: 1, limit: 1, sort: 'email' });
    assert.deepEqual(
      skipped.items.map((u) => u.email),
      [`b@${tag}.example.com`],
    );
    const search = await root.users.list({ search: `b@${tag}` });
    assert.equal(search.total, 1);
    await rejectsWith(root.users.list({ limit: 0 }), ValidationError);
  });

  test('update changes the role and deactivates; delete deactivates and ends sessions', async () => {
    const account = await root.accounts.create({ name: uniq('Upd ') });
    const email = `upd@${uniq('upd')}.example.com`;
    const user = await root.users.create({ email, password: PASSWORD, account_id: account.id, role_id: USER });

    const promoted = await root.users.update(user.id, { role_id: ADMIN });
    assert.equal(promoted.role_id, ADMIN);
    assert.equal(promoted.role_name, 'admin');
    const byName = await root.users.update(user.id, { role: 'user' });
    assert.equal(byName.role_id, USER);

    const session = await login(account.slug, email);
    const off = await root.users.update(user.id, { is_active: false });
    assert.equal(off.is_active, false);
    await rejectsWith(session.auth.getCurrentUser(), AuthenticationError, { status: 401 });
    await rejectsWith(login(account.slug, email), AuthenticationError);

    const on = await root.users.update(user.id, { is_active: true });
    assert.equal(on.is_active, true);
    const again = await login(account.slug, email);
    assert.deepEqual(await root.users.delete(user.id), { success: true });
    assert.equal((await root.users.get(user.id)).is_active, false);
    await rejectsWith(again.auth.getCurrentUser(), AuthenticationError);

    await rejectsWith(root.users.get('00000000-0000-4000-8000-000000000000'), NotFoundError, { status: 404 });
    await rejectsWith(root.users.update(user.id, { role_id: 999 }), NotFoundError);
  });

  test('setPassword replaces the password', async () => {
    const account = await root.accounts.create({ name: uniq('Pw ') });
    const email = `pw@${uniq('pw')}.example.com`;
    const user = await root.users.create({ email, password: PASSWORD, account_id: account.id, role_id: USER });
    const newPassword = 'Another-Secret-99!';
    assert.deepEqual(await root.users.setPassword(user.id, newPassword), { success: true });
    await rejectsWith(login(account.slug, email, PASSWORD), AuthenticationError);
    const client = await login(account.slug, email, newPassword);
    assert.equal(client.user.email, email);
    await rejectsWith(root.users.setPassword(user.id, 'short'), ValidationError);
  });

  test('an account admin manages only the users of their own account', async () => {
    const a = await registerAccount(server, 'adm');
    const b = await registerAccount(server, 'other');
    const mine = await a.client.users.create({
      email: `m@${uniq('m')}.example.com`,
      password: PASSWORD,
      account_id: a.account.id,
      role_id: USER,
    });
    const list = await a.client.users.list();
    assert.deepEqual(list.items.map((u) => u.id).sort(), [a.user.id, mine.id].sort());
    assert.ok(list.items.every((u) => u.account_id === a.account.id));

    // Account B's users do not exist for A's admin.
    await rejectsWith(a.client.users.get(b.user.id), NotFoundError);
    await rejectsWith(a.client.users.update(b.user.id, { is_active: false }), NotFoundError);
    await rejectsWith(a.client.users.delete(b.user.id), NotFoundError);
    await rejectsWith(
      a.client.users.create({ email: `x@${uniq('x')}.example.com`, password: PASSWORD, account_id: b.account.id, role_id: USER }),
      AuthorizationError,
      { status: 403 },
    );
    await rejectsWith(a.client.users.list({ account_id: b.account.id }), AuthorizationError);
    assert.equal((await root.users.get(b.user.id)).is_active, true);

    // A plain user is not an admin.
    const plain = await login(a.account.slug, mine.email);
    await rejectsWith(plain.users.list(), AuthorizationError);
  });
});

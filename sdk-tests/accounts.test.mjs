// accounts (superadmin): create, get, list with search/paging/sorting,
// update, getUsers, delete; what an account admin is refused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('accounts', () => {
  let server;
  let root;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('the superadmin signs in to the system account', () => {
    assert.equal(root.account.id, 'SY0000');
    assert.equal(root.account.account_code, 'SY0000');
    assert.equal(root.user.account_id, 'SY0000');
    assert.equal(root.user.role, 'admin');
    assert.equal(root.isAuthenticated, true);
  });

  test('create, get, update and delete an account', async () => {
    const slug = uniq('acme-');
    const created = await root.accounts.create({ name: 'Acme Corp', slug });
    assert.match(created.id, /^[A-Z]{2}\d{4}$/);
    assert.equal(created.account_code, created.id);
    assert.equal(created.slug, slug);
    assert.equal(created.name, 'Acme Corp');
    assert.equal(created.user_count, 0);

    const got = await root.accounts.get(created.id);
    assert.equal(got.id, created.id);
    assert.equal(got.slug, slug);

    const updated = await root.accounts.update(created.id, { name: 'Acme Inc' });
    assert.equal(updated.name, 'Acme Inc');
    assert.equal(updated.slug, slug, 'the slug stays');
    assert.equal((await root.accounts.get(created.id)).name, 'Acme Inc');

    assert.deepEqual(await root.accounts.delete(created.id), { success: true });
    await rejectsWith(root.accounts.get(created.id), NotFoundError, { status: 404 });
    await rejectsWith(root.accounts.delete(created.id), NotFoundError);
  });

  test('a slug is derived from the name; a taken slug is a ConflictError; a bad one a ValidationError', async () => {
    const name = uniq('Derived Name ');
    const created = await root.accounts.create({ name });
    assert.equal(created.slug, name.toLowerCase().replaceAll(' ', '-'));
    await rejectsWith(root.accounts.create({ name: 'Again', slug: created.slug }), ConflictError, { status: 409 });
    await rejectsWith(root.accounts.create({ name: 'Bad', slug: 'Not A Slug!' }), ValidationError, { status: 422 });
    await rejectsWith(root.accounts.create({ name: '' }), ValidationError);
  });

  test('list pages, searches and sorts', async () => {
    const tag = uniq('lst');
    const made = [];
    for (const n of ['c', 'a', 'b']) made.push(await root.accounts.create({ name: `${tag} ${n}`, slug: `${tag}-${n}` }));

    const all = await root.accounts.list({ search: tag, sort_by: 'name', sort_order: 'asc' });
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.items.map((a) => a.name),
      [`${tag} a`, `${tag} b`, `${tag} c`],
    );
    const desc = await root.accounts.list({ search: tag, sort_by: 'name', sort_order: 'desc' });
    assert.deepEqual(
      desc.items.map((a) => a.name),
      [`${tag} c`, `${tag} b`, `${tag} a`],
    );

    const page2 = await root.accounts.list({ search: tag, sort_by: 'slug', sort_order: 'asc', page: 2, page_size: 2 });
    assert.equal(page2.total, 3);
    assert.equal(page2.items.length, 1);
    assert.equal(page2.items[0].slug, `${tag}-c`);

    // Accounts cannot be deactivated: is_active=true lists all, false none.
    assert.equal((await root.accounts.list({ search: tag, is_active: true })).total, 3);
    assert.deepEqual(await root.accounts.list({ search: tag, is_active: false }).then((l) => [l.total, l.items]), [0, []]);
    assert.equal(all.items[0].account_code, all.items[0].id);

    await rejectsWith(root.accounts.list({ sort_by: 'password' }), ValidationError);
    await rejectsWith(root.accounts.list({ page_size: 0 }), ValidationError);
  });

  test('getUsers lists the users of one account', async () => {
    const { account, email } = await registerAccount(server, 'users');
    const list = await root.accounts.getUsers(account.id, { page: 1, page_size: 10 });
    assert.equal(list.total, 1);
    assert.equal(list.items[0].email, email);
    assert.equal(list.items[0].role, 'admin');
    await rejectsWith(root.accounts.getUsers('ZZ9999'), NotFoundError);
  });

  test('the system account cannot be deleted', async () => {
    await rejectsWith(root.accounts.delete('SY0000'), ValidationError, { status: 422 });
    assert.equal((await root.accounts.get('SY0000')).id, 'SY0000');
  });

  test('an account admin is refused with AuthorizationError', async () => {
    const { client, account } = await registerAccount(server, 'notroot');
    await rejectsWith(client.accounts.list(), AuthorizationError, { status: 403 });
    await rejectsWith(client.accounts.get(account.id), AuthorizationError);
    await rejectsWith(client.accounts.create({ name: 'Nope' }), AuthorizationError);
    await rejectsWith(client.accounts.delete(account.id), AuthorizationError);
    // And the account still exists.
    assert.equal((await root.accounts.get(account.id)).id, account.id);
  });
});

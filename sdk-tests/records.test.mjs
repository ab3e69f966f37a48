// records: create, get, update (PUT), patch, delete, batch create/update/
// delete, and list with skip/limit/sort/fields/expand/include_count.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError, NotFoundError, SnackBaseError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('records', () => {
  let server;
  let client; // an account admin: the admin role may do everything in its account
  let authors;
  let posts;
  before(async () => {
    server = await startServer();
    const root = await rootClient(server);
    authors = uniq('authors_');
    posts = uniq('posts_');
    await root.collections.create({
      name: authors,
      fields: [
        { name: 'name', type: 'text', required: true },
        { name: 'email', type: 'email' },
      ],
    });
    await root.collections.create({
      name: posts,
      fields: [
        { name: 'title', type: 'text', required: true, options: { max_length: 50 } },
        { name: 'views', type: 'number', default: 0 },
        { name: 'published', type: 'boolean' },
        { name: 'status', type: 'select', options: { values: ['draft', 'live'] } },
        { name: 'slug', type: 'text', unique: true },
        { name: 'meta', type: 'json' },
        { name: 'author', type: 'reference', collection: authors, on_delete: 'set_null' },
      ],
    });
    ({ client } = await registerAccount(server, 'rec'));
  });
  after(async () => {
    await server?.stop();
  });

  test('create fills system fields and defaults; get returns the record', async () => {
    const created = await client.records.create(posts, { title: 'Hello', status: 'draft', meta: { tags: ['a'] } });
    assert.ok(created.id);
    assert.equal(created.account_id, client.account.id);
    assert.equal(created.created_by, client.user.id);
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(created.title, 'Hello');
    assert.equal(created.views, 0, 'the default');
    assert.deepEqual(created.meta, { tags: ['a'] });

    const got = await client.records.get(posts, created.id);
    assert.deepEqual(got, created);
    // A projection keeps the system fields and drops the fields not asked for.
    const projected = await client.records.get(posts, created.id, { fields: ['id', 'title'] });
    assert.equal(projected.id, created.id);
    assert.equal(projected.title, 'Hello');
    assert.equal(projected.views, undefined);
    assert.equal(projected.meta, undefined);
  });

  test('update (PUT) replaces, patch merges, delete removes', async () => {
    const created = await client.records.create(posts, { title: 'Original', views: 7, status: 'live' });
    const patched = await client.records.patch(posts, created.id, { views: 8 });
    assert.equal(patched.views, 8);
    assert.equal(patched.title, 'Original');
    assert.equal(patched.status, 'live');
    assert.equal(patched.updated_by, client.user.id);

    const replaced = await client.records.update(posts, created.id, { title: 'Replaced' });
    assert.equal(replaced.title, 'Replaced');
    assert.equal(replaced.views, 0, 'PUT resets left-out fields to their default');
    assert.equal(replaced.status, null);
    assert.deepEqual(await client.records.get(posts, created.id), replaced);

    assert.deepEqual(await client.records.delete(posts, created.id), { success: true });
    await rejectsWith(client.records.get(posts, created.id), NotFoundError, { status: 404 });
    await rejectsWith(client.records.delete(posts, created.id), NotFoundError);
    await rejectsWith(client.records.patch(posts, created.id, { views: 1 }), NotFoundError);
  });

  test('invalid values are ValidationErrors; a unique clash is a ConflictError', async () => {
    await rejectsWith(client.records.create(posts, { views: 1 }), ValidationError, { status: 422 });
    await rejectsWith(client.records.create(posts, { title: 'x'.repeat(51) }), ValidationError);
    await rejectsWith(client.records.create(posts, { title: 't', views: 'many' }), ValidationError);
    await rejectsWith(client.records.create(posts, { title: 't', status: 'archived' }), ValidationError);
    await rejectsWith(client.records.create(posts, { title: 't', nonsense: 1 }), ValidationError);
    const err = await rejectsWith(client.records.create(posts, { title: 't', author: 'no-such-author' }), ValidationError);
    assert.match(JSON.stringify(err.details), /author/);

    const slug = uniq('slug-');
    await client.records.create(posts, { title: 'first', slug });
    await rejectsWith(client.records.create(posts, { title: 'second', slug }), ConflictError, { status: 409 });
    await rejectsWith(client.records.list(uniq('no_such_collection_')), NotFoundError);
  });

  test('batchCreate, batchUpdate and batchDelete work all or nothing', async () => {
    const tag = uniq('batch');
    const created = await client.records.batchCreate(posts, [
      { title: `${tag} 1`, views: 1 },
      { title: `${tag} 2`, views: 2 },
      { title: `${tag} 3`, views: 3 },
    ]);
    assert.equal(created.count, 3);
    assert.deepEqual(
      created.created.map((r) => r.views),
      [1, 2, 3],
    );
    assert.ok(created.created.every((r) => typeof r.id === 'string' && r.title.startsWith(tag)));
    const mine = async () =>
      (await client.records.list(posts, { sort: 'views', limit: 100 })).items.filter((r) => r.title.startsWith(tag));
    const rows = await mine();
    assert.deepEqual(
      rows.map((r) => r.views),
      [1, 2, 3],
    );

    // One invalid record fails the whole batch.
    await rejectsWith(client.records.batchCreate(posts, [{ title: `${tag} ok` }, { views: 5 }]), ValidationError);
    assert.equal((await mine()).length, 3);

    const updated = await client.records.batchUpdate(
      posts,
      rows.map((r) => ({ id: r.id, data: { views: r.views * 10 } })),
    );
    assert.equal(updated.count, 3);
    assert.deepEqual(
      updated.updated.map((r) => [r.id, r.views]),
      rows.map((r) => [r.id, r.views * 10]),
    );
    assert.deepEqual(
      (await mine()).map((r) => r.views),
      [10, 20, 30],
    );
    await rejectsWith(
      client.records.batchUpdate(posts, [
        { id: rows[0].id, data: { views: 99 } },
        { id: 'no-such-id', data: { views: 99 } },
      ]),
      NotFoundError,
    );
    assert.equal((await client.records.get(posts, rows[0].id)).views, 10, 'nothing of the failed batch was applied');

    await rejectsWith(client.records.batchDelete(posts, [rows[0].id, 'no-such-id']), NotFoundError);
    assert.equal((await mine()).length, 3);
    // The reply names the ids deleted, in the order sent, and counts them.
    const doomed = [rows[1].id, rows[0].id];
    assert.deepEqual(await client.records.batchDelete(posts, doomed), { deleted: doomed, count: 2 });
    assert.deepEqual(
      (await mine()).map((r) => r.views),
      [30],
    );
  });

  test('list: skip, limit, sort, fields, include_count', async () => {
    const coll = uniq('list_');
    const root = await rootClient(server);
    await root.collections.create({
      name: coll,
      fields: [
        { name: 'n', type: 'number' },
        { name: 'label', type: 'text' },
        { name: 'group', type: 'text' },
      ],
    });
    const { client: c } = await registerAccount(server, 'lst');
    await c.records.batchCreate(
      coll,
      [5, 3, 9, 1, 7].map((n) => ({ n, label: `L${n}`, group: n % 2 ? 'odd' : 'even' })),
    );

    const byN = await c.records.list(coll, { sort: 'n' });
    assert.equal(byN.total, 5);
    assert.equal(byN.skip, 0);
    assert.deepEqual(
      byN.items.map((r) => r.n),
      [1, 3, 5, 7, 9],
    );
    const desc = await c.records.list(coll, { sort: '-n', skip: 1, limit: 2 });
    assert.deepEqual(
      desc.items.map((r) => r.n),
      [7, 5],
    );
    assert.equal(desc.skip, 1);
    assert.equal(desc.limit, 2);
    assert.equal(desc.total, 5);

    const twoKeys = await c.records.list(coll, { sort: '-group,+n' });
    assert.deepEqual(
      twoKeys.items.map((r) => r.n),
      [1, 3, 5, 7, 9],
      'all odd',
    );

    const projected = await c.records.list(coll, { fields: ['n', 'label'], sort: 'n', limit: 1 });
    assert.equal(projected.items.length, 1);
    assert.equal(projected.items[0].n, 1);
    assert.equal(projected.items[0].label, 'L1');
    assert.equal(projected.items[0].group, undefined);

    const uncounted = await c.records.list(coll, { include_count: false, limit: 2, sort: 'n' });
    assert.equal(uncounted.total, undefined);
    assert.equal(uncounted.items.length, 2);
    const counted = await c.records.list(coll, { include_count: true, limit: 2 });
    assert.equal(counted.total, 5);

    await rejectsWith(c.records.list(coll, { sort: 'nope' }), ValidationError);
    await rejectsWith(c.records.list(coll, { fields: ['nope'] }), ValidationError);
    await rejectsWith(c.records.list(coll, { limit: 0 }), ValidationError);
    await rejectsWith(c.records.list(coll, { skip: -1 }), ValidationError);
  });

  test('expand embeds the referenced record, on get and on list', async () => {
    const author = await client.records.create(authors, { name: 'Ada', email: 'ada@example.com' });
    const post = await client.records.create(posts, { title: 'With author', author: author.id });
    assert.equal(post.author, author.id);

    const got = await client.records.get(posts, post.id, { expand: ['author'] });
    assert.equal(got.expand.author.id, author.id);
    assert.equal(got.expand.author.name, 'Ada');
    const plain = await client.records.get(posts, post.id);
    assert.equal(plain.expand, undefined);

    const listed = await client.records.list(posts, { expand: 'author', sort: '-created_at', limit: 100 });
    const row = listed.items.find((r) => r.id === post.id);
    assert.equal(row.expand.author.email, 'ada@example.com');

    await rejectsWith(client.records.get(posts, post.id, { expand: 'title' }), ValidationError);

    // on_delete: set_null clears the reference.
    await client.records.delete(authors, author.id);
    assert.equal((await client.records.get(posts, post.id)).author, null);
  });

  test('errors carry the server message', async () => {
    const err = await rejectsWith(client.records.create(posts, {}), ValidationError);
    assert.ok(err instanceof SnackBaseError);
    assert.equal(err.code, 'VALIDATION_ERROR');
    assert.match(err.message, /title/i);
    assert.equal(err.details.error, 'validation_error');
    assert.ok(err.details.details.some((d) => d.field === 'title'));
  });
});

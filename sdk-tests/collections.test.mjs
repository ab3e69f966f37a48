// collections: create, get, list, listPaginated, listNames, update, delete,
// export and import, as the superadmin; account admins may only read.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

const FIELDS = [
  { name: 'title', type: 'text', required: true, options: { max_length: 100 } },
  { name: 'views', type: 'number', default: 0 },
  { name: 'done', type: 'boolean' },
];

describe('collections', () => {
  let server;
  let root;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('create sends `fields` and get returns them as `fields`', async () => {
    const name = uniq('posts_');
    const created = await root.collections.create({ name, fields: FIELDS });
    assert.equal(created.name, name);
    assert.ok(created.id);
    assert.deepEqual(
      created.fields.map((f) => [f.name, f.type]),
      [
        ['title', 'text'],
        ['views', 'number'],
        ['done', 'boolean'],
      ],
    );
    assert.equal(created.fields[0].required, true);

    const got = await root.collections.get(created.id);
    assert.equal(got.name, name);
    assert.deepEqual(
      got.fields.map((f) => f.name),
      ['title', 'views', 'done'],
    );
    assert.equal(got.fields[1].default, 0);
  });

  test('list, listPaginated and listNames show the collections', async () => {
    const tag = uniq('lst');
    const names = [`${tag}_b`, `${tag}_a`, `${tag}_c`];
    for (const name of names) await root.collections.create({ name, fields: FIELDS });

    const all = await root.collections.list();
    assert.ok(Array.isArray(all), 'list() unwraps the items');
    for (const name of names) assert.ok(all.some((c) => c.name === name), name);

    const listed = await root.collections.listNames();
    assert.ok(Array.isArray(listed));
    for (const name of names) assert.ok(listed.includes(name), name);

    const page = await root.collections.listPaginated({ search: tag, sort_by: 'name', sort_order: 'asc', page: 1, page_size: 2 });
    assert.equal(page.total, 3);
    assert.equal(page.page, 1);
    assert.equal(page.page_size, 2);
    assert.equal(page.total_pages, 2);
    assert.deepEqual(
      page.items.map((c) => c.name),
      [`${tag}_a`, `${tag}_b`],
    );
    assert.equal(page.items[0].fields_count, 3);
    assert.equal(page.items[0].records_count, 0);
    const second = await root.collections.listPaginated({ search: tag, sort_by: 'name', sort_order: 'asc', page: 2, page_size: 2 });
    assert.deepEqual(
      second.items.map((c) => c.name),
      [`${tag}_c`],
    );
    await rejectsWith(root.collections.listPaginated({ sort_by: 'nonsense' }), ValidationError);
  });

  test('update changes the schema (PUT with the full field list)', async () => {
    const name = uniq('upd_');
    const created = await root.collections.create({ name, fields: FIELDS });
    const updated = await root.collections.update(created.id, {
      fields: [...FIELDS, { name: 'summary', type: 'text' }],
    });
    assert.deepEqual(
      updated.fields.map((f) => f.name),
      ['title', 'views', 'done', 'summary'],
    );
    const got = await root.collections.get(created.id);
    assert.equal(got.fields.length, 4);
    // A record can now use the new field.
    const rec = await root.records.create(name, { title: 't', summary: 's' });
    assert.equal(rec.summary, 's');
  });

  test('invalid definitions are ValidationErrors; a taken name is a ConflictError', async () => {
    const name = uniq('bad_');
    await rejectsWith(root.collections.create({ name, fields: [{ name: 'x', type: 'no-such-type' }] }), ValidationError, {
      status: 422,
    });
    await rejectsWith(root.collections.create({ name: '1 bad name', fields: FIELDS }), ValidationError);
    await rejectsWith(
      root.collections.create({ name, fields: [{ name: 'id', type: 'text' }] }),
      ValidationError,
      { message: /id/ },
    );
    await root.collections.create({ name, fields: FIELDS });
    await rejectsWith(root.collections.create({ name, fields: FIELDS }), ConflictError, { status: 409 });
    await rejectsWith(root.collections.create({ name: name.toUpperCase(), fields: FIELDS }), ConflictError);
  });

  test('delete drops the collection and its records', async () => {
    const name = uniq('del_');
    const created = await root.collections.create({ name, fields: FIELDS });
    await root.records.create(name, { title: 'gone' });
    assert.deepEqual(await root.collections.delete(created.id), { success: true });
    await rejectsWith(root.collections.get(created.id), NotFoundError, { status: 404 });
    assert.ok(!(await root.collections.listNames()).includes(name));
    await rejectsWith(root.records.list(name), NotFoundError);
    await rejectsWith(root.collections.delete(created.id), NotFoundError);
  });

  test('a referenced collection cannot be deleted (ConflictError)', async () => {
    const target = uniq('tgt_');
    const source = uniq('src_');
    const t = await root.collections.create({ name: target, fields: FIELDS });
    await root.collections.create({
      name: source,
      fields: [{ name: 'ref', type: 'reference', collection: target, on_delete: 'cascade' }],
    });
    await rejectsWith(root.collections.delete(t.id), ConflictError);
    assert.equal((await root.collections.get(t.id)).name, target);
  });

  test('export and import move schemas between servers', async () => {
    const a = uniq('exp_a_');
    const b = uniq('exp_b_');
    const ca = await root.collections.create({ name: a, fields: FIELDS });
    await root.collections.create({ name: b, fields: [{ name: 'label', type: 'text', required: true }] });

    const doc = await root.collections.export({ collection_ids: [ca.id, b] });
    assert.deepEqual(
      doc.collections.map((c) => c.name).sort(),
      [a, b].sort(),
    );
    const exportedA = doc.collections.find((c) => c.name === a);
    assert.deepEqual(
      exportedA.schema.map((f) => f.name),
      ['title', 'views', 'done'],
    );
    const everything = await root.collections.export();
    assert.ok(everything.collections.length >= 2);
    await rejectsWith(root.collections.export({ collection_ids: ['no_such_collection'] }), NotFoundError);

    // A second, empty server receives the document.
    const other = await startServer();
    try {
      const otherRoot = await rootClient(other);
      await otherRoot.collections.import({ data: doc, strategy: 'error' });
      const names = await otherRoot.collections.listNames();
      assert.deepEqual(names.filter((n) => n === a || n === b).sort(), [a, b].sort());
      const imported = (await otherRoot.collections.list()).find((c) => c.name === a);
      const full = await otherRoot.collections.get(imported.id);
      assert.deepEqual(
        full.fields.map((f) => [f.name, f.type, f.required ?? false]),
        [
          ['title', 'text', true],
          ['views', 'number', false],
          ['done', 'boolean', false],
        ],
      );
      // Records work in the imported collection.
      const rec = await otherRoot.records.create(a, { title: 'moved' });
      assert.equal(rec.views, 0);

      // Importing again: `error` refuses, `skip` leaves it, `update` applies a changed schema.
      await rejectsWith(otherRoot.collections.import({ data: doc, strategy: 'error' }), ConflictError);
      await otherRoot.collections.import({ data: doc, strategy: 'skip' });
      const changed = structuredClone(doc);
      changed.collections.find((c) => c.name === a).schema.push({ name: 'extra', type: 'text' });
      await otherRoot.collections.import({ data: changed, strategy: 'skip' });
      assert.equal((await otherRoot.collections.get(imported.id)).fields.length, 3, 'skip changed nothing');
      await otherRoot.collections.import({ data: changed, strategy: 'update' });
      assert.deepEqual(
        (await otherRoot.collections.get(imported.id)).fields.map((f) => f.name),
        ['title', 'views', 'done', 'extra'],
      );
      await rejectsWith(otherRoot.collections.import({ data: { collections: [] } }), ValidationError);
    } finally {
      await other.stop();
    }
  });

  test('account admins may read collections but not change them', async () => {
    const name = uniq('ro_');
    const created = await root.collections.create({ name, fields: FIELDS });
    const { client } = await registerAccount(server, 'coladm');
    const page = await client.collections.listPaginated({ search: name });
    assert.equal(page.total, 1);
    await rejectsWith(client.collections.create({ name: uniq('no_'), fields: FIELDS }), AuthorizationError, { status: 403 });
    await rejectsWith(client.collections.update(created.id, { fields: FIELDS }), AuthorizationError);
    await rejectsWith(client.collections.delete(created.id), AuthorizationError);
    await rejectsWith(client.collections.export(), AuthorizationError);
    assert.equal((await root.collections.get(created.id)).name, name);
  });

  test('select options as a list are the values; answered in the object form', async () => {
    const name = uniq('sel_');
    const created = await root.collections.create({
      name,
      fields: [{ name: 'prio', type: 'select', options: ['low', 'high'] }],
    });
    assert.deepEqual(created.fields[0].options.values, ['low', 'high']);
    const tenant = await registerAccount(server, 'sel');
    const made = await tenant.client.records.create(name, { prio: 'high' });
    assert.equal(made.prio, 'high');
    await rejectsWith(tenant.client.records.create(name, { prio: 'mid' }), ValidationError, { status: 422 });
    await rejectsWith(
      root.collections.create({ name: uniq('sel_'), fields: [{ name: 'p', type: 'select', options: ['a', 1] }] }),
      ValidationError,
    );
  });
});

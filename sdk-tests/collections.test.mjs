// collections: create, get, list, listPaginated, listNames, update, delete,
// export and import, as the superadmin; account admins may only read.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, registerAccount, rejectsWith, ROOT_EMAIL, rootClient, uniq } from './lib/sdk.mjs';
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
    assert.equal(page.items[0].has_public_access, false);
    const second = await root.collections.listPaginated({ search: tag, sort_by: 'name', sort_order: 'asc', page: 2, page_size: 2 });
    assert.deepEqual(
      second.items.map((c) => c.name),
      [`${tag}_c`],
    );
    await rejectsWith(root.collections.listPaginated({ sort_by: 'nonsense' }), ValidationError);
  });

  test('has_public_access follows the public rules; get counts fields and records', async () => {
    const tag = uniq('pub');
    const open = await root.collections.create({ name: `${tag}_open`, fields: FIELDS, list_rule: '' });
    const closed = await root.collections.create({ name: `${tag}_closed`, fields: FIELDS, list_rule: 'true' });
    const flags = async () =>
      Object.fromEntries((await root.collections.listPaginated({ search: tag })).items.map((c) => [c.name, c.has_public_access]));
    assert.deepEqual(await flags(), { [`${tag}_open`]: true, [`${tag}_closed`]: false });

    const tenant = await registerAccount(server, 'pub');
    await tenant.client.records.create(open.name, { title: 'one' });
    await tenant.client.records.create(open.name, { title: 'two' });
    const got = await root.collections.get(open.id);
    assert.equal(got.field_count, 3);
    assert.equal(got.record_count, 2);
    assert.equal(got.has_public_access, true);
    assert.equal((await root.collections.get(closed.id)).has_public_access, false);
    // An anonymous client can read what has_public_access announces.
    const anonymous = newClient(server, { accountId: tenant.account.id });
    assert.equal((await anonymous.records.list(open.name)).items.length, 2);

    // Locked again: no public access.
    await root.collectionRules.update(open.name, { list_rule: null, view_rule: null });
    assert.deepEqual(await flags(), { [`${tag}_open`]: false, [`${tag}_closed`]: false });
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
    assert.equal(doc.version, '1.0');
    assert.equal(doc.exported_by, ROOT_EMAIL);
    assert.ok(!Number.isNaN(Date.parse(doc.exported_at)));
    assert.deepEqual(exportedA.rules, await root.collectionRules.get(a));
    const everything = await root.collections.export();
    assert.ok(everything.collections.length >= 2);
    await rejectsWith(root.collections.export({ collection_ids: ['no_such_collection'] }), NotFoundError);

    // A second, empty server receives the document.
    const other = await startServer();
    try {
      const otherRoot = await rootClient(other);
      const first = await otherRoot.collections.import({ data: doc, strategy: 'error' });
      assert.equal(first.success, true);
      assert.equal(first.imported_count, 2);
      assert.equal(first.updated_count, 0);
      assert.equal(first.skipped_count, 0);
      assert.equal(first.failed_count, 0);
      assert.deepEqual(
        first.collections.map((c) => [c.name, c.status]).sort(),
        [
          [a, 'imported'],
          [b, 'imported'],
        ].sort(),
      );
      assert.ok(first.collections.every((c) => typeof c.message === 'string' && c.message.length > 0));
      assert.equal(first.migrations_created.length, 2);
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
      const skipped = await otherRoot.collections.import({ data: doc, strategy: 'skip' });
      assert.equal(skipped.skipped_count, 2);
      assert.deepEqual(skipped.migrations_created, []);
      const changed = structuredClone(doc);
      changed.collections.find((c) => c.name === a).schema.push({ name: 'extra', type: 'text' });
      await otherRoot.collections.import({ data: changed, strategy: 'skip' });
      assert.equal((await otherRoot.collections.get(imported.id)).fields.length, 3, 'skip changed nothing');
      const updated = await otherRoot.collections.import({ data: changed, strategy: 'update' });
      assert.equal(updated.collections.find((c) => c.name === a).status, 'updated');
      assert.equal(updated.updated_count, 1);
      assert.equal(updated.skipped_count, 1, 'the unchanged one counts as skipped');
      assert.deepEqual(
        (await otherRoot.collections.get(imported.id)).fields.map((f) => f.name),
        ['title', 'views', 'done', 'extra'],
      );
      await rejectsWith(otherRoot.collections.import({ data: { collections: [] } }), ValidationError);
    } finally {
      await other.stop();
    }
  });

  test("import takes the SDK's own document format, rules included", async () => {
    const name = uniq('sdkdoc_');
    const data = {
      version: '1.0',
      exported_at: new Date().toISOString(),
      exported_by: 'someone@example.com',
      collections: [
        {
          name,
          schema: [
            { name: 'title', type: 'text', required: true, expression: null, return_type: null },
            { name: 'views', type: 'number', default: 0 },
          ],
          rules: {
            list_rule: '',
            view_rule: '',
            create_rule: "@has_role('admin')",
            update_rule: null,
            delete_rule: null,
            list_fields: '*',
            view_fields: '*',
            create_fields: 'title, views',
            update_fields: '*',
          },
        },
      ],
    };
    const result = await root.collections.import({ data, strategy: 'error' });
    assert.deepEqual(
      { ...result, migrations_created: result.migrations_created.length },
      {
        success: true,
        imported_count: 1,
        skipped_count: 0,
        updated_count: 0,
        failed_count: 0,
        collections: [{ name, status: 'imported', message: 'Created with 2 fields' }],
        migrations_created: 1,
        imported: [{ name, status: 'created' }],
      },
    );
    const rules = await root.collectionRules.get(name);
    assert.equal(rules.list_rule, '');
    assert.equal(rules.create_rule, "@has_role('admin')");
    assert.deepEqual(rules.create_fields, ['title', 'views']);
    assert.equal(rules.delete_rule, null);
    const got = await root.collections.get(name);
    assert.equal(got.field_count, 2);
    assert.equal(got.has_public_access, true);

    // Rules that do not compile refuse the whole document, naming the place.
    const bad = structuredClone(data);
    bad.collections[0].name = uniq('sdkbad_');
    bad.collections[0].rules.update_rule = 'record.title ==';
    const error = await rejectsWith(root.collections.import({ data: bad }), ValidationError);
    assert.equal(error.details.details[0].field, 'data.collections[0].rules.update_rule');
    assert.ok(!(await root.collections.listNames()).includes(bad.collections[0].name));
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

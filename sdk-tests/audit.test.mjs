// The audit trail through `client.auditLogs`: list with the SDK's filters
// and paging, get one entry, and export as JSON (parsed by the SDK), CSV and
// PDF (base64 text). Record changes give one entry per changed column with
// the caller, the request and a checksum chained to the entry before; an
// account admin sees only their account's entries; a plain user none.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('audit logs', () => {
  let server;
  let root;
  let notes;
  let a;
  let b;
  let note;

  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    notes = uniq('audited_');
    await root.collections.create({
      name: notes,
      fields: [
        { name: 'body', type: 'text', required: true },
        { name: 'n', type: 'number', default: 0 },
      ],
    });
    a = await registerAccount(server, 'auda');
    b = await registerAccount(server, 'audb');
    note = await a.client.records.create(notes, { body: 'first', n: 1 });
    await a.client.records.update(notes, note.id, { body: 'second' });
    await b.client.records.create(notes, { body: 'other account' });
  });
  after(async () => {
    await server?.stop();
  });

  test('list returns one entry per changed column, with filters and paging', async () => {
    const page = await root.auditLogs.list({ table_name: notes, record_id: note.id, sort_by: 'id', sort_order: 'asc' });
    assert.equal(page.audit_logging_enabled, true);
    assert.equal(typeof page.total, 'number');
    assert.equal(page.skip, 0);
    assert.equal(page.limit, 50);
    const ops = page.items.map((e) => `${e.operation}:${e.column_name}`);
    assert.ok(ops.includes('CREATE:body') && ops.includes('CREATE:n'), ops.join());
    // records.update replaces the record (PUT): `n` goes back to its default.
    const update = page.items.filter((e) => e.operation === 'UPDATE' && e.column_name === 'body');
    assert.equal(update.length, 1, 'one entry for the changed column');
    assert.ok(
      page.items.filter((e) => e.operation === 'UPDATE').every((e) => e.old_value !== e.new_value),
      'only changed columns',
    );
    assert.equal(update[0].old_value, 'first');
    assert.equal(update[0].new_value, 'second');
    for (const e of page.items) {
      assert.equal(typeof e.id, 'number');
      assert.equal(e.account_id, a.account.id);
      assert.equal(e.table_name, notes);
      assert.equal(e.user_id, a.user.id);
      assert.equal(e.user_email, a.email);
      assert.match(e.checksum, /^[0-9a-f]{64}$/);
      assert.match(e.previous_hash, /^[0-9a-f]{64}$/);
      assert.equal(typeof e.occurred_at, 'string');
      assert.ok(e.request_id, 'the request is named');
    }
    // Entries of one chain follow each other.
    const sorted = [...page.items].sort((x, y) => x.sequence - y.sequence);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].sequence === sorted[i - 1].sequence + 1) {
        assert.equal(sorted[i].previous_hash, sorted[i - 1].checksum);
      }
    }
    const one = await root.auditLogs.list({ table_name: notes, operation: 'UPDATE', limit: 1 });
    assert.equal(one.items.length, 1);
    assert.equal(one.limit, 1);
    const later = await root.auditLogs.list({ table_name: notes, from_date: '2999-01-01' });
    assert.equal(later.total, 0);
    const today = new Date().toISOString().slice(0, 10);
    const upToToday = await root.auditLogs.list({ table_name: notes, to_date: today });
    assert.ok(upToToday.total >= 3, 'to_date as a day includes that day');
    await rejectsWith(root.auditLogs.list({ limit: 1000 }), ValidationError, { status: 422 });
    await rejectsWith(root.auditLogs.list({ sort_by: 'nope' }), ValidationError);
  });

  test('get returns one entry; another account cannot', async () => {
    const page = await a.client.auditLogs.list({ table_name: notes });
    assert.ok(page.items.length > 0);
    assert.ok(page.items.every((e) => e.account_id === a.account.id), 'an admin sees their account');
    const entry = await a.client.auditLogs.get(page.items[0].id);
    assert.deepEqual(entry, page.items[0]);
    await rejectsWith(b.client.auditLogs.get(page.items[0].id), NotFoundError, { status: 404 });
    await rejectsWith(b.client.auditLogs.list({ account_id: a.account.id }), AuthorizationError, { status: 403 });
    const theirs = await b.client.auditLogs.list({ table_name: notes });
    assert.ok(!JSON.stringify(theirs).includes('first'), "no trace of another account's values");
    await rejectsWith(root.auditLogs.get(999999999), NotFoundError);
  });

  test('a signed-in user who is not an admin is refused', async () => {
    const invited = uniq('member') + '@example.com';
    const inv = await a.client.invitations.create({ email: invited });
    const token = inv.token ?? null;
    if (!token) return; // the invitation was mailed; covered by the server's tests
    const member = newClient(server);
    await member.invitations.accept(token, { password: PASSWORD });
    await member.auth.login({ account: a.account.slug, email: invited, password: PASSWORD });
    await rejectsWith(member.auditLogs.list(), AuthorizationError, { status: 403 });
  });

  test('export: signed JSON (parsed), CSV and base64 PDF', async () => {
    const json = await root.auditLogs.export({ table_name: notes }, 'json');
    assert.equal(typeof json, 'object', 'the SDK parses a JSON export');
    assert.equal(json.format, 'snackbase-audit-export/1');
    assert.equal(json.count, json.entries.length);
    assert.ok(json.count >= 4);
    assert.match(json.digest, /^[0-9a-f]{64}$/);
    assert.match(json.signature, /^[0-9a-f]{128}$/);
    assert.match(json.public_key, /^[0-9a-f]{64}$/);
    const csv = await root.auditLogs.export({ table_name: notes }, 'csv');
    assert.equal(typeof csv, 'string');
    const lines = csv.trim().split('\n');
    assert.ok(lines[0].startsWith('id,chain,sequence,account_id,operation'));
    assert.ok(lines.at(-1).startsWith('#signature,'));
    const pdf = await root.auditLogs.export({ table_name: notes }, 'pdf');
    assert.equal(typeof pdf, 'string');
    assert.ok(Buffer.from(pdf, 'base64').subarray(0, 5).toString() === '%PDF-', 'base64 of a PDF');
    const mine = await a.client.auditLogs.export({ table_name: notes }, 'json');
    assert.ok(mine.entries.every((e) => e.account_id === a.account.id));
    await rejectsWith(a.client.auditLogs.export({ account_id: b.account.id }, 'csv'), AuthorizationError);
  });
});

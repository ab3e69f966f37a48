// Tenant isolation through the SDK: a user of account B never sees or changes
// account A's records, groups, invitations, webhooks or users, and a token
// cannot be bent to act in another account.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, tokenClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('tenant isolation', () => {
  let server;
  let notes;
  let a;
  let b;
  let secret;
  before(async () => {
    server = await startServer();
    const root = await rootClient(server);
    notes = uniq('notes_');
    await root.collections.create({
      name: notes,
      fields: [
        { name: 'body', type: 'text' },
        { name: 'code', type: 'text', unique: true },
      ],
    });
    a = await registerAccount(server, 'tena');
    b = await registerAccount(server, 'tenb');
    secret = await a.client.records.create(notes, { body: 'A only', code: 'same' });
  });
  after(async () => {
    await server?.stop();
  });

  test("B cannot read A's record: NotFound on get, absent from lists", async () => {
    await rejectsWith(b.client.records.get(notes, secret.id), NotFoundError, { status: 404 });
    const list = await b.client.records.list(notes);
    assert.equal(list.total, 0);
    assert.deepEqual(list.items, []);
    const filtered = await b.client.records.query(notes).filterRaw(`id == '${secret.id}'`).get();
    assert.deepEqual(filtered.items, []);
    assert.equal(await b.client.records.query(notes).first(), null);
    // A still sees it.
    assert.equal((await a.client.records.get(notes, secret.id)).body, 'A only');
  });

  test("B cannot change or delete A's record", async () => {
    await rejectsWith(b.client.records.patch(notes, secret.id, { body: 'hacked' }), NotFoundError);
    await rejectsWith(b.client.records.update(notes, secret.id, { body: 'hacked' }), NotFoundError);
    await rejectsWith(b.client.records.delete(notes, secret.id), NotFoundError);
    await rejectsWith(b.client.records.batchUpdate(notes, [{ id: secret.id, data: { body: 'hacked' } }]), NotFoundError);
    await rejectsWith(b.client.records.batchDelete(notes, [secret.id]), NotFoundError);
    assert.equal((await a.client.records.get(notes, secret.id)).body, 'A only');
  });

  test('unique values are per account; account_id in a body is not honoured', async () => {
    const mine = await b.client.records.create(notes, { body: 'B', code: 'same' });
    assert.equal(mine.account_id, b.account.id);
    // account_id is a system field: a body naming A's account is refused.
    const err = await rejectsWith(
      b.client.records.create(notes, { body: 'smuggled', account_id: a.account.id }),
      ValidationError,
      { status: 422 },
    );
    assert.match(JSON.stringify(err.details), /account_id/);
    const aList = await a.client.records.list(notes);
    assert.deepEqual(
      aList.items.map((r) => r.body),
      ['A only'],
    );
  });

  test("B's admin does not see A's users, groups, invitations or webhooks", async () => {
    const group = await a.client.groups.create({ name: uniq('ga') });
    await rejectsWith(b.client.groups.get(group.id), NotFoundError);
    const bGroups = await b.client.groups.list();
    assert.ok(!bGroups.items.some((g) => g.id === group.id));
    await rejectsWith(b.client.groups.addMember(group.id, b.user.id), NotFoundError);
    await rejectsWith(b.client.users.get(a.user.id), NotFoundError);
    const inv = await a.client.invitations.create({ email: `i@${uniq('i')}.example.com` });
    await rejectsWith(b.client.invitations.cancel(inv.id), NotFoundError);
    const bInv = await b.client.invitations.list();
    assert.equal(bInv.total, 0);
  });

  test('a token for account A presented with another account id is still A', async () => {
    // The SDK sends X-Account-ID only without a token; with one, the token decides.
    const login = await newClient(server).auth.login({ account: a.account.slug, email: a.email, password: PASSWORD });
    const client = newClient(server, { getAccessToken: () => login.token, accountId: b.account.id });
    const list = await client.records.list(notes);
    assert.ok(list.items.every((r) => r.account_id === a.account.id));
  });

  test("B's token with A's account and user spliced in is refused", async () => {
    const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const aClaims = claimsOf(a.client.internalAuthManager.token);
    const [header, payload, signature] = b.client.internalAuthManager.token.split('.');
    const spliced = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(`${header}.${payload}`), ...aClaims })).toString('base64url')}.${signature}`;
    await rejectsWith(tokenClient(server, spliced).records.list(notes), AuthenticationError, { status: 401 });
    await rejectsWith(tokenClient(server, spliced).records.get(notes, secret.id), AuthenticationError);
  });
});

// API keys: an account admin creates a key (shown once, then masked), lists,
// gets and revokes it through `client.apiKeys`; a second client configured
// with `apiKey` (no login) works on its account's records on behalf of the
// key's maker, never another account's, is refused the superadmin's routes
// with the SDK's ApiKeyRestrictedError, and gets AuthenticationError once the
// key is revoked or expired. The superadmin must name the account. A key
// scoped to some collections reaches only their records.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiKeyRestrictedError,
  SnackBaseError,
  AuthenticationError,
  AuthorizationError,
  NotFoundError,
  ValidationError,
} from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, ROOT_EMAIL, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

// "sb_ak." + a 16-character key id + "." + a 43-character secret.
const KEY_SHAPE = /^sb_ak\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/;
const MASKED = /^sb_ak\.[A-Za-z0-9_-]{16}\.••••$/;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('API keys', () => {
  let server;
  let root;
  let rootToken;
  let notes;
  let a; // { client, account, user, email }: the account admin who makes keys
  let b; // another account
  let bNote;

  /** A client that authenticates with `X-API-Key` only (no login). */
  const keyClient = (key, config = {}) => newClient(server, { apiKey: key, ...config });

  /**
   * POST /api/v1/admin/api-keys with fields the SDK's `create({name,
   * expires_at?})` does not declare (`account_id`, `role`), by fetch.
   */
  async function rawCreate(token, body) {
    const res = await fetch(`${server.base}/api/v1/admin/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  /** The access token of an SDK client that signed in (as files.test.mjs reads it). */
  const tokenOf = (client) => new URL(client.files.getDownloadUrl('x')).searchParams.get('token');

  before(async () => {
    server = await startServer();
    root = newClient(server);
    rootToken = (await root.auth.login({ account: 'system', email: ROOT_EMAIL, password: PASSWORD })).token;
    // Only the superadmin creates collections (an account admin's create is a
    // 403, collections.test.mjs); the admins fill them.
    notes = uniq('notes_');
    await root.collections.create({
      name: notes,
      fields: [
        { name: 'body', type: 'text', required: true },
        { name: 'n', type: 'number', default: 0 },
      ],
    });
    a = await registerAccount(server, 'keya');
    b = await registerAccount(server, 'keyb');
    await a.client.records.create(notes, { body: 'A by login', n: 1 });
    bNote = await b.client.records.create(notes, { body: 'B only', n: 2 });
  });
  after(async () => {
    await server?.stop();
  });

  test('create shows the key once; list and get show it masked, never the secret', async () => {
    const name = uniq('backend ');
    const created = await a.client.apiKeys.create({ name });
    assert.match(created.key, KEY_SHAPE);
    assert.ok(created.key.startsWith('sb_ak.'));
    assert.equal(created.name, name);
    assert.equal(created.prefix, created.key.slice(0, 'sb_ak.'.length + 16));
    assert.equal(created.account_id, a.account.id);
    assert.equal(created.role, 'admin', 'the default role');
    assert.equal(created.created_by, a.user.id);
    assert.equal(created.created_by_email, a.email);
    assert.equal(created.is_active, true);
    assert.equal(created.last_used_at, null);
    assert.equal(created.expires_at, null);
    assert.equal(created.revoked_at, null);
    assert.equal(typeof created.created_at, 'string');
    assert.equal(typeof created.updated_at, 'string');
    const secret = created.key.split('.')[2];

    const got = await a.client.apiKeys.get(created.id);
    assert.match(got.key, MASKED);
    assert.ok(got.key.startsWith(created.prefix));
    assert.equal(got.name, name);
    assert.equal(got.is_active, true);
    assert.ok(!JSON.stringify(got).includes(secret), 'get never shows the secret');

    const list = await a.client.apiKeys.list();
    assert.equal(typeof list.total, 'number');
    const listed = list.items.find((k) => k.id === created.id);
    assert.ok(listed, 'the new key is listed');
    assert.match(listed.key, MASKED);
    assert.ok(!JSON.stringify(list).includes(secret), 'list never shows the secret');

    // Invalid input and unknown ids.
    await rejectsWith(a.client.apiKeys.create({ name: '' }), ValidationError, { status: 422 });
    await rejectsWith(a.client.apiKeys.create({ name: 'x'.repeat(101) }), ValidationError);
    await rejectsWith(a.client.apiKeys.create({ name: 'past', expires_at: '2001-01-01T00:00:00Z' }), ValidationError);
    await rejectsWith(a.client.apiKeys.create({ name: 'when', expires_at: 'tomorrow' }), ValidationError);
    await rejectsWith(a.client.apiKeys.get('no-such-key'), NotFoundError, { status: 404 });
    await rejectsWith(a.client.apiKeys.revoke('no-such-key'), NotFoundError);
    await rejectsWith(a.client.apiKeys.list({ limit: 0 }), ValidationError);
  });

  test('list pages with limit and offset, newest first, per account', async () => {
    const fresh = await registerAccount(server, 'keyp');
    const made = [];
    for (const n of ['one', 'two', 'three']) {
      made.push(await fresh.client.apiKeys.create({ name: n }));
      await sleep(5); // distinct created_at, so "newest first" is well defined
    }
    const all = await fresh.client.apiKeys.list();
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.items.map((k) => k.name),
      ['three', 'two', 'one'],
    );
    const page = await fresh.client.apiKeys.list({ limit: 2, offset: 1 });
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.items.map((k) => k.name),
      ['two', 'one'],
    );
    // Another account's admin neither lists nor reaches these keys.
    assert.ok(!(await b.client.apiKeys.list()).items.some((k) => made.some((m) => m.id === k.id)));
    await rejectsWith(b.client.apiKeys.get(made[0].id), NotFoundError);
    await rejectsWith(b.client.apiKeys.revoke(made[0].id), NotFoundError);
    assert.equal((await fresh.client.apiKeys.get(made[0].id)).is_active, true);
  });

  test("a client with `apiKey` reads and writes its account's records on behalf of the key's maker", async () => {
    const created = await a.client.apiKeys.create({ name: uniq('rw ') });
    const client = keyClient(created.key);
    // The SDK does not sign in with a configured key (isApiKeySession follows
    // the token type of a login reply only).
    assert.equal(client.isAuthenticated, false);
    assert.equal(client.isApiKeySession, false);
    // GET /auth/me answers the key's maker, in the key's account and role.
    const me = await client.auth.getCurrentUser();
    assert.equal(me.user_id, a.user.id);
    assert.equal(me.email, a.email);
    assert.equal(me.account_id, a.account.id);
    assert.equal(me.role, 'admin');
    // Its user says the session is an API key's (user.token_type).
    assert.equal(me.user.token_type, 'api_key');
    assert.equal(client.isApiKeySession, true);

    const list = await client.records.list(notes);
    assert.deepEqual(
      list.items.map((r) => r.body),
      ['A by login'],
    );
    const mine = await client.records.create(notes, { body: 'by key', n: 5 });
    assert.equal(mine.account_id, a.account.id);
    assert.equal(mine.created_by, a.user.id, 'written on behalf of the admin who made the key');
    assert.equal((await client.records.patch(notes, mine.id, { n: 6 })).n, 6);
    assert.equal((await a.client.records.get(notes, mine.id)).n, 6, 'the admin sees the change');
    assert.deepEqual(await client.records.delete(notes, mine.id), { success: true });
    await rejectsWith(a.client.records.get(notes, mine.id), NotFoundError);

    // The key's use is recorded (after the request; at most once a minute).
    let used = null;
    for (let i = 0; i < 50 && used === null; i++) {
      used = (await a.client.apiKeys.get(created.id)).last_used_at;
      if (used === null) await sleep(100);
    }
    assert.equal(typeof used, 'string', 'last_used_at is set');

    // An admin-role key manages its own account's keys.
    assert.ok((await client.apiKeys.list()).items.some((k) => k.id === created.id));
  });

  test("a key cannot reach another account's records", async () => {
    const { key } = await a.client.apiKeys.create({ name: uniq('iso ') });
    const client = keyClient(key);
    await rejectsWith(client.records.get(notes, bNote.id), NotFoundError, { status: 404 });
    assert.ok(!(await client.records.list(notes)).items.some((r) => r.id === bNote.id));
    await rejectsWith(client.records.patch(notes, bNote.id, { body: 'hacked' }), NotFoundError);
    await rejectsWith(client.records.delete(notes, bNote.id), NotFoundError);
    assert.equal((await b.client.records.get(notes, bNote.id)).body, 'B only');

    // Naming the other account (`accountId` sends X-Account-ID while the
    // client has no token) is refused: "Only the superadmin may act in another
    // account", which the SDK reads as an API key restriction.
    const bent = keyClient(key, { accountId: b.account.id });
    await rejectsWith(bent.records.list(notes), ApiKeyRestrictedError, { status: 403 });
    await rejectsWith(bent.records.get(notes, bNote.id), ApiKeyRestrictedError, { status: 403 });
  });

  test("superadmin-only calls are the SDK's ApiKeyRestrictedError; a user-role key manages no keys", async () => {
    const { key } = await a.client.apiKeys.create({ name: uniq('admin ') });
    const client = keyClient(key);
    const err = await rejectsWith(client.accounts.list(), ApiKeyRestrictedError, { status: 403, message: /restricted/ });
    assert.equal(err.code, 'API_KEY_RESTRICTED');
    await rejectsWith(
      client.collections.create({ name: uniq('no_'), fields: [{ name: 't', type: 'text' }] }),
      ApiKeyRestrictedError,
    );

    // A key with the user role (the SDK's create has no `role`) has that
    // role's permissions, none on this collection, and cannot manage keys.
    const made = await rawCreate(tokenOf(a.client), { name: uniq('reader '), role: 'user' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.role, 'user');
    const reader = keyClient(made.body.key);
    await rejectsWith(reader.records.list(notes), AuthorizationError, { status: 403, message: /Permission denied/ });
    assert.ok((await client.records.list(notes)).items.length >= 1, 'the admin-role key reads');
    await rejectsWith(reader.apiKeys.list(), AuthorizationError, { status: 403 });
    await rejectsWith(reader.apiKeys.create({ name: 'escalate' }), AuthorizationError, { status: 403 });
  });

  test('revoke: the key client gets AuthenticationError from the next request on', async () => {
    const created = await a.client.apiKeys.create({ name: uniq('ci ') });
    const client = keyClient(created.key);
    assert.ok((await client.records.list(notes)).total >= 1);

    assert.equal(await a.client.apiKeys.revoke(created.id), undefined, 'revoke resolves to nothing (204)');
    const err = await rejectsWith(client.records.list(notes), AuthenticationError, {
      status: 401,
      message: /Invalid API key/,
    });
    assert.equal(err.code, 'AUTHENTICATION_ERROR');
    await rejectsWith(client.records.create(notes, { body: 'late' }), AuthenticationError);
    await rejectsWith(client.auth.getCurrentUser(), AuthenticationError);

    const got = await a.client.apiKeys.get(created.id);
    assert.equal(got.is_active, false);
    assert.equal(typeof got.revoked_at, 'string');
    assert.ok((await a.client.apiKeys.list()).items.some((k) => k.id === created.id && !k.is_active), 'still listed');
    // Revoking again is harmless.
    await a.client.apiKeys.revoke(created.id);

    // Keys the server never issued, or with a wrong secret, are refused alike.
    for (const bad of [`${created.prefix}.${'A'.repeat(43)}`, 'sb_ak.nonsense', 'not-a-key']) {
      await rejectsWith(keyClient(bad).records.list(notes), AuthenticationError, { status: 401 });
    }
  });

  test('a signed-in client that also has `apiKey` sends both; the token wins', async () => {
    const created = await a.client.apiKeys.create({ name: uniq('both ') });
    await a.client.apiKeys.revoke(created.id);
    // Login and register are sent without X-API-Key, so a dead key does not
    // stop the login; afterwards the bearer token is used.
    const client = keyClient(created.key);
    await client.auth.login({ account: a.account.slug, email: a.email, password: PASSWORD });
    assert.equal((await client.auth.getCurrentUser()).email, a.email);
    assert.ok((await client.records.list(notes)).items.length >= 1);
  });

  test('an expired key is refused', async () => {
    const expiresAt = new Date(Date.now() + 2_000);
    const created = await a.client.apiKeys.create({ name: uniq('short '), expires_at: expiresAt.toISOString() });
    assert.equal(new Date(created.expires_at).getTime(), expiresAt.getTime());
    assert.equal(created.is_active, true);
    const client = keyClient(created.key);
    assert.ok((await client.records.list(notes)).items.length >= 1, 'works until it expires');

    await sleep(expiresAt.getTime() - Date.now() + 300);
    await rejectsWith(client.records.list(notes), AuthenticationError, { status: 401, message: /Invalid API key/ });
    const got = await a.client.apiKeys.get(created.id);
    assert.equal(got.is_active, false, 'expired: not active');
    assert.equal(got.revoked_at, null, 'expired, not revoked');
  });

  test('the superadmin must name the account of a key', async () => {
    const err = await rejectsWith(root.apiKeys.create({ name: 'ops' }), ValidationError, { status: 422 });
    assert.match(JSON.stringify(err.details), /account_id/);

    const made = await rawCreate(rootToken, { name: 'ops', account_id: a.account.id });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.match(made.body.key, KEY_SHAPE);
    assert.equal(made.body.account_id, a.account.id);
    assert.equal(made.body.created_by, root.user.id);
    // The key acts in that account (on behalf of the superadmin), and the
    // superadmin's routes stay closed to it.
    const client = keyClient(made.body.key);
    const record = await client.records.create(notes, { body: 'by the ops key' });
    assert.equal(record.account_id, a.account.id);
    assert.equal(record.created_by, root.user.id);
    await rejectsWith(client.accounts.list(), ApiKeyRestrictedError, { status: 403 });
    await rejectsWith(client.records.get(notes, bNote.id), NotFoundError);

    // The account's admin sees it; the superadmin lists and revokes it.
    assert.ok((await a.client.apiKeys.list()).items.some((k) => k.id === made.body.id));
    assert.ok((await root.apiKeys.list({ limit: 100 })).items.some((k) => k.id === made.body.id));
    assert.equal((await root.apiKeys.get(made.body.id)).account_id, a.account.id);
    await root.apiKeys.revoke(made.body.id);
    await rejectsWith(client.records.list(notes), AuthenticationError);

    // Never the system account; an unknown account is a 404.
    const system = await rawCreate(rootToken, { name: 'root key', account_id: 'SY0000' });
    assert.equal(system.status, 422, JSON.stringify(system.body));
    const unknown = await rawCreate(rootToken, { name: 'x', account_id: 'ZZ9999' });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    // An account admin cannot name another account.
    const other = await rawCreate(tokenOf(a.client), { name: 'x', account_id: b.account.id });
    assert.equal(other.status, 403, JSON.stringify(other.body));
  });

  test('a key scoped to some collections reaches only their records', async () => {
    const other = uniq('other_');
    await root.collections.create({ name: other, fields: [{ name: 'body', type: 'text' }] });
    await a.client.records.create(other, { body: 'A elsewhere' });
    // The SDK's create passes the scope through.
    const created = await a.client.apiKeys.create({ name: uniq('scoped '), collections: [notes] });
    assert.deepEqual(created.collections, [notes]);
    assert.deepEqual((await a.client.apiKeys.get(created.id)).collections, [notes]);
    const unscoped = (await a.client.apiKeys.list()).items.find((k) => k.collections === null);
    assert.ok(unscoped, 'an unscoped key lists `collections: null`');

    const client = keyClient(created.key);
    const mine = await client.records.create(notes, { body: 'scoped write', n: 7 });
    assert.ok((await client.records.list(notes)).items.some((r) => r.id === mine.id));
    assert.equal((await client.records.get(notes, mine.id)).n, 7);
    await client.records.delete(notes, mine.id);

    const outside = { status: 403, message: /API key is not scoped to this collection/ };
    await rejectsWith(client.records.list(other), AuthorizationError, outside);
    await rejectsWith(client.records.create(other, { body: 'no' }), AuthorizationError, outside);
    // Another account's records stay out of reach, in scope or not.
    await rejectsWith(client.records.get(notes, bNote.id), NotFoundError);
    // A scoped key administers nothing: not even keys (it could widen its scope).
    await rejectsWith(client.apiKeys.list(), ApiKeyRestrictedError, { status: 403 });
    await rejectsWith(client.apiKeys.create({ name: 'wider' }), ApiKeyRestrictedError, { status: 403 });

    // Unknown collections are refused at creation (400).
    const err = await rejectsWith(a.client.apiKeys.create({ name: 'bad', collections: [notes, 'no_such'] }), SnackBaseError, {
      status: 400,
      message: /no_such/,
    });
    assert.equal(err.code, 'UNKNOWN_ERROR');
  });
});

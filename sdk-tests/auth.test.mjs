// auth: register, login, getCurrentUser (me), refreshToken, logout, and the
// error classes of failed sign-ins and of forged or revoked tokens.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError, ConflictError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, rejectsWith, tokenClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

describe('auth', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('register creates an account with its admin and does not sign the client in', async () => {
    const client = newClient(server);
    const name = uniq('Reg ');
    const email = `ada@${uniq('reg')}.example.com`;
    const reply = await client.auth.register({ email, password: PASSWORD, account_name: name });
    assert.equal(typeof reply.token, 'string');
    assert.equal(typeof reply.refresh_token, 'string');
    assert.ok(reply.expires_in > 0);
    assert.equal(reply.account.name, name);
    assert.match(reply.account.id, /^[A-Z]{2}\d{4}$/);
    assert.equal(reply.account.slug, name.toLowerCase().replace(' ', '-'));
    assert.equal(reply.user.email, email);
    assert.equal(reply.user.role, 'admin');
    assert.equal(reply.user.is_active, true);
    // The SDK does not store a registration's tokens.
    assert.equal(client.isAuthenticated, false);
    assert.equal(client.user, null);
  });

  test('register with an explicit slug; a taken slug is a ConflictError', async () => {
    const slug = uniq('slug-');
    const client = newClient(server);
    const reply = await client.auth.register({
      email: `a@${slug}.example.com`,
      password: PASSWORD,
      account_name: 'Slugged',
      account_slug: slug,
    });
    assert.equal(reply.account.slug, slug);
    await rejectsWith(
      client.auth.register({ email: `b@${slug}.example.com`, password: PASSWORD, account_name: 'Other', account_slug: slug }),
      ConflictError,
      { status: 409 },
    );
  });

  test('register with a weak password or a bad email is a ValidationError', async () => {
    const client = newClient(server);
    const weak = await rejectsWith(
      client.auth.register({ email: `w@${uniq('w')}.example.com`, password: 'short', account_name: uniq('W') }),
      ValidationError,
      { status: 422 },
    );
    assert.match(weak.message, /12 characters/);
    await rejectsWith(
      client.auth.register({ email: 'not-an-email', password: PASSWORD, account_name: uniq('W') }),
      ValidationError,
    );
  });

  test('login stores the session; getCurrentUser answers who the caller is', async () => {
    const setup = newClient(server);
    const email = `lin@${uniq('login')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Login ') });

    const client = newClient(server);
    const events = [];
    client.on('auth:login', (state) => events.push(state.user?.email));
    const reply = await client.auth.login({ account: reg.account.slug, email, password: PASSWORD });
    assert.equal(reply.user.email, email);
    assert.equal(reply.account.id, reg.account.id);
    assert.equal(client.isAuthenticated, true);
    assert.equal(client.user.email, email);
    assert.equal(client.user.role, 'admin');
    assert.equal(client.account.id, reg.account.id);
    assert.equal(client.account.slug, reg.account.slug);
    assert.equal(client.tokenType, 'jwt');
    assert.deepEqual(events, [email]);

    // The account code works as well as the slug.
    const byCode = newClient(server);
    await byCode.auth.login({ account: reg.account.id, email, password: PASSWORD });
    assert.equal(byCode.account.slug, reg.account.slug);

    const me = await client.auth.getCurrentUser();
    assert.equal(me.user_id, reg.user.id);
    assert.equal(me.account_id, reg.account.id);
    assert.equal(me.email, email);
    assert.equal(me.role, 'admin');
    // The flat reply keeps the stored user.
    assert.equal(me.user.email, email);
    assert.equal(client.user.id, reg.user.id);
  });

  test('defaultAccount fills in the account of login', async () => {
    const setup = newClient(server);
    const email = `def@${uniq('def')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Default ') });
    const client = newClient(server, { defaultAccount: reg.account.slug });
    await client.auth.login({ email, password: PASSWORD });
    assert.equal(client.account.id, reg.account.id);
  });

  test('a wrong password, an unknown account or email is an AuthenticationError', async () => {
    const setup = newClient(server);
    const email = `bad@${uniq('bad')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Bad ') });
    const client = newClient(server);
    for (const credentials of [
      { account: reg.account.slug, email, password: 'Wrong-Password-1!' },
      { account: 'no-such-account', email, password: PASSWORD },
      { account: reg.account.slug, email: `nobody@${uniq('n')}.example.com`, password: PASSWORD },
    ]) {
      const error = await rejectsWith(client.auth.login(credentials), AuthenticationError, { status: 401 });
      assert.equal(error.code, 'AUTHENTICATION_ERROR');
    }
    assert.equal(client.isAuthenticated, false);
  });

  test('refreshToken rotates the tokens; the old refresh token is refused afterwards', async () => {
    const setup = newClient(server);
    const email = `ref@${uniq('ref')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Refresh ') });
    const client = newClient(server);
    const login = await client.auth.login({ account: reg.account.slug, email, password: PASSWORD });

    const refreshed = await client.auth.refreshToken();
    assert.equal(typeof refreshed.token, 'string');
    assert.notEqual(refreshed.refresh_token, login.refresh_token);
    assert.equal(client.isAuthenticated, true);
    // The client now uses the new access token.
    const me = await client.auth.getCurrentUser();
    assert.equal(me.email, email);
    const viaNewToken = await tokenClient(server, refreshed.token).auth.getCurrentUser();
    assert.equal(viaNewToken.user_id, reg.user.id);

    // Presenting the spent refresh token again is refused.
    const replay = newClient(server);
    await replay.internalAuthManager.setState({ refreshToken: login.refresh_token });
    await rejectsWith(replay.auth.refreshToken(), AuthenticationError, { status: 401 });
  });

  test('logout clears the session and the server stops honouring its token', async () => {
    const setup = newClient(server);
    const email = `out@${uniq('out')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Logout ') });
    const client = newClient(server);
    const login = await client.auth.login({ account: reg.account.slug, email, password: PASSWORD });
    assert.equal((await tokenClient(server, login.token).auth.getCurrentUser()).email, email);

    assert.deepEqual(await client.auth.logout(), { success: true });
    assert.equal(client.isAuthenticated, false);
    assert.equal(client.user, null);
    await rejectsWith(tokenClient(server, login.token).auth.getCurrentUser(), AuthenticationError, { status: 401 });
    // The login's refresh token died with it.
    const replay = newClient(server);
    await replay.internalAuthManager.setState({ refreshToken: login.refresh_token });
    await rejectsWith(replay.auth.refreshToken(), AuthenticationError);
  });

  test('forged, tampered and missing tokens are AuthenticationErrors', async () => {
    const setup = newClient(server);
    const email = `forge@${uniq('forge')}.example.com`;
    const reg = await setup.auth.register({ email, password: PASSWORD, account_name: uniq('Forge ') });
    const [header, payload] = reg.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

    // The same claims signed with a key the server does not have.
    const forgedBody = `${header}.${payload}`;
    const forged = `${forgedBody}.${createHmac('sha256', 'not-the-server-key').update(forgedBody).digest('base64url')}`;
    // The real signature over claims raised to the superadmin's role.
    const tampered = `${header}.${b64({ ...claims, role: 'superadmin', account_id: 'SY0000' })}.${reg.token.split('.')[2]}`;
    // An unsigned token.
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;

    for (const token of [forged, tampered, unsigned, 'garbage', `${reg.token}x`]) {
      const client = tokenClient(server, token);
      await rejectsWith(client.auth.getCurrentUser(), AuthenticationError, { status: 401 });
      await rejectsWith(client.collections.listNames(), AuthenticationError, { status: 401 });
    }
    // No token at all.
    await rejectsWith(newClient(server).auth.getCurrentUser(), AuthenticationError, { status: 401 });
    // The genuine token still works.
    assert.equal((await tokenClient(server, reg.token).auth.getCurrentUser()).email, email);
  });
});

// OAuth / OpenID Connect login through the SDK (auth.getOAuthUrl,
// auth.handleOAuthCallback) against a real local provider (lib/oidc.mjs:
// oauth2-mock-server, which enforces PKCE), configured with
// admin.createConfiguration as the superadmin would.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError, SnackBaseError } from '@snackbase/sdk';

import { newClient, PASSWORD, rejectsWith, ROOT_EMAIL, rootClient, uniq } from './lib/sdk.mjs';
import { approve, startOidcMock } from './lib/oidc.mjs';
import { startServer } from './lib/server.mjs';

const REDIRECT = 'https://app.example.com/oauth/callback';

describe('OAuth / OIDC login through the SDK', () => {
  let server;
  let mock;
  let provider;
  let root;
  let rootToken;

  before(async () => {
    server = await startServer({ env: { SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS: 'true' } });
    mock = await startOidcMock();
    provider = await mock.provider({ sub: 'sdk-1', email: 'sdk.user@example.com', email_verified: true });
    root = await rootClient(server);
    rootToken = (await root.auth.login({ account: 'system', email: ROOT_EMAIL, password: PASSWORD })).token;
    const created = await root.admin.createConfiguration({
      display_name: 'Local IdP',
      category: 'auth_providers',
      provider_name: 'oidc',
      config: { issuer_url: provider.issuer, client_id: 'sdk-suite', client_secret: 'sdk-secret' },
    });
    assert.ok(created.id);
  });
  after(async () => {
    await mock?.stop();
    await server?.stop();
  });

  async function signIn(client, name) {
    const started = await client.auth.getOAuthUrl('oidc', REDIRECT);
    assert.equal(started.provider, 'oidc');
    const { code, state } = await approve(started.authorization_url);
    assert.equal(state, started.state);
    return client.auth.handleOAuthCallback({ provider: 'oidc', code, redirectUri: REDIRECT, state, name });
  }

  test('a first login makes an account and signs the SDK in; the next finds it', async () => {
    const client = newClient(server);
    const first = await signIn(client);
    assert.equal(first.isNewUser, true);
    assert.equal(first.isNewAccount, true);
    assert.equal(first.user.email, 'sdk.user@example.com');
    assert.equal(first.user.role, 'admin');
    assert.equal(client.isAuthenticated, true);
    assert.equal(client.user.email, 'sdk.user@example.com');
    const me = await client.auth.getCurrentUser();
    assert.equal(me.user.id, first.user.id);

    const other = newClient(server);
    const again = await signIn(other);
    assert.equal(again.isNewUser, false);
    assert.equal(again.isNewAccount, false);
    assert.equal(again.account.id, first.account.id);
    const identities = await (await fetch(`${server.base}/api/v1/users/${first.user.id}/identities`, {
      headers: { authorization: `Bearer ${rootToken}` },
    })).json();
    assert.equal(identities.items.length, 1);
    assert.equal(identities.items[0].issuer, provider.issuer);
  });

  test('an unknown state is refused by the SDK before any request', async () => {
    const before = (await mock.stats(provider)).token_requests;
    const client = newClient(server);
    const err = await rejectsWith(
      client.auth.handleOAuthCallback({ provider: 'oidc', code: 'c', redirectUri: REDIRECT, state: uniq('s') }),
      AuthenticationError,
    );
    // The SDK's local refusal: no status from a server, its code in details.
    assert.equal(err.details?.code, 'INVALID_STATE');
    assert.equal((await mock.stats(provider)).token_requests, before);
  });

  test('a replayed callback and a bad nonce are refused by the server', async () => {
    const client = newClient(server);
    const started = await client.auth.getOAuthUrl('oidc', REDIRECT);
    const { code, state } = await approve(started.authorization_url);
    await client.auth.handleOAuthCallback({ provider: 'oidc', code, redirectUri: REDIRECT, state });
    // The SDK forgets a used state; a raw replay reaches the server, which refuses it.
    const replay = await fetch(`${server.base}/api/v1/auth/oauth/oidc/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, redirect_uri: REDIRECT, state }),
    });
    assert.equal(replay.status, 400);
    assert.match((await replay.json()).message, /state/);

    await mock.tamper(provider, { nonce: 'forged' });
    try {
      const other = newClient(server);
      const err = await rejectsWith(signIn(other), SnackBaseError, { status: 400 });
      assert.match(err.message, /nonce/);
      assert.equal(other.isAuthenticated, false);
    } finally {
      await mock.tamper(provider, { nonce: null });
    }
  });

  test('an unconfigured provider is a 404', async () => {
    const client = newClient(server);
    await rejectsWith(client.auth.getOAuthUrl('google', REDIRECT), SnackBaseError, { status: 404 });
  });
});

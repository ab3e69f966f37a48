// Provider configurations through `client.admin.*Configuration*` (category
// auth_providers): the superadmin creates a system OpenID Connect provider,
// lists it, reads its values with the secret masked, updates them (the mask
// sent back keeps the secret), turns it off and on, makes it the default,
// reads the catalogue, a schema and the statistics, tests a connection and
// deletes it. An account admin lists and manages only her own account's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, ROOT_EMAIL, rootClient } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

const SECRET = 'sdk-suite-client-secret-31415';
const oidc = (display_name, extra = {}) => ({
  display_name,
  category: 'auth_providers',
  provider_name: 'oidc',
  config: { issuer_url: 'https://id.example.com', client_id: 'sdk-client', client_secret: SECRET, ...extra },
});

describe('admin configuration (auth providers)', () => {
  let server;
  let root;
  let a; // an account admin
  let b; // another account's admin

  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    a = await registerAccount(server, 'cfga');
    b = await registerAccount(server, 'cfgb');
  });
  after(async () => {
    await server?.stop();
  });

  test('the superadmin manages a system provider', async () => {
    const created = await root.admin.createConfiguration(oidc('Company SSO'));
    assert.equal(created.status, 'success');
    assert.ok(created.id);

    const system = await root.admin.listSystemConfigurations('auth_providers');
    const mine = system.find((c) => c.id === created.id);
    assert.ok(mine, JSON.stringify(system));
    assert.equal(mine.display_name, 'Company SSO');
    assert.equal(mine.provider_name, 'oidc');
    assert.equal(mine.category, 'auth_providers');
    assert.equal(mine.enabled, true);
    assert.equal(mine.is_system, true);
    assert.equal(typeof mine.updated_at, 'string');
    assert.deepEqual(await root.admin.listSystemConfigurations('email_providers'), []);

    const values = await root.admin.getConfigurationValues(created.id);
    assert.equal(values.client_secret, '********');
    assert.equal(values.client_id, 'sdk-client');
    assert.ok(!JSON.stringify(values).includes(SECRET));

    const updated = await root.admin.updateConfigurationValues(created.id, { client_id: 'sdk-client-2', client_secret: '********' });
    assert.equal(updated.id, created.id);
    const after = await root.admin.getConfigurationValues(created.id);
    assert.equal(after.client_id, 'sdk-client-2');
    assert.equal(after.client_secret, '********', 'the secret is kept');

    const off = await root.admin.updateConfigurationStatus(created.id, false);
    assert.deepEqual(off, { status: 'success', enabled: false, is_default: false });
    await root.admin.updateConfigurationStatus(created.id, true);

    const def = await root.admin.setConfigurationDefault(created.id);
    assert.equal(def.is_default, true);
    assert.equal(def.provider_name, 'oidc');
    assert.equal(def.display_name, 'Company SSO');
    const undef = await root.admin.unsetConfigurationDefault(created.id);
    assert.equal(undef.is_default, false);

    const stats = await root.admin.getConfigurationStats();
    assert.equal(stats.system_configs.total, 1);
    assert.equal(stats.system_configs.by_category.auth_providers, 1);
    const recent = await root.admin.getRecentConfigurations(5);
    assert.equal(recent[0].id, created.id);
    assert.equal(recent[0].last_modified_by.email, ROOT_EMAIL);

    const bad = await rejectsWith(root.admin.createConfiguration(oidc('Bad', { issuer_url: 'ftp://nope' })), ValidationError, { status: 422 });
    assert.equal(bad.details.details[0].field, 'config.issuer_url');

    const deleted = await root.admin.deleteConfiguration(created.id);
    assert.deepEqual(deleted, { success: true });
    await rejectsWith(root.admin.getConfigurationValues(created.id), NotFoundError);
  });

  test('the catalogue, a schema and a connection test', async () => {
    const providers = await root.admin.listProviders('auth_providers');
    assert.deepEqual(
      providers.map((p) => p.provider_name),
      ['oidc', 'google', 'microsoft', 'github'],
    );
    assert.ok(providers.every((p) => p.is_builtin === true && p.category === 'auth_providers'));
    const schema = await root.admin.getProviderSchema('auth_providers', 'google');
    assert.equal(schema.properties.client_secret.secret, true);
    assert.equal(schema.properties.scopes.default, 'openid email profile');
    assert.ok(!('issuer_url' in schema.properties));
    await rejectsWith(root.admin.getProviderSchema('auth_providers', 'nope'), NotFoundError);

    // A loopback issuer is refused by default (SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS).
    const result = await root.admin.testConnection('auth_providers', 'oidc', { issuer_url: 'http://127.0.0.1:9' });
    assert.equal(result.success, false);
    assert.match(result.message, /internal/);
  });

  test("an account admin manages her own account's providers only", async () => {
    const created = await a.client.admin.createConfiguration({
      display_name: 'GitHub',
      category: 'auth_providers',
      provider_name: 'github',
      config: { client_id: 'gh', client_secret: 'gh-secret' },
    });
    const list = await a.client.admin.listAccountConfigurations(a.account.id, 'auth_providers');
    assert.deepEqual(
      list.map((c) => [c.id, c.account_id, c.is_system]),
      [[created.id, a.account.id, false]],
    );
    assert.equal((await a.client.admin.getConfigurationValues(created.id)).client_secret, '********');
    await rejectsWith(b.client.admin.listAccountConfigurations(a.account.id), AuthorizationError, { status: 403 });
    await rejectsWith(b.client.admin.getConfigurationValues(created.id), NotFoundError);
    await rejectsWith(b.client.admin.deleteConfiguration(created.id), NotFoundError);
    await rejectsWith(a.client.admin.listSystemConfigurations(), AuthorizationError, { status: 403 });
    assert.deepEqual(await b.client.admin.listAccountConfigurations(b.account.id), []);
    // The superadmin sees it under the account.
    const seen = await root.admin.listAccountConfigurations(a.account.id);
    assert.equal(seen[0].id, created.id);
    assert.deepEqual(await a.client.admin.deleteConfiguration(created.id), { success: true });
  });
});

// Mail and storage providers through `client.admin.*Configuration*`
// (categories email_providers and storage_providers): the server starts
// without SMTP and with its own storage directory; the superadmin tests and
// saves an SMTP configuration and the next test send goes through it
// without a restart; a storage configuration moves new uploads to another
// directory at once and back when it is deleted; an account admin may not
// configure storage, and an account's SMTP server must be public.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

const PASSWORD_SECRET = 'sdk-smtp-password-27182';

/** Every file under `dir`, relative. */
function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

describe('admin configuration (email and storage providers)', () => {
  let server;
  let root;
  let smtp;
  let a; // an account admin
  let envFiles;
  let otherDir;

  before(async () => {
    smtp = await startSmtpSink();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-providers-'));
    envFiles = path.join(dataDir, 'env-files');
    otherDir = path.join(dataDir, 'configured-files');
    server = await startServer({ env: { SNACKBASE_STORAGE_PATH: envFiles } });
    root = await rootClient(server);
    a = await registerAccount(server, 'prova');
  });
  after(async () => {
    await server?.stop();
    await smtp?.close?.();
  });

  test('an SMTP configuration is tested, saved and used at once', async () => {
    const providers = await root.admin.listProviders('email_providers');
    assert.deepEqual(
      providers.map((p) => p.provider_name),
      ['smtp'],
    );
    const schema = await root.admin.getProviderSchema('email_providers', 'smtp');
    assert.equal(schema.properties.port.type, 'integer');
    assert.equal(schema.properties.password.secret, true);

    // No SMTP yet: a test send is refused.
    await rejectsWith(root.emailTemplates.sendTest('invitation', 'ops@example.com'), ValidationError);

    const config = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from_email: 'sdk@example.com',
      from_name: 'SDK Mail',
      password: PASSWORD_SECRET,
    };
    const tried = await root.admin.testConnection('email_providers', 'smtp', config);
    assert.equal(tried.success, true, tried.message);
    const dead = await root.admin.testConnection('email_providers', 'smtp', { ...config, port: 1 });
    assert.equal(dead.success, false);

    const created = await root.admin.createConfiguration({
      display_name: 'SDK relay',
      category: 'email_providers',
      provider_name: 'smtp',
      config,
    });
    assert.equal(created.status, 'success');
    const values = await root.admin.getConfigurationValues(created.id);
    assert.equal(values.password, '********');
    assert.equal(values.port, smtp.port);
    assert.ok(!JSON.stringify(values).includes(PASSWORD_SECRET));

    const before = smtp.messages.length;
    const reply = await root.emailTemplates.sendTest('invitation', 'ops@example.com', { account_name: 'Acme' });
    assert.equal(reply.status, 'sent');
    assert.equal(smtp.messages.length, before + 1);
    assert.match(smtp.messages.at(-1), /From: .*sdk@example\.com/);

    const stats = await root.admin.getConfigurationStats();
    assert.equal(stats.system_configs.by_category.email_providers, 1);

    // Off: the environment has none, so sending is refused again.
    const off = await root.admin.updateConfigurationStatus(created.id, false);
    assert.equal(off.enabled, false);
    await rejectsWith(root.emailTemplates.sendTest('invitation', 'ops@example.com'), ValidationError);
    await root.admin.deleteConfiguration(created.id);
  });

  test("an account's SMTP server must be public", async () => {
    const err = await rejectsWith(
      a.client.admin.createConfiguration({
        display_name: 'Mine',
        category: 'email_providers',
        provider_name: 'smtp',
        config: { host: '127.0.0.1', port: smtp.port, security: 'none', from_email: 'a@example.com' },
      }),
      ValidationError,
    );
    assert.match(JSON.stringify(err.details ?? err.message), /config\.host|public host/);
  });

  test('a storage configuration moves new uploads at once, and back', async () => {
    const names = (await root.admin.listProviders('storage_providers')).map((p) => p.provider_name);
    assert.deepEqual(names, ['local', 's3']);
    const probe = await root.admin.testConnection('storage_providers', 'local', { path: otherDir });
    assert.equal(probe.success, true, probe.message);

    const first = await root.files.upload(new Blob(['before\n']), { filename: 'before.txt' });
    assert.ok(filesUnder(envFiles).length >= 1);
    const created = await root.admin.createConfiguration({
      display_name: 'Second disk',
      category: 'storage_providers',
      provider_name: 'local',
      config: { path: otherDir },
    });
    const moved = await root.files.upload(new Blob(['after\n']), { filename: 'after.txt' });
    assert.ok(
      filesUnder(otherDir).some((f) => f.endsWith(path.basename(moved.path))),
      JSON.stringify(filesUnder(otherDir)),
    );
    assert.ok(!filesUnder(envFiles).some((f) => f.endsWith(path.basename(moved.path))));

    await root.admin.deleteConfiguration(created.id);
    const back = await root.files.upload(new Blob(['back\n']), { filename: 'back.txt' });
    assert.ok(filesUnder(envFiles).some((f) => f.endsWith(path.basename(back.path))));
    assert.ok(filesUnder(envFiles).some((f) => f.endsWith(path.basename(first.path))));
  });

  test('only the superadmin configures storage, system-wide', async () => {
    await rejectsWith(
      a.client.admin.createConfiguration({
        display_name: 'Mine',
        category: 'storage_providers',
        provider_name: 'local',
        config: { path: otherDir },
      }),
      AuthorizationError,
    );
    await rejectsWith(
      root.admin.createConfiguration({
        display_name: 'Relative',
        category: 'storage_providers',
        provider_name: 'local',
        config: { path: 'relative/dir' },
      }),
      ValidationError,
    );
  });
});

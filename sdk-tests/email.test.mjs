// emailTemplates.render/sendTest/listLogs/getLog, with a tiny SMTP sink on
// 127.0.0.1 that accepts every message (lib/smtp.mjs).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp.mjs';

describe('email templates: render, test sends, logs', () => {
  let server;
  let root;
  let smtp;
  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({ env: smtp.env() });
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
    await smtp?.close();
  });

  test('render fills the variables', async () => {
    const r = await root.emailTemplates.render({
      template_type: 'invitation',
      locale: 'en',
      variables: { account_name: 'Acme', accept_url: 'https://example.com/a' },
    });
    assert.equal(r.subject, 'You are invited to Acme');
    assert.ok(r.text_body.includes('https://example.com/a'));
    assert.equal(typeof r.html_body, 'string');
    const custom = await root.emailTemplates.render({
      template_type: 'invitation', locale: 'en', variables: { n: '<b>' }, subject: 'Hi {{n}}', html_body: '<p>{{n}}</p>',
    });
    assert.equal(custom.subject, 'Hi <b>');
    assert.equal(custom.html_body, '<p>&lt;b&gt;</p>');
    await rejectsWith(root.emailTemplates.render({ template_type: 'nope', locale: 'en', variables: {} }), ValidationError);
  });

  test('sendTest goes through SMTP and is logged', async () => {
    const reply = await root.emailTemplates.sendTest('invitation', 'dest@example.com', { account_name: 'Acme', token: 'abc' });
    assert.equal(reply.status, 'sent');
    assert.equal(reply.template_type, 'invitation');
    assert.equal(reply.locale, 'en');
    assert.ok(smtp.messages.some((m) => m.includes('You are invited to Acme')));

    const logs = await root.emailTemplates.listLogs({ status_filter: 'sent', template_type: 'invitation' });
    assert.equal(logs.page, 1);
    assert.ok(logs.total >= 1);
    const entry = logs.logs.find((l) => l.recipient_email === 'dest@example.com');
    assert.ok(entry);
    assert.equal(entry.status, 'sent');
    assert.equal(entry.provider, 'smtp');
    assert.equal(entry.variables.token, '[redacted]');
    const one = await root.emailTemplates.getLog(entry.id);
    assert.equal(one.id, entry.id);
    assert.equal((await root.emailTemplates.listLogs({ status_filter: 'failed' })).total, 0);
    await rejectsWith(root.emailTemplates.getLog('no-such-log'), NotFoundError);
    await rejectsWith(root.emailTemplates.sendTest('invitation', 'not an address'), ValidationError);
  });

  test('an account admin is refused', async () => {
    const { client } = await registerAccount(server, 'mail');
    await rejectsWith(client.emailTemplates.listLogs({}), AuthorizationError, { status: 403 });
    await rejectsWith(
      client.emailTemplates.render({ template_type: 'invitation', locale: 'en', variables: {} }),
      AuthorizationError,
    );
  });
});
